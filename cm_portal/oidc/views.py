"""The OpenID Connect login (start, callback), the logout offer and the administration."""

from __future__ import annotations

from functools import wraps
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from cm_portal import access_log
from cm_portal.access import administrator_required
from cm_portal.enrolment import enrolment_allow
from cm_portal.http import AuthenticatedHttpRequest
from cm_portal.middleware import allow_without_second_factor
from cm_portal.models import AccessEvent, Organisation
from cm_portal.views.common import submit

from . import selectors, services
from .backend import (
    BACKEND_PATH,
    LoginRefused,
    OrganisationOIDCBackend,
    ProviderSettingsMixin,
    cached_discovery,
    provider_settings,
)
from .forms import IdentityProviderForm
from .models import IdentityProvider

Action = AccessEvent.Action
PROVIDER_SESSION_KEY = "oidc_provider"
END_SESSION_KEY = "oidc_end_session"


def _public(view):
    return allow_without_second_factor(login_not_required(view))


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class _AuthenticationRequest(ProviderSettingsMixin, OIDCAuthenticationRequestView):
    """The library's redirect to the provider (state, nonce, PKCE), for one provider."""

    def __init__(self, provider: IdentityProvider, login_hint: str) -> None:
        self.provider_config = provider_settings(provider)
        self.login_hint = login_hint
        super().__init__()

    def get_extra_params(self, request):
        return {"login_hint": self.login_hint}


def login_redirect(request: HttpRequest) -> HttpResponse | None:
    """From the login page's POST: the redirect to the provider of the e-mail's domain.

    None when no enabled provider has that domain: the password login goes on as before.
    """
    email = (request.POST.get("username") or "").strip()
    provider = selectors.provider_for_email(email)
    if provider is None:
        return None
    try:
        view = _AuthenticationRequest(provider, login_hint=email)
        view.setup(request)
        response = view.get(request)
    except (requests.RequestException, ImproperlyConfigured, KeyError, ValueError):
        messages.error(
            request,
            _(
                "Your organisation's login service cannot be reached right now. Try again in a "
                "moment; if it goes on, tell your administrator."
            ),
        )
        return redirect("accounts:login")
    # The library keeps state → nonce and PKCE verifier; the callback also needs which
    # provider this state was sent to.
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    request.session["oidc_states"][state]["provider"] = provider.pk
    request.session["oidc_login_next"] = _safe_next(request)
    request.session.modified = True
    return response


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def provider_origins() -> list[str]:
    """Where the login form may send the browser: each enabled provider's authorisation
    endpoint (from the cached discovery) and issuer origin. Never fetches anything."""
    origins: set[str] = set()
    for provider in IdentityProvider.objects.filter(enabled=True):
        origins.add(_origin(provider.issuer) or "")
        config = cached_discovery(provider) or {}
        origins.add(_origin(config.get("authorization_endpoint", "")) or "")
    return sorted(origin for origin in origins if origin)


def with_provider_form_action(view):
    """The login page's CSP lets its form lead to the providers (browsers check form-action
    on the redirect that follows a form's submission too)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = provider_origins()
        if origins:
            policy = dict(getattr(response, "_csp_config", None) or settings.SECURE_CSP)
            policy["form-action"] = [*policy.get("form-action", []), *origins]
            response._csp_config = policy
        return response

    return wrapped


def _refuse(request: HttpRequest, provider: IdentityProvider | None, reason: str) -> HttpResponse:
    slug = provider.organisation.slug if provider else "-"
    access_log.record_request(request, action=Action.LOGIN_FAILED, detail=f"oidc {slug}: {reason}")
    if reason in ("no account", "account of another organisation", "account deactivated"):
        message = _(
            "Your organisation's login service knows you, but the portal has no active account "
            "for you in that organisation. Ask your administrator."
        )
    else:
        message = _("The login through your organisation's login service did not succeed.")
    messages.error(request, message)
    return redirect("accounts:login")


@_public
@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the person back with a code (authorisation code flow)."""
    state = request.GET.get("state") or ""
    states = request.session.get("oidc_states") or {}
    # Each state is used once: popped before anything else, so a replay finds nothing.
    entry = states.pop(state, None) if state else None
    request.session["oidc_states"] = states
    if not isinstance(entry, dict):
        return _refuse(request, None, "state unknown or already used")
    provider_pk = entry.get("provider")
    if not isinstance(provider_pk, int):
        return _refuse(request, None, "state unknown or already used")
    provider = (
        IdentityProvider.objects.select_related("organisation")
        .filter(pk=provider_pk, enabled=True)
        .first()
    )
    if provider is None:
        return _refuse(request, None, "provider disabled")
    if request.GET.get("error") or not request.GET.get("code"):
        return _refuse(request, provider, "provider returned an error")
    try:
        backend = OrganisationOIDCBackend(provider)
        user = backend.authenticate(
            request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
    except LoginRefused as refusal:
        return _refuse(request, provider, refusal.reason)
    except (requests.RequestException, ImproperlyConfigured, KeyError, ValueError):
        return _refuse(request, provider, "provider error or unreachable")
    if user is None:
        return _refuse(request, provider, "no user")
    next_url = request.session.get("oidc_login_next") or reverse(settings.LOGIN_REDIRECT_URL)
    auth.login(request, user, backend=BACKEND_PATH)
    request.session[PROVIDER_SESSION_KEY] = provider.pk
    if backend.mfa_asserted:
        otp_login(request, services.identity_provider_device_for(user=user))
        access_log.record_request(request, action=Action.OTP_VERIFIED, detail="identity provider")
    else:
        # The guard asks for the TOTP code next. A first one may be enrolled in this session:
        # the provider's login proves the person at least as well as the mailbox link does.
        enrolment_allow(request, user)
    return redirect(next_url)


def end_session_url(request: HttpRequest) -> str | None:
    """The provider's end-session address for this session, if it has one."""
    provider_pk = request.session.get(PROVIDER_SESSION_KEY)
    provider = IdentityProvider.objects.filter(pk=provider_pk).first() if provider_pk else None
    if provider is None:
        return None
    try:
        endpoint = provider_settings(provider).get("OIDC_OP_END_SESSION_ENDPOINT")
    except (requests.RequestException, ImproperlyConfigured, KeyError, ValueError):
        return None
    if not endpoint:
        return None
    params = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("accounts:login")),
    }
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{endpoint}?{urlencode(params)}"


def with_end_session_offer(logout_view):
    """Wraps the logout view: after an OIDC session, a page offers the provider's logout."""

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        offer = end_session_url(request) if request.method == "POST" else None
        response = logout_view(request, *args, **kwargs)
        if offer and response.status_code == 302 and not request.user.is_authenticated:
            request.session[END_SESSION_KEY] = offer
            return redirect("oidc:logged_out")
        return response

    view.allow_without_second_factor = True  # type: ignore[attr-defined]
    return view


@_public
@never_cache
def logged_out(request: HttpRequest) -> HttpResponse:
    """Logged out of the portal; the provider's own logout is one click away."""
    offer = request.session.pop(END_SESSION_KEY, None)
    if not offer:
        return redirect("accounts:login")
    return render(request, "oidc/logged_out.html", {"end_session_url": offer})


@administrator_required
def provider_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_with_providers()
    return render(request, "oidc/provider_list.html", {"organisations": organisations})


@administrator_required
def provider_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    form = IdentityProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if submit(
            request,
            form,
            services.identity_provider_save,
            organisation=organisation,
            client_secret=data["client_secret"] or None,
            **{field: data[field] for field in services.EDITABLE_FIELDS},
        ):
            messages.success(request, _("The identity provider was saved."))
            return redirect("oidc:provider_edit", slug=organisation.slug)
    context = {
        "form": form,
        "organisation": organisation,
        "provider": provider,
        "callback_url": request.build_absolute_uri(reverse("oidc:callback")),
        "logout_url": request.build_absolute_uri(reverse("accounts:login")),
    }
    return render(request, "oidc/provider_edit.html", context)
