"""Research URLs by persona: rita (the researcher named in the agreement) reaches her
agreement's pages; the administrator records agreements; everyone else is refused with 403
(the role decides before any object is looked at)."""

from __future__ import annotations

from tests.matrix import LOGIN, Fixtures, Row, statuses

from .helpers import agreement_for, ready_export

RESEARCHER_PAGE = statuses(anonymous=LOGIN, staff=403, rita=200)
ADMIN_PAGE = statuses(anonymous=LOGIN, staff=403, ada=200)


def _agreement(f: Fixtures):
    from reporting.research.models import ResearchAgreement

    rita = f("rita")
    return ResearchAgreement.objects.filter(researchers=rita).first() or agreement_for(rita)


def _agreement_kwargs(f: Fixtures) -> dict:
    return {"pk": _agreement(f).pk}


def _export_kwargs(f: Fixtures) -> dict:
    from reporting.research.models import ResearchExport

    agreement = _agreement(f)
    export = ResearchExport.objects.filter(agreement=agreement, status="ready").first()
    return {"pk": (export or ready_export(agreement, f("rita"))).pk}


def _new_agreement(f: Fixtures) -> dict:
    from tests.factories import default_programme

    return {
        "programme": default_programme().pk,
        "institution": "Marie Cederschiöld högskola",
        "researchers": [f("rita").pk],
        "purpose": "Följeforskning",
        "approval_reference": "Dnr 2026-09999",
        "expires_on": "2099-12-31",
        "k": "5",
    }


ROWS: dict[str, Row] = {
    "research:home": Row(expect={"GET": RESEARCHER_PAGE}),
    "research:export_request": Row(
        expect={
            "GET": statuses(anonymous=LOGIN, staff=403, rita=405),
            "POST": statuses(anonymous=LOGIN, staff=403, rita=302),
        },
        kwargs=_agreement_kwargs,
        data=lambda f: {"format": "sav"},
        changes_state=True,
    ),
    "research:export_download": Row(expect={"GET": RESEARCHER_PAGE}, kwargs=_export_kwargs),
    "research:agreements": Row(expect={"GET": ADMIN_PAGE}),
    "research:agreement_create": Row(
        expect={"GET": ADMIN_PAGE, "POST": statuses(anonymous=LOGIN, staff=403, ada=302)},
        data=_new_agreement,
        changes_state=True,
    ),
}
