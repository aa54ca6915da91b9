"""Steps 1 and 2 of the Intern-SIP routine (seed 004): an Intern-SIP offered, by whom and from
which unit, and the answer.

An offer and its answer need no consent to record: the statistics file counts the declined
ones too. The consent step stays where something is shared: a meeting is booked only with
the participant's agreement (and a guardian's under 18), and outside parties only under a
valid consent (``services.meetings``). An Intern-SIP the participant asks for must always be
held: its deadline (``services.deadlines``) opens with the answer.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal.models import AccessEvent, User
from participants.models import Participant
from participants.services import case_write_record

from ..models import MeetingOffer, OfferAnswer

Action = AccessEvent.Action


def _check(offer: MeetingOffer) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    start = offer.participant.intervention_start
    if offer.offered_on and offer.offered_on > today:
        errors["offered_on"] = _("An offer cannot be recorded before it is made.")
    elif offer.offered_on and start and offer.offered_on < start:
        errors["offered_on"] = _(
            "The offer cannot be dated before the intervention start (%(start)s)."
        ) % {"start": start.isoformat()}
    if not offer.unit.strip():
        errors["unit"] = _("Give the unit that made the offer.")
    if errors:
        raise ValidationError(errors)
    offer.full_clean()


def meeting_offer_record(
    *,
    participant: Participant,
    offered_on: date,
    unit: str,
    answer: str,
    offerer: User | None,
    actor: User | None,
    client_address: str | None = None,
) -> MeetingOffer:
    """Record an Intern-SIP offer (or the participant's request for one) and the answer;
    ``offerer`` is the member of staff who made it. No consent is needed; a request opens
    the deadline to hold the meeting."""
    offer = MeetingOffer(
        participant=participant,
        offered_on=offered_on,
        unit=" ".join(unit.split()),
        answer=answer,
        offered_by=offerer,
    )
    _check(offer)
    with transaction.atomic():
        offer.save(force_insert=True)
        case_write_record(
            participant,
            action=Action.CREATE,
            actor=actor,
            client_address=client_address,
            detail=f"intern-sip offer {offer.pk} {offer.answer}",
        )
    return offer


def meeting_offer_import(
    *, participant: Participant, values: dict, actor: User | None
) -> MeetingOffer:
    """Write one offer of a case file, with the same rules as recording one."""
    return meeting_offer_record(
        participant=participant,
        offered_on=values["offered_on"],
        unit=values["unit"],
        answer=values["answer"],
        offerer=None,
        actor=actor,
    )


__all__ = ["OfferAnswer", "meeting_offer_import", "meeting_offer_record"]
