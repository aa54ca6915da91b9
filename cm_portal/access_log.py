"""The access log: one function to record an event, one to verify the chain.

Rows are chained: each stores the hash of the row before it, so an edit or a deletion
made directly in the database breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .dates import years_after
from .models import AccessEvent, Role
from .selectors import emails_of_role
from .throttling import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import User

Action = AccessEvent.Action

# Any constant works: it names the lock that serialises writers of the chain.
_CHAIN_LOCK_ID = 0x434D_4C4F47  # "CMLOG"
# Two statements, sent together (psycopg's client-side binding allows it).
_LOCK_THEN_LAST_HASH = (
    "SELECT pg_advisory_xact_lock(%s); "
    'SELECT "hash" FROM "cm_portal_accessevent" ORDER BY "id" DESC LIMIT 1'
)


def client_address(request: HttpRequest | None) -> str | None:
    """The address django-axes settled on, else the client's behind our proxies (the same rule)."""
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def _event_hash(event: AccessEvent) -> str:
    fields = [
        event.previous_hash,
        event.at.astimezone(UTC).isoformat(),
        str(event.actor_id or ""),
        event.actor_email,
        event.organisation_slug,
        event.action,
        event.object_type,
        event.object_id,
        event.ip_address or "",
        event.detail,
    ]
    # Only rows with data hash it: a row from before the field hashes as it always did.
    if event.data:
        fields.append(_canonical(event.data))
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as it reads back from the database (dates as ISO text, and so on), so that
    the hash computed before the insert is the one :func:`verify_chain` computes later."""
    plain: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return plain


def change(field: str, old: Any, new: Any) -> dict[str, Any]:
    """:func:`changes` of one field whose values may stand in the log."""
    return changes([field], old={field: old}, new={field: new}, values_of=[field])


def _value(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def changes(
    fields: Iterable[str],
    *,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    values_of: Collection[str] = (),
) -> dict[str, Any]:
    """The data of a change for :func:`record`: ``{"changed": {field: {"old": …, "new": …}}}``.

    Every changed field is named; its old and new values are there only for the fields in
    ``values_of``, values that are no personal data (a role, an organisation, a flag). The
    values of case data stay out: the case's own change history (``CaseChange``) keeps them,
    and goes with the case when it is deleted, while the log stays.
    """
    return {
        "changed": {
            field: (
                {"old": _value((old or {}).get(field)), "new": _value((new or {}).get(field))}
                if field in values_of
                else {}
            )
            for field in fields
        }
    }


def record(
    *,
    action: str,
    actor: User | None = None,
    client_address: str | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: str = "",
    data: Mapping[str, Any] | None = None,
) -> AccessEvent:
    """Append one event to the access log and return it.

    ``actor`` is who acted, ``client_address`` where from (a view takes it from the request
    with :func:`client_address`; services receive it as an argument, never the request).
    ``obj`` names the object acted on (its model name and primary key); pass
    ``object_type``/``object_id`` instead for something that is not a model instance.
    ``detail`` must never hold personal data: it is for field names and the like.
    ``data`` is the detail as data (e.g. :func:`changes`), under the same rule; the row's
    hash covers it.
    """
    if obj is not None:
        object_type = obj._meta.model_name or ""
        object_id = obj.pk
    organisation = getattr(actor, "organisation", None) if actor else None
    event = AccessEvent(
        at=timezone.now(),
        actor=actor,
        actor_email=actor.email if actor else "",
        organisation_slug=organisation.slug if organisation else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip_address=client_address,
        detail=detail.replace("\r", " ").replace("\n", " ")[:200],
        data=_plain(data) if data else None,
    )
    # Inside a service's transaction no savepoint of its own (two round trips a save): a
    # failure here fails that transaction, as it should.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # The lock, held to the end of the transaction so that the next writer sees this
            # row, then the last hash: one round trip. Each statement reads with a snapshot of
            # its own (READ COMMITTED), taken once the one before it has ended: the hash is
            # read with the lock held.
            with connection.cursor() as cursor:
                cursor.execute(_LOCK_THEN_LAST_HASH, [_CHAIN_LOCK_ID])
                cursor.nextset()
                row = cursor.fetchone()
            last = row[0] if row else None
        else:
            last = AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.previous_hash = last or ""
        event.hash = _event_hash(event)
        event.save(force_insert=True)
    return event


class _Named(TypedDict, total=False):
    """What an entry names besides its action and actor, as :func:`record` takes it."""

    obj: models.Model | None
    object_type: str
    object_id: str | int
    detail: str
    data: Mapping[str, Any] | None


def record_request(
    request: HttpRequest | None,
    *,
    action: str,
    actor: User | None = None,
    **named: Unpack[_Named],
) -> AccessEvent:
    """:func:`record` for the views, middleware and signals that log directly: the actor
    (unless given) is the request's signed-in user, the address the request's client."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return record(action=action, actor=actor, client_address=client_address(request), **named)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the log in order; return how many rows were checked and the first break.

    The oldest row left may point to a row :func:`purge_expired` deleted: it is accepted
    when a purge event names that row's hash, and nowhere but at the start.
    """
    purged_up_to = set(
        AccessEvent.objects.filter(action=Action.LOG_PURGED).values_list("object_id", flat=True)
    )
    previous = ""
    checked = 0
    for event in AccessEvent.objects.order_by("id").iterator(chunk_size=2000):
        if checked == 0 and event.previous_hash in purged_up_to:
            previous = event.previous_hash
        if event.previous_hash != previous:
            return checked, ChainBreak(event.id, "previous_hash does not match the row before")
        if event.hash != _event_hash(event):
            return checked, ChainBreak(event.id, "the row's content does not match its hash")
        previous = event.hash
        checked += 1
    return checked, None


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete the rows older than ``ACCESS_LOG_RETENTION_YEARS``; return how many.

    Only ever the oldest rows, up to the first one still inside the period, so the chain
    stays whole from there on; a purge event names the last deleted row's hash, which lets
    :func:`verify_chain` accept where the log now begins. The database's guard allows
    deleting a row only once it is five years old (migration 0006), so a mistaken setting
    can keep rows longer but never delete them sooner.
    """
    now = now or timezone.now()
    cutoff = years_after(now, -settings.ACCESS_LOG_RETENTION_YEARS)
    with transaction.atomic():
        first_kept = (
            AccessEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True)
        ).first()
        expired = AccessEvent.objects.filter(at__lt=cutoff)
        if first_kept is not None:
            expired = AccessEvent.objects.filter(id__lt=first_kept)
        last_hash = expired.order_by("-id").values_list("hash", flat=True).first()
        if last_hash is None:
            return 0
        deleted, _by_model = expired.delete()
        record(
            action=Action.LOG_PURGED,
            object_type="access_log",
            object_id=last_hash,
            detail=f"{deleted} rows older than {cutoff:%Y-%m-%d}",
        )
    return deleted


# --- the anchor outside the database (security.md 38) ------------------------------------

# Serialises the nightly anchor runs (not the chain's writers: an e-mail may take seconds).
_ANCHOR_LOCK_ID = 0x434D_414E43  # "CMANC"


@dataclass(frozen=True)
class ChainHead:
    hash: str
    rows: int
    at: datetime
    event_id: int


def chain_head() -> ChainHead | None:
    """The newest row of the chain: its hash, how many rows the log holds, and when."""
    last = AccessEvent.objects.order_by("-id").values("id", "hash", "at").first()
    if last is None:
        return None
    rows = AccessEvent.objects.filter(id__lte=last["id"]).count()
    return ChainHead(hash=last["hash"], rows=rows, at=last["at"], event_id=last["id"])


def anchor_send(*, now: datetime | None = None) -> ChainHead | None:
    """Nightly: e-mail the administrators the head of the chain, so that a chain rewritten
    later can be caught from outside (``verify_access_log --expect HASH``). At most one
    e-mail a night (Europe/Stockholm) however often it runs; the sending is itself logged.
    Returns the head sent, or None when nothing was sent."""
    now = now or timezone.now()
    night = timezone.localdate(now).isoformat()
    recipients = emails_of_role(Role.ADMINISTRATOR) + list(settings.ACCESS_LOG_ANCHOR_EMAILS)
    if not recipients:
        return None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ANCHOR_LOCK_ID])
        if AccessEvent.objects.filter(action=Action.LOG_ANCHORED, object_id=night).exists():
            return None
        head = chain_head()
        if head is None:
            return None
        context = {"head": head, "at_utc": f"{head.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"}
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("CM portal: tonight's head of the access log")
            body = render_to_string("staff/email/access_log_anchor.txt", context)
        record(
            action=Action.LOG_ANCHORED,
            object_type="access_log",
            object_id=night,
            detail=f"head {head.event_id} of {head.rows} rows: {head.hash}",
        )
        # Last: a mail that fails rolls the record back, and the next run tries again.
        send_mail(str(subject), body, None, recipients)
    return head


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    message: str


def verify_against(expected: str) -> AnchorCheck:
    """Check the chain against a head e-mailed earlier.

    The rule: the whole chain must verify (as :func:`verify_chain`), and one of its rows
    must carry exactly ``expected`` as its own hash. Since every row's hash covers the one
    before it, that row and everything before it are then exactly as they were when the
    head was sent; rows after it are newer than the anchor and only the chain vouches for
    them. The check fails when the chain is broken, or when no row has that hash: the log
    was rewritten at or before that head (or those rows were deleted, which the retention
    purge does only after ACCESS_LOG_RETENTION_YEARS).
    """
    expected = expected.strip().lower()
    if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
        return AnchorCheck(False, "The expected hash must be 64 hexadecimal characters.")
    checked, broken = verify_chain()
    if broken is not None:
        return AnchorCheck(
            False,
            f"Broken at access event {broken.event_id} after {checked} good rows: {broken.reason}.",
        )
    row = AccessEvent.objects.filter(hash=expected).values("id", "at").first()
    if row is None:
        return AnchorCheck(
            False,
            f"No row of the access log has the hash {expected}: the chain was rewritten at or "
            f"before that head, or its rows were deleted ({checked} rows checked).",
        )
    later = AccessEvent.objects.filter(id__gt=row["id"]).count()
    return AnchorCheck(
        True,
        f"The access log is intact and contains the expected head (access event {row['id']}, "
        f"{row['at'].astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC); {checked} rows checked, "
        f"{later} newer than it.",
    )
