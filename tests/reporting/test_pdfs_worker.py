"""A real Celery worker renders one steering-group report (as the plan PDFs do)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from cm_portal import outbox
from cm_portal.celery import app
from cm_portal.pdf import RENDER_TIME_LIMIT, PdfStatus
from reporting import periods, services
from reporting.models import ReportKind, SteeringReport
from tests.consent.helpers import use_temporary_storage
from tests.factories import default_programme
from tests.helpers import wait_for

from .fixtures_pdfs import known_fixture

FINISHED = (PdfStatus.READY, PdfStatus.FAILED)


def _quarter(n: int):
    """Project quarter ``n`` of "Vägledning i Vardagslivet"."""
    return periods.project_quarter(default_programme(), n)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_quarterly_report(
    settings, tmp_path, queue, monkeypatch, hela_manniskan, alice, steve
):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    known_fixture(hela_manniskan, alice)
    # The request's outbox row is published on commit; to this test's own queue.
    enqueue = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue", lambda *args, **kw: enqueue(*args, **kw, queue=queue))
    programme, quarter = default_programme(), _quarter(1)
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        report = services.steering_report_request(
            programme=programme,
            period=quarter,
            kind=ReportKind.QUARTERLY,
            actor=steve,
        )
        # As long as the task may take (its time limit), not a fixed half minute: on a busy
        # machine the first render of a process took a third of that (10 s at a load of 10
        # on 2 cores, WeasyPrint's import and fonts included), and a suite running beside it
        # slows it more. A failed render ends the wait at once and says why.
        wait_for(
            lambda: SteeringReport.objects.get(pk=report.pk).status in FINISHED,
            timeout=RENDER_TIME_LIMIT,
        )
    report.refresh_from_db()
    assert report.status == PdfStatus.READY, (
        f"the worker did not render the report: {report.status} {report.failure_reason}"
    )
    with report.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")
    assert report.file.name.startswith("steering-reports/")
