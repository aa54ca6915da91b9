"""The participant's own copy (GDPR right of access): the case file with labels.

The readable PDF shows exactly what the JSON export holds, with each coded value's label
beside it (``gender_label`` ...), so it reads as words in the reader's language rather than
codes. Rendering it is ``consent.services.participant_export_render``'s (a task).
"""

from __future__ import annotations

from typing import Any

from participants.models import ContactKind, EntryPath, Gender, Participant

from ..models import SignedBy
from . import sections
from .exporting import case_data, participants_for_export


def with_labels(case: dict[str, Any]) -> dict[str, Any]:
    """``case`` (as ``case_data`` gives it) with a ``*_label`` beside each coded value."""
    person = case["participant"]
    person["gender_label"] = Gender(person["gender"]).label
    person["entry_path_label"] = EntryPath(person["entry_path"]).label
    for contact in case["contacts"]:
        contact["kind_label"] = ContactKind(contact["kind"]).label
    for consent in case["consents"]:
        consent["signed_by_label"] = SignedBy(consent["signed_by"]).label
    sections.add_labels(case)  # the parts other apps add (plans)
    return case


def labelled_case(participant: Participant) -> dict[str, Any]:
    """Everything stored about ``participant``, as the export has it, with labels."""
    participant = participants_for_export().get(pk=participant.pk)
    return with_labels(case_data(participant))
