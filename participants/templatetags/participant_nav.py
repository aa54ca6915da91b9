"""The participant's pages, for the navigation every page of theirs shows
(participants/_nav.html)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

register = template.Library()

# (key, label, URL name): the higher apps' pages named by URL only (participants never
# imports them). A view may name its item with ``current`` = one of the keys.
_PAGES = [
    ("overview", _("Overview"), "participants:detail"),
    ("plan", _("Individual plan"), "plans:plan"),
    ("prioritised", _("Prioritised contacts"), "plans:prioritised_contacts"),
    ("crisis", _("Crisis and safety plan"), "plans:crisis_plan"),
    ("ratings", _("Self-ratings"), "plans:self_ratings"),
    ("meetings", _("Coordination meetings"), "plans:meetings"),
    ("consents", _("Consents"), "consent:list"),
]


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url: str
    active: bool


@register.simple_tag
def participant_pages(participant: Participant, path: str, current: str = "") -> list[Page]:
    """The items, the page's own marked: the one ``current`` names; else the overview on its
    own page and every other item on every page under its URL. One loop in the template,
    not an include an item (issue 21)."""
    pages = []
    for key, label, name in _PAGES:
        url = reverse(name, args=[participant.pk])
        if current:
            active = current == key
        elif key == "overview":
            active = url == path
        else:
            active = url in path
        pages.append(Page(key, str(label), url, active))
    return pages
