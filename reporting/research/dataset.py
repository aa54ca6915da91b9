"""The research export's variables: one row per consented participant, no direct identifier.

Every variable is in the programme's codebook (``programme_codebook``: name, type, meaning
and values in Swedish and English; the age groups are the programme's own): the files and the
codebook are written from it, so a column cannot be exported without being described. No
name, reference, identity number, free text or calendar date is ever read into a row: dates
become days since the participant's start, and the start itself a year and quarter. The row
is keyed by the agreement's pseudonym (``research.pseudonyms``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cm_portal.models import Organisation
from cm_portal.programmes.models import Programme
from consent.models import Consent
from participants.models import (
    Contact,
    ContactKind,
    EndReason,
    EntryPath,
    Gender,
    Participant,
)
from plans.deadlines import add_months, horizon_date
from plans.models import (
    CoordinationMeeting,
    MeetingStatus,
    PrioritisedContact,
    PrioritisedContactStatus,
    RatingPhase,
    SelfRating,
)
from reporting.kpis import OTHER_AGE, age_groups

from .anonymity import ALL_AGES, QUASI_IDENTIFIERS
from .pseudonyms import pseudonym

CODEBOOK_HORIZON_MONTHS = 3

Row = dict[str, Any]

CATEGORY = "category"
INTEGER = "integer"
TEXT = "text"


@dataclass(frozen=True)
class Value:
    code: str | int
    number: int  # the numeric code in the SPSS and Stata files
    label: Promise | str


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str  # CATEGORY (coded, value labels), INTEGER or TEXT
    # Short: the files' variable label is "Swedish / English", at most 80 characters (Stata).
    label: Promise
    description: Promise | str = ""
    values: tuple[Value, ...] = ()

    def labels(self, language: str) -> tuple[str, str, dict[int, str]]:
        """The label, the description and the value labels in ``language``."""
        with override(language):
            return (
                str(self.label),
                str(self.description),
                {value.number: str(value.label) for value in self.values},
            )


def _coded(choices: Iterable[tuple[str, Promise | str]]) -> tuple[Value, ...]:
    return tuple(Value(code, number, label) for number, (code, label) in enumerate(choices, 1))


YES_NO = (Value(0, 0, _("No")), Value(1, 1, _("Yes")))


def age_values(groups: Iterable[str]) -> tuple[Value, ...]:
    """The programme's age groups (numbered from 1 in order), then "other" and "all"."""
    return _coded(
        [(name, name) for name in groups]
        + [(OTHER_AGE, _("Other ages")), (ALL_AGES, _("All ages (generalised)"))]
    )


PHASES = {RatingPhase.BASELINE: "before", RatingPhase.FOLLOW_UP: "after"}
UCLA_ITEMS = (1, 2, 3)


def _interpolated(message: Promise, **params: Any) -> Promise:
    """``message % params``, translated when shown (in the codebook's language), not now."""
    interpolated = lazy(
        lambda: str(message) % {key: str(value) for key, value in params.items()}, str
    )
    return interpolated()  # type: ignore[return-value]


def _rating_variables() -> list[Variable]:
    variables = []
    for phase, prefix in PHASES.items():
        before = phase == RatingPhase.BASELINE
        for item in UCLA_ITEMS:
            label = _interpolated(
                _("UCLA item %(item)s before") if before else _("UCLA item %(item)s after"),
                item=item,
            )
            variables.append(
                Variable(
                    f"{prefix}_ucla_{item}",
                    INTEGER,
                    label,
                    _(
                        "UCLA loneliness scale item: 1 hardly ever, 2 some of the time, 3 often. "
                        "Before: the first baseline rating; after: the last follow-up rating. "
                        "Empty when not rated."
                    ),
                )
            )
        variables.append(
            Variable(
                f"{prefix}_participation",
                INTEGER,
                _("Participation before") if before else _("Participation after"),
                _(
                    "Social participation, 1 to 5, higher is more participation. Before: the "
                    "first baseline rating; after: the last follow-up rating. Empty when not "
                    "rated."
                ),
            )
        )
    return variables


def _contact_variables() -> list[Variable]:
    variables = []
    for kind, label in ContactKind.choices:
        variables.append(
            Variable(
                f"contacts_{kind}",
                INTEGER,
                _interpolated(_("Contacts: %(kind)s"), kind=label),
                _("Number of contacts of this kind logged up to the export date."),
            )
        )
        variables.append(
            Variable(
                f"minutes_{kind}",
                INTEGER,
                _interpolated(_("Minutes: %(kind)s"), kind=label),
                _("Minutes of contacts of this kind logged up to the export date."),
            )
        )
    return variables


HORIZON = _("The horizon is three months after the start (goal K3).")

_VARIABLES_BEFORE_AGE = (
    Variable(
        "pseudonym",
        TEXT,
        _("Pseudonym"),
        _(
            "The participant's pseudonym: the same in every export under this agreement, "
            "different under any other agreement."
        ),
    ),
    Variable("gender", CATEGORY, _("Gender"), values=_coded(Gender.choices)),
)
_VARIABLES_AFTER_AGE = (
    Variable("entry_path", CATEGORY, _("Entry path"), values=_coded(EntryPath.choices)),
    Variable(
        "organisation_kind",
        CATEGORY,
        _("Kind of organisation"),
        _("The kind of organisation that owns the case."),
        _coded(Organisation.Kind.choices),
    ),
    Variable(
        "start_quarter",
        TEXT,
        _("Start quarter"),
        _(
            "The start of the intervention as year and quarter (YYYY-Qn), or the year alone "
            "(YYYY) where generalised for k-anonymity."
        ),
    ),
    Variable("crisis_relevant", CATEGORY, _("Needs a crisis plan"), values=YES_NO),
    Variable(
        "days_to_plan",
        INTEGER,
        _("Days to the individual plan"),
        _("Days from the start to the established individual plan; empty when none."),
    ),
    Variable(
        "days_to_crisis_plan",
        INTEGER,
        _("Days to the crisis plan"),
        _(
            "Days from the start to the established crisis plan with a chain of "
            "responsibility; empty when none."
        ),
    ),
    Variable(
        "prio_completed",
        INTEGER,
        _("Prioritised contacts completed"),
        format_lazy("{} {}", _("Prioritised contacts completed by the horizon."), HORIZON),
    ),
    Variable(
        "prio_open",
        INTEGER,
        _("Prioritised contacts still planned"),
        format_lazy(
            "{} {}",
            _("Prioritised contacts due by the horizon and not completed by then."),
            HORIZON,
        ),
    ),
    Variable(
        "prio_cancelled",
        INTEGER,
        _("Prioritised contacts cancelled"),
        format_lazy("{} {}", _("Prioritised contacts due by the horizon and cancelled."), HORIZON),
    ),
    *_rating_variables(),
    *_contact_variables(),
    Variable(
        "meetings_held",
        INTEGER,
        _("Coordination meetings held"),
        _("Intern-SIP and SIP meetings held up to the export date."),
    ),
    Variable("ended", CATEGORY, _("The case has ended"), values=YES_NO),
    Variable(
        "end_reason",
        CATEGORY,
        _("Reason for ending"),
        _(
            "Why the case ended, as the case manager coded it at closing; empty while it "
            "is open. Cases closed before the reasons were coded are 'other'."
        ),
        _coded(EndReason.choices),
    ),
    Variable(
        "days_to_end",
        INTEGER,
        _("Days to the end"),
        _("Days from the start to the end of the case; empty while it is open."),
    ),
)


def codebook(age_group_names: Iterable[str] = ()) -> tuple[Variable, ...]:
    """Every variable of the export, with ``age_group_names`` (a programme's age groups, as
    ``reporting.kpis.age_groups`` names them) as the values of ``age_group``."""
    return (
        *_VARIABLES_BEFORE_AGE,
        Variable(
            "age_group",
            CATEGORY,
            _("Age group at the start"),
            _(
                "Start year less birth year, in the programme's own age groups. 'all' where "
                "generalised for k-anonymity."
            ),
            age_values(age_group_names),
        ),
        *_VARIABLES_AFTER_AGE,
    )


def programme_codebook(programme: Programme) -> tuple[Variable, ...]:
    return codebook(age_groups(programme))


COLUMNS = tuple(variable.name for variable in codebook())
if not set(QUASI_IDENTIFIERS) <= set(COLUMNS):  # pragma: no cover - a definition error
    raise ImportError("every quasi-identifier must be a column of the export")


def start_quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def age_group(start: date, birth_year: int, groups: dict[str, tuple[int, int]]) -> str:
    """The age group (of ``groups``, a programme's) at the start, else ``OTHER_AGE``."""
    age = start.year - birth_year
    for name, (low, high) in groups.items():
        if low <= age <= high:
            return name
    return OTHER_AGE


def consented_participants(participants: QuerySet[Participant], day: date) -> QuerySet[Participant]:
    """Those of ``participants`` with a research consent valid on ``day``."""
    consents = Consent.objects.filter(Consent.valid_on(day), research=True)
    return participants.filter(pk__in=consents.values("participant_id"))


def _days(start: date, day: date | None) -> int | None:
    return None if day is None else (day - start).days


def _loaded(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    return participants.select_related(
        "organisation", "programme", "individual_plan", "crisis_plan"
    ).prefetch_related(
        Prefetch(
            "contacts", queryset=Contact.objects.only("participant_id", "kind", "duration_minutes")
        ),
        Prefetch(
            "prioritised_contacts",
            queryset=PrioritisedContact.objects.only(
                "participant_id", "status", "planned_on", "completed_on"
            ),
        ),
        Prefetch("self_ratings", queryset=SelfRating.objects.order_by("rated_on", "id")),
        Prefetch(
            "coordination_meetings",
            queryset=CoordinationMeeting.objects.filter(status=MeetingStatus.HELD).only(
                "participant_id", "status"
            ),
        ),
        "crisis_plan__chain",
    )


def _end_reason(participant: Participant) -> str | None:
    """The coded reason (never the free text beside it); "other" for a closed case that
    somehow has none, as the migration and the case-file import give such a case."""
    if participant.intervention_end is None:
        return None
    return participant.end_reason_code or EndReason.OTHER


def _plan_day(participant: Participant, name: str) -> date | None:
    plan = getattr(participant, name, None)
    return plan.established_on if plan is not None else None


def participant_row(
    participant: Participant, *, secret: bytes, groups: dict[str, tuple[int, int]]
) -> Row:
    """The participant's row; ``groups`` are the age groups of the participant's programme."""
    start = participant.intervention_start
    row: Row = {
        "pseudonym": pseudonym(secret, participant.pk),
        "gender": participant.gender,
        "age_group": age_group(start, participant.birth_year, groups),
        "entry_path": participant.entry_path,
        "organisation_kind": participant.organisation.kind,
        "start_quarter": start_quarter(start),
        "crisis_relevant": int(participant.crisis_relevant),
        "days_to_plan": _days(start, _plan_day(participant, "individual_plan")),
    }
    crisis_on = _plan_day(participant, "crisis_plan")
    if crisis_on is not None and not list(participant.crisis_plan.chain.all()):
        crisis_on = None  # established only with a link in the chain (as K5 counts it)
    row["days_to_crisis_plan"] = _days(start, crisis_on)
    # The participant's programme's horizon (the codebook's when it has no such goal).
    horizon = horizon_date(participant) or add_months(start, CODEBOOK_HORIZON_MONTHS)
    due = [
        contact
        for contact in participant.prioritised_contacts.all()
        if contact.planned_on <= horizon
        or (contact.completed_on and contact.completed_on <= horizon)
    ]
    completed = [
        c
        for c in due
        if c.status == PrioritisedContactStatus.COMPLETED
        and c.completed_on
        and c.completed_on <= horizon
    ]
    cancelled = [c for c in due if c.status == PrioritisedContactStatus.CANCELLED]
    row["prio_completed"] = len(completed)
    row["prio_cancelled"] = len(cancelled)
    row["prio_open"] = len(due) - len(completed) - len(cancelled)
    ratings = list(participant.self_ratings.all())
    for phase, prefix in PHASES.items():
        of_phase = [rating for rating in ratings if rating.phase == phase]
        # The first before-rating and the last after-rating, as K4 compares them.
        rating = (
            (of_phase[0] if phase == RatingPhase.BASELINE else of_phase[-1]) if of_phase else None
        )
        for item in UCLA_ITEMS:
            row[f"{prefix}_ucla_{item}"] = getattr(rating, f"ucla_{item}") if rating else None
        row[f"{prefix}_participation"] = rating.participation if rating else None
    contacts = list(participant.contacts.all())
    for kind in ContactKind.values:
        of_kind = [contact for contact in contacts if contact.kind == kind]
        row[f"contacts_{kind}"] = len(of_kind)
        row[f"minutes_{kind}"] = sum(contact.duration_minutes for contact in of_kind)
    row["meetings_held"] = len(participant.coordination_meetings.all())
    row["ended"] = int(participant.intervention_end is not None)
    row["end_reason"] = _end_reason(participant)
    row["days_to_end"] = _days(start, participant.intervention_end)
    return {column: row[column] for column in COLUMNS}


def research_rows(participants: QuerySet[Participant], *, day: date, secret: bytes) -> list[Row]:
    """One row per participant of ``participants`` with a research consent valid on ``day``,
    before k-anonymity (``research.anonymity``)."""
    chosen = _loaded(consented_participants(participants, day))
    groups: dict[int, dict[str, tuple[int, int]]] = {}
    rows = []
    for participant in chosen:
        if participant.programme_id not in groups:
            groups[participant.programme_id] = age_groups(participant.programme)
        rows.append(
            participant_row(participant, secret=secret, groups=groups[participant.programme_id])
        )
    return rows
