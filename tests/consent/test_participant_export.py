"""The right-of-access PDF: requested in a view, rendered by a task, downloaded once ready."""

from __future__ import annotations

import re
import time
from datetime import date
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from cm_portal.models import AccessEvent
from consent import services, tasks
from consent.models import ExportStatus, ParticipantExport
from participants.services import contact_log, participant_register
from tests.helpers import pdf_to_text
from tests.test_permission_matrix import database_state

from .helpers import INTAKE, english_client, export_of

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action


@pytest.fixture
def noted(consent, alice):
    """The consent's participant with a contact note, and another participant beside it."""
    participant = consent.participant
    contact_log(
        participant=participant,
        logged_by=alice,
        date=date(2026, 6, 3),
        kind="meeting",
        duration_minutes=45,
        counterpart="Mamma",
        note="Pratade om boendet",
    )
    participant_register(
        organisation=participant.organisation,
        registered_by=alice,
        reference="HM-OTHER-9",
        display_name="Någon annan",
        **INTAKE,
    )
    return participant


def pdf_text(export: ParticipantExport) -> str:
    with export.file.open("rb") as handle:
        return pdf_to_text(handle.read())


def request_export(participant, user) -> ParticipantExport:
    with mock.patch.object(tasks.render_participant_export, "delay"):
        return services.participant_export_request(participant=participant, requested_by=user)


def test_requesting_enqueues_one_task_after_commit(
    noted, alice, django_capture_on_commit_callbacks
):
    # Celery's own apply_async sends to the broker; TransactionAwareTask calls it on commit.
    with mock.patch("celery.app.task.Task.apply_async") as sent:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            export = services.participant_export_request(participant=noted, requested_by=alice)
        sent.assert_not_called()
        assert len(callbacks) == 1
        callbacks[0]()
    sent.assert_called_once()
    assert sent.call_args.args[0] == (export.pk,)
    assert export.status == ExportStatus.QUEUED
    assert AccessEvent.objects.filter(
        action=Action.EXPORT, object_id=str(noted.pk), actor=alice
    ).exists()


def test_nothing_is_enqueued_on_rollback(noted, alice, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.participant_export_request(participant=noted, requested_by=alice)
        raise RuntimeError
    assert callbacks == []
    assert not ParticipantExport.objects.exists()


def test_a_second_request_while_queued_returns_the_same_export(
    noted, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.participant_export_request(participant=noted, requested_by=alice)
        second = services.participant_export_request(participant=noted, requested_by=alice)
    assert second.pk == first.pk
    assert len(callbacks) == 1
    assert ParticipantExport.objects.count() == 1


def test_the_task_renders_the_case_file_of_that_participant_only(noted, alice):
    export = request_export(noted, alice)
    started = time.monotonic()
    tasks.render_participant_export(export.pk)
    print(f"render took {time.monotonic() - started:.2f}s")
    export.refresh_from_db()
    assert export.status == ExportStatus.READY
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
    tasks.render_participant_export(export.pk)
    export.refresh_from_db()
    name, finished_at = export.file.name, export.finished_at
    with mock.patch.object(services, "participant_export_pdf") as render:
        tasks.render_participant_export(export.pk)
    render.assert_not_called()
    export.refresh_from_db()
    assert (export.status, export.file.name, export.finished_at) == (
        ExportStatus.READY,
        name,
        finished_at,
    )


def test_a_failed_render_keeps_no_personal_data_in_the_reason(noted, alice):
    export = request_export(noted, alice)
    with mock.patch.object(
        services, "participant_export_pdf", side_effect=ValueError(noted.reference)
    ):
        tasks.render_participant_export(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.failure_reason == "ValueError"
    assert not export.file


def test_the_pdf_fetches_no_urls(noted):
    with pytest.raises(ValueError):
        services._refuse_url("https://example.com/logo.png")


def test_the_request_view_redirects_to_the_status_page(noted, alice):
    client = english_client(alice)
    with mock.patch.object(tasks.render_participant_export, "delay") as delay:
        response = client.post(reverse("consent:export_pdf_request", kwargs={"pk": noted.pk}))
    export = ParticipantExport.objects.get()
    delay.assert_called_once_with(export.pk)
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
    tasks.render_participant_export(export.pk)
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
    with mock.patch.object(tasks.render_participant_export, "delay") as delay:
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
