"""Someone who may not see the participant gets 404 on every meeting URL, GET and POST, and
nothing changes (security.md 2)."""

import pytest
from django.urls import reverse

from plans.models import CoordinationMeeting, MeetingStatus
from tests.consent.helpers import english_client
from tests.helpers import assert_missing_and_hidden_look_the_same
from tests.test_permission_matrix import database_state

from .fixtures_meetings import (  # noqa: F401
    consent_fixture,
    english,
    meeting_fixture,
    participant_fixture,
)
from .helpers_meetings import booking_form, days, meeting_url, minutes_form, offer_form

pytestmark = pytest.mark.django_db


def urls(meeting) -> list[str]:
    participant_pk = meeting.participant_id
    return [
        reverse("plans:meetings", kwargs={"pk": participant_pk}),
        reverse("plans:meeting_create", kwargs={"pk": participant_pk}),
        meeting_url("plans:meeting_detail", meeting),
        meeting_url("plans:meeting_invitation", meeting),
        meeting_url("plans:meeting_minutes", meeting),
        meeting_url("plans:meeting_preparation", meeting),
        meeting_url("plans:meeting_cancel", meeting),
        reverse("plans:meeting_offer_create", kwargs={"pk": participant_pk}),
        meeting_url("plans:meeting_invitation_send", meeting),
        meeting_url("plans:minutes_pdf_request", meeting),
    ]


POST_DATA = {
    **booking_form(),
    **minutes_form(),
    **offer_form(),
    "sent_on": days(0).isoformat(),
}


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana", "steve", "ada"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_access_answers_404_and_changes_nothing(meeting, persona, method, request):
    client = english_client(request.getfixturevalue(persona))
    before = database_state()
    for url in urls(meeting):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 404, url
    assert database_state() == before
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.invitation_sent_on is None
    assert CoordinationMeeting.objects.count() == 1


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_a_missing_meeting_looks_the_same(meeting, persona, request):
    client = english_client(request.getfixturevalue(persona))
    missing = meeting.pk + 1000
    names = (
        "plans:meeting_detail",
        "plans:meeting_cancel",
        "plans:meeting_minutes",
        "plans:meeting_preparation",
        "plans:meeting_invitation_send",
        "plans:minutes_pdf_request",
    )
    assert_missing_and_hidden_look_the_same(client, names, meeting, "meeting_pk", missing)


def test_the_wrong_method_is_refused_only_for_those_with_access(meeting, alice):
    client = english_client(alice)
    for name in ("plans:meeting_invitation", "plans:meeting_cancel"):
        assert client.get(meeting_url(name, meeting)).status_code == 405
    assert client.post(meeting_url("plans:meeting_detail", meeting)).status_code == 405
    list_url = reverse("plans:meetings", kwargs={"pk": meeting.participant_id})
    assert client.post(list_url).status_code == 405
