"""The navigation: each role sees only what it may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    shows_unread: bool = False  # the template adds the unread reminders count


# A higher app's page, named by URL only (cm_portal never imports plans).
REMINDERS = "plans:reminders"
REPORT = "reporting:report"
CALENDAR = "plans:calendar"
PROGRAMMES = "programmes:list"
RESEARCH = "research:home"
RESEARCH_AGREEMENTS = "research:agreements"


def _items_for(user) -> list[tuple[StrPromise, str]]:
    if not user.works_with_cases:
        items = [(_("Start"), "home")]
    else:
        # Their start page is the deadlines dashboard, where "home" sends them.
        items = [
            (_("Start"), "plans:dashboard"),
            (_("Participants"), "participants:list"),
            (_("Activities"), "participants:activity_list"),
            (_("Reminders"), REMINDERS),
            (_("Calendar"), CALENDAR),
        ]
    if user.reads_programme_reports or user.is_team_lead:
        items.append((_("Reports"), REPORT))
    if user.is_researcher:
        items.append((_("Research data"), RESEARCH))
    if user.is_administrator:
        items += [(_("Staff"), "staff:list"), (_("Access log"), "staff:access_log")]
        items.append((_("Programmes"), PROGRAMMES))
        items.append((_("Identity providers"), "oidc:providers"))
        items.append((_("Research agreements"), RESEARCH_AGREEMENTS))
    return items


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_items": []}
    path = request.path
    items = _items_for(user)
    links = [(str(label), reverse(name)) for label, name in items]
    # The longest matching address wins: /participants/activities/ is not "Participants".
    matching = [
        url for _label, url in links if (path == url if url == "/" else path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    return {
        "nav_items": [
            NavItem(label, url, url == current, shows_unread=name == REMINDERS)
            for (label, url), (_label, name) in zip(links, items, strict=True)
        ]
    }
