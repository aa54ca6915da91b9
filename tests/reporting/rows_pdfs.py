"""Reporting URLs by persona: pdfs."""

from __future__ import annotations

from tests.matrix import Row

ROWS: dict[str, Row] = {}
