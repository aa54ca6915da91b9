"""Login with password and TOTP, enrolment of the second factor, logout, password reset."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal.access_log import client_address

from .. import access_log
from ..enrolment import ENROL_ALLOWED_KEY, ENROL_DEVICE_KEY, enrolment_allow
from ..forms import LoginForm, TokenForm
from ..http import AuthenticatedHttpRequest
from ..middleware import allow_without_second_factor
from ..models import AccessEvent, StaffSession
from ..oidc.views import login_redirect as oidc_login_redirect
from ..oidc.views import with_provider_form_action
from ..services import (
    otp_enrolment_confirm,
    otp_enrolment_device,
    otp_enrolment_start,
    password_reset_request,
    staff_sessions_end,
)
from ..tokens import password_token_generator

Action = AccessEvent.Action


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _second_factor_passed(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    otp_login(request, device)
    # A new session key once the person is fully authenticated (session fixation).
    old_key = request.session.session_key
    request.session.cycle_key()
    StaffSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
    return redirect(_safe_next(request))


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # An address of an organisation with its own identity provider is sent there.
        return oidc_login_redirect(request) or super().post(request, *args, **kwargs)


login_view = allow_without_second_factor(
    login_not_required(with_provider_form_action(LoginView.as_view()))
)


@allow_without_second_factor
@sensitive_post_parameters("token")
@never_cache
def otp_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Second step of the login: the code from the authenticator app."""
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if not user_has_device(request.user):
        return redirect("accounts:otp_enrol")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            access_log.record_request(request, action=Action.OTP_VERIFIED)
            return _second_factor_passed(request, device)
        access_log.record_request(request, action=Action.OTP_FAILED)
        if allowed:
            form.add_error("token", _("The code is wrong or has expired. Try the next one."))
        else:
            form.add_error("token", _("Too many wrong codes. Wait a moment before you try again."))
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _safe_next(request)}
    )


def _qr_code_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )


@allow_without_second_factor
@sensitive_post_parameters("token")
@never_cache
def otp_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First login: add this portal to an authenticator app and prove it with a code.

    Only in the session that came through the e-mailed set-password link; each session's
    attempt has a secret of its own, and a newer attempt voids the older ones.
    """
    if user_has_device(request.user):
        return redirect("accounts:otp_verify")
    if request.session.get(ENROL_ALLOWED_KEY) != request.user.pk:
        return render(request, "registration/otp_enrol_needs_link.html")
    shown = request.session.get(ENROL_DEVICE_KEY)
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        device = otp_enrolment_device(user=request.user, device_id=shown)
        if device is None:
            # A newer attempt (another browser or tab) replaced this one: never confirm a
            # secret that is no longer the account's, and do not void the newer one either.
            form.add_error(
                None,
                _(
                    "This setup was replaced by a newer one, started in another browser or "
                    "tab. Open this page again to start over."
                ),
            )
            context: dict[str, object] = {"form": form, "qr_svg": None, "next": _safe_next(request)}
            return render(request, "registration/otp_enrol.html", context)
        if form.is_valid():
            if otp_enrolment_confirm(
                user=request.user,
                device=device,
                token=form.cleaned_data["token"],
                client_address=client_address(request),
            ):
                request.session.pop(ENROL_ALLOWED_KEY, None)
                request.session.pop(ENROL_DEVICE_KEY, None)
                messages.success(request, _("Two-factor login is now set up."))
                return _second_factor_passed(request, device)
            form.add_error("token", _("The code is wrong or has expired. Try the next one."))
    else:
        device = otp_enrolment_start(user=request.user, device_id=shown)
        request.session[ENROL_DEVICE_KEY] = device.pk
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": _qr_code_svg(device),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "next": _safe_next(request),
    }
    return render(request, "registration/otp_enrol.html", context)


logout_view = allow_without_second_factor(auth_views.LogoutView.as_view())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets a new password. It never logs the person in: the second factor still follows."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    token_generator = password_token_generator

    def form_valid(self, form):
        response = super().form_valid(form)
        staff_sessions_end(user=form.user)
        if not user_has_device(form.user):
            enrolment_allow(self.request, form.user)
        access_log.record_request(
            self.request, action=Action.PASSWORD_SET, actor=form.user, obj=form.user
        )
        return response


def _public(view):
    return allow_without_second_factor(login_not_required(view))


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for a set-password link. The link is built from SITE_URL, never from the
    request's host; the limits and the log are the service's. Always the same answer."""

    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        password_reset_request(
            email=form.cleaned_data["email"], client_address=client_address(self.request)
        )
        return HttpResponseRedirect(self.get_success_url())


password_reset_view = _public(PasswordResetView.as_view())
password_reset_done_view = _public(
    auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html")
)
password_reset_confirm_view = _public(PasswordResetConfirmView.as_view())
password_reset_complete_view = _public(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="registration/password_reset_complete.html"
    )
)
