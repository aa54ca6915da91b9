"""Security headers on real responses, and the settings a production start insists on.

Spec lines 13 and 14. The production settings are loaded in a fresh process each time: they
read the environment at import, and a malformed value must stop the start there.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ..helpers import LOGIN_URL, bytecode_environment, log_in_with_password

ROOT = Path(settings.BASE_DIR)
GOOD_KEY = secrets.token_urlsafe(48)  # 64 characters


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter with only the environment given (plus PATH)."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **bytecode_environment(),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing: loaded machines are slow
        check=False,
    )


def _production_env(tmp_path, **overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "cm_portal.settings.production",
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "cm.example.org,testserver",
        "SITE_URL": "https://cm.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        "EMAIL_URL": "smtp+tls://portal:secret@mail.example.org:587",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


# --- Headers on the test settings' responses --------------------------------------------


@pytest.mark.django_db
def test_pages_carry_the_security_headers(persona_client):
    # A case worker's start page ("/" sends them there).
    response = persona_client("alice").get("/plans/dashboard/")

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_scripts_carry_the_nonce_and_none_is_inline(persona_client):
    response = persona_client("ada").get("/")
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce, response["Content-Security-Policy"]
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce.group(1)}"' in tag
        assert "src=" in tag, f"inline script: {tag}"
    # A fresh nonce for every response.
    again = persona_client("ada").get("/")["Content-Security-Policy"]
    assert nonce.group(1) not in again


@pytest.mark.django_db
def test_login_pages_are_not_stored_either():
    response = Client().get(LOGIN_URL)
    assert "no-store" in response["Cache-Control"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_cookies_are_httponly_and_samesite(ada):
    client = Client()
    csrf = client.get(LOGIN_URL).cookies["csrftoken"]
    session = log_in_with_password(client, ada.email).cookies["sessionid"]
    for cookie in (csrf, session):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


# --- Production settings ----------------------------------------------------------------


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "LANG": "C.UTF-8",
            **bytecode_environment(),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing: loaded machines are slow
        check=False,
    )


def test_check_deploy_finds_nothing(tmp_path):
    result = _check_deploy(_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_a_missing_mail_server(tmp_path):
    # Without EMAIL_URL mail goes to the console: no set-password link would arrive.
    result = _check_deploy(_production_env(tmp_path, EMAIL_URL=None))
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


PRODUCTION_RESPONSE = """
    import json
    import django
    from django.conf import settings
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    # The login page reads which organisations log in through an identity provider.
    call_command("migrate", verbosity=0)

    # No collected static files here: plain storage, so the page renders.
    plain = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=plain):
        plain_http = Client().get("/accounts/login/")
        response = Client().get("/accounts/login/", secure=True)
    cookie = response.cookies["csrftoken"]
    print(json.dumps({
        "http_status": plain_http.status_code,
        "http_location": plain_http.get("Location"),
        "status": response.status_code,
        "headers": dict(response.headers),
        "csrf_cookie": {key: cookie[key] for key in ("secure", "httponly", "samesite")},
        "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
        "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
        "session_cookie_samesite": settings.SESSION_COOKIE_SAMESITE,
        "debug": settings.DEBUG,
        "demo_mode": settings.DEMO_MODE,
    }))
"""


def test_production_responses_carry_hsts_and_secure_cookies(tmp_path):
    result = _python(PRODUCTION_RESPONSE, **_production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["http_status"] == 301
    assert seen["http_location"].startswith("https://")
    assert seen["status"] == 200
    headers = {key.lower(): value for key, value in seen["headers"].items()}
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "no-store" in headers["cache-control"]
    assert seen["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert (
        seen["session_cookie_secure"],
        seen["session_cookie_httponly"],
        seen["session_cookie_samesite"],
    ) == (True, True, "Lax")
    assert (seen["debug"], seen["demo_mode"]) == (False, False)


IMPORT_PRODUCTION = """
    import django
    from django.conf import settings
    django.setup()
    print(settings.SECRET_KEY)
"""


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _python(IMPORT_PRODUCTION, **_production_env(tmp_path, SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    result = _python(IMPORT_PRODUCTION, **_production_env(tmp_path, SECRET_KEY="short-key"))
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_secret_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(GOOD_KEY[::-1] + "\n")
    result = _python(
        IMPORT_PRODUCTION,
        **_production_env(tmp_path, SECRET_KEY=None, SECRET_KEY_FILE=str(key_file)),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == GOOD_KEY[::-1]


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("CONN_MAX_AGE", "abc", "ValueError: invalid literal for int() with base 10: 'abc'"),
        ("AXES_FAILURE_LIMIT", "five", "ValueError: invalid literal for int()"),
        ("SECURE_HSTS_SECONDS", "a year", "ValueError: invalid literal for int()"),
        ("DATABASE_URL", "nonsense://db", "ImproperlyConfigured"),
    ],
)
def test_a_malformed_value_stops_the_start(tmp_path, name, value, error):
    result = _python(IMPORT_PRODUCTION, **_production_env(tmp_path, **{name: value}))
    assert result.returncode != 0, result.stdout
    assert error in result.stderr


@pytest.mark.parametrize("name", ["DEBUG", "SECURE_COOKIES", "DEMO_MODE"])
def test_a_malformed_boolean_stops_the_start(tmp_path, name):
    result = _python(IMPORT_PRODUCTION, **_production_env(tmp_path, **{name: "maybe"}))
    assert result.returncode != 0, result.stdout
