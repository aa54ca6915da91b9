from __future__ import annotations

import importlib

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal.models import Organisation, Role, User
from cm_portal.programmes.models import (
    Programme,
    ProgrammeGoal,
    ProgrammeGoalChange,
    ProgrammePhase,
)

# The migration that made "Vägledning i Vardagslivet" holds its values once; tests that flush
# the database (transactional ones) lose the migrated row, so the factories make it again.
_VAGLEDNING = importlib.import_module(
    "participants.migrations.0005_enrol_in_vagledning_i_vardagslivet"
)
VAGLEDNING_SLUG = _VAGLEDNING.VAGLEDNING["slug"]


def default_programme() -> Programme:
    """The installation's programme "Vägledning i Vardagslivet", as the migration makes it."""
    return _VAGLEDNING.create_vagledning(
        Programme, ProgrammePhase, ProgrammeGoal, ProgrammeGoalChange
    )


PASSWORD = "a-long-test-passphrase-2026"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.slug}")
    kind = Organisation.Kind.CIVIL_SOCIETY

    @factory.post_generation
    def programmes(self, create, extracted, **kwargs):
        """Takes part in ``programmes=[...]``, by default in "Vägledning i Vardagslivet"."""
        if not create:
            return
        if extracted is None:
            extracted = [default_programme()]
        for programme in extracted:
            programme.organisations.add(self)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    name = factory.Sequence(lambda n: f"Staff Member {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CASE_MANAGER
    password = factory.django.Password(PASSWORD)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "test"
    confirmed = True
