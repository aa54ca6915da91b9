"""The case-file format (docs: spec/case-file-format.md): export and all-or-nothing import.

Consent is the lowest app that knows participants, contacts and consents; the plans app
will extend this module with plans, prioritised contacts, crisis plans, self-ratings and
coordination meetings. Until then a file that carries any of those is refused.

The import reuses the forms' rules by calling the services inside a savepoint per case and
turning their ``ValidationError`` into errors named by case and field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.models import AccessEvent, Organisation, User
from participants.models import Contact, ContactKind, EntryPath, Gender, Participant
from participants.services import (
    assigned_case_managers,
    contact_log,
    participant_assign,
    participant_register,
    participant_unassign,
)

from .models import Consent, ConsentParty, SignedBy
from .services import consent_record, consent_withdraw

Action = AccessEvent.Action

FORMAT = "cm-portal/case-files"
VERSION = 1
# Sections owned by the plans app: empty value and the key the error names.
PLAN_SECTIONS = {
    "plan": None,
    "prioritised_contacts": [],
    "crisis_plan": None,
    "self_ratings": [],
    "coordination_meetings": [],
}
CASE_KEYS = (
    "participant",
    "plan",
    "prioritised_contacts",
    "crisis_plan",
    "self_ratings",
    "contacts",
    "consents",
    "coordination_meetings",
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- export -----------------------------------------------------------------------------


def participants_for_export(
    *, organisation: Organisation | None = None, reference: str | None = None
) -> QuerySet[Participant]:
    participants = Participant.objects.select_related("organisation").order_by(
        "organisation__slug", "reference", "pk"
    )
    if organisation is not None:
        participants = participants.filter(organisation=organisation)
    if reference is not None:
        participants = participants.filter(reference=reference)
    return participants.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("date", "pk")),
        Prefetch(
            "consents",
            queryset=Consent.objects.order_by("signed_on", "pk").prefetch_related(
                Prefetch("parties", queryset=ConsentParty.objects.select_related("organisation"))
            ),
        ),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _consent_data(consent: Consent) -> dict[str, Any]:
    parties = list(consent.parties.all())
    slugs = sorted(party.organisation.slug for party in parties if party.organisation_id)
    names = sorted(party.external_name for party in parties if not party.organisation_id)
    return {
        "parties": slugs + names,
        "purpose": consent.purpose,
        "signed_on": _iso(consent.signed_on),
        "signed_by": consent.signed_by,
        "guardian_name": consent.guardian_name,
        "valid_until": _iso(consent.valid_until),
        "withdrawn_on": _iso(consent.withdrawn_on),
        "withdrawn_by": consent.withdrawn_by_whom or None,
    }


def case_data(participant: Participant) -> dict[str, Any]:
    """One participant as a case of the file (key order is part of the format)."""
    return {
        "participant": {
            "organisation": participant.organisation.slug,
            "reference": participant.reference,
            "display_name": participant.display_name,
            "personal_identity_number": participant.personal_identity_number or None,
            "birth_year": participant.birth_year,
            "gender": participant.gender,
            "entry_path": participant.entry_path,
            "crisis_relevant": participant.crisis_relevant,
            "intervention_start": _iso(participant.intervention_start),
            "intervention_end": _iso(participant.intervention_end),
            "end_reason": participant.end_reason,
            "case_managers": sorted(user.email for user in assigned_case_managers(participant)),
        },
        "plan": None,
        "prioritised_contacts": [],
        "crisis_plan": None,
        "self_ratings": [],
        "contacts": [
            {
                "date": _iso(contact.date),
                "kind": contact.kind,
                "duration_minutes": contact.duration_minutes,
                "counterpart": contact.counterpart,
                "note": contact.note,
            }
            for contact in participant.contacts.all()
        ],
        "consents": [_consent_data(consent) for consent in participant.consents.all()],
        "coordination_meetings": [],
    }


def export_cases(
    participants: Iterable[Participant], *, exported_by: User | None = None, request=None
) -> dict[str, Any]:
    """The case file for ``participants``; with ``exported_by`` or ``request`` logs EXPORT each."""
    cases = []
    for participant in participants:
        cases.append(case_data(participant))
        if exported_by is not None or request is not None:
            access_log.record(
                action=Action.EXPORT,
                actor=exported_by,
                request=request,
                obj=participant,
                detail="case file",
            )
    return {"format": FORMAT, "version": VERSION, "cases": cases}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- import -----------------------------------------------------------------------------


class CaseFileInvalid(Exception):
    """The file cannot be imported; ``errors`` names every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    cases: int = 0
    records: dict[str, int] = field(
        default_factory=lambda: {"participants": 0, "contacts": 0, "consents": 0}
    )
    dry_run: bool = False

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


class _CaseRejected(Exception):
    """Rolls back one case's savepoint; its errors are already collected."""


class _Case:
    """Errors of one case, each prefixed with the case index and reference."""

    def __init__(self, index: int, reference: str | None, errors: list[str]):
        self.prefix = f"cases[{index}]" + (f" ({reference})" if reference else "")
        self.errors = errors
        self.count = 0

    def error(self, path: str, message: str) -> None:
        self.count += 1
        self.errors.append(f"{self.prefix} {path}: {message}")

    def validation_error(self, path: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                sub = path if name == NON_FIELD_ERRORS else f"{path}.{name}"
                for message in messages:
                    self.error(sub, message)
        else:
            for message in error.messages:
                self.error(path, message)


_Reader = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("must be a string"))
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("must be a whole number"))
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("must be true or false"))
    return value


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(_("must be a date written YYYY-MM-DD"))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("is not a valid date")) from None


def _optional(reader: _Reader) -> _Reader:
    return lambda value: None if value is None else reader(value)


def _choice(choices: type) -> _Reader:
    def read(value: Any) -> str:
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise ValueError(
                _("unknown value %(value)r (one of: %(allowed)s)")
                % {
                    "value": value,
                    "allowed": allowed,
                }
            )
        return value

    return read


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(_("must be a list of strings"))
    return value


# name → (reader, default when omitted; _REQUIRED when it may not be omitted)
_REQUIRED = object()
PARTICIPANT_SCHEMA: dict[str, tuple[_Reader, Any]] = {
    "organisation": (_text, _REQUIRED),
    "reference": (_text, _REQUIRED),
    "display_name": (_text, ""),
    "personal_identity_number": (_optional(_text), None),
    "birth_year": (_integer, _REQUIRED),
    "gender": (_choice(Gender), _REQUIRED),
    "entry_path": (_choice(EntryPath), _REQUIRED),
    "crisis_relevant": (_boolean, _REQUIRED),
    "intervention_start": (_date, _REQUIRED),
    "intervention_end": (_optional(_date), None),
    "end_reason": (_text, ""),
    "case_managers": (_strings, []),
}
CONTACT_SCHEMA: dict[str, tuple[_Reader, Any]] = {
    "date": (_date, _REQUIRED),
    "kind": (_choice(ContactKind), _REQUIRED),
    "duration_minutes": (_integer, _REQUIRED),
    "counterpart": (_text, ""),
    "note": (_text, ""),
}
CONSENT_SCHEMA: dict[str, tuple[_Reader, Any]] = {
    "parties": (_strings, _REQUIRED),
    "purpose": (_text, ""),
    "signed_on": (_date, _REQUIRED),
    "signed_by": (_choice(SignedBy), _REQUIRED),
    "guardian_name": (_text, ""),
    "valid_until": (_optional(_date), None),
    "withdrawn_on": (_optional(_date), None),
    "withdrawn_by": (_optional(_choice(SignedBy)), None),
}


def _read(
    case: _Case, path: str, value: Any, schema: dict[str, tuple[_Reader, Any]]
) -> dict[str, Any] | None:
    """The object's values read by ``schema``; None (with errors named) if any is wrong."""
    if not isinstance(value, dict):
        case.error(path, _("must be an object"))
        return None
    before = case.count
    values: dict[str, Any] = {}
    for name in sorted(value.keys() - schema.keys()):
        case.error(f"{path}.{name}", _("unknown field"))
    for name, (reader, default) in schema.items():
        if name not in value:
            if default is _REQUIRED:
                case.error(f"{path}.{name}", _("is required"))
            else:
                values[name] = default
            continue
        try:
            values[name] = reader(value[name])
        except ValueError as error:
            case.error(f"{path}.{name}", str(error))
    return values if case.count == before else None


def _read_partly(case: _Case, path: str, value: Any, schema) -> tuple[dict[str, Any], bool]:
    """Like ``_read``, but also returns the fields that were right when others were not."""
    before = case.count
    values = _read(case, path, value, schema)
    if values is not None:
        return values, True
    partial: dict[str, Any] = {}
    if isinstance(value, dict):
        for name, (reader, _default) in schema.items():
            try:
                partial[name] = reader(value[name])
            except (KeyError, ValueError):
                continue
    assert case.count > before  # noqa: S101
    return partial, False


def _list(case: _Case, path: str, value: Any) -> list:
    if not isinstance(value, list):
        case.error(path, _("must be a list"))
        return []
    return value


class _Lookups:
    """Organisations, staff and existing references, read once for the whole file."""

    def __init__(self) -> None:
        self.organisations = {org.slug: org for org in Organisation.objects.all()}
        self.staff = {user.email.lower(): user for user in User.objects.all()}
        self.existing = set(Participant.objects.values_list("organisation__slug", "reference"))
        self.seen: dict[tuple[str, str], int] = {}


def _check_participant(
    case: _Case, index: int, values: dict[str, Any], lookups: _Lookups
) -> tuple[Organisation, list[User]] | None:
    """Check what the services cannot: organisation, reference, case managers."""
    before = case.count
    organisation = None
    if "organisation" in values:
        organisation = lookups.organisations.get(values["organisation"])
        if organisation is None:
            case.error("participant.organisation", _("unknown organisation"))
    reference = values.get("reference", "").strip()
    key = (values.get("organisation", ""), reference)
    if "reference" not in values:
        pass  # already named by the shape check
    elif not reference:
        case.error("participant.reference", _("is required"))
    elif key in lookups.existing:
        case.error(
            "participant.reference",
            _("a participant with this reference already exists in the organisation"),
        )
    elif key in lookups.seen:
        case.error(
            "participant.reference",
            _("the reference is used by cases[%(index)d] too") % {"index": lookups.seen[key]},
        )
    else:
        lookups.seen[key] = index
    case_managers = []
    for position, email in enumerate(values.get("case_managers", [])):
        user = lookups.staff.get(email.strip().lower())
        if user is None:
            case.error(f"participant.case_managers[{position}]", _("no staff account"))
        else:
            case_managers.append(user)
    if case.count != before or organisation is None:
        return None
    return organisation, case_managers


def _import_case(
    case: _Case,
    index: int,
    raw: Any,
    *,
    lookups: _Lookups,
    imported_by: User,
    result: ImportResult,
) -> None:
    if not isinstance(raw, dict):
        case.error("case", _("must be an object"))
        return
    for name in sorted(raw.keys() - set(CASE_KEYS)):
        case.error(name, _("unknown field"))
    for name, empty in PLAN_SECTIONS.items():
        if raw.get(name, empty) not in (None, []):
            case.error(name, _("plans are not supported by this version yet"))
    if "participant" not in raw:
        case.error("participant", _("is required"))
        return
    values, shaped = _read_partly(case, "participant", raw["participant"], PARTICIPANT_SCHEMA)
    contacts = [
        _read(case, f"contacts[{position}]", item, CONTACT_SCHEMA)
        for position, item in enumerate(_list(case, "contacts", raw.get("contacts", [])))
    ]
    consents = [
        _read(case, f"consents[{position}]", item, CONSENT_SCHEMA)
        for position, item in enumerate(_list(case, "consents", raw.get("consents", [])))
    ]
    checked = _check_participant(case, index, values, lookups)
    if checked is None or not shaped or case.count:
        return  # the services can only judge a case whose shape is right
    organisation, case_managers = checked
    before = case.count
    try:
        # A savepoint per case: a wrong case leaves nothing behind for the next one to meet.
        with transaction.atomic():
            _write_case(
                case,
                organisation=organisation,
                values=values,
                case_managers=case_managers,
                contacts=contacts,
                consents=consents,
                lookups=lookups,
                imported_by=imported_by,
            )
            if case.count != before:
                raise _CaseRejected
    except _CaseRejected:
        return
    result.cases += 1
    result.records["participants"] += 1
    result.records["contacts"] += len(contacts)
    result.records["consents"] += len(consents)


def _write_case(
    case: _Case,
    *,
    organisation: Organisation,
    values: dict[str, Any],
    case_managers: list[User],
    contacts: list[dict[str, Any] | None],
    consents: list[dict[str, Any] | None],
    lookups: _Lookups,
    imported_by: User,
) -> None:
    fields = {
        name: values[name]
        for name in (
            "display_name",
            "birth_year",
            "gender",
            "entry_path",
            "crisis_relevant",
            "intervention_start",
            "intervention_end",
            "end_reason",
        )
    }
    fields["personal_identity_number"] = values["personal_identity_number"] or ""
    try:
        # Its own savepoint: the case's later steps can still be checked after an error here.
        with transaction.atomic():
            participant = participant_register(
                organisation=organisation,
                registered_by=imported_by,
                reference=values["reference"].strip(),
                **fields,
            )
    except ValidationError as error:
        case.validation_error("participant", error)
        return
    access_log.record(action=Action.CREATE, actor=imported_by, obj=participant, detail="import")
    # participant_register assigns a registering case manager; the file decides who is.
    if imported_by.is_case_manager and imported_by not in case_managers:
        participant_unassign(
            participant=participant, case_manager=imported_by, unassigned_by=imported_by
        )
    for position, user in enumerate(case_managers):
        try:
            with transaction.atomic():
                participant_assign(
                    participant=participant, case_manager=user, assigned_by=imported_by
                )
        except ValidationError as error:
            case.validation_error(f"participant.case_managers[{position}]", error)
    for position, contact in enumerate(contacts):
        assert contact is not None  # noqa: S101 - shape errors returned before any write
        try:
            with transaction.atomic():
                contact_log(participant=participant, logged_by=imported_by, **contact)
        except ValidationError as error:
            case.validation_error(f"contacts[{position}]", error)
    for position, consent in enumerate(consents):
        assert consent is not None  # noqa: S101
        _write_consent(
            case,
            f"consents[{position}]",
            participant=participant,
            values=consent,
            lookups=lookups,
            imported_by=imported_by,
        )


def _write_consent(
    case: _Case,
    path: str,
    *,
    participant: Participant,
    values: dict[str, Any],
    lookups: _Lookups,
    imported_by: User,
) -> None:
    known = lookups.organisations
    organisations = [known[party] for party in values["parties"] if party in known]
    external_names = [party for party in values["parties"] if party not in known]
    if values["withdrawn_on"] is None and values["withdrawn_by"] is not None:
        case.error(f"{path}.withdrawn_by", _("a withdrawal needs a withdrawal date"))
        return
    try:
        with transaction.atomic():
            consent = consent_record(
                participant=participant,
                recorded_by=imported_by,
                organisations=organisations,
                external_names=external_names,
                purpose=values["purpose"],
                signed_on=values["signed_on"],
                signed_by=values["signed_by"],
                guardian_name=values["guardian_name"],
                valid_until=values["valid_until"],
            )
    except ValidationError as error:
        case.validation_error(path, error)
        return
    if values["withdrawn_on"] is None:
        return
    try:
        with transaction.atomic():
            consent_withdraw(
                consent=consent,
                withdrawn_on=values["withdrawn_on"],
                # Older spreadsheets do not say who withdrew: the one who signed, most often.
                by_whom=values["withdrawn_by"] or values["signed_by"],
                recorded_by=imported_by,
            )
    except ValidationError as error:
        case.validation_error(path, error)


def _case_reference(raw: Any) -> str | None:
    participant = raw.get("participant") if isinstance(raw, dict) else None
    reference = participant.get("reference") if isinstance(participant, dict) else None
    return reference if isinstance(reference, str) and reference.strip() else None


def import_case_files(*, data: Any, imported_by: User, dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then write every case or none (``CaseFileInvalid``).

    Each case is written by the services inside a savepoint, so the forms' rules apply;
    the outer transaction is rolled back when any case is wrong or on ``dry_run``.
    """
    errors: list[str] = []
    if not isinstance(data, dict):
        raise CaseFileInvalid([_("The file must hold a JSON object.")])
    if data.get("format") != FORMAT:
        message = _("unknown format, expected %s") % FORMAT
        errors.append(f"format: {message}")
    if data.get("version") != VERSION:
        message = _("unknown version, expected %d") % VERSION
        errors.append(f"version: {message}")
    for name in sorted(data.keys() - {"format", "version", "cases"}):
        errors.append(f"{name}: {_('unknown field')}")
    cases = data.get("cases")
    if not isinstance(cases, list):
        errors.append(f"cases: {_('must be a list')}")
    if errors:
        raise CaseFileInvalid(errors)
    result = ImportResult(dry_run=dry_run)
    with transaction.atomic():
        lookups = _Lookups()
        for index, raw in enumerate(cases):
            case = _Case(index, _case_reference(raw), errors)
            _import_case(case, index, raw, lookups=lookups, imported_by=imported_by, result=result)
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise CaseFileInvalid(errors)
    return result
