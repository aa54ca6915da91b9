"""The steering group's PDFs: asked for, rendered by the task (once), listed, downloaded;
the automatic quarterly run; the operators' command; nothing in them names a person."""

from __future__ import annotations

import re
from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cm_portal import pdf
from cm_portal.models import AccessEvent
from cm_portal.tasks import render_pdf
from reporting import cadence, periods, services
from reporting.disclosure import HIDDEN, SMALL
from reporting.models import ReportKind, SteeringReport
from tests.consent.helpers import english_client, use_temporary_storage
from tests.factories import default_programme
from tests.helpers import pdf_to_text

from .fixtures_pdfs import IDENTITY_NUMBERS, NAMES, Q1_END, Q1_START, REFERENCES, known_fixture

pytestmark = pytest.mark.django_db

Status = pdf.PdfStatus


def _quarter(n: int):
    """Project quarter ``n`` of "Vägledning i Vardagslivet"."""
    return periods.project_quarter(default_programme(), n)


AFTER_Q2 = date(2026, 11, 5)  # project quarters 1 and 2 have finished
REPORT = SteeringReport._meta.label_lower  # what the PDF kit's task is given


@pytest.fixture
def storage(settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)


@pytest.fixture
def people(hela_manniskan, alice):
    return known_fixture(hela_manniskan, alice)


def _request(kind=ReportKind.QUARTERLY, period=None, user=None) -> SteeringReport:
    return services.steering_report_request(
        programme=default_programme(),
        period=period or _quarter(1),
        kind=kind,
        actor=user,
    )


def _run(report: SteeringReport) -> SteeringReport:
    render_pdf.apply(args=(REPORT, report.pk))
    report.refresh_from_db()
    return report


def _text(report: SteeringReport) -> str:
    with report.file.open("rb") as handle:
        return pdf_to_text(handle.read())


def test_the_pdf_has_the_figures_and_no_person(storage, people, steve, settings):
    settings.LANGUAGE_CODE = "sv"  # the portal's language; the test itself reads English
    report = _run(_request(user=steve))
    assert report.status == Status.READY, report.failure_reason
    text = _text(report)
    # Swedish: the portal's language, whoever asked.
    assert "Kvinna" in text  # the portal's language (Swedish), though the test asks in English
    assert "2026-05-01" in text
    assert "2026-07-31" in text
    assert re.search(r"K2 Individuell .*?5 ?/ ?7 71,4", text)  # met / counted, percent
    assert "Startade under" in text
    assert re.search(r"\b7 7 0 7 30 Under målvärdet", text)  # K1: started, active, ended, so far
    assert re.search(r"Individkontakter 7 Unika personer 7", text)
    assert re.search(rf"K1 startade under perioden {HIDDEN} < ?5 0 0", text)  # the man: "< 5"
    for secret in [*NAMES, *REFERENCES, *IDENTITY_NUMBERS, "Private note"]:
        assert secret not in text
    for start in ("2026-05-04", "2026-05-05", "2026-06-03"):
        assert start not in text  # no date of a person
    assert re.search(r"\b1 / \d+\b", text)  # page numbers from the @page counter


def test_the_breakdown_goes_through_disclosure_control(people):
    report = SteeringReport(
        programme=default_programme(),
        kind=ReportKind.QUARTERLY,
        period_start=Q1_START,
        period_end=Q1_END,
    )
    context = services.steering_report_context(report, today=AFTER_Q2)
    gender = context["breakdowns"][0]
    started = gender["rows"][0]["cells"]
    # Six women and one man: the man is "< 5", so the women are hidden too.
    assert started == [HIDDEN, SMALL, "0", "0"]
    assert context["goals"][0]["now"]["met"] == 5
    assert context["goals"][0]["now"]["cohort"] == 7
    assert context["reached"]["started"] == 7


def test_the_annual_and_final_reports_show_their_quarters(people):
    annual = SteeringReport(
        programme=default_programme(),
        kind=ReportKind.ANNUAL,
        period_start=periods.project_year(default_programme(), 1).start,
        period_end=periods.project_year(default_programme(), 1).end,
    )
    final = SteeringReport(
        programme=default_programme(),
        kind=ReportKind.FINAL,
        period_start=default_programme().start,
        period_end=default_programme().end,
    )
    annual_context = services.steering_report_context(annual, today=AFTER_Q2)
    final_context = services.steering_report_context(final, today=AFTER_Q2)
    assert len(annual_context["trend"]) == 4
    assert annual_context["chart"] is not None
    assert len(final_context["trend"]) == 12
    assert final_context["trend"][0]["started"] == 7


def test_the_pdf_fetches_no_url(storage, people):
    report = _request()
    with mock.patch.object(pdf, "refuse_url", side_effect=AssertionError("fetched")):
        content = services.steering_report_pdf(report)
    assert content.startswith(b"%PDF-")
    html = services.steering_report_html(report)
    assert "<link" not in html
    assert "src=" not in html
    assert "url(" not in html


def test_two_requests_for_the_same_period_render_once(
    storage, steve, django_capture_on_commit_callbacks
):
    def request_the_first_quarter():
        with django_capture_on_commit_callbacks(execute=True):
            return services.steering_report_request(
                programme=default_programme(),
                period=_quarter(1),
                kind=ReportKind.QUARTERLY,
                actor=steve,
            )

    with mock.patch.object(pdf, "enqueue_render") as delay:
        first = request_the_first_quarter()
        second = request_the_first_quarter()
    assert first.pk == second.pk
    assert SteeringReport.objects.count() == 1
    delay.assert_called_once_with(REPORT, first.pk)
    events = AccessEvent.objects.filter(object_type="report", action=AccessEvent.Action.EXPORT)
    assert events.count() == 2


@pytest.mark.usefixtures("blank_pdfs")
def test_a_ready_report_does_not_stop_a_new_one(storage, steve):
    first = _run(_request(user=steve))
    second = _request(user=steve)
    assert first.status == Status.READY
    assert second.pk != first.pk


@pytest.mark.usefixtures("blank_pdfs")
def test_the_task_twice_renders_once(storage, people):
    report = _request()
    with mock.patch.object(
        services, "steering_report_pdf", wraps=services.steering_report_pdf
    ) as render:
        render_pdf.apply(args=(REPORT, report.pk))
        render_pdf.apply(args=(REPORT, report.pk))
    assert render.call_count == 1
    report.refresh_from_db()
    assert report.status == Status.READY


def test_a_failed_render_names_only_the_kind_of_error(storage):
    report = _request()
    with mock.patch.object(
        services, "steering_report_pdf", side_effect=RuntimeError("Zlatana 20030511-2381")
    ):
        render_pdf.apply(args=(REPORT, report.pk))
    report.refresh_from_db()
    assert (report.status, report.failure_reason) == (Status.FAILED, "RuntimeError")


@pytest.mark.usefixtures("blank_pdfs")
def test_the_automatic_run_produces_each_finished_quarter_once_and_mails_once(
    storage, people, steve, pia, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asked = cadence.scheduled_reports_produce(today=AFTER_Q2)
    assert asked == 2
    reports = SteeringReport.objects.order_by("period_start")
    assert [(r.period_start, r.requested_by_id) for r in reports] == [
        (date(2026, 5, 1), None),
        (date(2026, 8, 1), None),
    ]
    assert len(callbacks) == 2  # one render task each, after commit
    assert mail.outbox == []  # nothing ready yet

    with django_capture_on_commit_callbacks(execute=True):
        for report in reports:
            render_pdf.apply(args=(REPORT, report.pk))
    assert len(mail.outbox) == 2
    # The quarterly report goes to the project group (the annual one to the steering group).
    assert {tuple(m.to) for m in mail.outbox} == {(pia.email,)}
    for message in mail.outbox:
        assert reverse("reporting:pdf_list") in message.body
        assert not re.search(r"\b7\b|71|< 5", message.body)  # no figures
        for secret in [*NAMES, *REFERENCES]:
            assert secret not in message.body

    # Again: nothing asked, nothing mailed.
    with django_capture_on_commit_callbacks(execute=True):
        assert cadence.scheduled_reports_produce(today=AFTER_Q2) == 0
    assert SteeringReport.objects.count() == 2
    assert len(mail.outbox) == 2


def test_the_run_before_any_quarter_has_finished_does_nothing(storage):
    assert cadence.scheduled_reports_produce(today=date(2026, 7, 31)) == 0
    assert not SteeringReport.objects.exists()


def test_a_steering_group_member_asks_for_a_report(storage, steve):
    client = english_client(steve)
    response = client.post(reverse("reporting:pdf_request"), {"kind": "quarterly", "quarter": 1})
    assert response.status_code == 302
    report = SteeringReport.objects.get()
    assert (report.kind, report.period_start, report.requested_by) == (
        ReportKind.QUARTERLY,
        Q1_START,
        steve,
    )
    page = client.get(reverse("reporting:pdf_list"))
    assert b"The report is being produced" in page.content
    assert b"Queued" in page.content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "quarterly"}, "quarter", "Give the project quarter"),
        ({"kind": "quarterly", "quarter": 13}, "quarter", "from 1 to 12, not 13"),
        ({"kind": "annual"}, "year", "Give the project year"),
        ({"kind": "custom", "date_from": "2026-06-01"}, "date_to", "Give the last day"),
        (
            {"kind": "custom", "date_from": "2026-06-01", "date_to": "2026-05-01"},
            "date_to",
            "before the first day",
        ),
    ],
)
def test_a_wrong_period_is_explained_on_the_right_field(steve, data, field, message):
    response = english_client(steve).post(reverse("reporting:pdf_request"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert [error for error in errors[field] if message in error], errors
    assert len(errors[field]) == 1, errors
    assert not SteeringReport.objects.exists()


@pytest.mark.usefixtures("blank_pdfs")
def test_a_ready_report_is_downloaded_as_an_attachment(storage, people, persona_client, steve):
    report = _run(_request(user=steve))
    response = persona_client("steve").get(reverse("reporting:pdf_download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "quarterly-2026-05-01-2026-07-31.pdf" in response["Content-Disposition"]
    assert AccessEvent.objects.filter(
        object_type="report", object_id=str(report.pk), detail__endswith="downloaded"
    ).exists()


def test_a_pending_report_cannot_be_downloaded(storage, persona_client):
    report = _request()
    response = persona_client("steve").get(reverse("reporting:pdf_download", args=[report.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["alice", "tess", "charlie", "ada"])
@pytest.mark.usefixtures("blank_pdfs")
def test_no_one_else_reaches_the_reports(storage, people, persona_client, persona, steve):
    report = _run(_request(user=steve))
    client = persona_client(persona)
    assert client.get(reverse("reporting:pdf_list")).status_code == 403
    assert client.get(reverse("reporting:pdf_download", args=[report.pk])).status_code == 403
    response = client.post(reverse("reporting:pdf_request"), {"kind": "final"})
    assert response.status_code == 403
    assert SteeringReport.objects.count() == 1


def test_the_command_writes_the_pdf(storage, people, tmp_path, settings):
    settings.LANGUAGE_CODE = "sv"  # the PDF is in the portal's language
    output = tmp_path / "report.pdf"
    call_command(
        "steering_report", "--from", "2026-05-01", "--to", "2026-07-31", "--output", str(output)
    )
    text = pdf_to_text(output.read_bytes())
    assert re.search(r"5 ?/ ?7 71,4", text)
    assert not SteeringReport.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-07-31"], "is not a date"),
        (["--from", "2026-08-01", "--to", "2026-07-31"], "is after --to"),
        (["--from", "2026-05-01", "--to", "2026-07-31", "--kind", "weekly"], "is not known"),
    ],
)
def test_the_command_explains_bad_input(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("steering_report", *args, "--output", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_the_command_refuses_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "steering_report",
            "--from",
            "2026-05-01",
            "--to",
            "2026-07-31",
            "--output",
            str(tmp_path / "nowhere" / "x.pdf"),
        )


def test_the_beat_runs_the_scheduled_reports_daily():
    from cm_portal.celery import app

    app.loader.import_default_modules()  # the task modules, as a worker loads them
    entry = app.conf.beat_schedule["produce-scheduled-reports"]
    assert entry["task"] == "reporting.tasks.produce_scheduled_reports"
    assert "reporting.tasks.produce_scheduled_reports" in app.tasks
    # The former name still runs (a message queued before an upgrade).
    assert "reporting.tasks.produce_quarterly_reports" in app.tasks


def test_the_list_needs_the_same_queries_for_many_reports(storage, steve):
    client = english_client(steve)
    url = reverse("reporting:pdf_list")
    _request(period=_quarter(1))
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(2, 7):
        _request(period=_quarter(n), user=steve)
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert len(six.captured_queries) == len(one.captured_queries)
    assert response.content.count(b"Being produced") == 6


def test_the_pdf_and_the_page_give_the_same_data_quality_figures(people, hela_manniskan):
    """One definition (``selectors.data_quality``): before, the PDF counted plans without
    any sub-goal and the page established plans missing a sub-goal or a contact path."""
    from plans.models import ContactPath, Goal, IndividualPlan, SubGoal
    from reporting import selectors

    # A plan with a goal and its sub-goal but no contact path: incomplete on the page.
    plan = IndividualPlan.objects.get(participant=people[0])
    SubGoal.objects.create(goal=Goal.objects.create(plan=plan, title="g"), title="s")
    ContactPath.objects.filter(plan=plan).delete()
    report = SteeringReport(
        programme=default_programme(),
        kind=ReportKind.QUARTERLY,
        period_start=Q1_START,
        period_end=Q1_END,
    )

    pdf_warnings = services.steering_report_context(report, today=AFTER_Q2)["warnings"]
    page_warnings = selectors.report_context(
        programme=default_programme(),
        period=_quarter(1),
        today=AFTER_Q2,
    )["warnings"]

    assert pdf_warnings == page_warnings
    incomplete = {w["key"]: w for w in pdf_warnings}["incomplete_plans"]
    assert incomplete["period"] == 5  # every plan of the fixture, the one with a goal too
