"""The black-box run: the portal served by gunicorn with production settings on a loopback
port, and an attacker's HTTP client (httpx) that knows only URLs, forms and e-mails.

The accounts and cases are made with the suite's factories in the test database, committed
(``transactional_db``), so that gunicorn's workers see them; everything after that goes over
HTTP. One gunicorn serves all the tests of a module (starting one takes seconds): between
tests the tables are emptied (the content types are kept, tests/conftest.py, so a running
worker's content-type cache stays right), and what else a test could leave in the server is
removed after it: its e-mails and the Redis cache under the server's prefix (the rate
limits). Workers hold no connection between requests (``CONN_MAX_AGE`` 0).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..factories import PASSWORD
from ..helpers import code_for

ROOT = Path(__file__).resolve().parents[2]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Server:
    url: str  # what the client talks to: plain HTTP on loopback
    mail_dir: Path
    cache_prefix: str
    process: subprocess.Popen

    @property
    def site_url(self) -> str:
        """Where the server's e-mails point: SITE_URL, the https origin of the proxy."""
        return self.url.replace("http://", "https://")

    def client(self) -> BlackBoxClient:
        return BlackBoxClient(self)

    def mails(self) -> list[EmailMessage]:
        """Every e-mail the server has sent in this test, oldest first."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            # The file backend writes each message followed by a line of dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(message_from_bytes(chunk.lstrip(), policy=policy.default))
        return messages


class BlackBoxClient(httpx.Client):
    """An HTTP client of its own cookie jar, never following a redirect by itself."""

    def __init__(self, server: Server) -> None:
        super().__init__(base_url=server.url, follow_redirects=False, timeout=30)
        self.server = server

    def form_post(self, path: str, data: dict, *, form_page: str | None = None, **kwargs):
        """POST as the browser would after loading the form: with the page's CSRF token."""
        page = self.get(form_page or path)
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF token on {form_page or path} ({page.status_code})"
        return self.post(path, data={**data, "csrfmiddlewaretoken": match.group(1)}, **kwargs)

    def csrf_token(self, path: str) -> str:
        match = CSRF_FIELD.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def log_in(self, user, *, password: str = PASSWORD, device: TOTPDevice | None = None):
        """Password, then the authenticator's code; returns the last response."""
        response = self.form_post(
            "/accounts/login/", {"username": user.email, "password": password}
        )
        if response.status_code != 302:
            return response  # the form again: wrong password, or locked
        device = device or TOTPDevice.objects.get(user=user, confirmed=True)
        device.refresh_from_db()
        # A code is good once: a second login within the same 30 seconds (the same person
        # in a second browser) types the next one, which the device's tolerance accepts.
        now = TOTP(device.bin_key, device.step, device.t0, device.digits).t()
        drift = 1 if device.last_t >= now else 0
        return self.form_post("/accounts/two-factor/", {"token": code_for(device, drift=drift)})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/accounts/login/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log.read_text()[-4000:]}")


def server_environment(folder: Path, *, url: str, prefix: str) -> dict[str, str]:
    """The environment of a process of the portal under production settings (gunicorn or a
    Celery worker) on the test database, with ``folder`` for its mail and local files."""
    database = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.blackbox.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Production insists on an https origin: the proxy in front of gunicorn has TLS.
        "SITE_URL": url.replace("http://", "https://"),
        "EMAIL_URL": "smtp://127.0.0.1:1",
        "BLACKBOX_MAIL_DIR": str(folder / "mail"),
        "BLACKBOX_CACHE_PREFIX": prefix,
        "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        # No connection kept between requests: the tests empty the tables between tests.
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def running_server(folder: Path, broker, **extra_env: str) -> Iterator[Server]:
    """gunicorn serving the test database with production settings, on a free loopback port."""
    with running_servers([folder], broker, **extra_env) as (server,):
        yield server


@contextmanager
def running_servers(folders: list[Path], broker, **extra_env: str) -> Iterator[list[Server]]:
    """One gunicorn per folder (as ``running_server``), started side by side: each
    imports the portal while the others do."""
    started: list[tuple[Server, Path]] = []
    try:
        for folder in folders:
            started.append(_start_server(folder, **extra_env))
        for server, log in started:
            _wait_until_serving(server.url, server.process, log)
        yield [server for server, _log in started]
    finally:
        for server, _log in started:
            # QUIT: gunicorn's quick shutdown. The test is over, so no request is cut short;
            # TERM would let the idle workers wait out their select() before they exit.
            server.process.send_signal(signal.SIGQUIT)
        for server, _log in started:
            server.process.wait(timeout=30)
            leftovers = list(broker.scan_iter(match=f"*{server.cache_prefix}*"))
            if leftovers:
                broker.delete(*leftovers)


def _start_server(folder: Path, **extra_env: str) -> tuple[Server, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    prefix = f"blackbox-{uuid.uuid4().hex[:12]}"
    env = {**server_environment(folder, url=url, prefix=prefix), **extra_env}
    log = folder / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "cm_portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                # The portal is imported once, by the master, and the workers are forked
                # from it: one import of Django and the project per server instead of two.
                "--preload",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=url, mail_dir=folder / "mail", cache_prefix=prefix, process=process)
    return server, log


@pytest.fixture(scope="module")
def module_server(django_db_setup, tmp_path_factory) -> Iterator[Server]:
    """One gunicorn for the tests of a module (see ``server``)."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        with running_server(tmp_path_factory.mktemp("gunicorn"), broker) as running:
            yield running
    finally:
        broker.close()


@pytest.fixture
def server(transactional_db, broker, module_server) -> Iterator[Server]:
    """gunicorn serving the test database with production settings, on a free loopback port:
    the module's, as a fresh one would be: no e-mail sent and nothing in its cache yet (the
    tables are emptied after each test by ``transactional_db``)."""
    _forget(module_server, broker)
    yield module_server
    _forget(module_server, broker)


def _forget(server: Server, broker) -> None:
    """Remove the server's e-mails and everything under its cache prefix."""
    for path in server.mail_dir.glob("*"):
        path.unlink()
    leftovers = list(broker.scan_iter(match=f"*{server.cache_prefix}*"))
    if leftovers:
        broker.delete(*leftovers)
