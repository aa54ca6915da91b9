"""The right-of-access PDF: requested in a view, rendered by a task, downloaded once ready."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cm_portal import pdf
from cm_portal.celery import app
from cm_portal.models import AccessEvent, OutboxMessage
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import release_stale_pdf_claims, render_pdf
from consent import services
from consent.case_files import right_of_access
from consent.models import ParticipantExport
from participants.services import contact_log, participant_register
from tests.helpers import nothing_sent_on_rollback, pdf_to_text, sent_once_after_commit
from tests.test_permission_matrix import database_state

from .helpers import INTAKE, english_client, export_of

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
EXPORT = ParticipantExport._meta.label_lower  # what the PDF kit's task is given


@pytest.fixture
def noted(consent, alice):
    """The consent's participant with a contact note, and another participant beside it."""
    participant = consent.participant
    contact_log(
        participant=participant,
        actor=alice,
        date=date(2026, 6, 3),
        kind="meeting",
        duration_minutes=45,
        counterpart="Mamma",
        note="Pratade om boendet",
    )
    participant_register(
        organisation=participant.organisation,
        actor=alice,
        reference="HM-OTHER-9",
        display_name="Någon annan",
        **INTAKE,
    )
    return participant


def pdf_text(export: ParticipantExport) -> str:
    with export.file.open("rb") as handle:
        return pdf_to_text(handle.read())


def request_export(participant, user) -> ParticipantExport:
    return services.participant_export_request(participant=participant, actor=user)


def test_requesting_enqueues_one_task_after_commit(
    noted, alice, django_capture_on_commit_callbacks
):
    export, sent = sent_once_after_commit(
        lambda: services.participant_export_request(participant=noted, actor=alice),
        django_capture_on_commit_callbacks,
    )
    assert sent.call_args.kwargs["args"] == [EXPORT, export.pk]
    assert export.status == PdfStatus.QUEUED
    assert AccessEvent.objects.filter(
        action=Action.EXPORT, object_id=str(noted.pk), actor=alice
    ).exists()


def test_nothing_is_enqueued_on_rollback(noted, alice, django_capture_on_commit_callbacks):
    nothing_sent_on_rollback(
        lambda: services.participant_export_request(participant=noted, actor=alice),
        django_capture_on_commit_callbacks,
    )
    assert not ParticipantExport.objects.exists()


def test_a_second_request_while_queued_returns_the_same_export(
    noted, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.participant_export_request(participant=noted, actor=alice)
        second = services.participant_export_request(participant=noted, actor=alice)
    assert second.pk == first.pk
    assert len(callbacks) == 1
    assert ParticipantExport.objects.count() == 1


def test_the_task_renders_the_case_file_of_that_participant_only(noted, alice):
    export = request_export(noted, alice)
    started = time.monotonic()
    render_pdf(EXPORT, export.pk)
    print(f"render took {time.monotonic() - started:.2f}s")
    export.refresh_from_db()
    assert export.status == PdfStatus.READY
    assert export.finished_at is not None
    assert export.file.name.startswith("participant-exports/")
    assert noted.reference not in export.file.name
    text = pdf_text(export)
    assert noted.reference in text
    assert "Pratade om boendet" in text
    assert "Samordning av stöd" in text
    assert "HM-OTHER-9" not in text
    # Coded values are shown as words in the portal's language, not as codes.
    assert "Möte" in text
    # The code itself as a word ("meetings" in a heading not yet translated is no code).
    assert not re.search(r"\bmeeting\b", text)


def test_running_the_task_twice_renders_once(noted, alice):
    export = request_export(noted, alice)
    render_pdf(EXPORT, export.pk)
    export.refresh_from_db()
    name, finished_at = export.file.name, export.finished_at
    with mock.patch.object(right_of_access, "participant_export_pdf") as render:
        render_pdf(EXPORT, export.pk)
    render.assert_not_called()
    export.refresh_from_db()
    assert (export.status, export.file.name, export.finished_at) == (
        PdfStatus.READY,
        name,
        finished_at,
    )


def test_a_failed_render_keeps_no_personal_data_in_the_reason(noted, alice):
    export = request_export(noted, alice)
    with mock.patch.object(
        right_of_access, "participant_export_pdf", side_effect=ValueError(noted.reference)
    ):
        render_pdf(EXPORT, export.pk)
    export.refresh_from_db()
    assert export.status == PdfStatus.FAILED
    assert export.failure_reason == "ValueError"
    assert not export.file


def test_the_pdf_fetches_no_urls(noted):
    with pytest.raises(ValueError):
        right_of_access._refuse_url("https://example.com/logo.png")


def test_the_request_view_redirects_to_the_status_page(noted, alice):
    client = english_client(alice)
    with mock.patch.object(pdf, "enqueue_render", wraps=pdf.enqueue_render) as delay:
        response = client.post(reverse("consent:export_pdf_request", kwargs={"pk": noted.pk}))
    export = ParticipantExport.objects.get()
    delay.assert_called_once_with(EXPORT, export.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "consent:export_pdf_status", kwargs={"pk": export.participant_id, "export_pk": export.pk}
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Queued" in page.content
    assert reverse(
        "consent:export_pdf_download", kwargs={"pk": export.participant_id, "export_pk": export.pk}
    ).encode() not in (page.content)


def test_the_list_offers_the_export_to_those_who_may_change(noted, alice):
    page = english_client(alice).get(reverse("consent:list", kwargs={"pk": noted.pk}))
    assert b"Export everything as PDF" in page.content


def test_download_is_an_attachment_and_logs_print(noted, alice):
    export = request_export(noted, alice)
    render_pdf(EXPORT, export.pk)
    client = english_client(alice)
    status = client.get(
        reverse(
            "consent:export_pdf_status",
            kwargs={"pk": export.participant_id, "export_pk": export.pk},
        )
    )
    url = reverse(
        "consent:export_pdf_download", kwargs={"pk": export.participant_id, "export_pk": export.pk}
    )
    assert url.encode() in status.content
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    assert (
        AccessEvent.objects.filter(
            action=Action.PRINT, actor=alice, object_id=str(noted.pk)
        ).count()
        == 1
    )


@pytest.mark.parametrize("persona", ["bob", "charlie"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_access_answers_404_and_changes_nothing(consent, persona, method, request):
    export = export_of(request.getfixturevalue)
    client = english_client(request.getfixturevalue(persona))
    urls = [
        reverse("consent:export_pdf_request", kwargs={"pk": consent.participant_id}),
        reverse(
            "consent:export_pdf_status",
            kwargs={"pk": export.participant_id, "export_pk": export.pk},
        ),
        reverse(
            "consent:export_pdf_download",
            kwargs={"pk": export.participant_id, "export_pk": export.pk},
        ),
    ]
    before = database_state()
    with mock.patch.object(pdf, "enqueue_render") as delay:
        for url in urls:
            assert getattr(client, method)(url).status_code == 404, url
    delay.assert_not_called()
    assert database_state() == before
    assert ParticipantExport.objects.count() == 1


def test_a_missing_export_looks_the_same(consent, bob, alice):
    for user in (bob, alice):
        client = english_client(user)
        for name in ("consent:export_pdf_status", "consent:export_pdf_download"):
            assert (
                client.get(
                    reverse(name, kwargs={"pk": consent.participant_id, "export_pk": 10_000_000})
                ).status_code
                == 404
            )


# --- a worker that dies half-way ------------------------------------------------------------


def _pending_renders() -> list[list]:
    return [
        row.args
        for row in OutboxMessage.objects.filter(task_name=pdf.RENDER_TASK, published_at=None)
    ]


def test_a_render_killed_half_way_is_rendered_again_after_the_time_out(noted, alice):
    export = request_export(noted, alice)
    OutboxMessage.objects.update(published_at=timezone.now())  # the request's job went out
    # The worker dies half-way through the render: claimed, nothing stored, nothing marked
    # (SystemExit is what a killed worker leaves behind: no except clause sees it).
    with (
        mock.patch.object(right_of_access, "participant_export_pdf", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        render_pdf(EXPORT, export.pk)
    export.refresh_from_db()
    assert export.status == PdfStatus.RENDERING
    # The broker hands the message on again at once (acks_late): the claim is still
    # fresh, so it does nothing, and the sweep has nothing to release yet.
    with mock.patch.object(right_of_access, "participant_export_pdf") as render:
        render_pdf(EXPORT, export.pk)
    render.assert_not_called()
    assert pdf.release_stale_claims() == 0
    assert _pending_renders() == []

    with time_machine.travel(timezone.now() + pdf.CLAIM_TIMEOUT + timedelta(seconds=1)):
        # The beat sweep enqueues it again, through the outbox; a second sweep before the
        # job goes out asks for nothing more.
        assert release_stale_pdf_claims() == 1
        assert release_stale_pdf_claims() == 1
        assert _pending_renders() == [[EXPORT, export.pk]]
        # The worker runs the job: the stale claim is taken over and the PDF arrives.
        render_pdf(*_pending_renders()[0])

    export.refresh_from_db()
    assert (export.status, export.claims) == (PdfStatus.READY, 2)
    assert pdf_text(export).count(noted.reference) >= 1
    # Nothing is left to release.
    assert pdf.release_stale_claims(now=timezone.now() + 2 * pdf.CLAIM_TIMEOUT) == 0


def test_a_pdf_that_kills_its_worker_every_time_is_given_up(noted, alice):
    export = request_export(noted, alice)
    ParticipantExport.objects.filter(pk=export.pk).update(
        status=PdfStatus.RENDERING,
        claimed_at=timezone.now() - pdf.CLAIM_TIMEOUT * 2,
        claims=pdf.MAX_CLAIMS,
    )
    OutboxMessage.objects.update(published_at=timezone.now())
    assert pdf.release_stale_claims() == 0
    export.refresh_from_db()
    assert (export.status, export.failure_reason) == (PdfStatus.FAILED, "worker lost")
    assert _pending_renders() == []


def test_a_worker_whose_claim_was_taken_over_stores_nothing(noted, alice):
    export = request_export(noted, alice)
    first = pdf.claim(ParticipantExport, export.pk)
    with time_machine.travel(timezone.now() + pdf.CLAIM_TIMEOUT + timedelta(seconds=1)):
        second = pdf.claim(ParticipantExport, export.pk)
    assert first is not None and second is not None and first != second
    # The first worker's late result is dropped; the row stays with the second.
    mine = ParticipantExport.objects.get(pk=export.pk)
    assert not pdf._store(pdf._kinds[EXPORT], mine, b"%PDF-late", first)
    export.refresh_from_db()
    assert (export.status, export.claimed_at, bool(export.file)) == (
        PdfStatus.RENDERING,
        second,
        False,
    )


def test_the_sweep_runs_every_five_minutes():
    entry = app.conf.beat_schedule["release-stale-pdf-claims"]
    assert entry["task"] == "cm_portal.tasks.release_stale_pdf_claims"
    assert entry["schedule"] == 300.0
    assert pdf.CLAIM_TIMEOUT.total_seconds() > render_pdf.time_limit


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_request_answers_at_once_and_the_job_waits(noted, alice):
    """The PDF requests go through the outbox too (spec line 25)."""
    OutboxMessage.objects.all().delete()
    broker_url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        began = time.monotonic()
        response = english_client(alice).post(
            reverse("consent:export_pdf_request", kwargs={"pk": noted.pk})
        )
        took = time.monotonic() - began
    finally:
        app.conf.broker_url = broker_url
    assert response.status_code == 302
    assert took < 5, f"asking for the PDF took {took:.1f} s with the broker down"
    export = ParticipantExport.objects.get()
    assert export.status == PdfStatus.QUEUED
    row = OutboxMessage.objects.get()
    assert (row.task_name, row.args, row.published_at) == (
        pdf.RENDER_TASK,
        [EXPORT, export.pk],
        None,
    )
    assert row.last_error == "OperationalError"
