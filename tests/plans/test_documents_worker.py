"""A real Celery worker renders one "Min plan" (as tests/cm_portal/test_celery.py does)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from cm_portal import outbox
from cm_portal.celery import app
from cm_portal.pdf import PdfStatus
from plans.models import PlanDocument
from plans.services import documents as services
from tests.helpers import wait_for

from .helpers_documents import document_participant_of, plan_of


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_my_plan(request, settings, tmp_path, queue, monkeypatch):
    from tests.consent.helpers import use_temporary_storage

    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    f = request.getfixturevalue
    plan_of(f)
    participant = document_participant_of(f)
    # The request's outbox row is published on commit; to this test's own queue.
    original = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue", lambda *args, **kw: original(*args, **kw, queue=queue))
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        document = services.my_plan_request(participant=participant, actor=f("alice"))
        done = wait_for(lambda: PlanDocument.objects.get(pk=document.pk).status == PdfStatus.READY)
    assert original is not None
    assert done, "the worker did not render the document"
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")
