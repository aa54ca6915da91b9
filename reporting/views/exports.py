"""CSV and XLSX exports for the programmes' members and team leads: the programme and the
period come in the query; a programme the user does not follow answers 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cm_portal.access import role_required
from cm_portal.access_log import client_address
from cm_portal.models import Role
from cm_portal.programmes.access import programme_among
from cm_portal.programmes.selectors import report_programmes
from reporting import intern_sip
from reporting.exports import (
    ExportFile,
    export_account,
    export_statistics,
)
from reporting.forms import PeriodForm
from reporting.releases import released_only

reports_role_required = role_required(Role.STEERING_GROUP, Role.PROJECT_GROUP, Role.TEAM_LEAD)


def _export(request: HttpRequest, service: Callable[..., ExportFile], title: str) -> HttpResponse:
    """The file for a valid period; without one, the period chooser (400 with the errors
    when a period was asked for but is wrong)."""
    programmes = list(report_programmes(request.user))
    programme = programme_among(programmes, request.GET.get("programme"))
    # The steering and project groups: released periods only (reporting.releases).
    released = released_only(request.user)
    if "kind" not in request.GET:
        form = PeriodForm(
            initial={"kind": "project_quarter"},
            programme=programme,
            programmes=programmes,
            released=released,
        )
        return render(request, "reporting/export_period.html", {"form": form, "title": title})
    form = PeriodForm(request.GET, programme=programme, programmes=programmes, released=released)
    if not form.is_valid() or form.period is None:
        context = {"form": form, "title": title}
        return render(request, "reporting/export_period.html", context, status=400)
    export = service(
        user=request.user,
        programme=programme,
        period=form.period,
        client_address=client_address(request),
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@reports_role_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, export_statistics, _("Export the statistics"))


@reports_role_required
@require_GET
def export_account_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, export_account, _("Export the account to the district"))


@reports_role_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    service = partial(export_statistics, file_format="xlsx")
    return _export(request, service, _("Export the statistics"))


def _intern_sip(request: HttpRequest, file_format: str) -> HttpResponse:
    """The statistics file of one programme (``?programme=SLUG``, one the user follows)."""
    service = partial(intern_sip.export_file, file_format=file_format)
    return _export(request, service, _("Export the Intern-SIP statistics"))


@reports_role_required
@require_GET
def export_intern_sip_csv(request: HttpRequest) -> HttpResponse:
    return _intern_sip(request, "csv")


@reports_role_required
@require_GET
def export_intern_sip_xlsx(request: HttpRequest) -> HttpResponse:
    return _intern_sip(request, "xlsx")
