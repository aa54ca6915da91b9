"""The case worker's calendar (week or month) and their personal ``.ics`` feed (issue 17).

The calendar lists references without opening a case, like the start page: one access-log row
a view saying how many entries it showed. The feed is fetched by a calendar program with the
secret link as its only key (``plans.services.calendar``); every fetch is logged.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cm_portal import access_log
from cm_portal.access_log import client_address
from cm_portal.middleware import allow_without_second_factor
from cm_portal.models import AccessEvent
from cm_portal.views.common import method_not_allowed

from ..ical import calendar_ics
from ..models import CalendarFeed
from ..selectors.calendar import CalendarEntry, calendar_entries
from ..services import calendar as services
from .dashboard import deadline_kind_url, works_with_cases_required

Action = AccessEvent.Action
WEEK, MONTH = "week", "month"
SESSION_KEY = "calendar_feed_link"
# What the feed holds: the last month (to see what was missed) and the year ahead.
FEED_DAYS_BACK = 31
FEED_DAYS_AHEAD = 366


def entry_url(entry: CalendarEntry) -> str:
    if entry.kind == "meeting":
        return reverse(
            "plans:meeting_detail",
            kwargs={"pk": entry.participant_id, "meeting_pk": entry.object_id},
        )
    return deadline_kind_url(entry.deadline_kind, entry.participant_id, entry.subject_id)


@dataclass(frozen=True)
class Day:
    day: date
    entries: list[tuple[CalendarEntry, str]]
    is_today: bool


def _anchor(raw: str | None, today: date) -> date:
    """The day asked for (YYYY-MM-DD, within reason), else today."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return today
    return day if abs((day - today).days) <= 3660 else today


def _range(view: str, anchor: date) -> tuple[date, date, date, date]:
    """First and last day shown, and the anchors of the previous and the next page."""
    if view == MONTH:
        first = anchor.replace(day=1)
        last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
        previous = (first - timedelta(days=1)).replace(day=1)
        return first, last, previous, last + timedelta(days=1)
    first = anchor - timedelta(days=anchor.weekday())
    return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)


@works_with_cases_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    today = timezone.localdate()
    view = MONTH if request.GET.get("view") == MONTH else WEEK
    anchor = _anchor(request.GET.get("date"), today)
    first, last, previous, following = _range(view, anchor)
    entries = calendar_entries(request.user, start=first, end=last, today=today)
    by_day: dict[date, list[tuple[CalendarEntry, str]]] = {}
    for entry in entries:
        by_day.setdefault(entry.day, []).append((entry, entry_url(entry)))
    days = [
        Day(day, by_day.get(day, []), day == today)
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
        # The month shows the days that hold something (and today); the week every day.
        if view == WEEK or day in by_day or day == today
    ]
    access_log.record_request(
        request, action=Action.VIEW, object_type="calendar", detail=f"{len(entries)} rows shown"
    )
    context = {
        "view": view,
        "first": first,
        "last": last,
        "days": days,
        "count": len(entries),
        "previous": previous.isoformat(),
        "following": following.isoformat(),
        "anchor": anchor.isoformat(),
        "today": today,
        "team_view": request.user.is_team_lead,
    }
    return render(request, "plans/calendar/calendar.html", context)


@works_with_cases_required
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    """The personal feed: make a link (shown once), make a new one, or revoke it."""
    if refused := method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            token = services.calendar_feed_create(
                user=request.user, client_address=client_address(request)
            )
            request.session[SESSION_KEY] = token
            messages.success(
                request, _("Your calendar link is ready. Copy it now: it is shown once.")
            )
        elif action == "revoke":
            if services.calendar_feed_revoke(
                user=request.user, client_address=client_address(request)
            ):
                messages.success(request, _("The calendar link is revoked: it no longer works."))
        else:
            messages.error(request, _("Choose to make a new link or to revoke the one you have."))
        return redirect("plans:calendar_feed_settings")
    token = request.session.pop(SESSION_KEY, None)
    link = (
        request.build_absolute_uri(reverse("plans:calendar_feed", args=[token])) if token else None
    )
    feed = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first()
    return render(request, "plans/calendar/feed.html", {"feed": feed, "link": link})


@allow_without_second_factor
@login_not_required
@never_cache
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ``.ics`` file. No login: a calendar program cannot; the secret link is the key.
    An unknown, wrong or revoked link is simply not found."""
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    feed = services.calendar_feed_find(token)
    if feed is None:
        raise Http404
    today = timezone.localdate()
    entries = calendar_entries(
        feed.user,
        start=today - timedelta(days=FEED_DAYS_BACK),
        end=today + timedelta(days=FEED_DAYS_AHEAD),
        today=today,
    )
    body = calendar_ics(entries, url_of=lambda entry: request.build_absolute_uri(entry_url(entry)))
    services.calendar_feed_use(
        feed=feed, entries=len(entries), client_address=client_address(request)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cm-portal.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
