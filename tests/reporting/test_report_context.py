"""One report context (``selectors.report_context``) for the page, the PDF and the exports:
each output reads the figures of one computation, so no figure has two definitions."""

from __future__ import annotations

import csv
import io
from unittest import mock

import pytest
from django.urls import reverse

from reporting import selectors, services
from reporting.models import ReportKind, SteeringReport
from reporting.periods import project_quarter
from tests.factories import default_programme

from .helpers_report import PERIOD_QUERY, known_fixture

pytestmark = pytest.mark.django_db

MARK = 987  # not a figure of the fixture: it can only come from the patched computation


def _csv(response) -> dict[tuple[str, str, str], str]:
    text = response.content.decode("utf-8-sig")
    return {
        (row["Figure"], row.get("Measure", ""), row.get("Cell", "")): row["Value"]
        for row in csv.DictReader(io.StringIO(text), delimiter=";")
    }


def test_the_page_the_pdf_and_the_exports_read_one_computation(hela_manniskan, persona_client):
    known_fixture(hela_manniskan)
    client = persona_client("steve")
    quarter = project_quarter(default_programme(), int(PERIOD_QUERY["n"]))
    report = SteeringReport(
        programme=default_programme(),
        kind=ReportKind.QUARTERLY,
        period_start=quarter.start,
        period_end=quarter.end,
    )
    real = selectors.protected_kpis
    calls = []

    def marked(**kwargs):
        figures = real(**kwargs)
        figures["activity"]["individual_contacts"] = MARK
        calls.append((kwargs["period"].start, kwargs["period"].end))
        return figures

    with mock.patch.object(selectors, "protected_kpis", side_effect=marked):
        page = client.get(reverse("reporting:report"), PERIOD_QUERY)
        assert calls == [(quarter.start, quarter.end)]
        pdf_context = services.steering_report_context(report)
        pdf_html = services.steering_report_html(report)
        assert len(calls) == 3
        statistics = _csv(client.get(reverse("reporting:export_csv"), PERIOD_QUERY))
        assert len(calls) == 4
        xlsx = client.get(reverse("reporting:export_xlsx"), PERIOD_QUERY)
        assert xlsx.status_code == 200
        assert len(calls) == 5
        account = _csv(client.get(reverse("reporting:export_account_csv"), PERIOD_QUERY))
        assert len(calls) == 6
    # Only the period's figures: the trend reads its quarters through computed figures.
    assert set(calls) == {(quarter.start, quarter.end)}

    page_context = page.context
    assert (selectors.ACTIVITY_LABELS["individual_contacts"], str(MARK)) in page_context["activity"]
    assert f'<td class="n">{MARK}</td>' in pdf_html
    assert statistics[("activity", "individual_contacts", "all")] == str(MARK)
    assert account[("individual_contacts", "", "")] == str(MARK)
    # The same figures, statuses, breakdowns and trend on the page and in the PDF.
    assert pdf_context["figures"] == page_context["figures"]
    for key in ("goals", "goal_tables", "breakdowns", "trend", "warnings", "activity"):
        assert pdf_context[key] == page_context[key], key
    assert [c["svg"] for c in pdf_context["charts"]] == [c["svg"] for c in page_context["charts"]]
    # Suppressed cells stay suppressed on every path: the page's "< 5" is the CSV's.
    k2_men = page_context["figures"]["kpis"]["plan_within_8_weeks"]["by_gender"]["man"]
    assert k2_men["cohort"] == "< 5"
    assert statistics[("plan_within_8_weeks", "cohort", "man")] == "< 5"
