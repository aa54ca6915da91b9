"""Runs the test-only OpenID Connect provider (tests/oidc_provider) on 127.0.0.1 and
drives its login page over HTTP, as a browser would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent.parent
CLIENT_ID = "cm-portal-test"
CLIENT_SECRET = "a-client-secret-for-the-test-provider"
PROVIDER_PASSWORD = "provider-password-2026"
TEST_CLIENT_CALLBACK = "http://testserver/accounts/oidc/callback/"
TEST_CLIENT_LOGIN = "http://testserver/accounts/login/"
# What each provider user is: the part after the dot chooses the provider's behaviour.
USERS = {
    "charlie": "charlie@district.example",
    "charlie.mfa": "charlie@district.example",
    "charlie.loa3": "charlie@district.example",
    "charlie.aud": "charlie@district.example",
    "charlie.iss": "charlie@district.example",
    "charlie.expired": "charlie@district.example",
    "charlie.badsig": "charlie@district.example",
    "charlie.nononce": "charlie@district.example",
    "shouty.mfa": "Charlie@District.Example",
    "nobody.mfa": "nobody@district.example",
    "alice.mfa": "alice@hela.example",
    "gone.mfa": "gone@district.example",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Provider:
    issuer: str
    env: dict
    redirect_uris: list[str] = field(default_factory=lambda: [TEST_CLIENT_CALLBACK])
    post_logout_uris: list[str] = field(default_factory=lambda: [TEST_CLIENT_LOGIN])

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def seed(self) -> None:
        document = {
            "client": {
                "id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "redirect_uris": self.redirect_uris,
                "post_logout_uris": self.post_logout_uris,
            },
            "users": [
                {"username": name, "email": email, "password": PROVIDER_PASSWORD}
                for name, email in USERS.items()
            ],
        }
        self.manage("seed_provider", json.dumps(document))

    def allow_redirect(self, base_url: str) -> None:
        """Registers a portal at another address (the live server) as well."""
        self.redirect_uris.append(f"{base_url}/accounts/oidc/callback/")
        self.post_logout_uris.append(f"{base_url}/accounts/login/")
        self.seed()

    def log_in(self, authorize_url: str, username: str) -> str:
        """Logs ``username`` in at the provider's own login page, as a browser does, and
        returns the address the provider sends the browser back to (code and state)."""
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=30)
        page.raise_for_status()
        assert urlsplit(page.url).path == "/accounts/login/", page.url
        response = browser.post(
            page.url,
            data={
                "username": username,
                "password": PROVIDER_PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
                "next": _query_value(page.url, "next"),
            },
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=30,
        )
        for _hop in range(5):
            assert response.status_code == 302, (response.status_code, response.text[:500])
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.issuer.rsplit("/o", 1)[0]):
                return location
            response = browser.get(location, allow_redirects=False, timeout=30)
        raise AssertionError("the provider never sent the browser back")


def _query_value(url: str, name: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(urlsplit(url).query)[name][0]


def start(tmp_dir: Path) -> tuple[Provider, subprocess.Popen]:
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "TEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
        OIDC_PROVIDER_DB=str(tmp_dir / "provider.sqlite3"),
        OIDC_PROVIDER_KEY=_private_key_pem(),
        OIDC_PROVIDER_ISSUER=issuer,
        PYTHONPATH=str(ROOT),
    )
    provider = Provider(issuer=issuer, env=env)
    provider.manage("migrate", "--verbosity", "0")
    provider.seed()
    log = tmp_dir / "provider.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                return provider, process
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the test provider did not start:\n{log.read_text()}")
