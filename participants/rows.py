"""What the caseload and the participant's page show of each row, worked out once a request.

The template engine charges for every tag in a loop: a ``{% url %}``, a ``|date`` and a
``{% blocktranslate %}`` a row made up most of the caseload's rendering (issue 21). Here
they are plain strings, the links built from one reverse each; the templates keep the markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.template.defaultfilters import linebreaksbr
from django.template.defaultfilters import urlencode as urlencode_filter
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from cm_portal.models import User
from cm_portal.views.common import pk_urls, translated_html

from .models import Contact, Participant

NONE_SHOWN = "–"  # noqa: RUF001 - the dash the templates show for "none"


@dataclass(frozen=True)
class CaseloadRow:
    participant: Participant
    assigned: list[User]  # the assigned case managers, by name
    url: str
    managers: str  # their names
    start: str
    next_deadline: str
    status: str | SafeString
    # The link to log a contact (back to this page), "" when the user may not.
    contact_url: str
    contact_label: SafeString

    def __iter__(self) -> Iterator[Participant | list[User]]:
        """A row unpacks as the (participant, assigned case managers) pair of before."""
        return iter((self.participant, self.assigned))


def caseload_rows(
    participants: Iterable[Participant], managers: Mapping[int, list[User]], *, back: str
) -> list[CaseloadRow]:
    """The caseload's rows: ``participants`` from ``selectors.caseload`` (with
    ``changeable`` and ``next_deadline``), ``managers`` from ``selectors.case_managers_of``,
    ``back`` the page's own address (where a logged contact returns)."""
    detail_url = pk_urls("participants:detail")
    contact_url = pk_urls("participants:contact_create")
    back_query = f"?next={urlencode_filter(back)}"
    open_case = gettext("Open")
    closed = gettext("Closed %(end)s")
    log_contact = gettext('Log a contact<span class="visually-hidden"> with %(reference)s</span>')
    rows = []
    for participant in participants:
        end = participant.intervention_end
        changeable = getattr(participant, "changeable", False) and end is None
        due = getattr(participant, "next_deadline", None)
        rows.append(
            CaseloadRow(
                participant=participant,
                assigned=managers[participant.pk],
                url=detail_url(participant.pk),
                managers=", ".join(manager.name for manager in managers[participant.pk])
                or NONE_SHOWN,
                start=participant.intervention_start.isoformat(),
                next_deadline=due.isoformat() if due else NONE_SHOWN,
                status=open_case if end is None else translated_html(closed, end=end.isoformat()),
                contact_url=contact_url(participant.pk) + back_query if changeable else "",
                contact_label=translated_html(log_contact, reference=participant.reference),
            )
        )
    return rows


@dataclass(frozen=True)
class ContactRow:
    contact: Contact
    url: str  # the contact's own page (to correct it)
    date: str
    kind: str
    counterpart: str
    note: SafeString


def contact_rows(contacts: Iterable[Contact], *, participant: Participant) -> list[ContactRow]:
    """The participant page's contacts, newest first as given."""
    base = pk_urls("participants:contact_create")(participant.pk)
    return [
        ContactRow(
            contact=contact,
            # The contact's page is the contacts' address plus its id (participants/urls.py).
            url=f"{base}{contact.pk}/",
            date=contact.date.isoformat(),
            kind=contact.get_kind_display(),
            counterpart=contact.counterpart or NONE_SHOWN,
            note=linebreaksbr(contact.note, autoescape=True),
        )
        for contact in contacts
    ]
