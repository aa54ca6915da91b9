"""Demo participants with plans, contacts, consents and a meeting (DEMO_MODE only).

The cases are written as a case file and go through the importer, so they obey the same
rules as the forms. Dates count back from today, so the deadlines shown are realistic.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cm_portal.models import User
from cm_portal.programmes.demo import (
    PILOT_ORGANISATION,
    PILOT_SLUG,
    VAGLEDNING_SLUG,
    demo_programmes,
)
from consent.case_files import FORMAT, VERSION, CaseFileInvalid, import_case_files
from participants.models import Participant

CASE_MANAGER_HM = "anna.lind@hela-manniskan.example"
CASE_MANAGER_DISTRICT = "omar.haddad@district.example"
CASE_MANAGER_PILOT = "lina.nord@skarholmen.example"


def _day(today: date, days_ago: int) -> str:
    return (today - timedelta(days=days_ago)).isoformat()


def _participant(today: date, **values) -> dict:
    started = values.pop("started_days_ago")
    return {
        "programme": VAGLEDNING_SLUG,
        "personal_identity_number": None,
        "crisis_relevant": False,
        "intervention_start": _day(today, started),
        "intervention_end": None,
        "end_reason_code": None,
        "end_reason": "",
        **values,
    }


def _contact(
    today: date, days_ago: int, kind: str, *, minutes: int, counterpart: str = "", note: str = ""
) -> dict:
    return {
        "date": _day(today, days_ago),
        "kind": kind,
        "duration_minutes": minutes,
        "counterpart": counterpart,
        "note": note,
    }


def _rating(today: date, phase: str, *, days_ago: int, ucla: list[int], participation: int):
    return {
        "phase": phase,
        "rated_on": _day(today, days_ago),
        "ucla": ucla,
        "participation": participation,
    }


def demo_cases(today: date) -> dict:
    """Three participants at different stages of the support."""
    alex = {
        "participant": _participant(
            today,
            organisation="hela-manniskan",
            reference="HM-0001",
            display_name="Alex",
            birth_year=today.year - 23,
            gender="non_binary",
            entry_path="outreach",
            crisis_relevant=True,
            started_days_ago=75,
            case_managers=[CASE_MANAGER_HM],
        ),
        "plan": {
            "established_on": _day(today, 40),
            "goals": [
                {
                    "title": "Eget boende",
                    "sub_goals": [
                        {"title": "Ställa sig i bostadskön", "status": "achieved"},
                        {"title": "Besöka två lägenhetsvisningar", "status": "open"},
                    ],
                },
                {
                    "title": "En meningsfull vardag",
                    "sub_goals": [{"title": "Prova öppna verksamheten en gång", "status": "open"}],
                },
            ],
            "contact_paths": [
                {
                    "actor": "Psykiatrimottagningen",
                    "person": "",
                    "how": "telefon 08-123 456 00",
                    "when": "vardagar 8-16",
                },
                {
                    "actor": "Hela Människan",
                    "person": "Anna Lind",
                    "how": "sms 070-000 00 00",
                    "when": "vardagar",
                },
            ],
        },
        "prioritised_contacts": [
            {
                "actor_kind": "healthcare",
                "actor": "Psykiatrimottagningen",
                "planned_on": _day(today, 50),
                "status": "completed",
                "completed_on": _day(today, 48),
            },
            {
                "actor_kind": "social_services",
                "actor": "Ekonomiskt bistånd",
                "planned_on": _day(today, -10),
                "status": "planned",
                "completed_on": None,
            },
        ],
        "crisis_plan": {
            "established_on": _day(today, 45),
            "warning_signs": "Sover dåligt flera nätter i rad, slutar svara i telefon.",
            "own_strategies": "Gå en promenad, ringa en vän, lyssna på musik.",
            "people_to_contact": "Syster (kväll och helg).",
            "professional_contacts": "Psykiatrimottagningen, vårdcentralen.",
            "responsibility_chain": [
                {
                    "order": 1,
                    "who": "Case manager Anna Lind",
                    "how_to_reach": "070-000 00 00",
                    "when": "vardagar 9-17",
                },
                {
                    "order": 2,
                    "who": "Psykiatriska akutmottagningen",
                    "how_to_reach": "08-123 000 00",
                    "when": "dygnet runt",
                },
            ],
        },
        "self_ratings": [_rating(today, "baseline", days_ago=68, ucla=[3, 3, 2], participation=2)],
        "contacts": [
            _contact(today, 74, "meeting", minutes=60, note="Första mötet."),
            _contact(
                today, 30, "accompanied_visit", minutes=120, counterpart="Psykiatrimottagningen"
            ),
        ],
        "consents": [
            {
                "parties": ["district", "Psykiatrimottagningen"],
                "purpose": "Samordning av stödet",
                "signed_on": _day(today, 72),
                "signed_by": "participant",
                "valid_until": _day(today, -290),
                "withdrawn_on": None,
            }
        ],
        "coordination_meetings": [
            {
                "meeting_on": _day(today, 20),
                "invitation_sent_on": _day(today, 38),
                "status": "held",
                "units": ["Vuxenenheten", "Ekonomiskt bistånd"],
                "lead_unit": "Vuxenenheten",
                "follow_up_on": _day(today, -40),
                "kind": "intern_sip",
                "need": "Stöd från två enheter behöver samordnas.",
                "participant_agreed": True,
                "outside_parties": ["Psykiatrimottagningen"],
                "chair": "Anna Lind",
                "minute_taker": "Omar Haddad",
                "minutes": "Vuxenenheten håller ihop planen; uppföljning om sex veckor.",
            }
        ],
    }
    sam = {
        "participant": _participant(
            today,
            organisation="hela-manniskan",
            reference="HM-0002",
            display_name="Sam",
            birth_year=today.year - 19,
            gender="man",
            entry_path="hela_manniskan",
            started_days_ago=20,
            case_managers=[CASE_MANAGER_HM],
        ),
        "plan": {
            "established_on": None,
            "goals": [
                {
                    "title": "Komma igång med studier",
                    "sub_goals": [{"title": "Boka möte med studievägledare", "status": "open"}],
                }
            ],
            "contact_paths": [],
        },
        "contacts": [_contact(today, 19, "phone", minutes=20)],
    }
    robin = {
        "participant": _participant(
            today,
            organisation="district",
            reference="D-0001",
            display_name="Robin",
            birth_year=today.year - 27,
            gender="woman",
            entry_path="district_support",
            started_days_ago=160,
            case_managers=[CASE_MANAGER_DISTRICT],
        )
        | {
            "intervention_end": _day(today, 5),
            "end_reason_code": "goals_met",
            "end_reason": "Eget boende och praktikplats",
        },
        "self_ratings": [
            _rating(today, "baseline", days_ago=150, ucla=[3, 2, 3], participation=2),
            _rating(today, "follow_up", days_ago=6, ucla=[2, 1, 2], participation=4),
        ],
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "cases": [alex, sam, robin],
    }


def _with_the_pilot(data: dict) -> dict:
    """The partnership's cases and the pilot's (which need load_demo's Skärholmen)."""
    today = timezone.localdate()
    return {**data, "cases": [*data["cases"], *pilot_cases(today)]}


def pilot_cases(today: date) -> list[dict]:
    """The Intern-SIP pilot's young adults (seed 004: 18 to 21, at the district's units)."""
    return [
        {
            "participant": _participant(
                today,
                programme=PILOT_SLUG,
                organisation=PILOT_ORGANISATION[0],
                reference=reference,
                display_name=name,
                birth_year=today.year - age,
                gender=gender,
                entry_path="district_support",
                started_days_ago=started,
                case_managers=[CASE_MANAGER_PILOT],
            ),
            "contacts": [_contact(today, started - 3, "meeting", minutes=45)],
        }
        for reference, name, age, gender, started in (
            ("SK-0001", "Eli", 19, "man", 40),
            ("SK-0002", "Noor", 20, "woman", 25),
            ("SK-0003", "Kim", 24, "not_stated", 15),
        )
    ]


class Command(BaseCommand):
    help = "Create demo participants with plans (DEMO_MODE only; run load_demo first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any participant exists"
        )

    def handle(self, *args, if_empty: bool, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only for DEMO_MODE (or DEBUG) installations.")
        demo_programmes()
        if if_empty and Participant.objects.exists():
            return
        imported_by = User.objects.filter(email=CASE_MANAGER_HM).first()
        if imported_by is None:
            raise CommandError("Run load_demo first: the demo accounts are missing.")
        try:
            result = import_case_files(
                data=_with_the_pilot(demo_cases(timezone.localdate())), actor=imported_by
            )
        except CaseFileInvalid as invalid:
            raise CommandError("The demo cases are invalid:\n" + str(invalid)) from invalid
        self.stdout.write(f"Demo participants: {result.cases} with plans and contacts.")
