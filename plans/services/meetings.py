"""Every write to coordination meetings (Intern-SIP / SIP), after seed 004's routine.

Booking needs the participant's agreement (step 2) and a valid consent for every invited
outside party; the invitation should go out the programme's ``invitation_days_ahead`` ahead
(step 3, a later one is allowed but flagged); the minutes name chair, minute-taker, the
agreed plan and the lead unit (step 4), or, when no one takes responsibility, the question
goes to the managers only with the participant's consent (step 5).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.fields import max_length
from cm_portal.models import AccessEvent, User
from consent.selectors import parties_covered_on
from participants.events import case_changed
from participants.models import Participant
from participants.services import apply_tracked_changes

from ..models import (
    CoordinationMeeting,
    Goal,
    MeetingAction,
    MeetingInvitee,
    MeetingKind,
    MeetingStatus,
)
from ..models.meetings import GUARDIAN_AGE

Action = AccessEvent.Action

# Step 3's time, place and agenda, which stay open to change while the meeting is planned.
PREPARATION_FIELDS = ("meeting_on", "starts_at", "ends_at", "place", "video_link", "agenda")
MINUTES_FIELDS = (
    "chair",
    "minute_taker",
    "minutes",
    "lead_unit",
    "follow_up_on",
    "escalated_on",
    "escalated_to",
    "status",
)


def clean_names(names: Iterable[str]) -> list[str]:
    """Trimmed, without blanks, each name once (the first spelling is kept)."""
    seen: set[str] = set()
    result = []
    for name in names:
        name = " ".join(name.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result


def covered_party_names(participant: Participant, day: date) -> list[str]:
    """What an outside party may be called to count as covered by a consent valid on ``day``:
    an organisation's name and slug, an outside actor's name."""
    names: list[str] = []
    for party in parties_covered_on(participant, day):
        if party.organisation is not None:
            names += [party.organisation.name, party.organisation.slug]
        else:
            names.append(party.external_name)
    return clean_names(names)


def uncovered_parties(participant: Participant, parties: list[str], day: date) -> list[str]:
    covered = {name.casefold() for name in covered_party_names(participant, day)}
    return [party for party in parties if party.casefold() not in covered]


def _uncovered_error(uncovered: list[str], day: date | None = None) -> ValidationError:
    parties = ", ".join(uncovered)
    if day is None:
        message = _(
            "No valid consent of the participant covers %(parties)s. Record a consent "
            "that names each of them first, or leave them out of the meeting."
        ) % {"parties": parties}
    else:
        message = _(
            "No consent of the participant valid on the meeting date (%(day)s) covers %(parties)s."
        ) % {"parties": parties, "day": day.isoformat()}
    return ValidationError({"outside_parties": message}, code="not_covered")


class ConsentLapsed(Exception):
    """An outside party of a meeting is no longer covered by a consent valid today: nothing
    naming them may go out. Raised where there is no form to show the message on (the worker
    rendering a letter); its parties are never logged."""

    def __init__(self, parties: list[str]) -> None:
        super().__init__("consent lapsed")
        self.parties = parties


def meeting_uncovered_parties(meeting: CoordinationMeeting, day: date | None = None) -> list[str]:
    """The meeting's invited outside parties that no consent valid on ``day`` (today) covers."""
    outside = [invitee.name for invitee in meeting.invitees.all() if invitee.outside]
    if not outside:
        return []
    return uncovered_parties(meeting.participant, outside, day or timezone.localdate())


def lapsed_consent_message(parties: list[str]) -> str:
    return _(
        "No consent of the participant valid today covers %(parties)s any more. Nothing that "
        "names the participant may go to them: record a new consent that names them, or "
        "cancel the meeting."
    ) % {"parties": ", ".join(parties)}


def meeting_require_consent(meeting: CoordinationMeeting) -> None:
    """Before each step that discloses to an outside party (the invitation, the letter, the
    minutes): every outside party still covered by a consent valid today, else a
    ValidationError naming them."""
    uncovered = meeting_uncovered_parties(meeting)
    if uncovered:
        raise ValidationError(
            {NON_FIELD_ERRORS: lapsed_consent_message(uncovered)}, code="consent_lapsed"
        )


def _check_dates(meeting: CoordinationMeeting, errors: dict[str, str]) -> None:
    """The date rules every way of writing a meeting shares."""
    today = timezone.localdate()
    start = meeting.participant.intervention_start
    if meeting.meeting_on and start and meeting.meeting_on < start:
        errors["meeting_on"] = _(
            "The meeting date cannot be before the intervention start (%(start)s)."
        ) % {"start": start.isoformat()}
    if meeting.status == MeetingStatus.HELD and meeting.meeting_on > today:
        errors["meeting_on"] = _(
            "A meeting in the future cannot have been held: record the minutes on or after "
            "the meeting date."
        )
    sent = meeting.invitation_sent_on
    if sent is not None:
        if sent > today:
            errors["invitation_sent_on"] = _(
                "The invitation date cannot be in the future: record it once it has been sent."
            )
        elif sent > meeting.meeting_on:
            errors["invitation_sent_on"] = _(
                "The invitation cannot be sent after the meeting date (%(day)s)."
            ) % {"day": meeting.meeting_on.isoformat()}
        elif start and sent < start:
            errors["invitation_sent_on"] = _(
                "The invitation date cannot be before the intervention start (%(start)s)."
            ) % {"start": start.isoformat()}
    if meeting.follow_up_on is not None and meeting.follow_up_on <= meeting.meeting_on:
        errors["follow_up_on"] = _("The follow-up meeting must come after the meeting date.")
    if meeting.escalated_on is not None:
        if meeting.escalated_on > today:
            errors["escalated_on"] = _("The escalation date cannot be in the future.")
        elif meeting.escalated_on < meeting.meeting_on:
            errors["escalated_on"] = _("The question cannot go to the managers before the meeting.")
        if meeting.lead_unit:
            errors["lead_unit"] = _(
                "Either name the lead unit or record that no decision was reached, not both."
            )


def _log(
    meeting: CoordinationMeeting,
    *,
    action: str,
    actor,
    client_address: str | None,
    what: str,
    changed: list[str] | None = None,
) -> None:
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        obj=meeting.participant,
        detail=f"meeting {meeting.pk} {what}".strip(),
        data=access_log.changes(changed) if changed else None,
    )


MAX_INVITEES = 100


def _check_invitees(units: list[str], outside: list[str], errors: dict[str, str]) -> None:
    """Each name fits its column and the list its positions: else the database refuses."""
    limit = max_length(MeetingInvitee, "name")
    for field, names in (("units", units), ("outside_parties", outside)):
        for name in names:
            if len(name) > limit:
                errors[field] = _(
                    "A name is too long (at most %(limit)d characters): “%(start)s…”"
                ) % {"limit": limit, "start": name[:40]}
                break
    if len(units) + len(outside) > MAX_INVITEES:
        errors["units"] = _("At most %(limit)d units and parties can be invited.") % {
            "limit": MAX_INVITEES
        }


def staff_name(user: User) -> str:
    return user.get_full_name() or user.email


def _save_new(
    meeting: CoordinationMeeting,
    units: list[str],
    outside: list[str],
    staff: Sequence[User] = (),
    attendance: dict[str, bool] | None = None,
) -> None:
    meeting.save(force_insert=True)
    rows = (
        [(unit, False, None) for unit in units]
        + [(staff_name(user), False, user) for user in staff]
        + [(party, True, None) for party in outside]
    )
    attendance = attendance or {}
    MeetingInvitee.objects.bulk_create(
        MeetingInvitee(
            meeting=meeting,
            position=position,
            name=name,
            outside=is_outside,
            staff=user,
            attended=attendance.get(user.email if user else name),
        )
        for position, (name, is_outside, user) in enumerate(rows)
    )


def _check_staff(participant: Participant, staff: Sequence[User], errors: dict[str, str]) -> None:
    """Named staff are active accounts of the participant's own organisation: the invitation
    e-mail goes to them."""
    for user in staff:
        if not user.is_active or user.organisation_id != participant.organisation_id:
            errors["staff"] = _(
                "Only active staff of the participant's organisation can be invited by name."
            )
            return


def _check_preparation(meeting: CoordinationMeeting, errors: dict[str, str]) -> None:
    if meeting.ends_at is not None:
        if meeting.starts_at is None:
            errors["starts_at"] = _("Give the start time as well as the end time.")
        elif meeting.ends_at <= meeting.starts_at:
            errors["ends_at"] = _("The meeting must end after it starts.")


def needs_guardian(participant: Participant, day: date) -> bool:
    """Under 18 on the meeting date (as far as the birth year tells): the guardians consent."""
    return participant.age_on(day) < GUARDIAN_AGE


def meeting_book(
    *,
    participant: Participant,
    actor: User,
    kind: str,
    need: str,
    meeting_on: date,
    units: list[str],
    outside_parties: list[str],
    participant_agreed: bool,
    guardian_consented: bool = False,
    staff: Sequence[User] = (),
    starts_at: time | None = None,
    ends_at: time | None = None,
    place: str = "",
    video_link: str = "",
    agenda: str = "",
    follow_up_of: CoordinationMeeting | None = None,
    client_address: str | None = None,
) -> CoordinationMeeting:
    """Book a planned meeting with its preparation (time, place or video link, agenda,
    invitees); every outside party needs a consent valid today, and a participant under
    18 their guardians' consent as well."""
    units = clean_names(units)
    outside = clean_names(outside_parties)
    staff = list(dict.fromkeys(staff))
    errors: dict[str, str] = {}
    if not participant_agreed:
        errors["participant_agreed"] = _(
            "Ask the participant first: a coordination meeting is held only if they agree."
        )
    if (
        meeting_on is not None
        and needs_guardian(participant, meeting_on)
        and not guardian_consented
    ):
        errors["guardian_consented"] = _(
            "The participant is under 18: the guardians must consent to the meeting as well."
        )
    if not units and not outside and not staff:
        errors["units"] = _("Name at least one unit or outside party to invite.")
    if follow_up_of is not None and follow_up_of.participant_id != participant.pk:
        errors["follow_up_of"] = _("A follow-up meeting follows a meeting of the same person.")
    meeting = CoordinationMeeting(
        participant=participant,
        kind=kind,
        need=need.strip(),
        participant_agreed=participant_agreed,
        guardian_consented=guardian_consented,
        meeting_on=meeting_on,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        video_link=video_link.strip(),
        agenda=agenda.strip(),
        follow_up_of=follow_up_of,
        status=MeetingStatus.PLANNED,
        created_by=actor,
    )
    if meeting_on is not None:
        _check_dates(meeting, errors)
    _check_preparation(meeting, errors)
    _check_invitees(units, outside, errors)
    _check_staff(participant, staff, errors)
    if errors:
        raise ValidationError(errors)
    meeting.full_clean()
    uncovered = uncovered_parties(participant, outside, timezone.localdate())
    if uncovered:
        raise _uncovered_error(uncovered)
    with transaction.atomic():
        _save_new(meeting, units, outside, staff)
        _log(
            meeting,
            action=Action.CREATE,
            actor=actor,
            client_address=client_address,
            what="booked",
        )
        case_changed(participant.pk)
    return meeting


def not_planned(meeting: CoordinationMeeting) -> ValidationError:
    """Why a held or cancelled meeting cannot be changed."""
    return ValidationError(
        _("This meeting is %(status)s: only a planned meeting can be changed.")
        % {"status": meeting.get_status_display().lower()},
        code="not_planned",
    )


def _require_planned(meeting: CoordinationMeeting) -> None:
    if meeting.status != MeetingStatus.PLANNED:
        raise not_planned(meeting)


def _tracked_save(meeting: CoordinationMeeting, values: dict, actor: User) -> list[str]:
    """Check the shared rules on the meeting as it would be, then save it keeping history."""
    errors: dict[str, str] = {}
    proposed = copy.copy(meeting)  # the meeting itself stays as it was if a rule fails
    for field, value in values.items():
        setattr(proposed, field, value)
    _check_dates(proposed, errors)
    _check_preparation(proposed, errors)
    if errors:
        raise ValidationError(errors)
    return apply_tracked_changes(
        participant=meeting.participant,
        obj=meeting,
        allowed=(*MINUTES_FIELDS, *PREPARATION_FIELDS, "invitation_sent_on"),
        values=values,
        actor=actor,
    )


def meeting_invitation_record(
    *,
    meeting: CoordinationMeeting,
    sent_on: date,
    actor: User,
    client_address: str | None = None,
) -> CoordinationMeeting:
    """Record the day the invitation went out. Later than the programme's days ahead is
    allowed but flagged (``meeting.invited_late``) and counted in the reports. Every outside party
    must still be covered by a consent valid today."""
    _require_planned(meeting)
    meeting_require_consent(meeting)
    with transaction.atomic():
        changed = _tracked_save(meeting, {"invitation_sent_on": sent_on}, actor)
        if changed:
            _log(
                meeting,
                action=Action.CHANGE,
                actor=actor,
                client_address=client_address,
                what="invitation",
                changed=changed,
            )
        case_changed(meeting.participant_id)
    return meeting


@dataclass(frozen=True)
class ActionValue:
    """One agreed action as the minutes give it: who does what by when (for which goal)."""

    who: str
    what: str
    due_on: date | None = None
    goal: Goal | None = None


MAX_ACTIONS = 50


def _check_actions(
    meeting: CoordinationMeeting, actions: Sequence[ActionValue], errors: dict[str, str]
) -> list[ActionValue]:
    cleaned = []
    who_limit = max_length(MeetingAction, "who")
    for action in actions:
        who, what = " ".join(action.who.split()), action.what.strip()
        if not who and not what and action.due_on is None and action.goal is None:
            continue  # an empty row of the form
        if not who or not what:
            errors["actions"] = _("Each agreed action says who does what.")
        elif len(who) > who_limit or len(what) > 1000:
            errors["actions"] = _("An agreed action is too long.")
        elif action.due_on is not None and action.due_on < meeting.meeting_on:
            errors["actions"] = _("An action cannot be due before the meeting.")
        elif action.goal is not None and action.goal.plan.participant_id != meeting.participant_id:
            errors["actions"] = _("An action can only be linked to a goal of this person's plan.")
        cleaned.append(ActionValue(who=who, what=what, due_on=action.due_on, goal=action.goal))
    if len(cleaned) > MAX_ACTIONS:
        errors["actions"] = _("At most %(limit)d actions.") % {"limit": MAX_ACTIONS}
    return cleaned


def _save_actions(meeting: CoordinationMeeting, actions: Sequence[ActionValue]) -> None:
    MeetingAction.objects.bulk_create(
        MeetingAction(
            meeting=meeting,
            position=position,
            who=action.who,
            what=action.what,
            due_on=action.due_on,
            goal=action.goal,
        )
        for position, action in enumerate(actions)
    )


def _save_attendance(meeting: CoordinationMeeting, attendance: dict[int, bool | None]) -> None:
    invitees = {invitee.pk: invitee for invitee in meeting.invitees.all()}
    unknown = set(attendance) - set(invitees)
    if unknown:
        raise ValidationError({"attendance": _("Attendance is recorded for invitees only.")})
    for pk, attended in attendance.items():
        if invitees[pk].attended != attended:
            MeetingInvitee.objects.filter(pk=pk).update(attended=attended)


def meeting_minutes_record(
    *,
    meeting: CoordinationMeeting,
    chair: str,
    minute_taker: str,
    minutes: str,
    lead_unit: str = "",
    follow_up_on: date | None = None,
    no_decision: bool = False,
    escalation_agreed: bool = False,
    escalated_to: str = "",
    attendance: dict[int, bool | None] | None = None,
    actions: Sequence[ActionValue] = (),
    actor: User,
    client_address: str | None = None,
) -> CoordinationMeeting:
    """Record the meeting as held with its minutes: attendance per invitee, the agreed
    actions, the lead unit and the follow-up date (a deadline with reminders). Without a
    lead unit the question goes to the managers, and only with the participant's consent to
    that. Every outside party must still be covered by a consent valid today."""
    _require_planned(meeting)
    meeting_require_consent(meeting)
    chair, minute_taker, lead_unit = chair.strip(), minute_taker.strip(), lead_unit.strip()
    errors: dict[str, str] = {}
    actions = _check_actions(meeting, actions, errors)
    if not chair:
        errors["chair"] = _("Give who chaired the meeting.")
    if not minute_taker:
        errors["minute_taker"] = _("Give who kept the minutes.")
    if not minutes.strip():
        errors["minutes"] = _("Write down the agreed plan.")
    if no_decision and lead_unit:
        errors["lead_unit"] = _(
            "Either name the lead unit or record that no decision was reached, not both."
        )
    elif not no_decision and not lead_unit:
        errors["lead_unit"] = _(
            "Name the unit that has the main responsibility, or record that no decision on "
            "responsibility was reached."
        )
    if no_decision and not escalation_agreed:
        errors["escalation_agreed"] = _(
            "No decision on responsibility was reached: the question can go to the managers "
            "only if the participant agrees. Ask them and tick the box, or name a lead unit."
        )
    if errors:
        raise ValidationError(errors)
    values = {
        "chair": chair,
        "minute_taker": minute_taker,
        "minutes": minutes.strip(),
        "lead_unit": lead_unit,
        "follow_up_on": follow_up_on,
        "escalated_on": timezone.localdate() if no_decision else None,
        "escalated_to": escalated_to.strip() if no_decision else "",
        "status": MeetingStatus.HELD,
    }
    with transaction.atomic():
        changed = _tracked_save(meeting, values, actor)
        _save_attendance(meeting, attendance or {})
        _save_actions(meeting, actions)
        what = "minutes, escalated" if no_decision else "minutes"
        _log(
            meeting,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            what=what,
            changed=changed,
        )
        case_changed(meeting.participant_id)
    return meeting


def meeting_cancel(
    *, meeting: CoordinationMeeting, actor: User, client_address: str | None = None
) -> CoordinationMeeting:
    """Cancel a planned meeting; it stays in the list as cancelled."""
    _require_planned(meeting)
    with transaction.atomic():
        _log(
            meeting,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            what="cancelled",
            changed=apply_tracked_changes(
                participant=meeting.participant,
                obj=meeting,
                allowed=("status",),
                values={"status": MeetingStatus.CANCELLED},
                actor=actor,
            ),
        )
        case_changed(meeting.participant_id)
    return meeting


IMPORT_TEXT_FIELDS = (
    "need",
    "chair",
    "minute_taker",
    "minutes",
    "lead_unit",
    "escalated_to",
    "place",
    "video_link",
    "agenda",
)


def _import_staff(participant: Participant, emails: list[str], errors: dict[str, str]) -> list:
    wanted = clean_names(emails)
    found = {
        user.email.casefold(): user
        for user in User.objects.filter(
            organisation_id=participant.organisation_id, is_active=True
        ).filter(email__in=[email.lower() for email in wanted])
    }
    missing = [email for email in wanted if email.casefold() not in found]
    if missing:
        errors["staff"] = _(
            "No active member of staff of the participant's organisation has the e-mail "
            "address %(emails)s."
        ) % {"emails": ", ".join(missing)}
    return [found[email.casefold()] for email in wanted if email.casefold() in found]


def _import_actions(participant: Participant, raw: list[dict]) -> list[ActionValue]:
    goals = {goal.title: goal for goal in Goal.objects.filter(plan__participant=participant)}
    result = []
    for item in raw:
        title = item.get("goal")
        if title is not None and title not in goals:
            raise ValidationError(
                {
                    "actions": _("An action names a goal the plan does not have: “%(goal)s”.")
                    % {"goal": title[:40]}
                }
            )
        result.append(
            ActionValue(
                who=item["who"],
                what=item["what"],
                due_on=item.get("due_on"),
                goal=goals.get(title) if title is not None else None,
            )
        )
    return result


def meeting_import(
    *, participant: Participant, values: dict, actor: User | None
) -> CoordinationMeeting:
    """Write one meeting of a case file: the booking's and the minutes' date and consent rules
    apply, outside parties checked against the consents valid on the meeting date.

    The minutes' texts stay optional here, as the case-file format allows a held meeting
    without them; the lead unit (or an escalation date) does not.
    """
    outside = clean_names(values.get("outside_parties", []))
    units = clean_names(values.get("units", []))
    meeting = CoordinationMeeting(
        participant=participant,
        kind=values.get("kind", MeetingKind.INTERN_SIP),
        participant_agreed=values.get("participant_agreed", True),
        guardian_consented=values.get("guardian_consented", False),
        status=values["status"],
        meeting_on=values["meeting_on"],
        starts_at=values.get("starts_at"),
        ends_at=values.get("ends_at"),
        invitation_sent_on=values.get("invitation_sent_on"),
        follow_up_on=values.get("follow_up_on"),
        follow_up_of=values.get("follow_up_of"),
        escalated_on=values.get("escalated_on"),
        created_by=actor,
        **{field: values.get(field, "").strip() for field in IMPORT_TEXT_FIELDS},
    )
    errors: dict[str, str] = {}
    if not meeting.participant_agreed:
        errors["participant_agreed"] = _(
            "A coordination meeting is held only if the participant agrees."
        )
    if needs_guardian(participant, meeting.meeting_on) and not meeting.guardian_consented:
        errors["guardian_consented"] = _(
            "The participant was under 18: the guardians must have consented as well."
        )
    if meeting.status == MeetingStatus.HELD and not meeting.lead_unit and not meeting.escalated_on:
        errors["lead_unit"] = _(
            "A held meeting names the lead unit, or the date the question went to the managers."
        )
    _check_dates(meeting, errors)
    _check_preparation(meeting, errors)
    _check_invitees(units, outside, errors)
    staff = _import_staff(participant, values.get("staff", []), errors)
    actions = _import_actions(participant, values.get("actions", []))
    actions = _check_actions(meeting, actions, errors)
    present = {name.casefold() for name in values.get("present", [])}
    absent = {name.casefold() for name in values.get("absent", [])}
    if present & absent:
        errors["present"] = _("An invitee cannot be both present and absent.")
    known = {name.casefold() for name in units + outside} | {
        user.email.casefold() for user in staff
    }
    if (present | absent) - known:
        errors["present"] = _("Attendance names someone who was not invited.")
    if errors:
        raise ValidationError(errors)
    meeting.full_clean()
    uncovered = uncovered_parties(participant, outside, meeting.meeting_on)
    if uncovered:
        raise _uncovered_error(uncovered, meeting.meeting_on)
    attendance: dict[str, bool] = {}
    for name in units + outside + [user.email for user in staff]:
        if name.casefold() in present:
            attendance[name] = True
        elif name.casefold() in absent:
            attendance[name] = False
    with transaction.atomic():
        _save_new(meeting, units, outside, staff, attendance)
        _save_actions(meeting, actions)
        _log(meeting, action=Action.CREATE, actor=actor, client_address=None, what="imported")
        case_changed(participant.pk)
    return meeting
