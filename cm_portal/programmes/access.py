"""Permission-checked fetches of programmes: one that the user may not see answers 404,
exactly as a missing one."""

from __future__ import annotations

from django.http import Http404

from cm_portal.models import User

from .models import Programme
from .selectors import report_programmes


def access_programme_reports(user: User, slug: str | None) -> Programme:
    """The programme whose reports ``user`` asks for by ``slug``; without one, the first
    of theirs. 404 when it is not one of the programmes they follow (or there is none)."""
    programmes = report_programmes(user)
    programme = programmes.filter(slug=slug).first() if slug else programmes.first()
    if programme is None:
        raise Http404
    return programme


def programme_among(programmes: list[Programme], slug: str | None) -> Programme:
    """``access_programme_reports`` for the list of the user's programmes read already
    (``selectors.report_programmes``): the one named, or the first; 404 otherwise."""
    for programme in programmes:
        if not slug or programme.slug == slug:
            return programme
    raise Http404
