"""The demo's two programmes (``make run``): the CM partnership of seeds 001/002 and the
Intern-SIP pilot of seed 004, so a newcomer sees that the portal serves more than one.

Demo seed data: the pilot's values are written here, the partnership's in its migration.
"""

from __future__ import annotations

import importlib
from datetime import date

from django.db import transaction

from cm_portal.models import Organisation, User

from .goals import GoalKind
from .models import Programme, ProgrammeGoal, ProgrammeGoalChange, ProgrammePhase, ReportingPeriod
from .services import programme_create, programme_goal_set, programme_phases_set

_MIGRATION = importlib.import_module(
    "participants.migrations.0005_enrol_in_vagledning_i_vardagslivet"
)
VAGLEDNING_SLUG = _MIGRATION.VAGLEDNING["slug"]
PARTNERSHIP_ORGANISATIONS = ("district", "hela-manniskan")
PILOT_SLUG = "intern-sip-skarholmen"
PILOT_ORGANISATION = ("skarholmen", "Skärholmens stadsdelsförvaltning")
# Who follows which programme's reports in the demo (accounts of cm_portal's load_demo).
PARTNERSHIP_MEMBERS = ("per.strom@district.example", "jonas.falk@hela-manniskan.example")
PILOT_MEMBERS = ("maja.holm@skarholmen.example",)


def vagledning() -> Programme:
    """ "Vägledning i Vardagslivet" as its migration makes it (again, on a flushed database)."""
    return _MIGRATION.create_vagledning(
        Programme, ProgrammePhase, ProgrammeGoal, ProgrammeGoalChange
    )


def demo_programmes() -> tuple[Programme, Programme]:
    """The partnership with the demo organisations taking part, and the pilot (with its own
    organisation): made once, found after."""
    with transaction.atomic():
        partnership = vagledning()
        partnership.organisations.add(
            *Organisation.objects.filter(slug__in=PARTNERSHIP_ORGANISATIONS)
        )
        pilot = Programme.objects.filter(slug=PILOT_SLUG).first()
        if pilot is None:
            slug, name = PILOT_ORGANISATION
            skarholmen, _created = Organisation.objects.get_or_create(
                slug=slug, defaults={"name": name, "kind": Organisation.Kind.PUBLIC_AUTHORITY}
            )
            # Seed 004: young adults 18-21 at two units, everyone in the target group offered
            # an Intern-SIP, followed up monthly and in tertial reports.
            pilot = programme_create(
                slug=PILOT_SLUG,
                name="Intern-SIP i Skärholmen (pilot)",
                start=date(2026, 9, 1),
                end=date(2027, 8, 31),
                organisations=[skarholmen],
                age_min=18,
                age_max=21,
                age_bins=[[18, 19], [20, 21]],
                entry_paths=["district_support", "other"],
                reporting_periods=[
                    ReportingPeriod.MONTH,
                    ReportingPeriod.TERTIAL,
                    ReportingPeriod.PROJECT_QUARTER,
                    ReportingPeriod.YEAR,
                ],
            )
            programme_phases_set(
                programme=pilot,
                phases=[("start", "Uppstart", 1, 3), ("pilot", "Pilotdrift", 4, 12)],
                actor=None,
            )
            programme_goal_set(
                programme=pilot, kind=GoalKind.INTERN_SIP_OFFERED, target_percent=100, actor=None
            )
            programme_goal_set(
                programme=pilot, kind=GoalKind.PARTICIPANTS_REACHED, target=20, actor=None
            )
        partnership.members.add(*User.objects.filter(email__in=PARTNERSHIP_MEMBERS))
        pilot.members.add(*User.objects.filter(email__in=PILOT_MEMBERS))
    return partnership, pilot
