"""Administrators' pages: staff accounts and the access log. No case content here."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access_log, selectors, services
from ..access import access_staff_member, administrator_required
from ..access_log_display import describe
from ..forms import (
    AccessLogFilterForm,
    LogReviewDrawForm,
    LogReviewSignOffForm,
    StaffCreateForm,
    StaffFilterForm,
    StaffForm,
)
from ..http import AuthenticatedHttpRequest
from ..models import AccessEvent, AccountChangeRequest, LogReview
from .common import act, confirmation_page, confirmed, filter_query, submit

PAGE_SIZE = 50


def _filtered_page[F: Form](
    request: HttpRequest, form_class: type[F], rows: Callable[..., QuerySet]
) -> tuple[F, Page]:
    """The list's filter form, bound to the query, and the page of the ``rows`` it selects
    (all of them while the filter is not valid)."""
    form = form_class(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, Paginator(rows(**filters), PAGE_SIZE).get_page(request.GET.get("page"))


@administrator_required
def staff_list(request: HttpRequest) -> HttpResponse:
    form, page = _filtered_page(request, StaffFilterForm, selectors.staff_list)
    pending = selectors.account_changes_pending()
    context = {"form": form, "page": page, "pending": pending, "query": filter_query(request)}
    return render(request, "staff/list.html", context)


def _waits() -> str:
    return _(
        "It takes effect when a team lead of the organisation (or a second administrator) "
        "approves it."
    )


@administrator_required
def staff_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    # A new account is most often for a colleague: the administrator's own organisation.
    initial = {"organisation": request.user.organisation}
    form = StaffCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            services.staff_create,
            email=data["email"],
            name=data["name"],
            organisation=data["organisation"],
            role=data["role"],
            send_link=data["send_link"],
        )
        if done:
            user = done.value
            if not user.is_active:
                messages.success(
                    request,
                    _(
                        "The account was created but cannot log in yet: "
                        "it gives access to case data."
                    )
                    + " "
                    + _waits(),
                )
            elif data["send_link"]:
                messages.success(
                    request, _("The account was created and a set-password link was sent.")
                )
            else:
                messages.success(request, _("The account was created."))
            return redirect("staff:edit", pk=user.pk)
    return render(request, "staff/create.html", {"form": form})


@administrator_required
def staff_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = access_staff_member(request.user, pk)
    form = StaffForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        # is_valid() has copied the new values onto `member`: reload what is stored, or
        # the service compares the values with themselves, sees no change and saves nothing.
        member.refresh_from_db()
        fields = {field: form.cleaned_data[field] for field in StaffForm.Meta.fields}
        done = submit(request, form, services.staff_update, user=member, **fields)
        if done:
            if done.value:
                messages.success(
                    request,
                    _("The change of e-mail, role or organisation was asked for.") + " " + _waits(),
                )
            else:
                messages.success(request, _("The changes were saved."))
            return redirect("staff:edit", pk=member.pk)
    if request.method == "POST":
        # The form's instance (or the refused service) left the rejected values on `member`:
        # show what is stored.
        member.refresh_from_db()
    changes = selectors.account_changes_of(member)
    return render(request, "staff/edit.html", {"form": form, "member": member, "changes": changes})


def _state_change(
    request: AuthenticatedHttpRequest, pk: int, service: Callable[..., object], success: str
) -> HttpResponse:
    """Call ``service`` on the account as the request's user; say what happened on its page."""
    member = access_staff_member(request.user, pk)
    if done := act(request, service, user=member):
        if isinstance(done.value, AccountChangeRequest):
            messages.success(
                request,
                _("This account has access to case data, so the change was asked for.")
                + " "
                + _waits(),
            )
        else:
            messages.success(request, success)
    return redirect("staff:edit", pk=member.pk)


@administrator_required
@require_POST
def staff_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = access_staff_member(request.user, pk)
    # Your own account is refused by the service at once: nothing to confirm.
    if not confirmed(request) and member.pk != request.user.pk:
        return confirmation_page(
            request,
            title=_("Deactivate the account of %(name)s?") % {"name": member.name},
            consequences=[
                _("%(name)s can no longer log in, and every session of the account ends now.")
                % {"name": member.name},
                _("The account and its entries in the access log are kept."),
                _("It can be reactivated later."),
            ],
            confirm_label=_("Deactivate account"),
            cancel_url=reverse("staff:edit", args=[member.pk]),
        )
    return _state_change(
        request,
        pk,
        services.staff_deactivate,
        _("The account was deactivated and its sessions ended."),
    )


@administrator_required
@require_POST
def staff_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _state_change(request, pk, services.staff_reactivate, _("The account was reactivated."))


@administrator_required
@require_POST
def staff_send_password_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _state_change(
        request, pk, services.staff_password_link_send, _("A set-password link was sent.")
    )


@administrator_required
@require_POST
def staff_reset_second_factor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _state_change(
        request,
        pk,
        services.staff_second_factor_reset,
        _("The second factor was reset: the person sets it up again at their next login."),
    )


@administrator_required
def access_log_list(request: HttpRequest) -> HttpResponse:
    form, page = _filtered_page(request, AccessLogFilterForm, selectors.access_events)
    # Reading the log is itself an access worth recording.
    access_log.record_request(request, action=AccessEvent.Action.VIEW, object_type="access_log")
    return render(
        request,
        "staff/access_log.html",
        {"form": form, "page": page, "rows": describe(page), "query": filter_query(request)},
    )


@administrator_required
def log_reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The periodic log reviews, and a form to draw a new sample."""
    form = LogReviewDrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit(request, form, services.log_review_draw, **form.cleaned_data)
        if done:
            return redirect("staff:log_review", pk=done.value.pk)
    reviews = LogReview.objects.select_related("reviewer")
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/log_reviews.html", {"form": form, "page": page})


@administrator_required
def log_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One review: its sample of accesses, and signing it off."""
    review = get_object_or_404(LogReview.objects.select_related("reviewer"), pk=pk)
    if request.method == "POST" and "mark" in request.POST:
        raw = request.POST.get("event", "")
        act(
            request,
            services.log_review_mark,
            review=review,
            event_id=int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else -1,
            mark=request.POST["mark"],
        )
        return redirect(f"{request.path}#event-{raw}" if raw.isdigit() else request.path)
    form = LogReviewSignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        if submit(request, form, services.log_review_sign_off, review=review, comment=comment):
            messages.success(request, _("The log review was signed off."))
            return redirect("staff:log_review", pk=review.pk)
    sample = AccessEvent.objects.filter(pk__in=review.sample_ids).order_by("at", "id")
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="log_review",
        object_id=str(review.pk),
    )
    context = {"review": review, "sample": sample, "rows": describe(sample), "form": form}
    return render(request, "staff/log_review.html", context)
