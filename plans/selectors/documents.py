"""Reads for the plan PDFs: what "Min plan" and a meeting's invitation letter show, and the
labels the "export everything" PDF prints beside the plan parts' codes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from participants.models import Participant

from ..models import (
    ActorKind,
    CoordinationMeeting,
    CrisisPlan,
    IndividualPlan,
    MeetingKind,
    MeetingStatus,
    PrioritisedContactStatus,
    RatingPhase,
    SubGoalStatus,
)

# "Min plan" is written for the participant: a sub-goal's status in plain words.
PLAIN_STATUS = {
    SubGoalStatus.OPEN: _("Not done yet"),
    SubGoalStatus.ACHIEVED: _("Done"),
    SubGoalStatus.DROPPED: _("No longer part of the plan"),
}


def my_plan_data(participant: Participant) -> dict[str, Any]:
    """What the participant's own copy shows: goals, contact paths, the crisis chain.

    Only what the participant and the staff wrote together: no identity number, no
    reference, no notes, no staff names beyond what the plan itself names.
    """
    plan = (
        IndividualPlan.objects.filter(participant=participant)
        .prefetch_related("goals__sub_goals", "contact_paths")
        .first()
    )
    crisis = CrisisPlan.objects.filter(participant=participant).prefetch_related("chain").first()
    goals = []
    contact_paths = []
    if plan is not None:
        goals = [
            {
                "title": goal.title,
                "sub_goals": [
                    {"title": sub.title, "status": PLAIN_STATUS[SubGoalStatus(sub.status)]}
                    for sub in goal.sub_goals.all()
                ],
            }
            for goal in plan.goals.all()
        ]
        contact_paths = [
            {"actor": path.actor, "person": path.person, "how": path.how, "when": path.when}
            for path in plan.contact_paths.all()
        ]
    crisis_data = None
    if crisis is not None:
        crisis_data = {
            "warning_signs": crisis.warning_signs,
            "own_strategies": crisis.own_strategies,
            "people_to_contact": crisis.people_to_contact,
            "professional_contacts": crisis.professional_contacts,
            "chain": [
                {"who": link.who, "how_to_reach": link.how_to_reach, "when": link.when}
                for link in crisis.chain.all()
            ],
        }
    return {
        "name": participant.display_name,
        "established_on": plan.established_on if plan else None,
        "goals": goals,
        "contact_paths": contact_paths,
        "crisis": crisis_data,
    }


def invitation_data(meeting: CoordinationMeeting) -> dict[str, Any]:
    """What a meeting's invitation letter (kallelse) shows, after seed 004 step 3."""
    convener = meeting.created_by
    invitees = list(meeting.invitees.all())
    return {
        "kind": meeting.kind,
        "kind_label": MeetingKind(meeting.kind).label,
        "meeting_on": meeting.meeting_on,
        "name": meeting.participant.display_name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "video_link": meeting.video_link,
        "agenda": meeting.agenda,
        "units": [invitee.name for invitee in invitees if not invitee.outside],
        "outside_parties": [invitee.name for invitee in invitees if invitee.outside],
        "need": meeting.need,
        "participant_agreed": meeting.participant_agreed,
        "convener": convener.get_full_name() if convener else "",
        "convener_organisation": (
            convener.organisation.name if convener and convener.organisation_id else ""
        ),
    }


def minutes_data(meeting: CoordinationMeeting) -> dict[str, Any]:
    """What the Intern-SIP form (the minutes, seed 004 step 4) shows: who took part,
    decisions, agreed actions, the lead unit, the follow-up, and lines to sign."""
    invitees = list(meeting.invitees.all())
    present = [invitee.name for invitee in invitees if invitee.attended]
    return {
        **invitation_data(meeting),
        "present": present,
        "absent": [invitee.name for invitee in invitees if invitee.attended is False],
        "chair": meeting.chair,
        "minute_taker": meeting.minute_taker,
        "minutes": meeting.minutes,
        "actions": [
            {
                "who": action.who,
                "what": action.what,
                "due_on": action.due_on,
                "goal": action.goal.title if action.goal else "",
            }
            for action in meeting.actions.select_related("goal")
        ],
        "lead_unit": meeting.lead_unit,
        "escalated_on": meeting.escalated_on,
        "escalated_to": meeting.escalated_to,
        "follow_up_on": meeting.follow_up_on,
        # One signature line each: the participant, then everyone who came.
        "signatories": [meeting.participant.display_name or "", *present],
    }


def _label(choices: Any, value: Any) -> str:
    """The label of a code, or the code itself when it is not one of the choices."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def add_plan_labels(case: dict[str, Any]) -> dict[str, Any]:
    """Add ``*_label`` keys beside the plan parts' codes in an exported case (in place)."""
    plan = case.get("plan")
    if plan:
        for goal in plan.get("goals", []):
            for sub in goal.get("sub_goals", []):
                sub["status_label"] = _label(SubGoalStatus, sub.get("status"))
    for contact in case.get("prioritised_contacts") or []:
        contact["actor_kind_label"] = _label(ActorKind, contact.get("actor_kind"))
        contact["status_label"] = _label(PrioritisedContactStatus, contact.get("status"))
    for rating in case.get("self_ratings") or []:
        rating["phase_label"] = _label(RatingPhase, rating.get("phase"))
        ucla = rating.get("ucla") or []
        if all(isinstance(answer, int) for answer in ucla):
            rating["ucla_sum"] = sum(ucla)
    for meeting in case.get("coordination_meetings") or []:
        meeting["status_label"] = _label(MeetingStatus, meeting.get("status"))
        if "kind" in meeting:
            meeting["kind_label"] = _label(MeetingKind, meeting["kind"])
    return case
