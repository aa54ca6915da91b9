"""Import: the whole file is checked first, then every case is written or none.

Each case is written by the services inside a savepoint, so the forms' rules apply, and
their ``ValidationError`` becomes errors named by case and field path. Sections that other
apps register (``sections.py``) are read and written the same way, after the consents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.models import AccessEvent, Organisation, User
from cm_portal.programmes.models import Programme
from participants.models import ContactKind, EndReason, EntryPath, Gender, Participant
from participants.services import (
    contact_log,
    participant_assign,
    participant_register,
    participant_unassign,
)

from ..models import SignedBy
from ..services import consent_record, consent_withdraw
from . import sections
from .exporting import FORMAT, VERSION
from .readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    boolean,
    choice,
    integer,
    iso_date,
    optional,
    read_object_partly,
    read_objects,
    strings,
    text,
)

Action = AccessEvent.Action


class CaseFileInvalid(Exception):
    """The file cannot be imported; ``errors`` names every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    cases: int = 0
    # The other apps' sections appear once they wrote something.
    records: dict[str, int] = field(
        default_factory=lambda: {"participants": 0, "contacts": 0, "consents": 0}
    )
    dry_run: bool = False

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


class _CaseRejected(Exception):
    """Rolls back one case's savepoint; its errors are already collected."""


PARTICIPANT_SCHEMA: Schema = {
    "organisation": (text, REQUIRED),
    # Optional: a file without it goes into the installation's only programme.
    "programme": (optional(text), None),
    "reference": (text, REQUIRED),
    "display_name": (text, ""),
    "personal_identity_number": (optional(text), None),
    "birth_year": (integer, REQUIRED),
    "gender": (choice(Gender), REQUIRED),
    "entry_path": (choice(EntryPath), REQUIRED),
    "crisis_relevant": (boolean, REQUIRED),
    "intervention_start": (iso_date, REQUIRED),
    "intervention_end": (optional(iso_date), None),
    # Optional: a closed case without it (a file from before the coded reasons) is "other".
    "end_reason_code": (optional(choice(EndReason)), None),
    "end_reason": (text, ""),
    "case_managers": (strings, []),
}
CONTACT_SCHEMA: Schema = {
    "date": (iso_date, REQUIRED),
    "kind": (choice(ContactKind), REQUIRED),
    "duration_minutes": (integer, REQUIRED),
    "counterpart": (text, ""),
    "note": (text, ""),
}
CONSENT_SCHEMA: Schema = {
    "parties": (strings, REQUIRED),
    "purpose": (text, ""),
    "research": (boolean, False),
    "signed_on": (iso_date, REQUIRED),
    "signed_by": (choice(SignedBy), REQUIRED),
    "guardian_name": (text, ""),
    "valid_until": (optional(iso_date), None),
    "withdrawn_on": (optional(iso_date), None),
    "withdrawn_by": (optional(choice(SignedBy)), None),
}


class _Lookups:
    """Organisations, staff and existing references, read once for the whole file."""

    def __init__(self) -> None:
        self.organisations = {org.slug: org for org in Organisation.objects.all()}
        self.programmes = {programme.slug: programme for programme in Programme.objects.all()}
        self.staff = {user.email.lower(): user for user in User.objects.all()}
        self.existing = set(Participant.objects.values_list("organisation__slug", "reference"))
        self.seen: dict[tuple[str, str], int] = {}


def _programme(case: CaseErrors, values: dict[str, Any], lookups: _Lookups) -> Programme | None:
    """The named programme, or the installation's only one when none is named."""
    slug = values.get("programme")
    if slug:
        programme = lookups.programmes.get(slug.strip())
        if programme is None:
            case.error("participant.programme", _("unknown programme"))
        return programme
    if len(lookups.programmes) == 1:
        return next(iter(lookups.programmes.values()))
    case.error(
        "participant.programme",
        _("is required: the installation has several programmes (or none)"),
    )
    return None


def _check_participant(
    case: CaseErrors, index: int, values: dict[str, Any], lookups: _Lookups
) -> tuple[Organisation, Programme, list[User]] | None:
    """Check what the services cannot: organisation, programme, reference, case managers."""
    before = case.count
    organisation = None
    if "organisation" in values:
        organisation = lookups.organisations.get(values["organisation"])
        if organisation is None:
            case.error("participant.organisation", _("unknown organisation"))
    programme = _programme(case, values, lookups)
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
    if case.count != before or organisation is None or programme is None:
        return None
    return organisation, programme, case_managers


def _import_case(
    case: CaseErrors,
    index: int,
    raw: Any,
    *,
    lookups: _Lookups,
    actor: User,
    result: ImportResult,
) -> None:
    if not isinstance(raw, dict):
        case.error("case", _("must be an object"))
        return
    for name in sorted(raw.keys() - set(sections.CASE_KEYS)):
        case.error(name, _("unknown field"))
    for name, empty in sections.EXTENSION_KEYS.items():
        if sections.section_for(name) is None and raw.get(name, empty) not in (None, []):
            case.error(name, _("this installation cannot import this part of a case"))
    if "participant" not in raw:
        case.error("participant", _("is required"))
        return
    values, shaped = read_object_partly(case, "participant", raw["participant"], PARTICIPANT_SCHEMA)
    contacts = read_objects(case, "contacts", raw.get("contacts", []), CONTACT_SCHEMA)
    consents = read_objects(case, "consents", raw.get("consents", []), CONSENT_SCHEMA)
    extensions = {
        section.key: section.read(case, raw.get(section.key, section.empty))
        for section in sections.registered()
    }
    checked = _check_participant(case, index, values, lookups)
    if checked is None or not shaped or case.count:
        return  # the services can only judge a case whose shape is right
    organisation, programme, case_managers = checked
    before = case.count
    try:
        # A savepoint per case: a wrong case leaves nothing behind for the next one to meet.
        with transaction.atomic():
            participant = _write_case(
                case,
                organisation=organisation,
                programme=programme,
                values=values,
                case_managers=case_managers,
                contacts=contacts,
                consents=consents,
                lookups=lookups,
                actor=actor,
            )
            written = (
                _write_extensions(case, participant, extensions, actor)
                if participant is not None
                else {}
            )
            if case.count != before:
                raise _CaseRejected
    except _CaseRejected:
        return
    result.cases += 1
    result.records["participants"] += 1
    result.records["contacts"] += len(contacts)
    result.records["consents"] += len(consents)
    for key, count in written.items():
        result.records[key] = result.records.get(key, 0) + count


def _write_extensions(
    case: CaseErrors, participant: Participant, extensions: dict[str, Any], actor: User
) -> dict[str, int]:
    """Write the other apps' sections of one case; the records each wrote."""
    written = {}
    for section in sections.registered():
        value = extensions[section.key]
        if value == section.empty:
            continue
        written[section.key] = section.write(case, participant, value, actor)
    return written


def _write_case(
    case: CaseErrors,
    *,
    organisation: Organisation,
    programme: Programme,
    values: dict[str, Any],
    case_managers: list[User],
    contacts: list[dict[str, Any] | None],
    consents: list[dict[str, Any] | None],
    lookups: _Lookups,
    actor: User,
) -> Participant | None:
    """Write the participant, its case managers, contacts and consents (None if refused)."""
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
    fields["end_reason_code"] = values["end_reason_code"] or (
        EndReason.OTHER if values["intervention_end"] is not None else ""
    )
    try:
        # Its own savepoint: the case's later steps can still be checked after an error here.
        with transaction.atomic():
            participant = participant_register(
                organisation=organisation,
                programme=programme,
                actor=actor,
                reference=values["reference"].strip(),
                **fields,
            )
    except ValidationError as error:
        case.validation_error("participant", error)
        return None
    access_log.record(action=Action.CREATE, actor=actor, obj=participant, detail="import")
    # participant_register assigns a registering case manager; the file decides who is.
    if actor.is_case_manager and actor not in case_managers:
        participant_unassign(participant=participant, case_manager=actor, actor=actor)
    sections.write_each(
        case,
        "participant.case_managers",
        case_managers,
        lambda user: participant_assign(participant=participant, case_manager=user, actor=actor),
    )
    assert None not in contacts  # noqa: S101 - shape errors returned before any write
    sections.write_each(
        case,
        "contacts",
        contacts,
        lambda contact: contact_log(participant=participant, actor=actor, **contact),
    )
    for position, consent in enumerate(consents):
        assert consent is not None  # noqa: S101
        _write_consent(
            case,
            f"consents[{position}]",
            participant=participant,
            values=consent,
            lookups=lookups,
            actor=actor,
        )
    return participant


def _write_consent(
    case: CaseErrors,
    path: str,
    *,
    participant: Participant,
    values: dict[str, Any],
    lookups: _Lookups,
    actor: User,
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
                actor=actor,
                organisations=organisations,
                external_names=external_names,
                purpose=values["purpose"],
                research=values["research"],
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
                actor=actor,
            )
    except ValidationError as error:
        case.validation_error(path, error)


def _case_reference(raw: Any) -> str | None:
    participant = raw.get("participant") if isinstance(raw, dict) else None
    reference = participant.get("reference") if isinstance(participant, dict) else None
    return reference if isinstance(reference, str) and reference.strip() else None


def import_case_files(*, data: Any, actor: User, dry_run: bool = False) -> ImportResult:
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
            case = CaseErrors(index, _case_reference(raw), errors)
            _import_case(case, index, raw, lookups=lookups, actor=actor, result=result)
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise CaseFileInvalid(errors)
    return result
