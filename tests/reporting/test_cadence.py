"""The follow-up cycle (issue 15, item 1; ``reporting.cadence``): beat's task, run every day of
a whole (short) programme, produces each project quarter's and project year's report once and
tells the right members, and only them; a failing automatic report is retried with backoff
and then reported to the administrators."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from cm_portal import pdf
from cm_portal.celery import app
from cm_portal.models import OutboxMessage, Role
from cm_portal.programmes.services import programme_create
from cm_portal.tasks import render_pdf
from reporting import cadence, periods, services
from reporting.models import ReportKind, SteeringReport
from reporting.tasks import produce_scheduled_reports
from tests.consent.helpers import use_temporary_storage
from tests.factories import OrganisationFactory, UserFactory, default_programme
from tests.helpers import at_the_same_time

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REPORT = SteeringReport._meta.label_lower
FAKE_PDF = b"%PDF-1.4 a report\n%%EOF"
# The e-mails are in the portal's language (LANGUAGE_CODE, English in these tests).
QUARTERLY_READY = "CM portal: the quarterly report is ready"
ANNUAL_READY = "CM portal: the annual report is ready"
FAILED = "CM portal: an automatic report could not be produced"
Status = pdf.PdfStatus
# "Pilot": 15 months, so 5 project quarters and 2 project years (the second one 3 months).
PILOT_START, PILOT_END = date(2027, 1, 1), date(2028, 3, 31)


@pytest.fixture
def storage(settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)


@pytest.fixture
def pilot(db, steve, pia):
    """A second, short programme with its own steering and project group members; steve
    and pia follow "Vägledning i Vardagslivet" only."""
    organisation = OrganisationFactory(slug="pilot-org", programmes=[])
    members = {
        "sam": UserFactory(
            email="sam@pilot.example", organisation=organisation, role=Role.STEERING_GROUP
        ),
        "paula": UserFactory(
            email="paula@pilot.example", organisation=organisation, role=Role.PROJECT_GROUP
        ),
    }
    programme = programme_create(
        slug="pilot",
        name="Pilot",
        start=PILOT_START,
        end=PILOT_END,
        organisations=[organisation],
        members=list(members.values()),
    )
    # Never told: a steering member of no programme, an administrator, a case manager.
    UserFactory(email="nobody@steer.example", organisation=organisation, role=Role.STEERING_GROUP)
    UserFactory(email="admin@pilot.example", organisation=organisation, role=Role.ADMINISTRATOR)
    UserFactory(email="case@pilot.example", organisation=organisation, role=Role.CASE_MANAGER)
    return programme, members


def _morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 5, 0, tzinfo=STOCKHOLM)


def _run_the_worker(done: set[int]) -> None:
    """What a worker does with the day's outbox rows: run each task once (the render)."""
    for row in OutboxMessage.objects.exclude(pk__in=done).order_by("pk"):
        done.add(row.pk)
        if row.task_name == pdf.RENDER_TASK:
            app.tasks[row.task_name].apply(args=row.args)


def test_every_day_of_a_programme_each_report_once_and_the_right_members_told(
    storage, pilot, django_capture_on_commit_callbacks
):
    programme, members = pilot
    vagledning = default_programme()
    first_day, last_day = date(2027, 3, 25), PILOT_END + timedelta(days=10)
    done: set[int] = set()
    produced_on: dict[int, date] = {}
    mailed_on: dict[tuple[str, str], list[date]] = defaultdict(list)  # (subject, to) -> days
    with mock.patch.object(services, "steering_report_pdf", return_value=FAKE_PDF) as render:
        day = first_day
        while day <= last_day:
            with (
                time_machine.travel(_morning(day), tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                # Beat runs it daily; a second run the same day (a restarted beat, two
                # schedulers) must change nothing.
                produce_scheduled_reports.apply()
                produce_scheduled_reports.apply()
                _run_the_worker(done)
            for report_pk in SteeringReport.objects.exclude(pk__in=produced_on).values_list(
                "pk", flat=True
            ):
                produced_on[report_pk] = day
            while mail.outbox:
                message = mail.outbox.pop(0)
                programme_name = "Pilot" if " of Pilot for " in message.body else "Vägledning"
                for to in message.to:
                    mailed_on[(message.subject, programme_name, to)].append(day)
            day += timedelta(days=1)

    reports = list(SteeringReport.objects.select_related("programme"))
    assert all(report.requested_by_id is None for report in reports)
    assert all(report.status == Status.READY for report in reports)
    assert render.call_count == len(reports)  # each rendered once

    # The pilot: its 5 quarters and 2 years, each once, produced the day after it ended.
    expected = [
        *((ReportKind.QUARTERLY, q) for q in periods.all_project_quarters(programme)),
        *((ReportKind.ANNUAL, y) for y in periods.all_project_years(programme)),
    ]
    assert len(expected) == 7
    pilot_reports = [r for r in reports if r.programme_id == programme.pk]
    assert sorted((r.kind, r.period_start, r.period_end) for r in pilot_reports) == sorted(
        (kind, p.start, p.end) for kind, p in expected
    )
    for report in pilot_reports:
        assert produced_on[report.pk] == report.period_end + timedelta(days=1)
        assert report.notified_at is not None

    # Vägledning: every quarter and year that ended by the last day, once each.
    ours = [r for r in reports if r.programme_id == vagledning.pk]
    due = [
        *(
            (ReportKind.QUARTERLY, q)
            for q in periods.finished_project_quarters(vagledning, last_day)
        ),
        *(
            (ReportKind.ANNUAL, y)
            for y in periods.all_project_years(vagledning)
            if y.end < last_day
        ),
    ]
    assert sorted((r.kind, r.period_start) for r in ours) == sorted(
        (kind, p.start) for kind, p in due
    )

    # Told: the quarterly report to the project group, the annual one to the steering group,
    # of that programme only, once each, the day it was produced.
    quarterly, annual = QUARTERLY_READY, ANNUAL_READY
    paula, sam = members["paula"].email, members["sam"].email
    pilot_mail = {key: days for key, days in mailed_on.items() if key[1] == "Pilot"}
    assert pilot_mail == {
        (quarterly, "Pilot", paula): sorted(
            q.end + timedelta(days=1) for q in periods.all_project_quarters(programme)
        ),
        (annual, "Pilot", sam): sorted(
            y.end + timedelta(days=1) for y in periods.all_project_years(programme)
        ),
    }
    other_mail = {(subject, to) for (subject, name, to) in mailed_on if name != "Pilot"}
    assert other_mail == {(quarterly, "pia@hela.example"), (annual, "steve@district.example")}
    quarterly_to_pia = mailed_on[(quarterly, "Vägledning", "pia@hela.example")]
    assert len(quarterly_to_pia) == len([d for d in due if d[0] == ReportKind.QUARTERLY])


def test_the_email_names_the_period_and_a_link_and_no_figure(storage, pilot):
    programme, members = pilot
    quarter = periods.project_quarter(programme, 1)
    with mock.patch.object(services, "steering_report_pdf", return_value=FAKE_PDF):
        assert cadence.scheduled_report_request(
            programme=programme, kind=ReportKind.QUARTERLY, period=quarter
        )
        report = SteeringReport.objects.get()
        render_pdf.apply(args=(REPORT, report.pk))
    assert cadence.scheduled_reports_notify() == 1
    (message,) = mail.outbox
    assert message.to == [members["paula"].email]
    assert message.subject == QUARTERLY_READY
    assert "Project quarter 1 (2027-01-01 to 2027-03-31)" in message.body
    assert reverse("reporting:pdf_list") in message.body
    assert "%" not in message.body


def test_the_database_allows_one_automatic_report_per_period(pilot):
    programme, _members = pilot
    quarter = periods.project_quarter(programme, 1)
    values = {
        "programme": programme,
        "kind": ReportKind.QUARTERLY,
        "period_start": quarter.start,
        "period_end": quarter.end,
        "period_label": "q1",
        "status": Status.FAILED,
    }
    SteeringReport.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        SteeringReport.objects.create(**values)
    # A failed one is not asked for again by the cadence either (the administrators were
    # told; a member may ask for it).
    assert not cadence.scheduled_report_request(
        programme=programme, kind=ReportKind.QUARTERLY, period=quarter
    )


def test_a_members_report_being_rendered_makes_the_automatic_one_wait(storage, pilot):
    programme, members = pilot
    quarter = periods.project_quarter(programme, 1)
    services.steering_report_request(
        programme=programme, period=quarter, kind=ReportKind.QUARTERLY, actor=members["paula"]
    )
    assert not cadence.scheduled_report_request(
        programme=programme, kind=ReportKind.QUARTERLY, period=quarter
    )
    assert SteeringReport.objects.filter(requested_by__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_ask_once(pilot):
    """Two beat runs racing (two schedulers): the constraint decides, one report each."""
    programme, _members = pilot
    results: list[int] = []

    def run() -> None:
        results.append(cadence.scheduled_reports_produce(today=date(2027, 4, 2)))

    with mock.patch.object(pdf, "enqueue_render"):
        assert at_the_same_time(run, threads=2, timeout=60) == []
    assert len(results) == 2
    automatic = SteeringReport.objects.filter(programme=programme, requested_by__isnull=True)
    assert list(automatic.values_list("kind", "period_start")) == [
        (ReportKind.QUARTERLY, PILOT_START)
    ]
    assert sum(results) >= 1  # Vägledning's backlog is asked for once as well
    vagledning_rows = SteeringReport.objects.exclude(programme=programme)
    assert vagledning_rows.count() == len({(r.kind, r.period_start) for r in vagledning_rows}), (
        "a report was asked for twice"
    )


# --- retry, then the administrators --------------------------------------------------------


def _automatic_report(programme) -> SteeringReport:
    quarter = periods.project_quarter(programme, 1)
    assert cadence.scheduled_report_request(
        programme=programme, kind=ReportKind.QUARTERLY, period=quarter
    )
    return SteeringReport.objects.get(programme=programme, requested_by__isnull=True)


SECRET = "Zlatana 20030511-2381"


def test_a_failing_automatic_report_is_retried_then_the_administrators_are_told(
    storage, pilot, ada
):
    programme, members = pilot
    report = _automatic_report(programme)
    with mock.patch.object(
        services, "steering_report_pdf", side_effect=RuntimeError(SECRET)
    ) as render:
        render_pdf.apply(args=(REPORT, report.pk))
    report.refresh_from_db()
    # The first try and MAX_RETRIES retries (eager here; a worker waits 1, 2, 4 ... s).
    assert render.call_count == pdf.MAX_RETRIES + 1
    assert (report.status, report.failure_reason) == (Status.FAILED, "RuntimeError")
    assert report.failure_reported_at is not None
    admins = sorted(["admin@pilot.example", ada.email])
    (message,) = mail.outbox
    assert sorted(message.to) == admins
    assert message.subject == FAILED
    assert f"The automatic report {report.pk} (Quarterly report of" in message.body
    assert '"pilot"' in message.body and "RuntimeError" in message.body
    assert "Zlatana" not in message.body and "20030511" not in message.body
    # The members are not told of a report that is not there; the next runs tell no one.
    assert cadence.scheduled_reports_notify() == 0
    cadence.scheduled_reports_produce(today=date(2027, 4, 2))
    assert len(mail.outbox) == 1
    assert members["paula"].email not in message.to


def test_the_render_task_backs_off_between_retries():
    task = render_pdf
    assert pdf.RetryRender in task.autoretry_for
    assert task.retry_backoff is True
    assert task.retry_jitter is True
    assert task.max_retries == pdf.MAX_RETRIES


def test_an_automatic_report_that_fails_twice_then_works_tells_the_members_only(
    storage, pilot, ada, django_capture_on_commit_callbacks
):
    programme, members = pilot
    report = _automatic_report(programme)
    outcomes = [RuntimeError("once"), RuntimeError("twice"), FAKE_PDF]
    with (
        mock.patch.object(services, "steering_report_pdf", side_effect=outcomes),
        django_capture_on_commit_callbacks(execute=True),
    ):
        render_pdf.apply(args=(REPORT, report.pk))
    report.refresh_from_db()
    assert report.status == Status.READY
    assert report.failure_reported_at is None
    assert [m.to for m in mail.outbox] == [[members["paula"].email]]


def test_a_members_failed_report_is_not_retried_nor_reported(storage, pilot, ada):
    programme, members = pilot
    report = services.steering_report_request(
        programme=programme,
        period=periods.project_quarter(programme, 1),
        kind=ReportKind.QUARTERLY,
        actor=members["sam"],
    )
    with mock.patch.object(services, "steering_report_pdf", side_effect=RuntimeError) as render:
        render_pdf.apply(args=(REPORT, report.pk))
    report.refresh_from_db()
    assert render.call_count == 1  # the member sees "failed" at once and may ask again
    assert report.status == Status.FAILED
    assert mail.outbox == []


def test_an_automatic_report_whose_worker_is_lost_too_often_is_reported(storage, pilot, ada):
    programme, _members = pilot
    report = _automatic_report(programme)
    long_ago = datetime(2027, 4, 2, tzinfo=STOCKHOLM)
    SteeringReport.objects.filter(pk=report.pk).update(
        status=Status.RENDERING, claimed_at=long_ago, claims=pdf.MAX_CLAIMS
    )
    pdf.release_stale_claims(now=long_ago + pdf.CLAIM_TIMEOUT * 2)
    report.refresh_from_db()
    assert (report.status, report.failure_reason) == (Status.FAILED, "worker lost")
    (message,) = mail.outbox
    assert ada.email in message.to


def test_a_failure_notice_that_could_not_be_sent_is_sent_by_the_next_run(storage, pilot, ada):
    programme, _members = pilot
    report = _automatic_report(programme)
    with (
        mock.patch.object(services, "steering_report_pdf", side_effect=RuntimeError),
        mock.patch.object(cadence, "send_mail", side_effect=OSError("smtp down")),
    ):
        render_pdf.apply(args=(REPORT, report.pk))
    report.refresh_from_db()
    assert report.status == Status.FAILED
    assert report.failure_reported_at is None and mail.outbox == []
    cadence.scheduled_reports_produce(today=date(2027, 4, 2))
    cadence.scheduled_reports_produce(today=date(2027, 4, 3))
    assert [m.subject for m in mail.outbox] == [FAILED]
