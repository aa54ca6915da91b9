"""The case-file importer, fuzzed: a hostile file is imported whole or refused with a
message, and a refused file leaves no row behind. Never an uncaught exception.

Each example starts from the demo cases (a plan, prioritised contacts, a crisis plan,
self-ratings, contacts, a consent and a held meeting: every section of the format) and
damages them: a wrong type, a far date, a huge number or hostile text at one key, a key
removed or added, or the bytes of the file itself (BOM, invalid UTF-8, deep nesting).
"""

from __future__ import annotations

import copy
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cm_portal.models import Role
from participants.models import Participant
from plans.management.commands.load_demo_cases import (
    CASE_MANAGER_DISTRICT,
    CASE_MANAGER_HM,
    demo_cases,
)
from tests.factories import UserFactory

from . import checks
from .strategies import CONTROL, DATES, FUZZ_MARKS, SQL, XSS, fuzz_settings, overlong

pytestmark = FUZZ_MARKS

FUZZ = fuzz_settings(times=2)


def _nested(depth: int) -> object:
    value: object = "deep"
    for _level in range(depth):
        value = [value]
    return value


json_values = st.one_of(
    st.sampled_from(
        [None, True, False, 0, -1, 1.5, 10**30, -(10**30), 1e308, 2**63, [], {}, [None], {"": 1}]
    ),
    st.sampled_from(DATES + XSS + SQL + CONTROL),
    overlong(),
    st.integers(),
    st.text(max_size=30),
    st.sampled_from([_nested(50), _nested(500)]),
).map(copy.deepcopy)  # a list or dict drawn twice must not be one object changed twice


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    """Every key and index of the JSON tree, outermost first."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _parent(data: object, path: tuple) -> object:
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def damaged_files(draw, base: dict) -> bytes:
    data = copy.deepcopy(base)
    for _change in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        paths = _paths(data)[1:]
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        action = draw(st.sampled_from(["replace", "replace", "replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "id", "pk", "__proto__"]))] = draw(json_values)
        else:
            parent.append(draw(json_values))
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    raw = text.encode()
    damage = draw(
        st.sampled_from(["none", "none", "none", "bom", "truncate", "latin1", "nul", "nesting"])
    )
    if damage == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif damage == "truncate":
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif damage == "latin1":
        raw = text.replace("ä", "\xe4").encode("latin-1", errors="replace")
    elif damage == "nul":
        raw = raw.replace(b'"Alex"', b'"Al\\u0000ex"').replace(b"HM-0001", b"HM\x000001")
    elif damage == "nesting":
        depth = draw(st.sampled_from([1000, 100_000]))
        raw = b'{"format": ' + b"[" * depth + b"]" * depth + b"}"
    return raw


@pytest.fixture
def staff(hela_manniskan, district):
    anna = UserFactory(email=CASE_MANAGER_HM, organisation=hela_manniskan, role=Role.CASE_MANAGER)
    UserFactory(email=CASE_MANAGER_DISTRICT, organisation=district, role=Role.CASE_MANAGER)
    return anna


def test_a_damaged_case_file_is_imported_whole_or_refused_leaving_nothing(staff, tmp_path):
    base = demo_cases(timezone.localdate())
    path = tmp_path / "cases.json"

    @FUZZ
    @given(raw=damaged_files(base), dry_run=st.booleans())
    def example(raw, dry_run):
        path.write_bytes(raw)
        with checks.rolled_back():
            before = checks.snapshot()
            participants = Participant.objects.count()
            out = StringIO()
            arguments = [str(path), "--as", staff.email] + (["--dry-run"] if dry_run else [])
            try:
                call_command("import_case_files", *arguments, stdout=out)
            except CommandError as refused:
                message = str(refused)
                assert message.strip(), "refused without a word"
                checks.assert_no_traceback(message)
                assert not checks.changed_tables(before, checks.snapshot()), "half imported"
                return
            if dry_run:
                assert "nothing was written" in out.getvalue()
                assert not checks.changed_tables(before, checks.snapshot())
            else:
                cases = json.loads(raw.decode("utf-8-sig"))["cases"]
                assert Participant.objects.count() == participants + len(cases)
                assert f"Imported {len(cases)} case(s)" in out.getvalue()

    example()


def test_the_undamaged_demo_file_is_imported(staff, tmp_path):
    """The fuzz's starting point is valid: the damage, not the base, makes a file fail."""
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(demo_cases(timezone.localdate())), encoding="utf-8")
    out = StringIO()
    call_command("import_case_files", str(path), "--as", staff.email, stdout=out)
    assert "Imported 3 case(s)" in out.getvalue()
