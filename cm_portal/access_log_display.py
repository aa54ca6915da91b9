"""The access log as a reader sees it (issue 17): in their language, with names, in
Stockholm time.

A row stores codes and ids (``object_type``, ``object_id``, the actor's id, an organisation's
short name) so that the log never changes. This module turns a page of rows into words: the
staff member's name and organisation, the object's kind in words and, where an app can name
it, the object itself (a participant's reference, never their name). cm_portal is the lowest
app, so the higher ones register how to name their objects (``register_object_namer``), as
with ``cm_portal.events``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AccessEvent, Organisation, User

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Every object type the portal writes, in words; the access log's filter offers these.
OBJECT_TYPES = {
    "participant": gettext_lazy("Participant"),
    "contact": gettext_lazy("Contact"),
    "plan": gettext_lazy("Individual plan"),
    "prioritisedcontact": gettext_lazy("Prioritised contact"),
    "user": gettext_lazy("Staff account"),
    "account_change_request": gettext_lazy("Account change"),
    "report": gettext_lazy("Steering-group report"),
    "programme": gettext_lazy("Programme"),
    "identityprovider": gettext_lazy("Identity provider"),
    "calendar": gettext_lazy("Calendar"),
    "calendar_feed": gettext_lazy("Calendar link"),
    "dashboard": gettext_lazy("Start page"),
    "reminders": gettext_lazy("Reminders"),
    "participant_list": gettext_lazy("List of participants"),
    "activity_list": gettext_lazy("List of activities"),
    "duplicate_check": gettext_lazy("Duplicate check"),
    "retention_schedule": gettext_lazy("Retention schedule"),
    "access_log": gettext_lazy("Access log"),
    "log_review": gettext_lazy("Log review"),
}

# object_type -> a function from ids to their names in words (batched: one query a type).
Namer = Callable[[list[str]], dict[str, str]]
_NAMERS: dict[str, Namer] = {}


def register_object_namer(object_type: str, namer: Namer) -> None:
    """Let a higher app name its objects in the log (e.g. a participant by reference)."""
    _NAMERS[object_type] = namer


def object_type_choices() -> list[tuple[str, str]]:
    return sorted(((key, str(label)) for key, label in OBJECT_TYPES.items()), key=lambda c: c[1])


# Details written as English phrases with internal ids, read as words (rows with structured
# ``data`` are read from it first); the known phrases are translated and staff ids named.
_DETAIL_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^(\d+) rows shown$"), lambda m: _("%(n)s rows shown") % {"n": m[1]}),
    (re.compile(r"^steering report \d+ downloaded$"), lambda m: _("report downloaded")),
    (re.compile(r"^steering reports$"), lambda m: _("list of reports")),
    (re.compile(r"^plan goal \d+ deleted$"), lambda m: _("a goal of the plan deleted")),
    (re.compile(r"^plan goal \d+$"), lambda m: _("a goal of the plan")),
    (re.compile(r"^plan document \d+ downloaded$"), lambda m: _("plan PDF downloaded")),
    (re.compile(r"^contact \d+ with its history$"), lambda m: _("a contact and its history")),
    (re.compile(r"^consent \d+ withdrawn$"), lambda m: _("a consent withdrawn")),
    (re.compile(r"^consent \d+ scan$"), lambda m: _("a consent's scan")),
    (re.compile(r"^meeting \d+$"), lambda m: _("a coordination meeting")),
    (re.compile(r"^(\d+) entries$"), lambda m: _("%(n)s entries") % {"n": m[1]}),
    (re.compile(r"^signed off$"), lambda m: _("signed off")),
    (re.compile(r"^sample of (\d+)$"), lambda m: _("a sample of %(n)s") % {"n": m[1]}),
    (re.compile(r"^plan$"), lambda m: _("individual plan")),
    (re.compile(r"^crisis plan$"), lambda m: _("crisis plan")),
    (re.compile(r"^consents$"), lambda m: _("consents")),
    (re.compile(r"^meetings$"), lambda m: _("coordination meetings")),
    (re.compile(r"^self-ratings$"), lambda m: _("self-ratings")),
    (re.compile(r"^prioritised contacts$"), lambda m: _("prioritised contacts")),
]
_STAFF_ID = re.compile(r"\bstaff (\d+)\b")


@dataclass(frozen=True)
class EventRow:
    event: AccessEvent
    at: datetime  # in Europe/Stockholm
    who: str
    organisation: str
    action: str
    object_type: str  # in words
    object_name: str  # the object in words ("" when it has none)
    detail: str


def _staff_names(ids: Iterable[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def _shown(value: object) -> str:
    return "\u2013" if value in (None, "") else str(value)


def _data_words(data: dict) -> str:
    """The structured detail (``access_log.changes`` and the like) in words."""
    parts = []
    changed = data.get("changed")
    if isinstance(changed, dict) and changed:
        fields = []
        for field, values in changed.items():
            name = str(field).replace("_", " ")
            if isinstance(values, dict) and ("old" in values or "new" in values):
                old, new = (_shown(values.get(key)) for key in ("old", "new"))
                name = f"{name}: {old} \u2192 {new}"
            fields.append(name)
        parts.append(_("changed %(fields)s") % {"fields": "; ".join(fields)})
    if "plan_version" in data:
        parts.append(_("version %(n)s of the plan") % {"n": data["plan_version"]})
    return ", ".join(parts)


def _detail(detail: str, staff: dict[int, str]) -> str:
    for pattern, words in _DETAIL_WORDS:
        if match := pattern.match(detail):
            return words(match)
    # A staff member named by id reads as their name.
    return _STAFF_ID.sub(lambda m: staff.get(int(m[1]), _("a member of staff")), detail)


def describe(events: Iterable[AccessEvent]) -> list[EventRow]:
    """The rows in words. A constant number of queries whatever the number of rows: the
    staff, the organisations, and one a kind of object named."""
    events = list(events)
    staff_ids = {e.actor_id for e in events if e.actor_id}
    detail_staff = {int(m[1]) for e in events for m in _STAFF_ID.finditer(e.detail)}
    by_type: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id:
            by_type[event.object_type].add(event.object_id)
    users = by_type.get("user", set())
    user_ids = {int(i) for i in users if i.isdigit()}
    staff = _staff_names(staff_ids | detail_staff | user_ids)
    organisations = dict(
        Organisation.objects.filter(slug__in={e.organisation_slug for e in events}).values_list(
            "slug", "name"
        )
    )
    names: dict[tuple[str, str], str] = {
        ("user", str(pk)): name for pk, name in staff.items() if str(pk) in users
    }
    for object_type, ids in by_type.items():
        if namer := _NAMERS.get(object_type):
            for object_id, name in namer(sorted(ids)).items():
                names[(object_type, object_id)] = name
    rows = []
    for event in events:
        type_label = OBJECT_TYPES.get(event.object_type)
        rows.append(
            EventRow(
                event=event,
                at=event.at.astimezone(STOCKHOLM),
                who=staff.get(event.actor_id or 0) or event.actor_email or "",
                organisation=organisations.get(event.organisation_slug)
                or event.organisation_slug
                or "",
                action=str(event.get_action_display()),
                object_type=str(type_label) if type_label else event.object_type,
                object_name=names.get((event.object_type, event.object_id), ""),
                detail=(
                    _data_words(event.data)
                    if isinstance(event.data, dict) and _data_words(event.data)
                    else _detail(event.detail, staff)
                    if event.detail
                    else ""
                ),
            )
        )
    return rows
