"""Every form of the portal, fuzzed: hostile values never give a 500, an invalid submission
is answered with a message the page shows, and nothing of it is stored.

Each URL starts from the valid submission its permission-matrix row posts and replaces a
few fields (taken from the form classes, see ``endpoints.py``) with hostile values. Each
example runs in a savepoint that is rolled back, so the next starts from the same rows.
Per example:

- no 5xx (the test client raises the view's exception, which fails the example);
- rows changed (access log and session times aside): the answer is a redirect or a page
  without form errors, and no error message says it failed (nothing half-stored);
- no rows changed: the page shows the form's errors, or the redirect carries a message,
  unless the URL answers the same either way by design (``SILENT``);
- input that comes back in the page (or in the page redirected to) is HTML-escaped.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy, override
from hypothesis import given
from hypothesis import strategies as st

from cm_portal.enrolment import ENROL_ALLOWED_KEY
from cm_portal.models import Role
from cm_portal.tokens import password_token_generator
from tests.conftest import ORGANISATIONS, STAFF, verified_client
from tests.consent.helpers import use_temporary_storage
from tests.factories import PASSWORD, UserFactory
from tests.helpers import named_urls
from tests.matrix import LOGIN
from tests.test_permission_matrix import (  # noqa: F401 (personas_once: a fixture)
    MATRIX,
    REFUSED,
    _persona_fixture,
    personas_once,
)

from . import checks
from .endpoints import GET_FORMS, NO_INPUT, POST_FORMS, field_names
from .strategies import FUZZ_MARKS, Upload, fuzz_settings, mutated

pytestmark = FUZZ_MARKS

FUZZ = fuzz_settings()

# The organisations and personas, made once for the module as in the permission matrix
# (each test, and each example within it, still rolls back what it changed).
for _name in (*ORGANISATIONS, *STAFF):
    globals()[f"_{_name}_fixture"] = _persona_fixture(_name)


@pytest.fixture(scope="module", autouse=True)
def _personas_before_each_test(personas_once):  # noqa: F811 (the imported fixture)
    """Made before any test's own transaction begins (the tests ask for the personas by
    name, inside it): the module's transaction must be the outer one."""


# Who posts: the first persona the matrix lets in.
PREFERRED = ("alice", "tess", "ada", "steve", "rita", "anonymous")
PERSONA = {"plans:self_rating_fill": "anonymous"}  # the participant's page has no login
# The same answer whether or not the input was valid, on purpose: the language switch and
# logout ignore junk, the password reset does not tell whether the address has an account.
SILENT = {"set_language", "accounts:logout", "accounts:password_reset"}
# Tables a refused submission may change: a wrong code counts against the device
# (throttling), enrolment keeps the unconfirmed device it shows the code of.
# Pages that put their own words in place of a field's error message.
SHOWN_AS = {"plans:self_rating_fill": gettext_lazy("Choose one answer.")}
MAY_CHANGE_WHEN_REFUSED = {
    "accounts:otp_verify": {"otp_totp.TOTPDevice"},
    "accounts:otp_enrol": {"otp_totp.TOTPDevice"},
}


def _persona(url_name: str) -> str:
    if url_name in PERSONA:
        return PERSONA[url_name]
    table = MATRIX[url_name].expect["POST"]
    for persona in PREFERRED:
        status = table[persona]
        if status not in REFUSED and not (persona == "anonymous" and status == LOGIN):
            return persona
    raise AssertionError(f"no persona may post to {url_name}")


class Target:
    """Where to send one example, and a client in the right state for it."""

    def __init__(self, url: str, base: dict, client_for_example) -> None:
        self.url, self.base, self.client_for_example = url, base, client_for_example


def _steady_client(client: Client):
    """The same logged-in client each example, with only its session cookie kept (an
    earlier example may have set a language or left messages in a cookie)."""
    name = django_settings.SESSION_COOKIE_NAME
    session = client.cookies[name].value if name in client.cookies else None

    def make() -> Client:
        client.cookies = SimpleCookie()
        if session is not None:
            client.cookies[name] = session
        return client

    return make


def _matrix_target(url_name: str, f) -> Target:
    row = MATRIX[url_name]
    url = reverse(url_name, kwargs=row.kwargs(f))
    base = {key: value for key, value in row.data(f).items()}
    persona = _persona(url_name)
    client = Client() if persona == "anonymous" else verified_client(f(persona))
    return Target(url, base, _steady_client(client))


def _login(f) -> Target:
    f("alice")
    return Target(
        reverse("accounts:login"), {"username": "alice@hela.example", "password": PASSWORD}, Client
    )


def _logged_in_without_second_factor(user):
    def make() -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def _otp_verify(f) -> Target:
    return Target(
        reverse("accounts:otp_verify"),
        {"token": "123456"},
        _logged_in_without_second_factor(f("alice")),
    )


def _otp_enrol(f) -> Target:
    newcomer = UserFactory(
        email="nina@hela.example", organisation=f("hela_manniskan"), role=Role.CASE_MANAGER
    )

    def make() -> Client:
        client = _logged_in_without_second_factor(newcomer)()
        # As after the e-mailed set-password link, the only way to the enrolment form.
        session = client.session
        session[ENROL_ALLOWED_KEY] = newcomer.pk
        session.save()
        client.get(reverse("accounts:otp_enrol"))  # the attempt whose code is then posted
        return client

    return Target(reverse("accounts:otp_enrol"), {"token": "123456"}, make)


def _password_reset(f) -> Target:
    return Target(reverse("accounts:password_reset"), {"email": f("bob").email}, Client)


def _password_reset_confirm(f) -> Target:
    bob = f("bob")
    uid = urlsafe_base64_encode(force_bytes(bob.pk))
    token_url = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid, "token": password_token_generator.make_token(bob)},
    )
    set_url = reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": "set-password"}
    )

    def make() -> Client:
        client = Client()
        client.get(token_url)  # puts the token in the session, as following the mail does
        return client

    new = "another-long-passphrase-2026"
    return Target(set_url, {"new_password1": new, "new_password2": new}, make)


# POST forms whose matrix row has no POST (the matrix checks who gets in, not the forms).
EXTRA_TARGETS = {
    "accounts:login": _login,
    "accounts:otp_verify": _otp_verify,
    "accounts:otp_enrol": _otp_enrol,
    "accounts:password_reset": _password_reset,
    "accounts:password_reset_confirm": _password_reset_confirm,
}


def _target(url_name: str, f) -> Target:
    use_temporary_storage(f)  # uploads go to a folder pytest removes
    if url_name in EXTRA_TARGETS:
        return EXTRA_TARGETS[url_name](f)
    return _matrix_target(url_name, f)


def check_post(url_name: str, client: Client, response, before: dict, *, empty: bool) -> None:
    """The properties of one fuzzed POST (see the module docstring).

    ``empty``: no field was posted (files aside). The views bind ``request.POST or None``,
    so such a body shows the blank form again, as a GET would; no browser posts one.
    """
    assert response.status_code < 500
    changed = checks.changed_tables(before, checks.snapshot())
    changed -= MAY_CHANGE_WHEN_REFUSED.get(url_name, set())
    messages = checks.messages_of(response)
    errors = checks.form_errors(response)
    checks.assert_escaped(response)
    if errors and url_name in SHOWN_AS:
        with override("sv"):
            checks.assert_shown(response, [str(SHOWN_AS[url_name])])
    elif errors:
        checks.assert_shown(response, errors)
    if changed:
        assert response.status_code in (200, 302), (response.status_code, changed)
        assert not errors, f"stored {changed} and showed errors {errors}"
        assert not checks.error_level(messages), f"stored {changed} and said {messages}"
    elif url_name not in SILENT and not empty and response.status_code in (200, 302, 400, 409):
        # The confirmation step (issue 17) says what the action would do and changes nothing.
        asks_first = any(t.name == "confirm.html" for t in response.templates or ())
        assert errors or messages or asks_first, (
            f"nothing stored and nothing said ({response.status_code})"
        )
    if response.status_code == 302:
        page = checks.follow(client, response)
        if page is not None:
            assert page.status_code < 500
            checks.assert_escaped(page)


POST_NAMES = sorted(POST_FORMS)


@pytest.mark.parametrize("url_name", POST_NAMES)
def test_fuzzed_post_never_breaks_and_stores_all_or_nothing(url_name, request):
    target = _target(url_name, request.getfixturevalue)
    fields = field_names(POST_FORMS, url_name)

    @FUZZ
    @given(data=mutated(target.base, fields), urlencoded=st.booleans())
    def example(data, urlencoded):
        cache.clear()  # lockouts and throttles of earlier examples
        mail.outbox = []
        with checks.rolled_back():
            client = target.client_for_example()
            before = checks.snapshot()
            response = checks.send(client, "POST", target.url, data, urlencoded=urlencoded)
            posted = [value for value in data.values() if not isinstance(value, Upload)]
            check_post(url_name, client, response, before, empty=not posted)

    example()


def _get_target(url_name: str, f) -> Target:
    row = MATRIX[url_name]
    table = row.expect["GET"]
    persona = next(p for p in PREFERRED if table[p] == 200)
    client = verified_client(f(persona))
    base = {key: str(value) for key, value in row.data(f).items() if key}
    if "kind" in field_names(GET_FORMS, url_name):
        base = base or {"kind": "project_quarter", "n": "1"}
    return Target(reverse(url_name, kwargs=row.kwargs(f)), base, _steady_client(client))


@pytest.mark.parametrize("url_name", sorted(GET_FORMS))
def test_fuzzed_query_never_breaks(url_name, request):
    """Filters and period choosers: junk in the query gives the page or a 400 with the
    form's errors, never a 500."""
    target = _get_target(url_name, request.getfixturevalue)
    fields = field_names(GET_FORMS, url_name)

    @FUZZ
    @given(data=mutated(target.base, fields))
    def example(data):
        with checks.rolled_back():
            client = target.client_for_example()
            before = checks.snapshot()
            response = checks.send(client, "GET", target.url, data, urlencoded=True)
            assert response.status_code < 500
            checks.assert_escaped(response)
            errors = checks.form_errors(response)
            if errors:
                checks.assert_shown(response, errors)
            if response.status_code == 400:
                assert errors, "a 400 without a word on the form"
            assert not checks.changed_tables(before, checks.snapshot())

    example()


def test_every_url_is_classified():
    """A new URL must be placed in endpoints.py, so that its form is fuzzed too."""
    every = {url.name for url in named_urls()}
    placed = set(POST_FORMS) | set(GET_FORMS) | NO_INPUT
    assert not every - placed, f"URLs the fuzz tests do not know: {sorted(every - placed)}"
    assert not placed - every, f"names that are no URL: {sorted(placed - every)}"
    assert not NO_INPUT & (set(POST_FORMS) | set(GET_FORMS))


def test_every_post_of_the_matrix_is_fuzzed():
    posts = {name for name, row in MATRIX.items() if "POST" in row.expect}
    assert posts <= set(POST_FORMS), sorted(posts - set(POST_FORMS))
    assert set(POST_FORMS) - posts == set(EXTRA_TARGETS)
