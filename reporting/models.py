"""The steering group's PDFs (quarterly, annual, final or any period), rendered by a task.

A report holds aggregate figures only; its row names a period, never a person.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.models import Organisation
from cm_portal.pdf import RenderedPdf, one_pending_per
from cm_portal.programmes.models import Programme


def report_upload_to(instance: SteeringReport, filename: str) -> str:
    """A random name: the stored file says nothing about what is in it."""
    return str(PurePosixPath("steering-reports") / f"{uuid.uuid4().hex}.pdf")


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly report")
    ANNUAL = "annual", _("Annual report")
    FINAL = "final", _("Final report")
    CUSTOM = "custom", _("Report for chosen dates")


class SteeringReport(RenderedPdf):
    # Not a field: steering_report_request says whether it queued this one (for the view).
    newly_requested: bool

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    # The programme reported on: only its members see the report.
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period"), max_length=100)
    # Null for the reports the beat task produces by itself.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Null: both organisations together (the only kind produced so far).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    file = models.FileField(upload_to=report_upload_to, blank=True, max_length=200)
    # When the members were e-mailed about it (automatic reports), claimed once.
    notified_at = models.DateTimeField(_("steering group notified"), null=True, blank=True)
    # When the administrators were told that it failed (automatic reports), claimed once.
    failure_reported_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("steering-group report")
        verbose_name_plural = _("steering-group reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="steering_report_period_in_order",
            ),
            # Asking twice for a period while one is queued or rendering gives that one.
            one_pending_per(
                "programme",
                "kind",
                "period_start",
                "period_end",
                name="steering_report_one_pending_per_programme_period",
            ),
            # The cadence (reporting.cadence): one automatic report per programme, kind and
            # period, ever, whatever runs the beat task or how often.
            models.UniqueConstraint(
                fields=["programme", "kind", "period_start", "period_end"],
                condition=models.Q(requested_by__isnull=True),
                name="steering_report_one_automatic_per_programme_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start}..{self.period_end} {self.status}"

    @property
    def is_automatic(self) -> bool:
        """Produced by the cadence (the beat task), not asked for by anyone."""
        return self.requested_by_id is None

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.period_start.isoformat()}-{self.period_end.isoformat()}.pdf"


class FrozenFigures(models.Model):
    """A finished period's figures, computed before retention deleted a case they count.

    ``reporting.kpis`` returns these instead of computing anew, so a report on a past
    period says the same after the deletion as before (security.md line 21). Raw figures,
    like ``compute_kpis`` gives them: disclosure control is applied on the way out, as
    for live ones. Counts only: nothing here names a person.
    """

    period_start = models.DateField()
    period_end = models.DateField()
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    # Null: both organisations together.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    figures = models.JSONField()
    frozen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end", "organisation"],
                name="frozen_figures_one_per_programme_scope",
            ),
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end"],
                condition=models.Q(organisation__isnull=True),
                name="frozen_figures_one_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"figures {self.period_start}..{self.period_end} ({self.organisation_id or 'all'})"


# The documents of a programme's end (issue 15) ------------------------------------------


def closing_upload_to(instance: ClosingPdf, filename: str) -> str:
    """A random name: the stored file says nothing about what is in it."""
    return str(PurePosixPath("closing-documents") / f"{uuid.uuid4().hex}.pdf")


def research_upload_to(instance: ClosingSection, filename: str) -> str:
    return str(PurePosixPath("closing-research") / f"{uuid.uuid4().hex}.pdf")


class ClosingKind(models.TextChoices):
    """The two documents written at a programme's end (seed 001): the final report of both
    parties, and the written account one party gives the district."""

    FINAL_REPORT = "final_report", _("Final report")
    WRITTEN_ACCOUNT = "written_account", _("Written account to the district")


class ClosingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class SectionKey(models.TextChoices):
    """The six parts of seed 001's "Slutrapport", and the written account's text."""

    CARRIED_OUT = "carried_out", _("How the work was carried out")
    GOALS = "goals", _("How well the goals were met")
    CONTRIBUTION = "contribution", _("Whether the party contributed as agreed")
    TIMETABLE_BUDGET = "timetable_budget", _("Whether the timetable and the budget held")
    LEARNT = "learnt", _("What the parties learnt")
    RESEARCH = "research", _("Research results")
    ACCOUNT = "account", _("The account")


class ClosingDocument(models.Model):
    """A programme's final report or written account: sections written in the portal, final
    once a team lead of each organisation of the programme has approved the same
    ``version``. ``version`` moves with every saved section; ``figures`` are the figures as
    of the approval that made it final (counts only, nobody named)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ClosingKind.choices)
    # The written account's party (its figures are this organisation's); null for the
    # final report, which is both parties'.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClosingStatus.choices, default=ClosingStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    figures = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)

    class Meta:
        verbose_name = _("closing document")
        verbose_name_plural = _("closing documents")
        constraints = [
            models.UniqueConstraint(fields=["programme", "kind"], name="closing_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(finalised_at__isnull=False, figures__isnull=False),
                name="closing_final_has_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.programme_id} v{self.version} {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status == ClosingStatus.FINAL

    @property
    def slug_kind(self) -> str:
        """The kind as the URLs spell it."""
        return self.kind.replace("_", "-")


class ClosingSection(models.Model):
    """One part of a closing document. ``version`` is its optimistic lock, as a plan's
    (``plans.services.versioning``); every save keeps a ``ClosingSectionRevision``."""

    document = models.ForeignKey(ClosingDocument, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20, choices=SectionKey.choices)
    # The organisation whose contribution the section is about; only its team lead writes it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("text"), blank=True)
    # The timetable and budget section: the district's contribution, at most this (kronor),
    # and what of it was used, entered by the parties.
    budget_ceiling = models.PositiveIntegerField(
        _("the district's contribution, at most (kr)"), null=True, blank=True
    )
    budget_used = models.PositiveIntegerField(_("used of it (kr)"), null=True, blank=True)
    # The research section: the research institution's file (a PDF).
    attachment = models.FileField(upload_to=research_upload_to, blank=True, max_length=200)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["document", "position", "pk"]
        constraints = [
            # One shared section of each key, and one contribution per organisation. Two
            # partial constraints rather than nulls_distinct=False, which SQLite (make run's
            # embedded database) would silently not create.
            models.UniqueConstraint(
                fields=["document", "key"],
                condition=models.Q(organisation__isnull=True),
                name="closing_section_unique_shared",
            ),
            models.UniqueConstraint(
                fields=["document", "key", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="closing_section_unique_per_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_ceiling__isnull=True)
                | models.Q(budget_used__isnull=True)
                | models.Q(budget_used__lte=models.F("budget_ceiling")),
                name="closing_budget_within_ceiling",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.organisation_id or '-'}) v{self.version}"

    @property
    def is_written(self) -> bool:
        if self.key == SectionKey.TIMETABLE_BUDGET and (
            self.budget_ceiling is None or self.budget_used is None
        ):
            return False
        return bool(self.text.strip())


class ClosingSectionRevision(models.Model):
    """A section as one save left it: its history."""

    section = models.ForeignKey(ClosingSection, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    budget_ceiling = models.PositiveIntegerField(null=True, blank=True)
    budget_used = models.PositiveIntegerField(null=True, blank=True)
    attachment = models.CharField(max_length=200, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["section", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "version"], name="closing_revision_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} v{self.version}"


class ClosingApproval(models.Model):
    """A team lead's approval, for their organisation, of one version of a document. A
    later edit withdraws it (``withdrawn_at``); it is kept as history."""

    document = models.ForeignKey(
        ClosingDocument, on_delete=models.CASCADE, related_name="approvals"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organisation"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="closing_one_standing_approval_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.version} by {self.organisation_id}"


class ClosingPdf(RenderedPdf):
    """The final document's PDF, rendered once by the worker when it becomes final."""

    document = models.ForeignKey(ClosingDocument, on_delete=models.PROTECT, related_name="pdfs")
    file = models.FileField(upload_to=closing_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            one_pending_per("document", name="closing_pdf_one_pending_per_document"),
        ]

    def __str__(self) -> str:
        return f"closing pdf {self.document_id} {self.status}"

    @property
    def filename(self) -> str:
        document = self.document
        return f"{document.slug_kind}-{document.programme.slug}.pdf"


class KpiFacts(models.Model):
    """What the result goals count about one participant (docs/kpis.md), one row each.

    The reports aggregate these rows instead of joining the case tables on every request
    (issue 21). The rows are written by PostgreSQL itself: statement triggers on the
    tables they are read from call ``reporting_kpi_facts_refresh`` in the transaction of
    the change, whatever wrote it (a service, a case-file import, a bulk seed, a
    retention deletion), so a committed change is always in the figures. The goal
    parameters they depend on (the windows, the horizon) are read from the programme's
    goals, and a change of a goal refreshes its programme's rows. ``reporting.facts``
    recomputes the same columns from the raw tables with the ORM and compares
    (``manage.py verify_kpi_facts``). Counts only ever leave this table: no name, no
    reference, no date of birth in it.
    """

    # No cascade by Django: the participant's deletion trigger removes the row.
    participant = models.OneToOneField(
        "participants.Participant",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    programme = models.ForeignKey(Programme, on_delete=models.DO_NOTHING, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.DO_NOTHING, related_name="+")
    gender = models.CharField(max_length=12)
    # Age at start: the start's year less the birth year (the breakdowns' age groups).
    age = models.SmallIntegerField(null=True)
    intervention_start = models.DateField()
    intervention_end = models.DateField(null=True)
    crisis_relevant = models.BooleanField()
    # D2 (plan goal's window), the crisis plan goal's due date and D3 (the horizon): null
    # when the programme has no such goal.
    d2 = models.DateField(null=True)
    d5 = models.DateField(null=True)
    d3 = models.DateField(null=True)
    plan_on = models.DateField(null=True)
    # The crisis plan's establishment date, when its chain of responsibility has a link.
    crisis_on = models.DateField(null=True)
    # At D3: any due prioritised contact, and any due one not completed by D3.
    has_due_contact = models.BooleanField(default=False)
    has_unmet_due_contact = models.BooleanField(default=False)
    # The earliest baseline and the latest follow-up self-rating: UCLA-3 sum, participation.
    baseline_ucla = models.SmallIntegerField(null=True)
    baseline_participation = models.SmallIntegerField(null=True)
    follow_up_ucla = models.SmallIntegerField(null=True)
    follow_up_participation = models.SmallIntegerField(null=True)
    # The first Intern-SIP offer (any answer).
    first_offered_on = models.DateField(null=True)
    # The individual plan as it is now (sub-goal statuses carry no date): it has a goal and
    # every goal is met (the equality view); it has no goal, a goal without a sub-goal or
    # no contact path (the data-quality warning).
    plan_goals_met = models.BooleanField(default=False)
    plan_incomplete = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("KPI facts of a participant")
        verbose_name_plural = _("KPI facts")

    def __str__(self) -> str:
        return f"kpi facts {self.participant_id}"


class ContactMonth(models.Model):
    """A participant's logged contacts in one calendar month: how many and their minutes.

    The activity figures (contacts and unique persons) and the equality view's contacts per
    participant read these rows for the whole months of a period, and the logged contacts
    themselves only for the days of a month the period covers in part (issue 21). Written,
    as ``KpiFacts``, by PostgreSQL itself: statement triggers on the contacts and the
    participants call ``reporting_contact_months_refresh`` in the transaction of the change
    (``reporting/migrations/0008_contact_months.py``, which also adds the covering index on
    programme and month that PostgreSQL alone has); ``reporting.facts`` compares the rows
    with the contacts (``manage.py verify_kpi_facts``). Counts only.
    """

    # No cascade by Django: the contacts' and the participant's triggers remove the rows.
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    month = models.DateField()  # the month's first day
    contacts = models.PositiveIntegerField()
    minutes = models.PositiveIntegerField()
    # The participant's month with a contact before this one (none: this is the first), so
    # that the persons with a contact in a run of months are counted without grouping.
    previous_month = models.DateField(null=True)

    class Meta:
        verbose_name = _("contacts of a participant in a month")
        verbose_name_plural = _("contacts by month")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "month"], name="contact_month_participant_month"
            )
        ]

    def __str__(self) -> str:
        return f"contacts {self.participant_id} {self.month:%Y-%m}"
