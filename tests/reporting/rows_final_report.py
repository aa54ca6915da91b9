"""The final report and the written account by persona (issue 15): the programme's steering-
and project-group members and its team leads read them; everyone else gets 404 for every URL
and method, anonymous the login page. Writing a shared part: team leads and the steering
group; approving: team leads only (tess, Hela Människan's)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from cm_portal.pdf import PdfStatus
from reporting import final_report
from reporting.models import (
    ClosingDocument,
    ClosingKind,
    ClosingPdf,
    ClosingSection,
    ClosingStatus,
    SectionKey,
)
from tests.consent.helpers import PDF, use_temporary_storage
from tests.matrix import LOGIN, Fixtures, Redirect, Row, statuses

READERS = statuses(anonymous=LOGIN, staff=404, tess=200, steve=200, pia=200)
READERS_POST_GET = statuses(anonymous=LOGIN, staff=404, tess=405, steve=405, pia=405)
TO_DOCUMENT = Redirect("reporting:closing")


def _draft(f: Fixtures) -> ClosingDocument:
    """The programme's final report, started by tess, every part written."""
    programme = f("vagledning")
    existing = ClosingDocument.objects.filter(
        programme=programme, kind=ClosingKind.FINAL_REPORT
    ).first()
    if existing:
        return existing
    document = final_report.closing_document_start(
        programme=programme, kind=ClosingKind.FINAL_REPORT, actor=f("tess")
    )
    ClosingSection.objects.filter(document=document).update(
        text="Skrivet om programmet.", budget_ceiling=300_000, budget_used=120_000, version=1
    )
    return document


def _kwargs(kind: str = "final-report"):
    return lambda f: {"slug": f("vagledning").slug, "kind": kind}


def _draft_kwargs(f: Fixtures) -> dict:
    return {"slug": _draft(f).programme.slug, "kind": "final-report"}


def _shared_section(f: Fixtures) -> dict:
    section = _draft(f).sections.get(key=SectionKey.LEARNT)
    return {"slug": f("vagledning").slug, "kind": "final-report", "pk": section.pk}


def _section_data(f: Fixtures) -> dict:
    return {"version": 1, "text": "Vad vi lärde oss, ändrat."}


def _approve_data(f: Fixtures) -> dict:
    return {"version": _draft(f).version, "confirmed": "yes"}


def _final(f: Fixtures, kind: str) -> ClosingDocument:
    """A final document of ``kind`` with its ready PDF (and, for the final report, its
    research file)."""
    use_temporary_storage(f)
    programme = f("vagledning")
    document = ClosingDocument.objects.filter(programme=programme, kind=kind).first()
    if document is None:
        if kind == ClosingKind.FINAL_REPORT:
            document = _draft(f)
        else:
            document = final_report.closing_document_start(
                programme=programme, kind=kind, actor=f("tess")
            )
        document.figures = final_report.closing_figures(document)
        document.status = ClosingStatus.FINAL
        document.finalised_at = timezone.now()
        document.save()
        row = ClosingPdf.objects.create(document=document, status=PdfStatus.READY)
        row.file.save("final.pdf", ContentFile(PDF))
        research = document.sections.filter(key=SectionKey.RESEARCH).first()
        if research is not None:
            research.attachment.save("research.pdf", ContentFile(PDF))
    return document


def _final_kwargs(kind: str):
    slug = kind.replace("_", "-")
    return lambda f: {"slug": _final(f, kind).programme.slug, "kind": slug}


ROWS: dict[str, Row] = {
    "reporting:closing": Row(expect={"GET": READERS}, kwargs=_kwargs()),
    # The final report is started by a team lead or a steering-group member.
    "reporting:closing_start": Row(
        expect={
            "GET": READERS_POST_GET,
            "POST": statuses(
                anonymous=LOGIN, staff=404, tess=TO_DOCUMENT, steve=TO_DOCUMENT, pia=404
            ),
        },
        kwargs=_kwargs(),
        changes_state=True,
    ),
    # A shared part: team leads and the steering group write it, the project group reads.
    "reporting:closing_section": Row(
        expect={
            "GET": statuses(anonymous=LOGIN, staff=404, tess=200, steve=200),
            "POST": statuses(anonymous=LOGIN, staff=404, tess=TO_DOCUMENT, steve=TO_DOCUMENT),
        },
        kwargs=_shared_section,
        data=_section_data,
        changes_state=True,
    ),
    "reporting:closing_section_history": Row(expect={"GET": READERS}, kwargs=_shared_section),
    # Only a team lead approves; the others who read the report do not learn the method.
    "reporting:closing_approve": Row(
        expect={
            "GET": statuses(anonymous=LOGIN, staff=404, tess=405),
            "POST": statuses(anonymous=LOGIN, staff=404, tess=TO_DOCUMENT),
        },
        kwargs=_draft_kwargs,
        data=_approve_data,
        changes_state=True,
    ),
    "reporting:closing_pdf": Row(
        expect={"GET": READERS}, kwargs=_final_kwargs(ClosingKind.FINAL_REPORT)
    ),
    "reporting:closing_csv": Row(
        expect={"GET": READERS}, kwargs=_final_kwargs(ClosingKind.WRITTEN_ACCOUNT)
    ),
    "reporting:closing_research_file": Row(
        expect={"GET": READERS}, kwargs=_final_kwargs(ClosingKind.FINAL_REPORT)
    ),
}
