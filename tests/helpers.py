"""Small helpers the test modules share: TOTP codes, the password step, the URL walk."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import PASSWORD

LOGIN_URL = "/accounts/login/"
OTP_VERIFY_URL = "/accounts/two-factor/"
OTP_ENROL_URL = "/accounts/two-factor/setup/"


def code_for(device: TOTPDevice, *, drift: int = 0) -> str:
    """The code an authenticator app shows now (drift=1: the next 30-second step)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:0{device.digits}d}"


def code_for_key(bin_key: bytes, *, drift: int = 0) -> str:
    return f"{totp(bin_key, drift=drift):06d}"


def log_in_with_password(
    client: Client, email: str, password: str = PASSWORD, *, next_url: str | None = None
):
    """The first step of the login, as the form posts it; returns the response."""
    data = {"username": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN_URL, data)


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@dataclass(frozen=True)
class NamedUrl:
    name: str  # "namespace:name"
    pattern: URLPattern
    # The URL's arguments with their converters, the includes' (e.g. participants/<int:pk>/) too.
    converters: dict = field(default_factory=dict)


def named_urls(
    resolver: URLResolver | None = None, prefix: str = "", converters: dict | None = None
) -> Iterator[NamedUrl]:
    """Every named URL of the project, with namespaces, however deep the includes go."""
    resolver = resolver or get_resolver()
    converters = converters or {}
    for entry in resolver.url_patterns:
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from named_urls(entry, namespace, found)
        elif entry.name:
            yield NamedUrl(f"{prefix}{entry.name}", entry, found)


def _dummy_value(converter) -> object:
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    return "x"


def dummy_path(url: NamedUrl) -> str:
    """A path for the URL with placeholder arguments: enough to reach the middleware."""
    kwargs = {name: _dummy_value(converter) for name, converter in url.converters.items()}
    return reverse(url.name, kwargs=kwargs)


PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # poppler-utils


def pdf_to_text(content: bytes) -> str:
    """The text of a PDF, words separated by one space (pdftotext pads and wraps lines)."""
    assert content.startswith(b"%PDF-")
    result = subprocess.run(  # noqa: S603 -- a fixed program, our own bytes on stdin
        [PDFTOTEXT, "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    text = re.sub(r"-[ ]*\n\s*", "-", result.stdout.decode())  # a word broken at its hyphen
    return re.sub(r"\s+", " ", text)


def bytecode_environment() -> dict[str, str]:
    """PYTHONPYCACHEPREFIX as this process has it (the Makefile sets it), for a fresh
    interpreter started with an environment of its own: it then reads the modules this run
    compiled already instead of compiling Django and the portal again."""
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    return {"PYTHONPYCACHEPREFIX": prefix} if prefix else {}


def assert_missing_and_hidden_look_the_same(client, names, hidden, key: str, missing_pk) -> None:
    """Each URL of ``names`` (a participant's object: its ``pk`` and the object's under
    ``key``), by GET and by POST, answers 404 both for a pk that does not exist and for
    ``hidden``, which the client may not see: nothing tells the two apart."""
    for name in names:
        for method in (client.get, client.post):
            for pk in (missing_pk, hidden.pk):
                url = reverse(name, kwargs={"pk": hidden.participant_id, key: pk})
                assert method(url).status_code == 404, url


def sent_once_after_commit(request, capture_on_commit_callbacks):
    """Call ``request()``, a service that enqueues a task: nothing is sent before its
    transaction commits, then one task through the outbox's ``send_task``. Returns what
    ``request()`` returned and the mocked ``send_task``, to look at what was sent."""
    from unittest import mock

    from cm_portal.celery import app

    with mock.patch.object(app, "send_task") as sent:
        with capture_on_commit_callbacks(execute=False) as callbacks:
            requested = request()
        sent.assert_not_called()
        assert len(callbacks) == 1
        callbacks[0]()
    sent.assert_called_once()
    return requested, sent


def nothing_sent_on_rollback(request, capture_on_commit_callbacks) -> None:
    """Call ``request()``, a service that enqueues a task, in a transaction that is then
    rolled back: nothing is left to be sent on commit."""
    import pytest
    from django.db import transaction

    with (
        capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        request()
        raise RuntimeError
    assert callbacks == []


def admin_connection():
    """An autocommit connection to the server's ``postgres`` database, as the test
    database's user: for what is done to the test database from outside (copy it, end its
    sessions)."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def at_the_same_time(work, *, threads: int, timeout: float = 30) -> list[BaseException]:
    """Run ``work`` in ``threads`` threads that start together (they meet at a barrier
    first), each on a database connection of its own, closed after; waits up to ``timeout``
    seconds for each thread. Returns what the threads raised, and a ``TimeoutError`` for
    threads still running then, for the test to assert empty."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    running = [threading.Thread(target=run) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=timeout)
    # A thread still running (stuck on a lock, say) is a failure too, not a silent pass.
    stuck = sum(thread.is_alive() for thread in running)
    if stuck:
        errors.append(TimeoutError(f"{stuck} of {threads} threads still running after {timeout} s"))
    return errors


def wait_for(condition, timeout: float = 30.0) -> bool:
    """Poll ``condition`` (e.g. what a real worker writes) until true or ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def set_password_path(user) -> str:
    """The path of a fresh set-password link for ``user``, as the e-mail carries it."""
    from urllib.parse import urlsplit

    from cm_portal.services import password_link

    user.refresh_from_db()  # the token depends on the password and the last login as stored
    return urlsplit(password_link(user)).path


def set_password_through_the_link(client: Client, user, password: str = PASSWORD) -> None:
    """Open the e-mailed set-password link in ``client`` and choose ``password``: what a
    newcomer does first, and what lets that session enrol a second factor."""
    form_url = client.get(set_password_path(user))["Location"]
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302, response.content


def set_password_in_the_browser(page, base_url: str, user, password: str = PASSWORD) -> None:
    """The newcomer's first step in a real browser: the e-mailed link, the password twice."""
    page.goto(f"{base_url}{set_password_path(user)}")
    page.fill("#id_new_password1", password)
    page.fill("#id_new_password2", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{reverse('accounts:password_reset_complete')}")


def log_in_in_the_browser(page, base_url: str, user, *, lands_on: str) -> None:
    """The whole login in a real browser: the password, then the authenticator's code;
    waits for the start page ``lands_on`` (a path) that the user is sent to."""
    page.goto(f"{base_url}{LOGIN_URL}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{OTP_VERIFY_URL}")
    page.fill("#id_token", code_for(user.totpdevice_set.get(confirmed=True)))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{lands_on}")
