"""The plan PDFs: "Min plan" and a meeting's invitation letter (requested in a view, rendered
by a task, downloaded once ready), and the plan parts of the "export everything" PDF."""

from __future__ import annotations

import re
from datetime import date
from unittest import mock

import pytest
from django.db import OperationalError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cm_portal import pdf
from cm_portal.models import AccessEvent
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from consent import case_files
from consent.case_files import right_of_access
from plans.models import DocumentKind, PlanDocument
from plans.selectors.documents import add_plan_labels
from plans.services import documents as services
from tests.consent.helpers import english_client, use_temporary_storage
from tests.helpers import nothing_sent_on_rollback, pdf_to_text, sent_once_after_commit
from tests.participants.factories import log_contact
from tests.test_permission_matrix import database_state

from .helpers_documents import (
    IDENTITY_NUMBER,
    REFERENCE,
    document_of,
    document_participant_of,
    document_url,
    meeting_of,
    plan_of,
)
from .helpers_meetings import meeting_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Action = AccessEvent.Action
DOCUMENT = PlanDocument._meta.label_lower  # what the PDF kit's task is given


@pytest.fixture
def f(request, settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    return request.getfixturevalue


@pytest.fixture
def participant(f):
    plan_of(f)
    return document_participant_of(f)


@pytest.fixture
def meeting(f, participant):
    return meeting_of(f)


def pdf_text(document: PlanDocument) -> str:
    with document.file.open("rb") as handle:
        return pdf_to_text(handle.read())


def requested(kind: str, user, participant=None, meeting=None) -> PlanDocument:
    if kind == DocumentKind.MY_PLAN:
        return services.my_plan_request(participant=participant, actor=user)
    return services.invitation_letter_request(meeting=meeting, actor=user)


def rendered(document: PlanDocument) -> PlanDocument:
    render_pdf(DOCUMENT, document.pk)
    document.refresh_from_db()
    assert document.status == PdfStatus.READY, document.failure_reason
    return document


# --- "Min plan" ----------------------------------------------------------------------------


def test_my_plan_shows_goals_contact_paths_and_the_chain_in_order(participant, alice):
    document = rendered(requested(DocumentKind.MY_PLAN, alice, participant=participant))
    assert document.file.name.startswith("plan-documents/")
    assert REFERENCE not in document.file.name
    text = pdf_text(document)
    for expected in (
        "Kim",
        "Eget boende",
        "Ställa sig i bostadskön",
        "Spara till hyran",
        "Praktikplats",
        "Psykiatrimottagningen",
        "Ring 08-123 45",
        "Vardagar",
        "Anna",
        "Sover dåligt",
        "Ta en promenad",
        "Syster",
        "Vårdcentralen",
    ):
        assert expected in text, expected
    # Who to call, in the chain's order (not the order the links were added).
    first, second, third = (
        text.index("Handläggaren"),
        text.index("Jouren"),
        text.index("Psykiatriska akuten"),
    )
    assert first < second < third
    assert re.search(r"1\. ?Handläggaren", text)


def test_my_plan_has_no_identity_number_reference_or_staff_notes(participant, alice):
    log_contact(participant, alice, note="Internt: ring inte efter 17")
    text = pdf_text(rendered(requested(DocumentKind.MY_PLAN, alice, participant=participant)))
    assert IDENTITY_NUMBER not in text
    assert IDENTITY_NUMBER.replace("-", "") not in text
    assert REFERENCE not in text
    assert "Internt" not in text
    assert alice.email not in text


def test_my_plan_says_so_when_nothing_is_written_yet(f, alice):
    participant = document_participant_of(f)  # no plan, no crisis plan
    html = services.plan_document_html(
        PlanDocument(participant=participant, kind=DocumentKind.MY_PLAN, requested_by=alice)
    )
    assert "My plan" in html or "Min plan" in html
    assert "Who to call" not in html


def test_my_plan_status_words_are_plain(participant, alice, settings):
    settings.LANGUAGE_CODE = "en"
    html = services.plan_document_html(
        PlanDocument(participant=participant, kind=DocumentKind.MY_PLAN, requested_by=alice)
    )
    assert "Not done yet" in html
    assert "Done" in html
    assert "achieved" not in html


# --- the invitation letter -----------------------------------------------------------------


def test_the_invitation_letter_shows_date_units_parties_need_and_convener(meeting, alice):
    document = rendered(requested(DocumentKind.INVITATION, alice, meeting=meeting))
    assert document.meeting_id == meeting.pk
    text = pdf_text(document)
    for expected in (
        "2026-09-15",
        "Intern-SIP",
        "Kim",
        "Vuxenenheten",
        "Ekonomiskt bistånd",
        "Vårdcentralen Älvsjö",
        "Vem ansvarar för boendestödet?",
        alice.get_full_name(),
        alice.organisation.name,
    ):
        assert expected in text, expected
    assert IDENTITY_NUMBER not in text
    assert REFERENCE not in text


def test_without_a_display_name_the_letter_says_the_participant(meeting, alice, settings):
    settings.LANGUAGE_CODE = "en"
    meeting.participant.display_name = ""
    meeting.participant.save()
    html = services.plan_document_html(
        PlanDocument(
            participant=meeting.participant,
            kind=DocumentKind.INVITATION,
            meeting=meeting,
            requested_by=alice,
        )
    )
    assert "the participant" in html


# --- the task ------------------------------------------------------------------------------


def test_requesting_enqueues_one_task_after_commit(
    participant, alice, django_capture_on_commit_callbacks
):
    document, sent = sent_once_after_commit(
        lambda: services.my_plan_request(participant=participant, actor=alice),
        django_capture_on_commit_callbacks,
    )
    assert sent.call_args.kwargs["args"] == [DOCUMENT, document.pk]
    assert document.status == PdfStatus.QUEUED
    assert AccessEvent.objects.filter(
        action=Action.EXPORT,
        object_id=str(participant.pk),
        actor=alice,
        detail=f"my plan {document.pk} requested",
    ).exists()


def test_nothing_is_enqueued_on_rollback(meeting, alice, django_capture_on_commit_callbacks):
    nothing_sent_on_rollback(
        lambda: services.invitation_letter_request(meeting=meeting, actor=alice),
        django_capture_on_commit_callbacks,
    )
    assert not PlanDocument.objects.exists()


@pytest.mark.usefixtures("blank_pdfs")
def test_running_the_task_twice_renders_once(participant, alice):
    document = rendered(requested(DocumentKind.MY_PLAN, alice, participant=participant))
    name, finished_at = document.file.name, document.finished_at
    with mock.patch.object(services, "plan_document_pdf") as render:
        render_pdf(DOCUMENT, document.pk)
    render.assert_not_called()
    document.refresh_from_db()
    assert (document.status, document.file.name, document.finished_at) == (
        PdfStatus.READY,
        name,
        finished_at,
    )
    generated = AccessEvent.objects.filter(
        action=Action.PRINT, object_id=str(participant.pk), detail__endswith="generated"
    )
    assert generated.count() == 1
    assert generated.get().actor == alice


def test_a_failed_render_keeps_no_personal_data_in_the_reason(participant, alice):
    document = requested(DocumentKind.MY_PLAN, alice, participant=participant)
    with mock.patch.object(services, "plan_document_pdf", side_effect=ValueError("Kim")):
        render_pdf(DOCUMENT, document.pk)
    document.refresh_from_db()
    assert document.status == PdfStatus.FAILED
    assert document.failure_reason == "ValueError"


@pytest.mark.usefixtures("blank_pdfs")
def test_a_lost_database_queues_the_document_again_for_the_retry(participant, alice):
    document = requested(DocumentKind.MY_PLAN, alice, participant=participant)
    with (
        mock.patch.object(services, "plan_document_pdf", side_effect=OperationalError("gone")),
        pytest.raises(OperationalError),
    ):
        render_pdf(DOCUMENT, document.pk)
    document.refresh_from_db()
    assert document.status == PdfStatus.QUEUED
    # The retry claims it again and renders it.
    rendered(document)


def test_the_pdf_fetches_no_url(participant, alice):
    with pytest.raises(ValueError, match="fetch no URLs"):
        pdf.refuse_url("https://example.org/x.png")


# --- the pages -----------------------------------------------------------------------------


def test_requesting_my_plan_in_the_browser(participant, alice, django_capture_on_commit_callbacks):
    client = english_client(alice)
    url = reverse("plans:my_plan_request", kwargs={"pk": participant.pk})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    document = PlanDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document_url("plans:document_status", document)
    assert (document.kind, document.participant, document.requested_by) == (
        DocumentKind.MY_PLAN,
        participant,
        alice,
    )
    assert len(callbacks) == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "being produced" in page.content.decode()
    assert AccessEvent.objects.filter(
        action=Action.VIEW, object_id=str(participant.pk), detail=f"plan document {document.pk}"
    ).exists()


def test_requesting_the_invitation_letter_in_the_browser(meeting, tess):
    client = english_client(tess)
    response = client.post(meeting_url("plans:invitation_letter_request", meeting))
    document = PlanDocument.objects.get()
    assert response.status_code == 302
    assert (document.kind, document.meeting, document.requested_by) == (
        DocumentKind.INVITATION,
        meeting,
        tess,
    )


def test_a_ready_document_is_downloaded_as_an_attachment(f, alice):
    document = document_of(f)
    client = english_client(alice)
    page = client.get(document_url("plans:document_status", document))
    download_url = document_url("plans:document_download", document)
    assert download_url in page.content.decode()
    response = client.get(download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="min-plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    assert AccessEvent.objects.filter(
        action=Action.PRINT,
        actor=alice,
        object_id=str(document.participant_id),
        detail=f"plan document {document.pk} downloaded",
    ).exists()


def test_a_pending_document_cannot_be_downloaded(participant, alice):
    document = requested(DocumentKind.MY_PLAN, alice, participant=participant)
    client = english_client(alice)
    assert client.get(document_url("plans:document_download", document)).status_code == 404


# --- IDOR ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana", "steve"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_access_answers_404_and_changes_nothing(f, meeting, persona, method):
    document = document_of(f)
    urls = [
        reverse("plans:my_plan_request", kwargs={"pk": meeting.participant_id}),
        meeting_url("plans:invitation_letter_request", meeting),
        document_url("plans:document_status", document),
        document_url("plans:document_download", document),
    ]
    client = english_client(f(persona))
    before = database_state()
    for url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
    assert database_state() == before
    assert PlanDocument.objects.count() == 1


@pytest.mark.parametrize("name", ["plans:document_status", "plans:document_download"])
def test_a_missing_document_looks_the_same(f, alice, name):
    missing = document_of(f).pk + 1000
    assert (
        english_client(alice)
        .get(reverse(name, kwargs={"pk": document_of(f).participant_id, "document_pk": missing}))
        .status_code
        == 404
    )


# --- the "export everything" PDF -----------------------------------------------------------

PLAN_PARTS = {
    "plan": {
        "established_on": "2026-07-10",
        "goals": [
            {
                "title": "Own flat",
                "sub_goals": [{"title": "Apply for housing queue", "status": "achieved"}],
            }
        ],
        "contact_paths": [
            {"actor": "Psychiatry clinic", "person": "", "how": "phone 08-555", "when": "weekdays"}
        ],
    },
    "prioritised_contacts": [
        {
            "actor_kind": "healthcare",
            "actor": "Health centre",
            "planned_on": "2026-07-01",
            "status": "completed",
            "completed_on": "2026-07-03",
        }
    ],
    "crisis_plan": {
        "established_on": "2026-07-20",
        "warning_signs": "Stops eating",
        "own_strategies": "Walk the dog",
        "people_to_contact": "Sister",
        "professional_contacts": "Night nurse",
        "responsibility_chain": [
            {"order": 1, "who": "Case manager", "how_to_reach": "070-111", "when": "office hours"}
        ],
    },
    "self_ratings": [
        {"phase": "follow_up", "rated_on": "2026-09-05", "ucla": [3, 2, 3], "participation": 4}
    ],
    "coordination_meetings": [
        {
            "meeting_on": "2026-08-15",
            "invitation_sent_on": "2026-07-30",
            "status": "held",
            "units": ["Adult unit", "Financial aid"],
            "lead_unit": "Adult unit",
            "follow_up_on": "2026-10-15",
            "kind": "sip",
            "chair": "Eva Chair",
            "minutes": "Adult unit leads",
        }
    ],
}


def test_the_export_pdf_shows_the_plan_parts(f, alice):
    participant = case_files.participants_for_export().get(pk=document_participant_of(f).pk)
    case = case_files.case_data(participant)
    case.update(PLAN_PARTS)
    case = right_of_access.with_labels(case)  # the labellers registered by the plans app
    html = render_to_string(
        "consent/participant_export.html", {"case": case, "generated_at": timezone.localtime()}
    )
    text = pdf_to_text(pdf.html_to_pdf(html))
    for expected in (
        "Individual plan",
        "2026-07-10",
        "Own flat",
        "Apply for housing queue (Achieved)",
        "Psychiatry clinic",
        "phone 08-555",
        "Prioritised contacts",
        "Healthcare",
        "Health centre",
        "Completed",
        "Stops eating",
        "Walk the dog",
        "Night nurse",
        "Case manager",
        "070-111",
        "After (follow-up)",
        "3, 2, 3",
        "Coordination meetings",
        "2026-08-15 (SIP)",
        "Held",
        "Adult unit, Financial aid",
        "Eva Chair",
        "Adult unit leads",
        "2026-10-15",
    ):
        assert expected in text, expected
    # Optional meeting keys that are absent are not shown.
    assert "Minute-taker" not in text
    assert "Escalated" not in text


def test_labels_are_added_beside_the_codes():
    case = add_plan_labels({key: value for key, value in PLAN_PARTS.items()})
    assert case["plan"]["goals"][0]["sub_goals"][0]["status_label"] == "Achieved"
    assert case["prioritised_contacts"][0]["actor_kind_label"] == "Healthcare"
    assert case["self_ratings"][0]["phase_label"] == "After (follow-up)"
    assert case["self_ratings"][0]["ucla_sum"] == 8
    assert case["coordination_meetings"][0]["kind_label"] == "SIP"
    # An empty case (no plan parts) is left alone.
    assert add_plan_labels({"plan": None, "crisis_plan": None}) == {
        "plan": None,
        "crisis_plan": None,
    }


def test_the_full_export_shows_the_registered_plan_parts(meeting, alice):
    """The real export path: the sections the plans app registers, labelled in Swedish."""
    text = pdf_to_text(right_of_access.participant_export_pdf(meeting.participant))
    assert REFERENCE in text
    assert date(2026, 6, 1).isoformat() in text
    for expected in ("2026-09-15 (Intern-SIP)", "Vuxenenheten, Ekonomiskt bistånd"):
        assert expected in text, expected
    assert "Vårdcentralen Älvsjö" in text


# --- asking twice --------------------------------------------------------------------------


def test_asking_again_while_one_is_pending_gives_that_one(participant, meeting, alice, tess):
    my_plan = requested(DocumentKind.MY_PLAN, alice, participant=participant)
    letter = requested(DocumentKind.INVITATION, alice, meeting=meeting)
    assert requested(DocumentKind.MY_PLAN, tess, participant=participant).pk == my_plan.pk
    assert requested(DocumentKind.INVITATION, tess, meeting=meeting).pk == letter.pk
    assert PlanDocument.objects.count() == 2
    assert AccessEvent.objects.filter(
        action=Action.EXPORT, actor=tess, detail=f"my plan {my_plan.pk} asked again"
    ).exists()
    # Once it is ready, asking again makes a new one (the plan may have changed since).
    rendered(my_plan)
    assert requested(DocumentKind.MY_PLAN, alice, participant=participant).pk != my_plan.pk
