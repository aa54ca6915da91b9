"""The known fixture of the steering-group PDF tests, and builders for the permission rows.

Seven participants start in project quarter 1 (2026-05-01 to 2026-07-31): six women and one
man, so the gender breakdown has a small cell. Five of the seven have their plan within 8
weeks (K2 = 5 / 7 = 71.4 %). Builders take ``f`` (``request.getfixturevalue``) and are
get-or-create.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile

from cm_portal.pdf import PdfStatus
from participants.models import Contact, Participant
from plans.models import IndividualPlan
from reporting.models import ReportKind, SteeringReport
from tests.consent.helpers import PDF, use_temporary_storage
from tests.matrix import Fixtures

Q1_START, Q1_END = date(2026, 5, 1), date(2026, 7, 31)
NAMES = ["Zlatana", "Birgitta", "Ulrika", "Henrietta", "Solveig", "Ingegerd", "Torbjörn"]
REFERENCES = [f"HM-PDF-{n}" for n in range(1, 8)]
IDENTITY_NUMBERS = [f"2003051{n}-238{n}" for n in range(1, 8)]
STARTS = [date(2026, 5, 4) + timedelta(days=n) for n in range(7)]


def known_fixture(organisation, case_manager) -> list[Participant]:
    existing = list(Participant.objects.filter(reference__in=REFERENCES).order_by("reference"))
    if existing:
        return existing
    people = []
    for n in range(7):
        participant = Participant.objects.create(
            organisation=organisation,
            programme=organisation.programmes.get(),
            reference=REFERENCES[n],
            display_name=NAMES[n],
            personal_identity_number=IDENTITY_NUMBERS[n],
            birth_year=2004,
            gender="man" if n == 6 else "woman",
            entry_path="outreach",
            intervention_start=STARTS[n],
        )
        people.append(participant)
        if n < 5:  # within 8 weeks
            IndividualPlan.objects.create(
                participant=participant, established_on=STARTS[n] + timedelta(days=30)
            )
        Contact.objects.create(
            participant=participant,
            date=STARTS[n] + timedelta(days=3),
            kind="meeting",
            duration_minutes=45,
            note=f"Private note about {NAMES[n]}",
            created_by=case_manager,
        )
    return people


def report_of(f: Fixtures) -> SteeringReport:
    """A ready quarterly report of project quarter 1, with a stored file."""
    use_temporary_storage(f)
    existing = SteeringReport.objects.filter(status=PdfStatus.READY).first()
    if existing:
        return existing
    report = SteeringReport.objects.create(
        programme=f("vagledning"),
        kind=ReportKind.QUARTERLY,
        period_start=Q1_START,
        period_end=Q1_END,
        period_label="Project quarter 1",
        requested_by=f("steve"),
        status=PdfStatus.READY,
    )
    report.file.save("quarterly.pdf", ContentFile(PDF))
    return report
