"""The PDF kit itself (``cm_portal.pdf``): the one-pending constraint decides a race, and
every kind of PDF is registered with its constraint. The flow end to end is tested per app
(tests/consent/test_participant_export.py, tests/plans/test_documents.py,
tests/reporting/test_pdfs.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from cm_portal import pdf
from cm_portal.models import OutboxMessage
from reporting import periods
from reporting.models import ReportKind, SteeringReport
from tests.factories import default_programme


def test_every_kind_is_registered_with_its_one_pending_constraint():
    labels = {model._meta.label for model in pdf.registered_models()}
    assert labels == {
        "consent.ParticipantExport",
        "plans.PlanDocument",
        "reporting.ClosingPdf",
        "reporting.SteeringReport",
        "research.ResearchExport",
    }
    for model in pdf.registered_models():
        pending = [
            constraint
            for constraint in model._meta.constraints
            if getattr(constraint, "condition", None) is not None
            and ("status__in", pdf.PENDING) in constraint.condition.children
        ]
        assert pending, model


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_give_one_row_and_one_job():
    """The second request waits on the constraint while the first is uncommitted, then
    gets the first one's row: no check-then-insert window."""
    programme = default_programme()
    quarter = periods.project_quarter(programme, 1)
    subject = {
        "programme": programme,
        "kind": ReportKind.QUARTERLY,
        "period_start": quarter.start,
        "period_end": quarter.end,
    }
    first_written, second_started, release = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, tuple] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = pdf.request(SteeringReport, subject=subject, period_label="Q1")
                first_written.set()
                release.wait(10)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_written.wait(10)
            second_started.set()
            results["second"] = pdf.request(SteeringReport, subject=subject, period_label="Q1")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert second_started.wait(10)
    # The second is blocked on the unique index until the first commits.
    threads[1].join(1)
    assert threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(15)

    (row, created), (again, created_again) = results["first"], results["second"]
    assert (created, created_again) == (True, False)
    assert again.pk == row.pk
    assert SteeringReport.objects.count() == 1
    jobs = OutboxMessage.objects.filter(task_name=pdf.RENDER_TASK)
    assert [job.args for job in jobs] == [["reporting.steeringreport", row.pk]]
