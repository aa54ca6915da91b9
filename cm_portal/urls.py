"""The root URLconf: it composes every app's URLs (docs/urls.md has the rules).

A participant's pages, whichever app serves them, live under ``participants/<int:pk>/``: each
app keeps its namespace and its URL names, and this file mounts its ``participant_patterns``
there, so the lower apps never import the higher ones.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

import consent.urls
import plans.urls

from .middleware import allow_without_second_factor
from .oidc.views import with_end_session_offer
from .views import accounts, approvals, home, staff

accounts_patterns = (
    [
        path("login/", accounts.login_view, name="login"),
        path("logout/", with_end_session_offer(accounts.logout_view), name="logout"),
        path("two-factor/", accounts.otp_verify, name="otp_verify"),
        path("two-factor/setup/", accounts.otp_enrol, name="otp_enrol"),
        path("password/reset/", accounts.password_reset_view, name="password_reset"),
        path("password/reset/sent/", accounts.password_reset_done_view, name="password_reset_done"),
        path(
            "password/set/<uidb64>/<token>/",
            accounts.password_reset_confirm_view,
            name="password_reset_confirm",
        ),
        path(
            "password/set/done/",
            accounts.password_reset_complete_view,
            name="password_reset_complete",
        ),
    ],
    "accounts",
)

staff_patterns = (
    [
        path("staff/", staff.staff_list, name="list"),
        path("staff/new/", staff.staff_create, name="create"),
        path("staff/<int:pk>/", staff.staff_edit, name="edit"),
        path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="deactivate"),
        path("staff/<int:pk>/reactivate/", staff.staff_reactivate, name="reactivate"),
        path("staff/<int:pk>/password-link/", staff.staff_send_password_link, name="password_link"),
        path(
            "staff/<int:pk>/reset-two-factor/",
            staff.staff_reset_second_factor,
            name="reset_second_factor",
        ),
        path("access-log/", staff.access_log_list, name="access_log"),
        path("log-reviews/", staff.log_reviews, name="log_reviews"),
        path("log-reviews/<int:pk>/", staff.log_review, name="log_review"),
    ],
    "staff",
)

approvals_patterns = (
    [
        path("", approvals.approvals, name="list"),
        path("<int:pk>/approve/", approvals.approve, name="approve"),
        path("<int:pk>/refuse/", approvals.refuse, name="refuse"),
    ],
    "approvals",
)
# One namespace per app: a namespace included twice would hide the names of the second include.
PARTICIPANT = "participants/<int:pk>/"
plans_patterns = (
    [
        path(PARTICIPANT, include(plans.urls.participant_patterns)),
        path("plans/", include(plans.urls.urlpatterns)),
    ],
    plans.urls.app_name,
)
consent_patterns = (consent.urls.participant_patterns, consent.urls.app_name)

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include(accounts_patterns)),
    path("", include("cm_portal.oidc.urls")),
    path("administration/", include(staff_patterns)),
    path("administration/programmes/", include("cm_portal.programmes.urls")),
    path("approvals/", include(approvals_patterns)),
    path("participants/", include("participants.urls")),
    path(PARTICIPANT, include(consent_patterns)),
    path("", include(plans_patterns)),
    path("reports/", include("reporting.urls")),
    path("research/", include("reporting.research.urls")),
    path(
        "language/",
        allow_without_second_factor(login_not_required(set_language)),
        name="set_language",
    ),
]
