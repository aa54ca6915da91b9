"""The case workers' start page (what is due) and their reminders.

Like the caseload list, these pages list references without opening a case, so they write no
access-log row per participant; each page view writes one row saying how many rows it showed
(the pages they link to log the participant).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cm_portal import access_log
from cm_portal.access import role_required
from cm_portal.models import AccessEvent, Role
from cm_portal.selectors import account_changes_to_decide
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from cm_portal.views.common import pk_urls, translated_html

from ..models import Deadline, DeadlineKind, Reminder
from ..selectors.deadlines import deadlines_by_case_manager, deadlines_due_for, reminders_for
from ..services.dashboard import reminders_mark_read

REMINDERS_PER_PAGE = 50
Action = AccessEvent.Action

works_with_cases_required = role_required(Role.CASE_MANAGER, Role.TEAM_LEAD)

# The page where the work a deadline asks for is done; None: the participant's overview.
_PAGE_OF_KIND = {
    DeadlineKind.PLAN: "plans:plan",
    DeadlineKind.CRISIS_PLAN: "plans:crisis_plan",
    DeadlineKind.THREE_MONTHS: "plans:prioritised_contacts",
    DeadlineKind.BASELINE_RATING: "plans:self_ratings",
    DeadlineKind.CONSENT_RENEWAL: "consent:list",
    DeadlineKind.MEETING_ASKED_FOR: "plans:meetings",
}

_MEETING_KINDS = (DeadlineKind.MEETING_INVITATION, DeadlineKind.MEETING_FOLLOW_UP)


def deadline_url(deadline: Deadline) -> str:
    """The page to act on a deadline: the plan part, the consents or the meeting."""
    return deadline_kind_url(deadline.kind, deadline.participant_id, deadline.subject_id)


def deadline_kind_url(kind: str, participant_id: int, subject_id: int = 0) -> str:
    """:func:`deadline_url` from the deadline's kind, participant and subject."""
    if kind in _MEETING_KINDS and subject_id:
        return reverse(
            "plans:meeting_detail", kwargs={"pk": participant_id, "meeting_pk": subject_id}
        )
    name = _PAGE_OF_KIND.get(kind)
    if name is None:
        return reverse("participants:detail", kwargs={"pk": participant_id})
    return reverse(name, kwargs={"pk": participant_id})


@dataclass(frozen=True)
class DueRow:
    deadline: Deadline
    url: str
    days: int  # days left while open; days past the due date once overdue
    overdue: bool
    # What the row shows, worked out here once: a |date and a {% blocktranslate count %} a
    # row were most of the start page's rendering (issue 21).
    kind: str
    due: str
    time: str


def _time_left(overdue: bool, days: int) -> str:
    if overdue:
        text = ngettext("%(days)s day overdue", "%(days)s days overdue", days)
    elif days == 0:
        return _("Due today")
    else:
        text = ngettext("%(days)s day left", "%(days)s days left", days)
    return translated_html(text, days=days)


def _rows(deadlines, today: date) -> list[DueRow]:
    """Overdue is judged against today, not the stored state: the nightly run may be late."""
    # One reverse a page per kind of link rather than one a row.
    url_of = {name: pk_urls(name) for name in {*_PAGE_OF_KIND.values(), "participants:detail"}}
    rows = []
    for deadline in deadlines:
        overdue = deadline.due_on < today
        days = max((today - deadline.due_on if overdue else deadline.due_on - today).days, 0)
        name = _PAGE_OF_KIND.get(deadline.kind, "participants:detail")
        if deadline.kind in _MEETING_KINDS and deadline.subject_id:
            url = deadline_url(deadline)
        else:
            url = url_of[name](deadline.participant_id)
        rows.append(
            DueRow(
                deadline,
                url,
                days,
                overdue,
                kind=deadline.get_kind_display(),
                due=deadline.due_on.isoformat(),
                time=_time_left(overdue, days),
            )
        )
    return rows


@works_with_cases_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    today = timezone.localdate()
    user = request.user
    context: dict = {"today": today, "team_view": user.is_team_lead}
    if user.is_team_lead:
        # Account changes that give case access wait for this team lead (security.md 30).
        context["approvals"] = list(account_changes_to_decide(user))
        context["sections"] = [
            (case_manager, _rows(deadlines, today))
            for case_manager, deadlines in deadlines_by_case_manager(user, today=today)
        ]
        shown = sum(len(rows) for _case_manager, rows in context["sections"])
    else:
        context["rows"] = _rows(deadlines_due_for(user, today=today), today)
        shown = len(context["rows"])
    access_log.record_request(
        request, action=Action.VIEW, object_type="dashboard", detail=f"{shown} rows shown"
    )
    return render(request, "plans/dashboard/dashboard.html", context)


@works_with_cases_required
def reminders(request: HttpRequest) -> HttpResponse:
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    page = Paginator(reminders_for(request.user), REMINDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    items = [(reminder, deadline_url(reminder.deadline)) for reminder in page]
    access_log.record_request(
        request,
        action=Action.VIEW,
        object_type="reminders",
        detail=f"{len(items)} rows shown",
    )
    context = {
        "page": page,
        "items": items,
        "any_unread": any(r.read_at is None for r, _u in items),
        # What the start page lists: the page says how the two relate, never leaving an
        # empty list beside a start page of overdue deadlines unexplained.
        "due_now": deadlines_due_for(request.user, today=timezone.localdate()).count(),
    }
    return render(request, "plans/dashboard/reminders.html", context)


def _own_reminder_pk(request: HttpRequest) -> int | None:
    """The ``pk`` posted, if any; someone else's reminder, or nonsense, is not found."""
    raw = request.POST.get("pk", "").strip()
    if not raw:
        return None
    # isdigit() alone lets "²" and 5,000-digit strings through to int(), which raises.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Http404
    if not Reminder.objects.filter(pk=int(raw), recipient=request.user).exists():
        raise Http404
    return int(raw)


@works_with_cases_required
def reminders_read(request: HttpRequest) -> HttpResponse:
    if refused := _method_not_allowed(request, "POST"):
        return refused
    pk = _own_reminder_pk(request)
    marked = reminders_mark_read(recipient=request.user, pk=pk)
    if pk is not None:
        messages.success(request, _("The reminder is marked as read."))
    elif marked:
        messages.success(
            request,
            ngettext(
                "%(count)d reminder marked as read.", "%(count)d reminders marked as read.", marked
            )
            % {"count": marked},
        )
    else:
        messages.info(request, _("You have no unread reminders."))
    return redirect("plans:reminders")
