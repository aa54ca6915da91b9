"""Hostile values for the fuzz tests: what a browser, a script or a confused user can post.

HTTP carries only text, so "wrong types" here are repeated fields (a list where one value
is expected), missing fields, a file where text is expected and bytes that are not UTF-8.
Lone surrogates cannot be sent over HTTP at all; invalid UTF-8 bytes can, and Django
decodes them to U+FFFD.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

# What every fuzz module is marked with: the database, and no error for the warning Hypothesis
# gives when it prints a failing example with a 100,000-character value.
FUZZ_MARKS = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]


def fuzz_settings(*, times: int = 1):
    """Hypothesis' settings for a fuzz test: ``times`` FUZZ_EXAMPLES examples (see
    conftest.py), derandomized, without a deadline or an example database."""
    return hypothesis_settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "15")) * times,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Markers that show up raw in a response only if something echoed input unescaped.
XSS = [
    "<script>fuzzxss()</script>",
    '"><img src=x onerror=fuzzxss()>',
    "'><svg onload=fuzzxss()>",
    "javascript:fuzzxss()",
    "{{ 7|add:7 }}{% debug %}",
]
SQL = ["' OR 1=1 --", "'; DROP TABLE participants_participant; --", "%", "_", "\\", "%%%s"]
CONTROL = [
    "\x00",
    "a\x00b",
    "\x01\x02\x03\x07\x08\x1b[31m",
    "\r\n",
    "first\rsecond\nthird\r\n",
    "\t\v\f",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200b\ufeff",  # RTL mark, zero-width space, BOM
    "\u0085\u2028\u2029",  # next line, line and paragraph separators
    "😀👩‍👩‍👧\U0010ffff",
    "   ",
    "",
]
NUMBERS = [
    "-1",
    "0",
    "1.5",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 50,
    "9" * 5000,
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "0x10",
    "+5",
    "1_000",
    " 12 ",
    "²",
    "١٢",
    "٣",
]
DATES = [
    "0001-01-01",
    "0001-01-02",
    "9999-12-31",
    "9999-12-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "1900-01-01",
    "1899-12-31",
    "2099-12-31",
    "31/12/2026",
    "2026-1-1",
    "-2026-01-01",
    "2026-06-01T00:00:00",
    "today",
]
# Sizes chosen for the limits in the forms (100, 200, 300, 1000, 2000, 4000) and beyond.
LENGTHS = [101, 201, 301, 1001, 2001, 4001, 10_000, 100_000]


@st.composite
def overlong(draw) -> str:
    length = draw(st.sampled_from(LENGTHS))
    piece = draw(st.sampled_from(["a", "å", "<", "\n", "😀", "x\r\n"]))
    return (piece * length)[:length]


# One value to put in a field: text, possibly hostile.
hostile_text = st.one_of(
    st.sampled_from(XSS + SQL + CONTROL + NUMBERS + DATES),
    overlong(),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=20),
)


class RawBytes(bytes):
    """A value sent as these bytes, percent-encoded, without being made UTF-8 first."""


invalid_utf8 = st.sampled_from(
    [RawBytes(b"\xff\xfe"), RawBytes(b"caf\xe9"), RawBytes(b"\xc3\x28"), RawBytes(b"\xed\xa0\x80")]
)


class Upload:
    """A file posted where a text value is expected (multipart only)."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name, self.content = name, content


uploads = st.builds(
    Upload,
    name=st.sampled_from(["x.pdf", "../../etc/passwd", "<script>.pdf", "a\x00b.png", "å" * 300]),
    content=st.sampled_from([b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\x00" * 64]),
)

# What happens to one field: a hostile value, missing, repeated (a list), raw bytes.
MISSING = object()


@st.composite
def field_values(draw, base: str | None) -> object:
    """The value(s) for one field: a str, ``MISSING``, a list of values, bytes or a file."""
    kind = draw(st.sampled_from(["text", "text", "text", "missing", "list", "bytes", "file"]))
    if kind == "missing":
        return MISSING
    if kind == "list":
        first = base if base is not None else draw(hostile_text)
        return [first, draw(hostile_text)]
    if kind == "bytes":
        return draw(invalid_utf8)
    if kind == "file":
        return draw(uploads)
    return draw(hostile_text)


@st.composite
def mutated(draw, base: dict[str, str], fields: list[str]) -> dict[str, object]:
    """``base`` (a valid submission) with a few of ``fields`` replaced by hostile values.

    Most examples change one or two fields so that the others stay valid and the hostile
    value travels past the form into the service; some change many.
    """
    data: dict[str, object] = {key: str(value) for key, value in base.items()}
    names = sorted(set(fields) | set(data))
    if not names:
        return data
    count = draw(st.sampled_from([1, 1, 1, 2, 2, 3, len(names)]))
    chosen = draw(
        st.lists(st.sampled_from(names), min_size=1, max_size=min(count, len(names)), unique=True)
    )
    for name in chosen:
        value = draw(field_values(data.get(name)))
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["extra", "pk", "id", "organisation_id", "is_staff"]))] = draw(
            hostile_text
        )
    return data
