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

import copy
import importlib
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pytest_django.fixtures import Settings

from cm_portal.models import AccessEvent, Role

from .conftest import (
    ORGANISATIONS,
    PERSONAS,
    STAFF,
    kept_for_many_tests,
    make_organisation,
    make_persona,
    verified_client,
)
from .factories import default_programme
from .helpers import named_urls
from .matrix import (
    HOME,
    LOGIN,
    Fixtures,
    Redirect,
    Row,
    Status,
    no_kwargs,
    pk_of,
    share_with_the_district,
    state_change_row,
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
_DECISION_ON_PENDING_CHANGE = Row(
    expect={"GET": DECISION_PAGE, "POST": DECISION_POST},
    kwargs=_pending_change,
    changes_state=True,
)


def _admin_action_on_bob(data: Callable[[Fixtures], dict] = no_kwargs) -> Row:
    """A POST-only administrator action on bob's account."""
    return state_change_row(ADMIN_ACTION_GET, ADMIN_ACTION_POST, kwargs=pk_of("bob"), data=data)


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
    "staff:deactivate": _admin_action_on_bob(data=lambda f: {"confirmed": "yes"}),
    "staff:reactivate": _admin_action_on_bob(),
    "staff:password_link": _admin_action_on_bob(),
    "staff:reset_second_factor": _admin_action_on_bob(),
    "staff:access_log": Row(expect={"GET": ADMIN_PAGE}),
    # --- approvals of account changes (security.md 30) ----------------------------------
    "approvals:list": Row(expect={"GET": statuses(anonymous=LOGIN, staff=403, tess=200, ada=200)}),
    "approvals:approve": _DECISION_ON_PENDING_CHANGE,
    "approvals:refuse": _DECISION_ON_PENDING_CHANGE,
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


# --- What every case starts from, made once ------------------------------------------
# ~1,700 cases, each of which used to make the organisations and personas, log one in, and
# build its row's participant, consent and objects: ~130 queries before its one request.
# The organisations and every persona, logged in, are made once for the module, and what a
# row's URL and data need once for the row (its ~20 cases), each in a transaction that the
# cases' own transactions nest in (as Django's setUpTestData). Each case still calls its
# row's functions (which find what is there) and rolls back whatever it changed.

# A session idles out after 30 minutes (SESSION_IDLE_TIMEOUT): log in again well before.
LOG_IN_AGAIN_AFTER = 300  # seconds


class Personas:
    """The organisations and personas, and a verified session cookie for each persona."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.objects: dict[str, object] = {}
        self.cookies: dict[str, object] = {}
        self.logged_in_at = 0.0
        for name in ORGANISATIONS:
            self.objects[name] = make_organisation(name)
        for name, (_email, _name, organisation, _role) in STAFF.items():
            self.objects[name] = make_persona(name, self.objects[organisation])
        self.log_in()

    def log_in(self) -> None:
        for name in STAFF:
            self.cookies[name] = verified_client(self.objects[name]).cookies
            self.objects[name].refresh_from_db()  # type: ignore[attr-defined]
        self.logged_in_at = time.monotonic()

    def fixture(self, name: str):
        """``request.getfixturevalue`` for the rows, outside a test: a copy of each, so that
        no test sees what an earlier one did to the Python object."""
        if name == "vagledning":
            return default_programme()
        return copy.deepcopy(self.objects[name])


@pytest.fixture(scope="module")
def personas_once(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Personas]:
    with kept_for_many_tests(django_db_blocker):
        with django_db_blocker.unblock():
            made = Personas(tmp_path_factory.mktemp("matrix"))
        yield made


def _persona_fixture(name: str):
    @pytest.fixture(name=name)
    def fixture(personas_once, db):
        return personas_once.fixture(name)

    return fixture


# This module's organisation and persona fixtures, from what personas_once made.
for _name in (*ORGANISATIONS, *STAFF):
    globals()[f"_{_name}_fixture"] = _persona_fixture(_name)


@pytest.fixture
def persona_client(personas_once, db):
    """persona_client("alice") → a client with alice's verified session; "anonymous" → none."""

    def make(name: str) -> Client:
        client = Client()
        if name != "anonymous":
            client.cookies = copy.deepcopy(personas_once.cookies[name])
        return client

    return make


@pytest.fixture(scope="module")
def url_name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def row_built(personas_once, url_name, django_db_blocker) -> Iterator[None]:
    """What the row's URL and data need and the district's consents, made once for all the
    row's cases (a row whose functions fail here fails in each case instead). A row that
    stores files in a temporary folder (``settings``, ``tmp_path``) keeps that setting for
    its cases, and the folder is the module's (this module's ``tmp_path``)."""
    row = MATRIX[url_name]
    changed_settings: list[Settings] = []

    def f(name: str):
        if name == "settings":
            if not changed_settings:
                changed_settings.append(Settings(_is_pytest_django=True))
            return changed_settings[0]
        if name == "tmp_path":
            return personas_once.folder
        return personas_once.fixture(name)

    with django_db_blocker.unblock():
        if time.monotonic() - personas_once.logged_in_at > LOG_IN_AGAIN_AFTER:
            personas_once.log_in()
        point = transaction.savepoint_create()
        try:
            row.kwargs(f)
            row.data(f)
            share_with_the_district(f)
        except Exception:
            transaction.savepoint_rollback(point)
            point = transaction.savepoint_create()
    yield
    with django_db_blocker.unblock():
        transaction.savepoint_rollback(point)
    for settings in changed_settings:
        settings._finalize()


@pytest.fixture
def tmp_path(personas_once):
    """One folder for the module: a row's files, made once, are found by each of its cases."""
    return personas_once.folder


CASES = [
    pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
    for name, row in MATRIX.items()
    for method in row.expect
    for persona in PERSONAS
]


# Module scope, so that ``row_built`` is made once for the consecutive cases of a URL name;
# ``declared_order`` keeps the cases in the order of CASES (pytest would group them by
# persona, making each row again for every case).
@pytest.mark.declared_order
@pytest.mark.parametrize(
    ("url_name", "method", "persona"), CASES, indirect=["url_name"], scope="module"
)
def test_permission_matrix(url_name, method, persona, request, persona_client, row_built):
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
