from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

# Named by URL only: cm_portal is the lowest app and never imports plans.
CASE_WORKERS_START = "plans:dashboard"
STEERING_GROUP_START = "reporting:start"


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what this person's role gives them to do.

    Case managers and team leads start on their deadlines, the steering and project groups on
    the latest period's result goals; administrators keep this page.
    """
    if request.user.works_with_cases:  # type: ignore[union-attr]
        return redirect(CASE_WORKERS_START)
    if request.user.reads_programme_reports:  # type: ignore[union-attr]
        return redirect(STEERING_GROUP_START)
    return render(request, "home.html")
