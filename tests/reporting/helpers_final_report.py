"""Builders for the final report and written account tests (issue 15)."""

from __future__ import annotations

from cm_portal.models import Role
from reporting import final_report
from reporting.models import ClosingDocument, ClosingKind, ClosingSection, SectionKey
from tests.factories import default_programme

from ..conftest import _staff

BUDGET = {"budget_ceiling": 300_000, "budget_used": 275_500}


def district_lead(district):
    """The district's team lead: the second organisation's approver."""
    return _staff("lena@district.example", "Lena Ledare", district, Role.TEAM_LEAD)


def texts_for(section: ClosingSection) -> str:
    return f"Texten om {section.key} för programmet som helhet."


def start(kind: str, actor) -> ClosingDocument:
    return final_report.closing_document_start(
        programme=default_programme(), kind=kind, actor=actor
    )


def fill(document: ClosingDocument, leads: dict) -> ClosingDocument:
    """Write every section, each by someone who may: ``leads`` maps organisation pk to its
    team lead."""
    for section in final_report.sections_of(document):
        writer = (
            leads[section.organisation_id]
            if section.organisation_id
            else next(iter(leads.values()))
        )
        extra = BUDGET if section.key == SectionKey.TIMETABLE_BUDGET else {}
        final_report.closing_section_save(
            section=section,
            text=texts_for(section),
            expected_version=section.version,
            actor=writer,
            **extra,
        )
    document.refresh_from_db()
    return document


def final_report_of(tess, lena) -> ClosingDocument:
    document = start(ClosingKind.FINAL_REPORT, tess)
    return fill(document, {tess.organisation_id: tess, lena.organisation_id: lena})
