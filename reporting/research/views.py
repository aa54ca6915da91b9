"""The researchers' page (their agreements, asking for an export, downloads) and the
administrators' pages for the data-sharing agreements. No case content on any of them."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cm_portal import pdf
from cm_portal.access import administrator_required, role_required
from cm_portal.access_log import client_address
from cm_portal.http import AuthenticatedHttpRequest
from cm_portal.models import AccessEvent, Role
from cm_portal.views.common import act, method_not_allowed, submit

from . import services
from .access import access_agreement, access_export, agreements_for
from .forms import AgreementForm, ExportRequestForm
from .models import ResearchAgreement, ResearchExport

Action = AccessEvent.Action
researchers_only = role_required(Role.RESEARCHER)
ZIP = "application/zip"
RECENT_EXPORTS = 20


@researchers_only
def research_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    agreements = (
        agreements_for(request.user)
        .select_related("programme")
        .prefetch_related(
            Prefetch("exports", queryset=ResearchExport.objects.order_by("-requested_at", "-id"))
        )
    )
    return render(
        request,
        "research/home.html",
        {
            "agreements": agreements,
            "form": ExportRequestForm(initial={"format": "csv"}),
            "recent": RECENT_EXPORTS,
        },
    )


@researchers_only
def export_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = access_agreement(request.user, pk)
    if refused := method_not_allowed(request, "POST"):
        return refused
    form = ExportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV, SPSS or Stata."))
        return redirect("research:home")
    if act(
        request,
        services.research_export_request,
        agreement=agreement,
        file_format=form.cleaned_data["format"],
    ):
        messages.success(request, _("The export is being produced. Reload this page in a moment."))
    return redirect("research:home")


@researchers_only
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    export = access_export(request.user, pk, download=True)
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    response = pdf.download(
        export.file, ready=export.is_ready, filename=export.filename, content_type=ZIP
    )
    services.research_export_downloaded(
        export=export,
        actor=request.user,
        client_address=client_address(request),
    )
    return response


# --- administrators ------------------------------------------------------------------------


@administrator_required
def agreement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    agreements = (
        ResearchAgreement.objects.select_related("programme")
        .prefetch_related("researchers")
        .order_by("-created_at", "-id")
    )
    return render(request, "research/agreement_list.html", {"agreements": agreements})


@administrator_required
def agreement_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if done := submit(
            request,
            form,
            services.research_agreement_create,
            programme=data["programme"],
            institution=data["institution"],
            researchers=data["researchers"],
            purpose=data["purpose"],
            approval_reference=data["approval_reference"],
            expires_on=data["expires_on"],
            k=data["k"],
        ):
            messages.success(
                request,
                _("The data-sharing agreement was recorded (id %(id)s).") % {"id": done.value.pk},
            )
            return redirect("research:agreements")
    return render(request, "research/agreement_create.html", {"form": form})
