from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Named by URL only: cm_portal is the lowest app and never imports plans.
CASE_WORKERS_START = "plans:dashboard"
STEERING_GROUP_START = "reporting:start"

# An administrator's start page: a card a task (URL name, title, what it is for).
ADMINISTRATOR_CARDS = [
    (
        "staff:list",
        _("Staff"),
        _(
            "Create and edit accounts, set roles, send set-password links and reset two-factor"
            " login."
        ),
    ),
    ("staff:access_log", _("Access log"), _("See who did what, and when.")),
    (
        "participants:retention",
        _("Retention"),
        _("The closed cases the nightly job will delete, and when: check them before they go."),
    ),
    (
        "research:agreements",
        _("Research agreements"),
        _(
            "Record the data-sharing agreements under which named researchers download"
            " pseudonymised research data."
        ),
    ),
]


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what this person's role gives them to do.

    Case managers and team leads start on their deadlines, the steering and project groups on
    the latest period's result goals; administrators keep this page.
    """
    if request.user.works_with_cases:  # type: ignore[union-attr]
        return redirect(CASE_WORKERS_START)
    if request.user.reads_programme_reports:  # type: ignore[union-attr]
        return redirect(STEERING_GROUP_START)
    cards = []
    if request.user.is_administrator:  # type: ignore[union-attr]
        cards = [(reverse(name), title, text) for name, title, text in ADMINISTRATOR_CARDS]
    return render(request, "home.html", {"cards": cards})
