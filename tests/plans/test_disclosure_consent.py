"""security.md 32: every step that discloses to an outside party (the invitation, the letter,
the minutes) checks again that a consent valid today covers that party; booking is not enough.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import timezone, translation

from cm_portal.models import AccessEvent
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from consent.services import consent_withdraw
from plans.models import MeetingStatus, PlanDocument
from plans.services import documents as document_services
from tests.conftest import verified_client
from tests.consent.helpers import english_client, use_temporary_storage

from .fixtures_meetings import (  # noqa: F401
    consent_fixture,
    english,
    meeting_fixture,
    participant_fixture,
)
from .helpers_documents import document_url
from .helpers_meetings import OUTSIDE, meeting_url, minutes_form

pytestmark = pytest.mark.django_db

DOCUMENT = PlanDocument._meta.label_lower  # what the PDF kit's task is given


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)


def withdraw(consent, alice) -> None:
    consent_withdraw(
        consent=consent, withdrawn_on=timezone.localdate(), by_whom="participant", actor=alice
    )


def test_the_invitation_is_refused_once_the_consent_is_withdrawn(meeting, consent, alice):
    withdraw(consent, alice)
    response = english_client(alice).post(
        meeting_url("plans:meeting_invitation", meeting),
        {"sent_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "No consent of the participant valid today covers" in page
    assert OUTSIDE in page
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on is None


def test_the_minutes_are_refused_once_the_consent_is_withdrawn(meeting, consent, alice):
    withdraw(consent, alice)
    response = english_client(alice).post(
        meeting_url("plans:meeting_minutes", meeting),
        minutes_form(),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "No consent of the participant valid today covers" in page
    assert OUTSIDE in page
    assert "Vuxenenheten ordnar boende." in page  # what was typed is kept on the form
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.minutes == ""


def test_the_letter_is_refused_at_the_request(meeting, consent, alice):
    withdraw(consent, alice)
    client = english_client(alice)
    with mock.patch("cm_portal.pdf.enqueue_render") as delay:
        response = client.post(
            meeting_url("plans:invitation_letter_request", meeting),
            follow=True,
        )

    assert response.redirect_chain[-1][0] == meeting_url("plans:meeting_detail", meeting)
    page = response.content.decode()
    assert "No consent of the participant valid today covers" in page
    assert OUTSIDE in page
    assert not PlanDocument.objects.exists()
    delay.assert_not_called()


def test_the_worker_refuses_when_the_consent_lapsed_after_the_request(meeting, consent, alice):
    with mock.patch("cm_portal.pdf.enqueue_render"):
        document = document_services.invitation_letter_request(meeting=meeting, actor=alice)
    withdraw(consent, alice)  # between the request and the render
    with mock.patch("cm_portal.pdf.html_to_pdf") as html_to_pdf:
        render_pdf(DOCUMENT, document.pk)

    html_to_pdf.assert_not_called()
    document.refresh_from_db()
    assert document.status == PdfStatus.FAILED
    assert not document.file
    assert OUTSIDE not in document.failure_reason
    assert AccessEvent.objects.filter(
        action="refused",
        actor=alice,
        object_id=str(meeting.participant_id),
        detail=(
            f"invitation letter {document.pk} meeting {meeting.pk} not generated: consent lapsed"
        ),
    ).exists()
    page = english_client(alice).get(document_url("plans:document_status", document))
    text = page.content.decode()
    assert "No consent of the participant valid today covers" in text
    assert OUTSIDE in text


def test_a_letter_made_earlier_is_not_handed_out_after_the_consent_lapsed(meeting, consent, alice):
    with mock.patch("cm_portal.pdf.enqueue_render"):
        document = document_services.invitation_letter_request(meeting=meeting, actor=alice)
    render_pdf(DOCUMENT, document.pk)
    document.refresh_from_db()
    assert document.status == PdfStatus.READY
    withdraw(consent, alice)

    client = english_client(alice)
    download = document_url("plans:document_download", document)
    status_page = client.get(document_url("plans:document_status", document))
    assert download not in status_page.content.decode()
    response = client.get(download, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert OUTSIDE in response.content.decode()
    assert not AccessEvent.objects.filter(
        action="print", detail=f"plan document {document.pk} downloaded"
    ).exists()


def test_the_meeting_page_says_so_in_swedish(meeting, consent, alice):
    withdraw(consent, alice)
    with translation.override("sv"):
        page = verified_client(alice).get(meeting_url("plans:meeting_detail", meeting))
    text = page.content.decode()
    assert "Inget samtycke från deltagaren som gäller i dag omfattar längre" in text
    assert OUTSIDE in text


def test_a_covered_meeting_goes_ahead(meeting, alice):
    response = english_client(alice).post(
        meeting_url("plans:meeting_invitation", meeting),
        {"sent_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on == timezone.localdate()
