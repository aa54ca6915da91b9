"""The steering group's start page and the PDF status page (issue 17, item 10)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from cm_portal import pdf
from reporting import periods, services
from reporting.models import ReportKind, SteeringReport
from tests.consent.helpers import english_client
from tests.factories import default_programme
from tests.reporting.fixtures_pdfs import known_fixture

from .test_pdfs import _request, _run, storage  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _quarter(n: int):
    """Project quarter ``n`` of "Vägledning i Vardagslivet"."""
    return periods.project_quarter(default_programme(), n)


AFTER_Q2 = date(2026, 11, 5)
Q1 = {"kind": "quarterly", "quarter": 1}


def test_the_steering_group_starts_on_the_latest_periods_goals(steve):
    client = english_client(steve)
    with time_machine.travel(AFTER_Q2, tick=False):
        assert client.get(reverse("home"))["Location"] == reverse("reporting:start")
        response = client.get(reverse("reporting:start"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Project quarter 2" in body
    for code in ("K1", "K2", "K3", "K4", "K5"):
        assert code in body
    query = "?programme=vagledning-i-vardagslivet&amp;kind=project_quarter&amp;n=2"
    assert reverse("reporting:report") + query in body
    assert reverse("reporting:pdf_list") in body


def test_the_start_page_links_the_periods_pdf(storage, steve, hela_manniskan, alice):  # noqa: F811
    known_fixture(hela_manniskan, alice)
    with time_machine.travel(AFTER_Q2, tick=False):
        report = _run(_request(period=_quarter(2), user=steve))
        body = english_client(steve).get(reverse("reporting:start")).content.decode()
    assert reverse("reporting:pdf_download", args=[report.pk]) in body


def test_the_status_page_refreshes_itself_while_rendering_and_not_after(storage, steve):  # noqa: F811
    client = english_client(steve)
    response = client.post(reverse("reporting:pdf_request"), Q1, follow=True)
    report = SteeringReport.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reporting:pdf_status", args=[report.pk])
    body = response.content.decode()
    assert re.search(r'data-refresh-seconds="\d+"', body)
    # A static file with the page's nonce, no inline script: the strict CSP holds.
    assert re.search(
        r'<script src="/static/js/refresh-while-pending\.js" nonce="[^"]+"></script>', body
    )
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", body)
    assert "The report is being produced" in body
    _run(report)
    body = client.get(reverse("reporting:pdf_status", args=[report.pk])).content.decode()
    assert "data-refresh-seconds" not in body and "refresh-while-pending" not in body
    assert "The PDF is ready." in body
    assert reverse("reporting:pdf_download", args=[report.pk]) in body


def test_a_second_identical_request_says_it_is_already_being_produced(storage, steve):  # noqa: F811
    client = english_client(steve)
    client.post(reverse("reporting:pdf_request"), Q1)
    response = client.post(reverse("reporting:pdf_request"), Q1, follow=True)
    assert SteeringReport.objects.count() == 1
    assert b"already being produced" in response.content


def test_a_second_identical_request_after_it_is_ready_says_it_is_there(storage, steve):  # noqa: F811
    client = english_client(steve)
    client.post(reverse("reporting:pdf_request"), Q1)
    first = _run(SteeringReport.objects.get())
    assert first.status == pdf.PdfStatus.READY
    response = client.post(reverse("reporting:pdf_request"), Q1, follow=True)
    assert SteeringReport.objects.count() == 1
    assert b"This report is already there" in response.content
    assert response.redirect_chain[-1][0] == reverse("reporting:pdf_status", args=[first.pk])
    # Asked for anew from there, it is produced with today's figures.
    again = client.post(reverse("reporting:pdf_request"), {**Q1, "again": "1"})
    assert again.status_code == 302
    assert SteeringReport.objects.count() == 2


def test_the_pdf_names_its_period_once(storage, steve, hela_manniskan, alice):  # noqa: F811
    known_fixture(hela_manniskan, alice)
    report = _request(period=_quarter(1), kind=ReportKind.QUARTERLY)
    html = services.steering_report_html(report)
    body = html.split("<body>", 1)[1]
    # The label carries the dates: they appear once in the heading part, not twice.
    assert body.count("2026-05-01") == 1, body[:600]


# --- The report page: one kind of period at a time, breakdowns that fold (item 12) --------


def _field_names(body: str) -> set[str]:
    """The fields of the period forms only (not the page's language switcher and the like)."""
    section = re.search(r'<section[^>]*aria-labelledby="period-heading".*?</section>', body, re.S)
    assert section is not None
    return set(re.findall(r'<(?:input|select)[^>]*name="([a-z]+)"', section.group(0)))


def test_the_report_page_shows_only_the_chosen_kinds_fields(steve):
    client = english_client(steve)
    url = reverse("reporting:report")
    # The default: the latest project quarter, so the project-quarter number only.
    assert _field_names(client.get(url).content.decode()) == {"step", "kind", "n"}
    # The first step chooses the kind: its fields only, and no error yet.
    chosen = client.get(url, {"step": "kind", "kind": "calendar_quarter"})
    body = chosen.content.decode()
    assert _field_names(body) == {"step", "kind", "year", "q"}
    assert "could not be read" not in body
    custom = client.get(url, {"step": "kind", "kind": "custom"}).content.decode()
    assert _field_names(custom) == {"step", "kind", "from", "to"}
    # The second step shows the report for the period.
    shown = client.get(url, {"kind": "calendar_quarter", "year": "2026", "q": "3"})
    assert shown.context["period"].start == date(2026, 7, 1)


def test_the_breakdowns_fold(steve):
    body = english_client(steve).get(reverse("reporting:report")).content.decode()
    assert body.count('<details class="mb-2 report-breakdown">') >= 2
