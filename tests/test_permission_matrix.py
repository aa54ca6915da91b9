"""The permission matrix: for every named URL and every persona, the status they get.

``MATRIX`` is keyed by URL name. A row says which HTTP methods to try, how to build the
URL's arguments from the fixtures, and what each persona gets for each method. A later
issue that adds URLs adds one row per URL name, e.g.::

    "participants:detail": Row(
        kwargs=lambda f: {"pk": f("participant").pk},   # f = request.getfixturevalue
        expect={"GET": statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)},
    ),

``statuses()`` fills in every persona from ``staff`` (all logged-in personas) and lets
single personas differ. For a state change add ``"POST": ...`` and ``data``: a refused
POST (403, 404, 405 or anonymous sent to the login page) must leave every table of the
project as it was, and with ``changes_state=True`` an accepted one must change something.
A URL without a row, or a row for a URL that no longer exists, fails the suite.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cm_portal.models import AccessEvent, Role

from .conftest import PERSONAS
from .helpers import named_urls
from .matrix import (
    HOME,
    LOGIN,
    Fixtures,
    Redirect,
    Row,
    Status,
    pk_of,
    share_with_the_district,
    statuses,
)

pytestmark = pytest.mark.django_db


CASE_WORKERS_START = Redirect("plans:dashboard")
# Pages only an administrator uses; everyone else is refused without naming anything.
ADMIN_PAGE = statuses(anonymous=LOGIN, staff=403, ada=200)
# POST-only administrator actions: access comes before the method (docs/urls.md), so only
# the administrator learns that GET is the wrong method.
ADMIN_ACTION_GET = statuses(anonymous=LOGIN, staff=403, ada=405)
ADMIN_ACTION_POST = statuses(anonymous=LOGIN, staff=403, ada=302)
# Pages for anyone, logged in or not (login, password reset).
PUBLIC_PAGE = statuses(anonymous=200, staff=200)


def _log_review(f: Fixtures):
    from cm_portal.models import LogReview

    existing = LogReview.objects.first()
    return existing or LogReview.objects.create(
        reviewer=f("ada"), period_from=date(2026, 1, 1), period_to=date(2026, 12, 31)
    )


def _pending_change(f: Fixtures) -> dict:
    """A set-password link for bob, asked for by ada: tess (his team lead) decides."""
    from cm_portal.models import AccountChangeRequest
    from cm_portal.services import account_change_request

    change = AccountChangeRequest.objects.filter(target=f("bob"), status="pending").first()
    change = change or account_change_request(
        kind=AccountChangeRequest.Kind.PASSWORD_LINK, target=f("bob"), actor=f("ada")
    )
    f("tess")
    return {"pk": change.pk}


# The team lead decides; the administrator who asked is refused as if it did not exist.
DECISION_PAGE = statuses(anonymous=LOGIN, staff=403, tess=200, ada=404)
DECISION_POST = statuses(anonymous=LOGIN, staff=403, tess=302, ada=404)


def _staff_form(f: Fixtures, **values) -> dict:
    data = {
        "name": "Nora Ny",
        "email": "nora@hela.example",
        "organisation": f("hela_manniskan").pk,
        "role": Role.CASE_MANAGER,
    }
    data.update(values)
    return data


MATRIX: dict[str, Row] = {
    # Case workers start on their deadlines; the other roles keep the start page.
    "home": Row(
        expect={
            "GET": statuses(
                anonymous=LOGIN,
                staff=200,
                **dict.fromkeys(("alice", "bob", "charlie", "dana", "tess"), CASE_WORKERS_START),
                steve=Redirect("reporting:start"),
                pia=Redirect("reporting:start"),
            )
        }
    ),
    "set_language": Row(
        expect={
            "GET": statuses(anonymous=HOME, staff=HOME),
            "POST": statuses(anonymous=HOME, staff=HOME),
        },
        data=lambda f: {"language": "en", "next": "/"},
    ),
    # --- accounts ---------------------------------------------------------------------
    "accounts:login": Row(expect={"GET": statuses(anonymous=200, staff=HOME)}),
    "accounts:logout": Row(
        expect={
            "GET": statuses(anonymous=LOGIN, staff=405),
            "POST": statuses(anonymous=LOGIN, staff=LOGIN),
        },
        changes_state=True,
    ),
    "accounts:otp_verify": Row(expect={"GET": statuses(anonymous=LOGIN, staff=HOME)}),
    # Every persona has a confirmed device already, so enrolment sends them on.
    "accounts:otp_enrol": Row(
        expect={"GET": statuses(anonymous=LOGIN, staff=Redirect("accounts:otp_verify"))}
    ),
    "accounts:password_reset": Row(expect={"GET": PUBLIC_PAGE}),
    "accounts:password_reset_done": Row(expect={"GET": PUBLIC_PAGE}),
    "accounts:password_reset_confirm": Row(
        # A token that is not valid: the page explains the link has expired.
        expect={"GET": PUBLIC_PAGE},
        kwargs=lambda f: {
            "uidb64": urlsafe_base64_encode(force_bytes(f("bob").pk)),
            "token": "not-a-valid-token",
        },
    ),
    "accounts:password_reset_complete": Row(expect={"GET": PUBLIC_PAGE}),
    # --- administration ---------------------------------------------------------------
    "staff:list": Row(expect={"GET": ADMIN_PAGE}),
    "staff:create": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_ACTION_POST},
        data=lambda f: _staff_form(f),
        changes_state=True,
    ),
    "staff:edit": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_ACTION_POST},
        kwargs=pk_of("bob"),
        data=lambda f: _staff_form(f, email=f("bob").email, role=Role.TEAM_LEAD),
        changes_state=True,
    ),
    "staff:deactivate": Row(
        expect={"GET": ADMIN_ACTION_GET, "POST": ADMIN_ACTION_POST},
        kwargs=pk_of("bob"),
        data=lambda f: {"confirmed": "yes"},
        changes_state=True,
    ),
    "staff:reactivate": Row(
        expect={"GET": ADMIN_ACTION_GET, "POST": ADMIN_ACTION_POST},
        kwargs=pk_of("bob"),
        changes_state=True,
    ),
    "staff:password_link": Row(
        expect={"GET": ADMIN_ACTION_GET, "POST": ADMIN_ACTION_POST},
        kwargs=pk_of("bob"),
        changes_state=True,
    ),
    "staff:reset_second_factor": Row(
        expect={"GET": ADMIN_ACTION_GET, "POST": ADMIN_ACTION_POST},
        kwargs=pk_of("bob"),
        changes_state=True,
    ),
    "staff:access_log": Row(expect={"GET": ADMIN_PAGE}),
    # --- approvals of account changes (security.md 30) ----------------------------------
    "approvals:list": Row(expect={"GET": statuses(anonymous=LOGIN, staff=403, tess=200, ada=200)}),
    "approvals:approve": Row(
        expect={"GET": DECISION_PAGE, "POST": DECISION_POST},
        kwargs=_pending_change,
        changes_state=True,
    ),
    "approvals:refuse": Row(
        expect={"GET": DECISION_PAGE, "POST": DECISION_POST},
        kwargs=_pending_change,
        changes_state=True,
    ),
    "staff:log_reviews": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_ACTION_POST},
        data=lambda f: {"period_from": "2026-01-01", "period_to": "2026-12-31", "sample_size": 5},
        changes_state=True,
    ),
    "staff:log_review": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_ACTION_POST},
        kwargs=lambda f: {"pk": _log_review(f).pk},
        data=lambda f: {"comment": "All accesses were part of the work."},
        changes_state=True,
    ),
}


def _collect_app_rows() -> None:
    """Add ``ROWS`` from every ``tests/<app>/permission_rows.py``."""
    for path in sorted(Path(__file__).parent.glob("*/permission_rows.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.permission_rows")
        clash = set(module.ROWS) & set(MATRIX)
        assert not clash, f"rows defined twice: {clash}"
        MATRIX.update(module.ROWS)


_collect_app_rows()

# The apps whose tables a refused request must leave alone, plus the second factors.
PROJECT_APPS = (
    "cm_portal",
    "oidc",
    "participants",
    "consent",
    "plans",
    "reporting",
    "research",
    "otp_totp",
)
REFUSED = {403, 404, 405}


def database_state() -> dict[str, object]:
    """Every row of every project table, and the outgoing mail.

    Each table's rows, in primary-key order and with every column, as PostgreSQL's JSON of
    them: all tables in one query (one round trip instead of one per table)."""
    state: dict[str, object] = {"mail": [message.to for message in mail.outbox]}
    labels, parts = [], []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            labels.append(model._meta.label)
            # The one row a refusal writes is the log's record of it (security.md 33).
            where = " WHERE t.action <> 'refused'" if model is AccessEvent else ""
            rows = f"SELECT json_agg(t ORDER BY t.{pk})::text FROM {table} t{where}"  # noqa: S608
            parts.append(f"SELECT %s, ({rows})")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), labels)
        state.update(cursor.fetchall())
    return state


def _refused(expected: Status, persona: str) -> bool:
    return expected in REFUSED or (persona == "anonymous" and expected == LOGIN)


def _check_status(response, expected: Status) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.status_code
        location = response["Location"].split("?")[0]
        # By name: a redirect may carry the object it made (e.g. a PDF's status page).
        assert resolve(location).view_name == expected.to, location
    else:
        assert response.status_code == expected, response.status_code


CASES = [
    pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
    for name, row in MATRIX.items()
    for method in row.expect
    for persona in PERSONAS
]


@pytest.mark.parametrize(("url_name", "method", "persona"), CASES)
def test_permission_matrix(url_name, method, persona, request, persona_client):
    row = MATRIX[url_name]
    expected = row.expect[method][persona]
    url = reverse(url_name, kwargs=row.kwargs(request.getfixturevalue))
    data = row.data(request.getfixturevalue)
    share_with_the_district(request.getfixturevalue)
    client = persona_client(persona)
    # Only a POST's assertions compare the tables (a GET's never did).
    before = database_state() if method == "POST" else None

    response = getattr(client, method.lower())(url, data)

    _check_status(response, expected)
    if method == "POST" and _refused(expected, persona):
        assert database_state() == before, "a refused POST changed the database"
    elif method == "POST" and row.changes_state:
        assert database_state() != before, "an accepted POST changed nothing"


def test_the_consent_shared_persona_holds_a_real_grant(request):
    """dana's grant in the matrix comes from a real consent naming the district; it lets
    her read, not change, and covers no other persona's organisation (security.md 37)."""
    from django.http import Http404

    from consent.models import Consent
    from participants.access import access_participant
    from participants.models import SharingGrant

    f = request.getfixturevalue
    pk = MATRIX["participants:detail"].kwargs(f)["pk"]
    share_with_the_district(f)

    grant = SharingGrant.objects.get(participant_id=pk)
    consent = Consent.objects.get(pk=grant.consent_id, participant_id=pk)
    assert grant.organisation == f("district") == f("dana").organisation
    assert consent.parties.filter(organisation=f("district")).exists()
    assert access_participant(f("dana"), pk).pk == pk
    for persona, need in (("dana", "change"), ("charlie", "view")):
        with pytest.raises(Http404):
            access_participant(f(persona), pk, need=need)


POST_URLS = [name for name, row in MATRIX.items() if "POST" in row.expect]


@pytest.mark.parametrize("url_name", POST_URLS)
def test_state_changes_need_a_csrf_token(url_name, request, persona_client):
    """Even an administrator's POST without the CSRF token is refused, changing nothing."""
    row = MATRIX[url_name]
    url = reverse(url_name, kwargs=row.kwargs(request.getfixturevalue))
    data = row.data(request.getfixturevalue)
    client = Client(enforce_csrf_checks=True)
    client.cookies = persona_client("ada").cookies
    before = database_state()

    response = client.post(url, data)

    assert response.status_code == 403
    assert database_state() == before


def test_every_url_has_a_row():
    missing = sorted({url.name for url in named_urls()} - set(MATRIX))
    assert not missing, f"URLs without a row in the permission matrix: {missing}"


def test_every_row_names_a_url():
    stale = sorted(set(MATRIX) - {url.name for url in named_urls()})
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_every_row_covers_every_persona():
    for name, row in MATRIX.items():
        for method, table in row.expect.items():
            assert set(table) == set(PERSONAS), (name, method)
