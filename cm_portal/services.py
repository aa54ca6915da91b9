"""Every write to organisations and staff accounts, each recorded in the access log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access_log
from .events import StaffMoved, staff_moved
from .models import (
    AccessEvent,
    AccountChangeRequest,
    LogReview,
    Organisation,
    Role,
    StaffSession,
    User,
)
from .tokens import password_token_generator
from .unset import UNSET, Unset, given

Action = AccessEvent.Action


def organisation_create(*, slug: str, name: str, kind: str) -> Organisation:
    """Create an organisation; raises ValidationError on a taken slug or unknown kind."""
    organisation = Organisation(slug=slug, name=name, kind=kind)
    organisation.full_clean()
    organisation.save(force_insert=True)
    return organisation


CASE_ROLES = (Role.CASE_MANAGER, Role.TEAM_LEAD)
Kind = AccountChangeRequest.Kind
Status = AccountChangeRequest.Status


def staff_create(
    *,
    email: str,
    name: str,
    organisation: Organisation,
    role: str,
    password: str | None = None,
    actor: User | None = None,
    send_link: bool = False,
    client_address: str | None = None,
) -> User:
    """Create a staff account. Without a password it cannot log in until one is set.

    An account with case access made on the administrators' pages stays inactive until a
    team lead of its organisation (or a second administrator) approves it (security.md 30);
    the set-password link, if asked for, goes out on approval.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    user = User(email=email, name=name.strip(), organisation=organisation, role=role)
    user.full_clean(exclude=["password"])
    if password is not None:
        validate_password(password, user)
    user.set_password(password)
    # Management commands run by the operator on the server (created_by None) are not the
    # administrators' pages: whoever runs them already holds the database.
    needs_approval = role in CASE_ROLES and actor is not None
    user.is_active = not needs_approval
    with transaction.atomic():
        user.save(force_insert=True)
        access_log.record(
            action=Action.CREATE, actor=actor, client_address=client_address, obj=user
        )
        if needs_approval and actor is not None:
            account_change_request(
                kind=Kind.CREATE,
                target=user,
                actor=actor,
                values={"send_link": send_link},
                client_address=client_address,
            )
    if send_link and not needs_approval and actor is not None:
        staff_password_link_send(user=user, actor=actor, client_address=client_address)
    return user


STAFF_EDITABLE_FIELDS = ("name", "email", "organisation", "role")


def staff_update(
    *,
    user: User,
    actor: User,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    organisation: Organisation | Unset = UNSET,
    role: str | Unset = UNSET,
    client_address: str | None = None,
) -> AccountChangeRequest | None:
    """Change name, e-mail, organisation or role of an account.

    An administrator never changes their own role or organisation. A change that gives
    case access (role or organisation of an account that will work with cases, or the
    e-mail of one that does) waits for approval and is returned as a pending request; the
    rest is saved at once.
    """
    values = given(name=name, email=email, organisation=organisation, role=role)
    if "email" in values:
        values["email"] = User.objects.normalize_email(str(values["email"]).strip()).lower()
    changed = {field: value for field, value in values.items() if getattr(user, field) != value}
    if not changed:
        return None
    if user.pk == actor.pk and {"role", "organisation"} & set(changed):
        raise ValidationError(_("You cannot change your own role or organisation."))
    gated = _gated_fields(user, changed)
    immediate = {field: value for field, value in changed.items() if field not in gated}
    with transaction.atomic():
        if immediate:
            _staff_apply(user=user, values=immediate, actor=actor, client_address=client_address)
        if not gated:
            return None
        gated_organisation = gated.get("organisation")
        if not isinstance(gated_organisation, Organisation):
            gated_organisation = user.organisation
        stored = {
            field: value.pk if isinstance(value, Organisation) else value
            for field, value in gated.items()
        }
        return account_change_request(
            kind=Kind.UPDATE,
            target=user,
            actor=actor,
            values=stored,
            organisation=gated_organisation,
            client_address=client_address,
        )


def _gated_fields(user: User, changed: dict[str, object]) -> dict[str, object]:
    """The part of ``changed`` that gives case access and so needs a second person."""
    role = changed.get("role", user.role)
    will_work_with_cases = role in CASE_ROLES
    gated = {}
    if will_work_with_cases and ("role" in changed or "organisation" in changed):
        # Role and organisation go together: half of the move would be a move too.
        for field in ("organisation", "role"):
            gated[field] = changed.get(field, getattr(user, field))
    if "email" in changed and (user.works_with_cases or will_work_with_cases):
        gated["email"] = changed["email"]
    return gated


def _staff_apply(
    *,
    user: User,
    values: dict[str, object],
    actor: User,
    client_address: str | None,
) -> None:
    previous_organisation_id, previous_role = user.organisation_id, user.role
    changed = [
        field
        for field in STAFF_EDITABLE_FIELDS
        if field in values and getattr(user, field) != values[field]
    ]
    if not changed:
        return
    before = {field: getattr(user, field) for field in changed}
    for field in changed:
        setattr(user, field, values[field])
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=changed)
        access_log.record(
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            obj=user,
            detail=",".join(changed),
            data=access_log.changes(
                changed, old=before, new=values, values_of=("organisation", "role")
            ),
        )
        if {"organisation", "role"} & set(changed):
            # Assignments belong to the place the person leaves; so do the sessions
            # opened there (security.md 29).
            staff_moved(
                StaffMoved(
                    user=user,
                    previous_organisation_id=previous_organisation_id,
                    previous_role=previous_role,
                    changed_by=actor,
                    client_address=client_address,
                )
            )
            staff_sessions_end(user=user)


def staff_sessions_end(*, user: User) -> int:
    """End every session of this account on the server; returns how many were ended."""
    keys = list(StaffSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        SessionStore(session_key=key).delete()
    StaffSession.objects.filter(user=user).delete()
    return len(keys)


def staff_deactivate(*, user: User, actor: User, client_address: str | None = None):
    """Deactivate an account and end its sessions at once."""
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        was_active = user.is_active
        if was_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        staff_sessions_end(user=user)
        access_log.record(
            action=Action.DEACTIVATE,
            actor=actor,
            client_address=client_address,
            obj=user,
            data=access_log.change("is_active", was_active, False),
        )
        # Deactivation overrides what still waits for approval: approving a new account's
        # creation afterwards would otherwise switch it on again.
        for change in user.change_requests.filter(status=Status.PENDING):
            change.status = Status.REFUSED
            change.decided_by = actor
            change.decided_at = timezone.now()
            change.save(update_fields=["status", "decided_by", "decided_at"])
            _log_change(change, Action.CHANGE_REFUSED, actor, client_address)
    return user


def staff_reactivate(*, user: User, actor: User, client_address: str | None = None):
    """Reactivate an account; never one whose creation has not been approved."""
    if user.change_requests.filter(kind=Kind.CREATE).exclude(status=Status.APPROVED).exists():
        raise ValidationError(_("This account has not been approved yet."))
    with transaction.atomic():
        was_active = user.is_active
        user.is_active = True
        user.save(update_fields=["is_active"])
        access_log.record(
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            obj=user,
            detail="is_active",
            data=access_log.change("is_active", was_active, True),
        )
    return user


def staff_second_factor_reset(
    *, user: User, actor: User, client_address: str | None = None
) -> AccountChangeRequest | None:
    """Remove every second-factor device: the person enrols anew at their next login.

    For an account with case access this waits for approval (returned as the request).
    """
    return _at_once_or_on_approval(
        Kind.SECOND_FACTOR_RESET,
        _second_factor_reset,
        user=user,
        actor=actor,
        client_address=client_address,
    )


def _at_once_or_on_approval(
    kind: str,
    change: Callable[..., None],
    *,
    user: User,
    actor: User,
    client_address: str | None,
) -> AccountChangeRequest | None:
    """``change`` at once, or for an account with case access a request for it that the team
    lead approves (returned)."""
    if user.works_with_cases:
        return account_change_request(
            kind=kind, target=user, actor=actor, client_address=client_address
        )
    change(user=user, actor=actor, client_address=client_address)
    return None


def _second_factor_reset(*, user: User, actor: User, client_address: str | None) -> None:
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        staff_sessions_end(user=user)
        access_log.record(
            action=Action.OTP_RESET, actor=actor, client_address=client_address, obj=user
        )


def password_link(user: User) -> str:
    """An absolute set-password link, valid for PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": password_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def staff_password_link_send(
    *, user: User, actor: User, client_address: str | None = None
) -> AccountChangeRequest | None:
    """E-mail a set-password link. The link sets the password only: the second factor stays.

    For an account with case access the link goes out on approval (returned as the request).
    """
    if not user.is_active:
        raise ValidationError(_("The account is deactivated."))
    return _at_once_or_on_approval(
        Kind.PASSWORD_LINK,
        _password_link_send,
        user=user,
        actor=actor,
        client_address=client_address,
    )


def _password_link_send(*, user: User, actor: User, client_address: str | None) -> None:
    context = {"user": user, "link": password_link(user), "days": 3}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Set your password for CM-portalen")
        body = render_to_string("staff/email/set_password.txt", context)
    send_mail(subject, body, None, [user.email])
    access_log.record(
        action=Action.PASSWORD_LINK_SENT, actor=actor, client_address=client_address, obj=user
    )


# --- separation of duties (security.md 30) -----------------------------------------------


def account_change_deciders(change: AccountChangeRequest) -> QuerySet[User]:
    """Who may decide: the active team leads of the organisation concerned, but never the
    account itself; where there is none, the active administrators but the requester."""
    team_leads = User.objects.filter(
        organisation_id=change.organisation_id, role=Role.TEAM_LEAD, is_active=True
    ).exclude(pk__in=[change.target_id, change.requested_by_id])
    if team_leads.exists():
        return team_leads
    return User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(
        pk__in=[change.target_id, change.requested_by_id]
    )


def account_change_request(
    *,
    kind: str,
    target: User,
    actor: User,
    values: dict | None = None,
    organisation: Organisation | None = None,
    client_address: str | None = None,
) -> AccountChangeRequest:
    """Record a change that gives case access; it has no effect until approved."""
    if not actor.is_administrator:
        raise ValidationError(_("Only an administrator can ask for this change."))
    if target.pk == actor.pk:
        raise ValidationError(_("You cannot ask for changes of your own account."))
    if target.change_requests.filter(kind=kind, status=Status.PENDING).exists():
        raise ValidationError(_("The same change of this account is already waiting for approval."))
    change = AccountChangeRequest(
        kind=kind,
        target=target,
        organisation=organisation or target.organisation,
        requested_by=actor,
        values=values or {},
    )
    change.full_clean()
    with transaction.atomic():
        change.save(force_insert=True)
        _log_change(change, Action.CHANGE_REQUESTED, actor, client_address)
    if kind != Kind.CREATE:
        _tell_the_account(change, requested=True)
    return change


def _log_change(
    change: AccountChangeRequest, action: str, actor: User, client_address: str | None
) -> None:
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        object_type="account_change_request",
        object_id=str(change.pk),
        detail=f"{change.kind} of staff {change.target_id}",
    )


def _decide(change: AccountChangeRequest, actor: User) -> AccountChangeRequest:
    """Lock the pending request and check that this person may decide it."""
    locked = AccountChangeRequest.objects.select_for_update().get(pk=change.pk)
    if not locked.is_pending:
        raise ValidationError(_("This request has already been decided."))
    if not account_change_deciders(locked).filter(pk=actor.pk).exists():
        raise ValidationError(_("You cannot decide this request."))
    return locked


def account_change_approve(
    *, change: AccountChangeRequest, actor: User, client_address: str | None = None
) -> AccountChangeRequest:
    """Approve and apply the change; raises ValidationError if it cannot be applied."""
    with transaction.atomic():
        change = _decide(change, actor)
        target = User.objects.select_for_update().get(pk=change.target_id)
        change.status = Status.APPROVED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save(update_fields=["status", "decided_by", "decided_at"])
        _log_change(change, Action.CHANGE_APPROVED, actor, client_address)
        previous_email = target.email
        _apply(change, target, actor, client_address)
    if change.kind != Kind.CREATE:  # a new account has no earlier address to tell
        _tell_the_account(change, requested=False, address=previous_email)
    return change


def _apply(
    change: AccountChangeRequest, target: User, actor: User, client_address: str | None
) -> None:
    # The change is the requester's, logged as theirs; the approval row names the approver.
    requester = change.requested_by
    if change.kind == Kind.CREATE:
        target.is_active = True
        target.save(update_fields=["is_active"])
        if change.values.get("send_link"):
            _password_link_send(user=target, actor=requester, client_address=client_address)
    elif change.kind == Kind.UPDATE:
        values = dict(change.values)
        if "organisation" in values:
            values["organisation"] = Organisation.objects.get(pk=values["organisation"])
        _staff_apply(user=target, values=values, actor=requester, client_address=client_address)
    elif change.kind == Kind.SECOND_FACTOR_RESET:
        _second_factor_reset(user=target, actor=requester, client_address=client_address)
    elif change.kind == Kind.PASSWORD_LINK:
        if not target.is_active:
            raise ValidationError(_("The account is deactivated."))
        _password_link_send(user=target, actor=requester, client_address=client_address)


def account_change_refuse(
    *, change: AccountChangeRequest, actor: User, client_address: str | None = None
) -> AccountChangeRequest:
    """Refuse the change: nothing of it takes effect."""
    with transaction.atomic():
        change = _decide(change, actor)
        change.status = Status.REFUSED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save(update_fields=["status", "decided_by", "decided_at"])
        _log_change(change, Action.CHANGE_REFUSED, actor, client_address)
    if change.kind != Kind.CREATE:
        _tell_the_account(change, requested=False)
    return change


def _tell_the_account(
    change: AccountChangeRequest, *, requested: bool, address: str | None = None
) -> None:
    """A plain e-mail to the account's address before the change: what, when, no case data."""
    address = address or change.target.email
    context = {
        "name": change.target.name,
        "requested": requested,
        "when": timezone.localtime(change.decided_at or change.requested_at),
    }
    with translation.override(settings.LANGUAGE_CODE):
        context["what"] = str(change.get_kind_display())
        context["status"] = str(change.get_status_display())
        subject = _("A change to your CM-portalen account")
        body = render_to_string("staff/email/account_change.txt", context)
    send_mail(subject, body, None, [address])


def sessions_clear_expired() -> int:
    """Delete expired sessions and their StaffSession rows; idempotent."""
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    keys = list(expired.values_list("session_key", flat=True))
    StaffSession.objects.filter(session_key__in=keys).delete()
    # Rows whose session has gone for any other reason.
    StaffSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    deleted, _counts = expired.delete()
    return deleted


# --- log review (security.md 17) ---------------------------------------------------------

# Accesses to case data: what a periodic check samples.
CASE_DATA_TYPES = ("participant",)
DEFAULT_SAMPLE_SIZE = 20
MAX_SAMPLE_SIZE = 200


def log_review_draw(
    *,
    actor: User,
    period_from,
    period_to,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    client_address: str | None = None,
) -> LogReview:
    """Draw a random sample of the accesses to case data in ``[period_from, period_to]``."""
    if period_from > period_to:
        raise ValidationError({"period_to": _("The to date must not be before the from date.")})
    if not 1 <= sample_size <= MAX_SAMPLE_SIZE:
        raise ValidationError(
            {"sample_size": _("Draw between 1 and %(max)d events.") % {"max": MAX_SAMPLE_SIZE}}
        )
    events = AccessEvent.objects.filter(
        object_type__in=CASE_DATA_TYPES,
        at__date__gte=period_from,
        at__date__lte=period_to,
    )
    # The database draws: every access in the period is as likely to be checked.
    sample = list(events.order_by("?").values_list("pk", flat=True)[:sample_size])
    with transaction.atomic():
        review = LogReview.objects.create(
            reviewer=actor,
            period_from=period_from,
            period_to=period_to,
            sample_ids=sorted(sample),
        )
        _log_review_record(
            review,
            AccessEvent.Action.CREATE,
            actor,
            client_address,
            detail=f"sample of {len(sample)}",
        )
    return review


LOG_REVIEW_MARKS = ("ok", "investigate")


def _log_review_record(
    review: LogReview, action: str, actor: User, client_address: str | None, *, detail: str
) -> None:
    """Log a step of the access-log review (the review is named, never a model instance)."""
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        object_type="log_review",
        object_id=str(review.pk),
        detail=detail,
    )


def log_review_mark(
    *, review: LogReview, actor: User, event_id: int, mark: str, client_address: str | None = None
) -> LogReview:
    """Mark one sampled access as in order ("ok") or to investigate; until signed off."""
    if mark not in LOG_REVIEW_MARKS:
        raise ValidationError(_("Choose in order or to investigate."))
    with transaction.atomic():
        locked = LogReview.objects.select_for_update().get(pk=review.pk)
        if locked.is_signed_off:
            raise ValidationError(_("This review has already been signed off."))
        if event_id not in locked.sample_ids:
            raise ValidationError(_("That access is not in this review's sample."))
        locked.marks = {**locked.marks, str(event_id): mark}
        locked.full_clean()
        locked.save(update_fields=["marks"])
        _log_review_record(
            review, AccessEvent.Action.CHANGE, actor, client_address, detail=f"marked {mark}"
        )
    return locked


def log_review_sign_off(
    *, review: LogReview, actor: User, comment: str, client_address: str | None = None
) -> LogReview:
    """Sign the review off with what was found; a signed-off review is never changed."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what you checked and what you found.")})
    review.refresh_from_db(fields=["marks", "sample_ids"])
    if review.unmarked:
        raise ValidationError(
            _("Mark every access in the sample (in order or to investigate) before signing off.")
        )
    with transaction.atomic():
        signed = LogReview.objects.filter(pk=review.pk, signed_off_at__isnull=True).update(
            comment=comment, signed_off_at=timezone.now()
        )
        if not signed:
            raise ValidationError(_("This review has already been signed off."))
        _log_review_record(
            review, AccessEvent.Action.CHANGE, actor, client_address, detail="signed off"
        )
    review.refresh_from_db()
    return review


# --- password reset (security.md 35) ----------------------------------------------------

# Asked for on the public page: at most this many e-mails to one account, and this many
# requests from one client address, in PASSWORD_RESET_WINDOW. Beyond that the page answers
# as always and nothing is sent, so the limits tell nobody whether an account exists.
PASSWORD_RESET_EMAILS_PER_ACCOUNT = 3
PASSWORD_RESET_REQUESTS_PER_ADDRESS = 10
PASSWORD_RESET_WINDOW = timedelta(hours=1)


def password_reset_request(*, email: str, client_address: str | None) -> bool:
    """The public "forgotten your password?" form; returns whether a link was e-mailed.

    Every request is written to the access log (the account, if the address is one, and
    the client address; never the typed address otherwise), and the log is what the limits
    count: requests from the address, links sent to the account.
    """
    address = client_address
    since = timezone.now() - PASSWORD_RESET_WINDOW
    with transaction.atomic():
        # Locked, so that parallel requests for one account are counted one after another.
        user = (
            User.objects.select_for_update()
            .filter(email__iexact=email.strip(), is_active=True)
            .first()
        )
        if user is not None and not user.has_usable_password():
            user = None
        from_address = AccessEvent.objects.filter(
            action=Action.PASSWORD_RESET_REQUESTED, ip_address=address, at__gte=since
        ).count()
        to_account = (
            AccessEvent.objects.filter(
                action=Action.PASSWORD_LINK_SENT,
                object_type="user",
                object_id=str(user.pk),
                at__gte=since,
            ).count()
            if user is not None
            else 0
        )
        limited = (
            from_address >= PASSWORD_RESET_REQUESTS_PER_ADDRESS
            or to_account >= PASSWORD_RESET_EMAILS_PER_ACCOUNT
        )
        if user is None:
            detail = "unknown account"
        elif limited:
            detail = "limit reached, nothing sent"
        else:
            detail = ""
        access_log.record(
            action=Action.PASSWORD_RESET_REQUESTED,
            actor=user,
            client_address=client_address,
            obj=user,
            detail=detail,
        )
        if user is None or limited:
            return False
        context = {"user": user, "link": password_link(user)}
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string("registration/password_reset_subject.txt", context)
            body = render_to_string("registration/password_reset_email.txt", context)
        send_mail("".join(subject.splitlines()), body, None, [user.email])
        access_log.record(
            action=Action.PASSWORD_LINK_SENT, actor=user, client_address=client_address, obj=user
        )
    return True


# --- second-factor enrolment (security.md 34) --------------------------------------------


def otp_enrolment_start(*, user: User, device_id: int | None) -> TOTPDevice:
    """The unconfirmed device of this enrolment attempt: ``device_id`` (kept in the
    session that started the attempt) if it is still there, else a new one with a fresh
    secret. A new attempt deletes every other unconfirmed device of the account, so a secret
    shown to another session can never be confirmed."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = otp_enrolment_device(user=user, device_id=device_id)
        if device is not None:
            return device
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def otp_enrolment_device(*, user: User, device_id: int | None) -> TOTPDevice | None:
    """This attempt's unconfirmed device, or None once a newer attempt has replaced it."""
    if device_id is None:
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


def otp_enrolment_confirm(
    *, user: User, device: TOTPDevice, token: str, client_address: str | None = None
) -> bool:
    """Confirm this attempt's device if ``token`` is its current code; False otherwise
    (a wrong code, or the attempt was replaced by a newer one meanwhile)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        current = TOTPDevice.objects.filter(pk=device.pk, user=user, confirmed=False).first()
        if current is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return False
        if not current.verify_token(token):
            access_log.record(action=Action.OTP_FAILED, actor=user, client_address=client_address)
            return False
        current.confirmed = True
        current.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        access_log.record(action=Action.OTP_ENROLLED, actor=user, client_address=client_address)
    device.refresh_from_db()
    return True
