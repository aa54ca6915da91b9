from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

# Named by URL only: cm_portal is the lowest app and never imports plans.
CASE_WORKERS_START = "plans:dashboard"


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what this person's role gives them to do.

    Case managers and team leads start on their deadlines; administrators and the steering
    group, who never see an individual's record, keep this page.
    """
    if request.user.works_with_cases:  # type: ignore[union-attr]
        return redirect(CASE_WORKERS_START)
    return render(request, "home.html")
