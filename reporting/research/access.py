"""Who may reach research data: the researchers an agreement names, nobody else.

A researcher reaches only the agreements that name them and the exports made under those;
everything else answers 404 as if it did not exist. An expired agreement is still listed
(so the researcher sees why), but nothing is exported or downloaded under it.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from cm_portal.models import User

from .models import ResearchAgreement, ResearchExport


def agreements_for(user: User):
    """The agreements naming this active researcher (none for anyone else)."""
    if not user.is_authenticated or not user.is_active or not user.is_researcher:
        return ResearchAgreement.objects.none()
    return ResearchAgreement.objects.filter(researchers=user)


def access_agreement(user: User, pk: int) -> ResearchAgreement:
    """An agreement that names the user; 404 otherwise."""
    return get_object_or_404(agreements_for(user), pk=pk)


def access_export(user: User, pk: int, *, download: bool = False) -> ResearchExport:
    """An export under an agreement that names the user; 404 otherwise, and for a download
    also once the agreement has expired."""
    export = get_object_or_404(
        ResearchExport.objects.select_related("agreement").filter(
            agreement__in=agreements_for(user)
        ),
        pk=pk,
    )
    if download and not export.agreement.is_valid:
        raise Http404
    return export
