"""The meeting rules read the participant's programme (issue 14 item 6): the follow-up
window, the days an Intern-SIP asked for is held within and the invitation's days ahead are
the programme's, in the deadlines, the pages' texts and the statistics export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from cm_portal.programmes.models import Programme
from plans.models import DeadlineKind
from reporting.exports import statistics_csv
from reporting.management.commands.seed_synthetic import default_anchor
from reporting.periods import project_quarter
from tests.consent.helpers import english_client

from .fixtures_meetings import english, participant_fixture  # noqa: F401
from .helpers_meetings import days
from .test_intern_sip import book, deadline, hold, offer

pytestmark = pytest.mark.django_db


def _programme_of(participant, **values) -> Programme:
    Programme.objects.filter(pk=participant.programme_id).update(**values)
    participant.refresh_from_db()
    return Programme.objects.get(pk=participant.programme_id)


def test_the_migration_gives_the_programme_the_values_that_were_constants(participant):
    programme = participant.programme
    assert (programme.follow_up_window_days, programme.asked_for_hold_days) == (14, 30)


def test_the_follow_up_window_is_the_programmes(participant, alice, bob):
    _programme_of(participant, follow_up_window_days=5)
    meeting = book(participant, alice, bob, meeting_on=days(-20))
    hold(meeting, alice, follow_up_on=days(3))

    row = deadline(participant, DeadlineKind.MEETING_FOLLOW_UP)

    assert (row.window_opens, row.due_on) == (days(3) - timedelta(days=5), days(3))


def test_an_intern_sip_asked_for_is_due_within_the_programmes_days(participant, alice):
    _programme_of(participant, asked_for_hold_days=10)
    offer(participant, alice, "asked_for", offered_on=days(-4))

    row = deadline(participant, DeadlineKind.MEETING_ASKED_FOR)

    assert (row.window_opens, row.due_on) == (days(-4), days(6))


def test_the_invitation_texts_name_the_programmes_days_ahead(participant, alice, bob):
    _programme_of(participant, invitation_days_ahead=21)
    meeting = book(participant, alice, bob, meeting_on=days(20))
    client = english_client(alice)
    detail = reverse(
        "plans:meeting_detail", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )

    page = client.get(detail).content.decode()
    assert "Send it at least 21 days before the meeting" in page

    send = reverse(
        "plans:meeting_invitation_send", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )
    response = client.post(send, follow=True)
    assert "less than 21 days before the meeting" in response.content.decode()


def test_the_statistics_export_names_the_programmes_days_ahead(participant):
    programme = _programme_of(participant, invitation_days_ahead=10)
    figures = {
        "participants": {"started": 0, "by_gender": {}, "by_age_group": {}},
        "kpis": {},
        "activity": {"meetings_invited_late": 2},
    }

    with_programme = statistics_csv(figures, project_quarter(programme, 1), programme)
    without = statistics_csv(figures, project_quarter(programme, 1))

    assert "Meetings invited less than 10 days ahead" in with_programme.decode("utf-8-sig")
    assert "Meetings invited late" in without.decode("utf-8-sig")


def test_the_synthetic_datas_anchor_is_half_a_year_into_its_programme(participant):
    programme = participant.programme
    anchor = default_anchor(programme)

    assert anchor.day == programme.start.day
    assert (anchor.year - programme.start.year) * 12 + anchor.month - programme.start.month == 6
