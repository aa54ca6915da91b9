"""What every fuzzed request must satisfy, and the helpers to send one and compare tables."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from urllib.parse import quote_from_bytes, urlsplit

from django.apps import apps
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms import BaseForm, BaseFormSet
from django.http import HttpResponse
from django.test import Client
from django.utils.html import escape

from .strategies import RawBytes, Upload

PROJECT_APPS = ("cm_portal", "participants", "consent", "plans", "reporting", "otp_totp")
# Written by reading, not by saving: the access log records the page shown again, the
# session times of the staff session move on.
READ_SIDE_EFFECTS = {"cm_portal.AccessEvent", "cm_portal.StaffSession"}


def _tables() -> dict[str, str]:
    tables = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label not in READ_SIDE_EFFECTS:
                tables[model._meta.label] = model._meta.db_table
    return tables


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per project table, in one query."""
    select = "SELECT %s, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    parts = [f"{select} FROM {connection.ops.quote_name(table)} t" for table in _tables().values()]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), list(_tables()))
        return {label: (count, digest) for label, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> set[str]:
    return {label for label in before if before[label] != after[label]}


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One example's requests, undone afterwards: the next example starts from the same rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _encoded(value: object) -> bytes:
    if isinstance(value, RawBytes):
        return bytes(value)
    return str(value).encode()


def send(client: Client, method: str, url: str, data: dict[str, object], *, urlencoded: bool):
    """Post (or get) ``data`` as a browser would, lists as repeated fields, files as files."""
    pairs = [
        (key, item)
        for key, value in data.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    has_file = any(isinstance(item, Upload) for _key, item in pairs)
    if method == "GET" or (urlencoded and not has_file):
        body = "&".join(
            f"{quote_from_bytes(key.encode())}={quote_from_bytes(_encoded(item))}"
            for key, item in pairs
            if not isinstance(item, Upload)
        )
        if method == "GET":
            return client.get(f"{url}?{body}")
        return client.post(url, body, content_type="application/x-www-form-urlencoded")
    multipart: dict[str, list] = {}
    for key, item in pairs:
        if isinstance(item, Upload):
            item = SimpleUploadedFile(item.name, item.content)
        elif isinstance(item, RawBytes):
            item = bytes(item)
        multipart.setdefault(key, []).append(item)
    return client.post(url, multipart)


def messages_of(response: HttpResponse) -> list:
    return list(get_messages(response.wsgi_request))


def _context_values(response: HttpResponse) -> list:
    if response.context is None:
        return []
    values = []
    for layer in response.context:
        for scope in layer.dicts if hasattr(layer, "dicts") else [layer]:
            if isinstance(scope, dict):
                values.extend(scope.values())
    return values


def form_errors(response: HttpResponse) -> list[str]:
    """Every error message of a bound form or formset the page was rendered with."""
    found: list[str] = []
    seen: set[int] = set()
    for value in _context_values(response):
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, BaseForm) and value.is_bound:
            found.extend(str(m) for errors in value.errors.values() for m in errors)
        elif isinstance(value, BaseFormSet) and value.is_bound:
            found.extend(str(m) for m in value.non_form_errors())
            if value.management_form.is_valid():
                for row in value.forms:
                    found.extend(str(m) for errors in row.errors.values() for m in errors)
    return found


UNESCAPED = re.compile(r"<(script|img|svg)\b[^<]*fuzzxss|href=\"javascript:fuzzxss", re.I)


def assert_escaped(response: HttpResponse) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        text = response.content.decode(errors="replace")
        match = UNESCAPED.search(text)
        assert match is None, f"input echoed without escaping: {match.group(0)[:80]!r}"


def assert_shown(response: HttpResponse, texts: list[str]) -> None:
    """Each message is in the page, as the template escapes it."""
    html = response.content.decode(errors="replace")
    missing = [text for text in texts if escape(text) not in html]
    assert not missing, f"errors the page does not show: {missing}"


def follow(client: Client, response: HttpResponse) -> HttpResponse | None:
    """The page a redirect leads to, when it is one of ours."""
    location = response.get("Location", "")
    parts = urlsplit(location)
    if parts.netloc or not parts.path.startswith("/"):
        return None
    return client.get(location)


def error_level(messages: list) -> list[str]:
    return [str(m) for m in messages if m.level >= constants.ERROR]


def assert_no_traceback(message: str) -> None:
    assert "Traceback" not in message and "Error:" not in message[:20], message[:300]
