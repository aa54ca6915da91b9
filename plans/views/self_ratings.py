"""Self-rating pages: the case manager's list and entry, the single-use link for the
participant, and the participant's own public page (no login, nothing but the questions)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cm_portal import access_log
from cm_portal.access_log import client_address
from cm_portal.middleware import allow_without_second_factor
from cm_portal.models import AccessEvent
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from cm_portal.views.common import submit
from participants.access import access_participant, can_change
from plans.forms.self_ratings import LinkForm, QuestionsForm, SelfRatingForm
from plans.models import SelfRatingLink
from plans.selectors.self_ratings import baseline_deadline, links_of, ratings_of
from plans.services import self_ratings as services

Action = AccessEvent.Action
SESSION_KEY = "self_rating_token_{}"


def self_ratings(request: HttpRequest, pk: int) -> HttpResponse:
    need = "change" if request.method == "POST" else "view"
    participant = access_participant(request.user, pk, need=need)
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    may_change = can_change(request.user, participant)
    form = SelfRatingForm(request.POST or None) if may_change else None
    record = services.self_rating_record
    if request.method == "POST" and form.is_valid():
        done = submit(request, form, record, participant=participant, **form.cleaned_data)
        if done:
            messages.success(request, _("The self-rating was saved."))
            return redirect("plans:self_ratings", pk=participant.pk)
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="self-ratings")
    ratings = list(ratings_of(participant))
    deadline = baseline_deadline(participant)
    return render(
        request,
        "plans/self_ratings/list.html",
        {
            "participant": participant,
            "ratings": ratings,
            "links": list(links_of(participant)[:10]) if may_change else [],
            "now": timezone.now(),
            "may_change": may_change,
            "form": form,
            "link_form": LinkForm() if may_change else None,
            "baseline_deadline": deadline,
            "has_baseline": any(rating.phase == "baseline" for rating in ratings),
            "baseline_late": timezone.localdate() > deadline,
        },
    )


def self_rating_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the phase (before or after) for the link."))
        return redirect("plans:self_ratings", pk=participant.pk)
    link, token = services.self_rating_link_create(
        participant=participant,
        phase=form.cleaned_data["phase"],
        actor=request.user,
        client_address=client_address(request),
    )
    request.session[SESSION_KEY.format(link.pk)] = token
    return redirect("plans:self_rating_link", pk=participant.pk, link_pk=link.pk)


def _qr_code_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR code of the link")
    )


@never_cache
def self_rating_link(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    link = get_object_or_404(participant.self_rating_links, pk=link_pk)
    token = request.session.pop(SESSION_KEY.format(link.pk), None)
    url = qr_code = None
    if token is not None:
        url = request.build_absolute_uri(reverse("plans:self_rating_fill", args=[token]))
        qr_code = _qr_code_svg(url)
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail=f"self-rating link {link.pk}"
    )
    return render(
        request,
        "plans/self_ratings/link.html",
        {
            "participant": participant,
            "link": link,
            "url": url,
            "qr_code": qr_code,
            "expired": link.used_at is None and timezone.now() >= link.expires_at,
        },
    )


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/self_ratings/public_gone.html", status=410)


@allow_without_second_factor
@login_not_required
@never_cache
def self_rating_fill(request: HttpRequest, token: str) -> HttpResponse:
    """The participant's page: nothing but the questions, no name, no navigation."""
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    link: SelfRatingLink | None = services.self_rating_link_find(token)
    if link is None:
        raise Http404
    if not link.usable_at(timezone.now()):
        return _gone(request)
    form = QuestionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_rating_submit(
                token=token, values=form.cleaned_data, client_address=client_address(request)
            )
        except services.SelfRatingLinkUnusable:
            return _gone(request)
        except SelfRatingLink.DoesNotExist:
            raise Http404 from None
        except ValidationError:
            form.add_error(None, _("Your answers could not be saved. Please try again later."))
        else:
            return render(request, "plans/self_ratings/public_thanks.html")
    return render(request, "plans/self_ratings/public_fill.html", {"form": form})
