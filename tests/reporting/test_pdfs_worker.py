"""A real Celery worker renders one steering-group report (as the plan PDFs do)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from cm_portal import outbox
from cm_portal.celery import app
from cm_portal.pdf import PdfStatus
from reporting import periods, services
from reporting.models import ReportKind, SteeringReport
from tests.consent.helpers import use_temporary_storage
from tests.helpers import wait_for

from .fixtures_pdfs import known_fixture


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_quarterly_report(
    settings, tmp_path, queue, monkeypatch, hela_manniskan, alice, steve
):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    known_fixture(hela_manniskan, alice)
    # The request's outbox row is published on commit; to this test's own queue.
    enqueue = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue", lambda *args, **kw: enqueue(*args, **kw, queue=queue))
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        report = services.steering_report_request(
            period=periods.project_quarter(1), kind=ReportKind.QUARTERLY, actor=steve
        )
        done = wait_for(lambda: SteeringReport.objects.get(pk=report.pk).status == PdfStatus.READY)
    assert done, "the worker did not render the report"
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")
    assert report.file.name.startswith("steering-reports/")
