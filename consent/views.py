"""Consent pages: list, record, withdraw, download the scan."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent
from cm_portal.views.common import act, confirmation_page, confirmed, submit
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from participants.access import access_participant, can_change

from . import case_files, selectors, services
from .access import access_consent, access_export
from .forms import ConsentForm, WithdrawForm

Action = AccessEvent.Action

# Access is checked before the method, so that someone who may not see the participant
# gets 404 for every method (security.md 2), never a 405 that confirms the object exists.


def consent_list(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    consents = list(selectors.consents_of(participant))
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="consents")
    return render(
        request,
        "consent/list.html",
        {
            "participant": participant,
            "consents": consents,
            "may_change": can_change(request.user, participant),
            "withdraw_form": WithdrawForm(),
        },
    )


def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if submit(
            request,
            form,
            services.consent_record,
            participant=participant,
            organisations=data["organisations"],
            external_names=data["external_parties"],
            purpose=data["purpose"],
            research=data["research"],
            signed_on=data["signed_on"],
            signed_by=data["signed_by"],
            guardian_name=data["guardian_name"],
            valid_until=data["valid_until"],
            scan=data["scan"],
        ):
            messages.success(request, _("The consent was recorded."))
            return redirect("consent:list", pk=participant.pk)
    return render(request, "consent/create.html", {"form": form, "participant": participant})


def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = access_consent(request.user, consent_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the withdrawal date and who withdrew the consent."))
    elif not confirmed(request):
        return _withdraw_confirmation(request, consent, form.cleaned_data["withdrawn_on"])
    elif act(
        request,
        services.consent_withdraw,
        consent=consent,
        withdrawn_on=form.cleaned_data["withdrawn_on"],
        by_whom=form.cleaned_data["by_whom"],
    ):
        messages.success(request, _("The consent was withdrawn."))
    return redirect("consent:list", pk=consent.participant_id)


def _withdraw_confirmation(request: HttpRequest, consent, withdrawn_on) -> HttpResponse:
    """What a withdrawal does, before it is done: whom the participant's case is no longer
    shared with."""
    parties = [
        party.organisation.name if party.organisation else party.external_name
        for party in consent.parties.select_related("organisation")
    ]
    consequences = [
        _("The consent signed on %(signed)s is withdrawn as of %(day)s; it cannot be undone.")
        % {"signed": consent.signed_on.isoformat(), "day": withdrawn_on.isoformat()}
    ]
    if parties:
        consequences.append(
            _("No more information is shared with: %(parties)s.") % {"parties": ", ".join(parties)}
        )
    consequences.append(
        _("Staff of other organisations who saw the case through this consent no longer can.")
    )
    return confirmation_page(
        request,
        title=_("Withdraw the consent?"),
        consequences=consequences,
        confirm_label=_("Withdraw the consent"),
        cancel_url=reverse("consent:list", args=[consent.participant_id]),
    )


def consent_scan(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = access_consent(request.user, consent_pk, participant_pk=pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        consent.scan_content_type, "bin"
    )
    response = pdf.download(
        consent.scan,
        ready=True,
        filename=f"consent-{consent.pk}.{extension}",
        content_type=consent.scan_content_type or "application/octet-stream",
    )
    access_log.record_request(
        request,
        action=Action.EXPORT,
        obj=consent.participant,
        detail=f"consent {consent.pk} scan",
    )
    return response


def case_file_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything stored about the participant as a case file (GDPR right of access)."""
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    data = case_files.export_cases(
        case_files.participants_for_export().filter(pk=participant.pk),
        actor=request.user,
        client_address=client_address(request),
    )
    return pdf.attachment(
        case_files.dumps(data),
        filename=f"case-file-{participant.pk}.json",
        content_type="application/json; charset=utf-8",
    )


def export_pdf_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue everything stored about the participant as a PDF; a task renders it."""
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    export = services.participant_export_request(
        participant=participant, actor=request.user, client_address=client_address(request)
    )
    return redirect("consent:export_pdf_status", pk=participant.pk, export_pk=export.pk)


def export_pdf_status(request: HttpRequest, pk: int, export_pk: int) -> HttpResponse:
    export = access_export(request.user, export_pk, participant_pk=pk)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    return render(
        request,
        "consent/export_status.html",
        {
            "export": export,
            "participant": export.participant,
            "ready": export.is_ready,
        },
    )


def export_pdf_download(request: HttpRequest, pk: int, export_pk: int) -> HttpResponse:
    export = access_export(request.user, export_pk, participant_pk=pk)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    response = pdf.download(
        export.file, ready=export.is_ready, filename=f"case-file-{export.participant_id}.pdf"
    )
    access_log.record_request(
        request, action=Action.PRINT, obj=export.participant, detail=f"pdf {export.pk}"
    )
    return response
