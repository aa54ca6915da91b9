"""``docs/security.md`` maps every line of the security spec to the tests that prove it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "security.md"
SPEC_LINES = range(1, 39)  # the security spec has 38 numbered lines, mapped in docs/security.md
ENTRY = re.compile(r"^\s*(\d+)\. ", re.M)
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _entries() -> dict[int, str]:
    text = MAP.read_text(encoding="utf-8")
    starts = [(int(m[1]), m.start()) for m in ENTRY.finditer(text)]
    ends = [start for _number, start in starts[1:]] + [len(text)]
    return {number: text[start:end] for (number, start), end in zip(starts, ends, strict=True)}


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_line_of_the_spec_has_an_entry():
    assert sorted(_entries()) == list(SPEC_LINES)


def test_every_entry_names_tests_or_says_why_not():
    for number, entry in _entries().items():
        assert TEST.search(entry) or "Not done yet" in entry, f"line {number} names no test"


def test_every_named_test_exists():
    missing = []
    for number, entry in _entries().items():
        for module, name in TEST.findall(entry):
            path = ROOT / module
            if not path.exists() or name not in _test_names(path):
                missing.append(f"line {number}: {module}::{name}")
    assert missing == []
