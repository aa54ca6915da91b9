"""Every write to self-ratings: the case manager's entry, the participant's single-use
link (only a SHA-256 digest of its token is stored) and the case-file import."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.models import AccessEvent, User
from participants.events import case_changed
from participants.models import Participant
from participants.services import case_write_record
from plans.models import RatingPhase, RatingSource, SelfRating, SelfRatingLink

Action = AccessEvent.Action
LINK_LIFETIME = timedelta(days=7)
SCORE_FIELDS = ("ucla_1", "ucla_2", "ucla_3", "participation")
RATING_FIELDS = ("phase", "rated_on", *SCORE_FIELDS)


class SelfRatingLinkUnusable(Exception):
    """The link has been used already or has expired."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_rated_on(participant: Participant, rated_on: date) -> None:
    if rated_on > timezone.localdate():
        raise ValidationError(
            {
                "rated_on": _(
                    "The rating date cannot be in the future: give today or an earlier day."
                )
            }
        )
    if rated_on < participant.intervention_start:
        raise ValidationError(
            {
                "rated_on": _(
                    "The rating date cannot be before the intervention started (%(start)s): "
                    "give a later date."
                )
                % {"start": participant.intervention_start.isoformat()}
            }
        )


def _new_rating(participant: Participant, values: dict[str, Any], **extra: Any) -> SelfRating:
    unknown = set(values) - set(RATING_FIELDS)
    if unknown:
        raise TypeError(f"a self-rating has no fields {sorted(unknown)}")
    rating = SelfRating(participant=participant, **values, **extra)
    rating.full_clean(exclude=["participant", "entered_by"])
    _check_rated_on(participant, rating.rated_on)
    rating.save(force_insert=True)
    return rating


def self_rating_record(
    *,
    participant: Participant,
    actor: User,
    phase: str,
    rated_on: date,
    ucla_1: int,
    ucla_2: int,
    ucla_3: int,
    participation: int,
    client_address: str | None = None,
) -> SelfRating:
    """The case manager enters a rating (phase, rated_on, ucla_1..3, participation)."""
    values = {
        "phase": phase,
        "rated_on": rated_on,
        "ucla_1": ucla_1,
        "ucla_2": ucla_2,
        "ucla_3": ucla_3,
        "participation": participation,
    }
    with transaction.atomic():
        rating = _new_rating(participant, values, entered_by=actor, source=RatingSource.STAFF)
        case_write_record(
            participant,
            action=Action.CREATE,
            actor=actor,
            client_address=client_address,
            detail=f"self-rating {rating.pk}",
        )
    return rating


def self_rating_link_create(
    *,
    participant: Participant,
    phase: str,
    actor: User,
    client_address: str | None = None,
) -> tuple[SelfRatingLink, str]:
    """A new single-use link; the token is returned once and never stored."""
    if phase not in RatingPhase.values:
        raise ValidationError({"phase": _("Choose before (baseline) or after (follow-up).")})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        link = SelfRatingLink.objects.create(
            participant=participant,
            phase=phase,
            token_digest=token_digest(token),
            created_by=actor,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
        access_log.record(
            action=Action.CREATE,
            actor=actor,
            client_address=client_address,
            obj=participant,
            detail=f"self-rating link {link.pk}",
        )
    return link, token


def self_rating_link_find(token: str) -> SelfRatingLink | None:
    return (
        SelfRatingLink.objects.select_related("participant")
        .filter(token_digest=token_digest(token))
        .first()
    )


def self_rating_submit(
    *, token: str, values: dict[str, Any], client_address: str | None = None
) -> SelfRating:
    """The participant's answers through their link: today, the link's phase, once only.

    Only the four scores are taken from ``values``; the link decides the participant and
    the phase. Raises ``SelfRatingLink.DoesNotExist`` for an unknown token and
    ``SelfRatingLinkUnusable`` for a used or expired one.
    """
    with transaction.atomic():
        link = (
            SelfRatingLink.objects.select_for_update()
            .select_related("participant")
            .get(token_digest=token_digest(token))
        )
        if not link.usable_at(timezone.now()):
            raise SelfRatingLinkUnusable
        scores = {field: values.get(field) for field in SCORE_FIELDS}
        rating = _new_rating(
            link.participant,
            {"phase": link.phase, "rated_on": timezone.localdate(), **scores},
            entered_by=None,
            source=RatingSource.PARTICIPANT,
        )
        link.used_at = timezone.now()
        link.rating = rating
        link.save(update_fields=["used_at", "rating"])
        case_write_record(
            link.participant,
            action=Action.CREATE,
            actor=None,  # the participant, through the link
            client_address=client_address,
            detail=f"self-rating via link {link.pk}",
        )
    return rating


def self_rating_import(
    *, participant: Participant, content: dict[str, Any], actor: User | None
) -> SelfRating:
    """One case-file rating (``phase``, ``rated_on``, ``ucla`` [3], ``participation`` and
    optionally ``source``: a rating the participant gave through a link stays theirs)."""
    ucla = content.get("ucla")
    if not isinstance(ucla, list) or len(ucla) != 3:
        raise ValidationError({"ucla": _("Give exactly three UCLA answers, each 1 to 3.")})
    rated_on = content.get("rated_on")
    if isinstance(rated_on, str):
        rated_on = date.fromisoformat(rated_on)
    values = {
        "phase": content.get("phase"),
        "rated_on": rated_on,
        "ucla_1": ucla[0],
        "ucla_2": ucla[1],
        "ucla_3": ucla[2],
        "participation": content.get("participation"),
    }
    source = content.get("source") or RatingSource.STAFF
    if source not in RatingSource.values:
        raise ValidationError({"source": _("Unknown source: staff or participant.")})
    by_staff = source == RatingSource.STAFF
    with transaction.atomic():
        rating = _new_rating(
            participant, values, entered_by=actor if by_staff else None, source=source
        )
        case_changed(participant.pk)
    return rating
