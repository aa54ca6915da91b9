"""What every app shares: organisations, staff accounts and the access log."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """One of the partners that own records. Organisations are data, never code."""

    class Kind(models.TextChoices):
        PUBLIC_AUTHORITY = "public_authority", _("Public authority")
        CIVIL_SOCIETY = "civil_society", _("Civil society organisation")

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CASE_MANAGER = "case_manager", _("Case manager")
    TEAM_LEAD = "team_lead", _("Team lead")
    STEERING_GROUP = "steering_group", _("Steering group")
    # Follows a programme's reports every quarter (seed 002); a member of programmes.
    PROJECT_GROUP = "project_group", _("Project group")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Named in a data-sharing agreement (research.models): downloads that agreement's
    # pseudonymised, k-anonymous exports and reaches nothing else (no case page, no report).
    RESEARCHER = "researcher", _("Researcher")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses are compared without regard to case.
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user


# django-stubs cannot follow the reverse manager of the OIDC device, whose default manager
# hides it from django-otp's device lists (cm_portal.oidc.models): nothing here uses it.
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A member of staff. Logs in with e-mail, password and a TOTP code."""

    # Always stored in lower case (the manager, services and forms normalise it).
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = UserManager()

    if TYPE_CHECKING:
        # django-otp's OTPMiddleware sets this on request.user.
        def is_verified(self) -> bool: ...

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_team_lead(self) -> bool:
        return self.role == Role.TEAM_LEAD

    @property
    def is_case_manager(self) -> bool:
        return self.role == Role.CASE_MANAGER

    @property
    def is_steering_group(self) -> bool:
        return self.role == Role.STEERING_GROUP

    @property
    def is_project_group(self) -> bool:
        return self.role == Role.PROJECT_GROUP

    @property
    def reads_programme_reports(self) -> bool:
        """Steering and project groups: members of programmes, aggregate reports only."""
        return self.role in (Role.STEERING_GROUP, Role.PROJECT_GROUP)

    @property
    def is_researcher(self) -> bool:
        return self.role == Role.RESEARCHER

    @property
    def works_with_cases(self) -> bool:
        """Case managers and team leads see case data; the other roles never do."""
        return self.role in (Role.CASE_MANAGER, Role.TEAM_LEAD)


class StaffSession(models.Model):
    """Which session belongs to whom, so that sessions can be ended on the server."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class AccessEvent(models.Model):
    """One row of the append-only access log (åtkomstlogg).

    The database refuses UPDATE and DELETE on this table (see the migrations); each
    row carries the hash of the previous one so that a gap or an edit made behind the
    application's back is found by ``manage.py verify_access_log``.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Locked out")
        OTP_VERIFIED = "otp_verified", _("Second factor verified")
        OTP_FAILED = "otp_failed", _("Wrong second-factor code")
        OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
        OTP_RESET = "otp_reset", _("Second factor reset")
        PASSWORD_LINK_SENT = "password_link_sent", _("Set-password link sent")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("New password asked for")
        PASSWORD_SET = "password_set", _("Password set")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DEACTIVATE = "deactivate", _("Deactivated")
        EXPORT = "export", _("Exported")
        PRINT = "print", _("Printed")
        DELETE = "delete", _("Deleted")
        LOG_PURGED = "log_purged", _("Old access-log rows deleted")
        LOG_ANCHORED = "log_anchored", _("Head of the access log sent out")
        # An attempt on an existing participant the user may not reach (they got 404).
        REFUSED = "refused", _("Access refused")
        # The intake's check whether an identity number is already a participant here.
        DUPLICATE_CHECK = "duplicate_check", _("Duplicate check at intake")
        CHANGE_REQUESTED = "change_requested", _("Account change requested")
        CHANGE_APPROVED = "change_approved", _("Account change approved")
        CHANGE_REFUSED = "change_refused", _("Account change refused")

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("who"),
        # The log must keep working with no constraint check that could block a write.
        db_constraint=False,
    )
    # Snapshots: the log says who someone was then, whatever the account says now.
    actor_email = models.CharField(_("account"), max_length=254, blank=True)
    organisation_slug = models.CharField(_("organisation"), max_length=50, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    # The detail as data (access_log.changes): which fields changed, with old and new value
    # where a value may stand in the log. Null on rows older than the field, and then left
    # out of the row's hash, so the old chain verifies as it always has.
    data = models.JSONField(_("detail as data"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access event")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="access_event_object_idx"),
            models.Index(fields=["actor", "at"], name="access_event_actor_idx"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"


def _new_task_id() -> str:
    return str(uuid.uuid4())


class OutboxMessage(models.Model):
    """A Celery task to publish once the transaction that asked for it has committed.

    Written in the same transaction as the change that needs the task, so the job survives
    a broker that is down: ``cm_portal.outbox.flush`` publishes pending rows after the commit
    and again every minute (beat) until the broker takes them. Holds no personal data: a
    task name and primary keys only.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    # Chosen at enqueue time: a row published twice sends one task id twice, easy to trace.
    task_id = models.CharField(max_length=36, default=_new_task_id, editable=False)
    queue = models.CharField(max_length=100, blank=True)
    # Equal keys of pending rows collapse into one (e.g. "deadlines:42"): ten saves of one
    # participant in a row leave one recomputation to publish.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    requested_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The exception's type only: a broker error message could quote the task's arguments.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(published_at__isnull=True) & ~models.Q(dedupe_key=""),
                name="outbox_one_pending_per_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(published_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        state = "published" if self.published_at else "pending"
        return f"{self.task_name}{self.args} ({state})"


class LogReview(models.Model):
    """A periodic check of the access log (loggkontroll, HSLF-FS 2016:40 4:9; security.md 17).

    The reviewer draws a random sample of the accesses to case data in a period, looks at
    each, and signs the review off with a comment. The review itself is written to the
    access log when it is drawn and when it is signed off.
    """

    reviewer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    # The sample is kept as the access events' ids: the events themselves never change.
    sample_ids = models.JSONField(default=list)
    # The reviewer's verdict on each sampled row, by the event's id (as text): "ok" (in
    # order) or "investigate". All rows are marked before the review may be signed off.
    marks = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("log review")
        verbose_name_plural = _("log reviews")

    def __str__(self) -> str:
        return f"log review {self.period_from}..{self.period_to}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def unmarked(self) -> int:
        return sum(1 for pk in self.sample_ids if str(pk) not in self.marks)


class AccountChangeRequest(models.Model):
    """A change that would give an account case access, waiting for a second person.

    Separation of duties (security.md 30): an administrator asks, and the change takes
    effect only when a team lead of the organisation concerned approves it (or, where that
    organisation has no other active team lead, a second administrator). Until then it has
    no effect: a new account stays inactive, an e-mail, role or organisation stays as it
    was, no set-password link is sent and no second factor is removed.
    """

    class Kind(models.TextChoices):
        CREATE = "create", _("New account")
        UPDATE = "update", _("Change of e-mail, role or organisation")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Second-factor reset")
        PASSWORD_LINK = "password_link", _("Set-password link")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    target = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="change_requests", verbose_name=_("account")
    )
    # The organisation whose team lead decides: the one the account gets case access to.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    # The new values (update: email, organisation id, role; create: send_link).
    values = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("account change request")
        verbose_name_plural = _("account change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind"],
                condition=models.Q(status="pending"),
                name="account_change_one_pending_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.target_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
