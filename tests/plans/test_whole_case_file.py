"""Every part of a case at once: the case file round-trips and the readable export shows it.

The demo cases (``load_demo_cases``) hold a plan, prioritised contacts, a crisis plan,
self-ratings, contacts, a consent and a held meeting with an outside party, so the sections
are written together, in order (a meeting's outside party needs the consent before it).
"""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from cm_portal.models import Role
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from consent.case_files import (
    case_data,
    dumps,
    export_cases,
    import_case_files,
    participants_for_export,
)
from consent.models import ParticipantExport
from participants.models import Participant
from plans.management.commands.load_demo_cases import (
    CASE_MANAGER_DISTRICT,
    CASE_MANAGER_HM,
    demo_cases,
)
from tests.factories import UserFactory
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(hela_manniskan, district):
    anna = UserFactory(email=CASE_MANAGER_HM, organisation=hela_manniskan, role=Role.CASE_MANAGER)
    UserFactory(email=CASE_MANAGER_DISTRICT, organisation=district, role=Role.CASE_MANAGER)
    return anna


def test_every_part_round_trips(staff):
    data = demo_cases(timezone.localdate())
    result = import_case_files(data=data, actor=staff)
    assert result.records == {
        "participants": 3,
        "contacts": 3,
        "consents": 1,
        "plan": 2,
        "prioritised_contacts": 2,
        "crisis_plan": 1,
        "self_ratings": 3,
        "coordination_meetings": 1,
    }
    exported = dumps(export_cases(participants_for_export()))

    Participant.objects.all().delete()
    import_case_files(data=json.loads(exported), actor=staff)
    assert dumps(export_cases(participants_for_export())) == exported


def test_the_readable_export_shows_every_plan_part(staff, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    import_case_files(data=demo_cases(timezone.localdate()), actor=staff)
    alex = Participant.objects.get(reference="HM-0001")
    assert case_data(alex)["plan"]["goals"][0]["title"] == "Eget boende"

    export = ParticipantExport.objects.create(participant=alex, requested_by=staff)
    render_pdf(ParticipantExport._meta.label_lower, export.pk)  # claims, renders, stores
    export.refresh_from_db()
    assert export.status == PdfStatus.READY, export.failure_reason
    with export.file.open("rb") as handle:
        text = pdf_to_text(handle.read())
    for part in (
        "Eget boende",  # a goal
        "Ställa sig i bostadskön",  # its sub-goal
        "Psykiatrimottagningen",  # a contact path and a prioritised contact
        "Ekonomiskt bistånd",
        "Sover dåligt",  # the crisis plan
        "Psykiatriska akutmottagningen",  # its chain
        "Vuxenenheten",  # the meeting's lead unit
    ):
        assert part in text, part
