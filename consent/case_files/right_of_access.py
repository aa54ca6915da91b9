"""The participant's own copy (GDPR right of access): the case file with labels.

The readable PDF shows exactly what the JSON export holds, with each coded value's label
beside it (``gender_label`` ...), so it reads as words in the reader's language rather than
codes. ``participant_export_pdf`` is its template and context; the rest of the flow
(request, task, store, download) is the PDF kit's (``cm_portal.pdf``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cm_portal import pdf
from participants.models import ContactKind, EndReason, EntryPath, Gender, Participant

from ..models import SignedBy
from . import sections
from .exporting import case_data, participants_for_export


def with_labels(case: dict[str, Any]) -> dict[str, Any]:
    """``case`` (as ``case_data`` gives it) with a ``*_label`` beside each coded value."""
    person = case["participant"]
    person["gender_label"] = Gender(person["gender"]).label
    person["entry_path_label"] = EntryPath(person["entry_path"]).label
    code = person.get("end_reason_code")
    person["end_reason_code_label"] = EndReason(code).label if code else None
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


_refuse_url = pdf.refuse_url  # the PDF template uses no outside resource


def participant_export_pdf(participant: Participant) -> bytes:
    """The participant's case file (exactly the JSON export's content) as a PDF."""
    case = labelled_case(participant)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "consent/participant_export.html",
            {"case": case, "generated_at": timezone.localtime()},
        )
    return pdf.html_to_pdf(html)
