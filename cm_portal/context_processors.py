"""The navigation: each role sees only what it may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def _items_for(user) -> list[tuple[str, str]]:
    items = [(_("Start"), "home")]
    if user.works_with_cases:
        items += [(_("Participants"), "participants:list")]
    if user.is_administrator:
        items += [(_("Staff"), "staff:list"), (_("Access log"), "staff:access_log")]
    return items


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_items": []}
    path = request.path
    items = []
    for label, name in _items_for(user):
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append(NavItem(str(label), url, active))
    return {"nav_items": items}
