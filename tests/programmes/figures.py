"""The figures the "unchanged" test compares: ``manage.py kpis`` JSON on the demo data and on
``seed_synthetic`` data, at a fixed moment, for a few periods.

``golden/*.json`` were written by this module's functions with the engine as it was before
programmes (commit "Programme model:" and earlier), so the test compares against the old
code's output, not against the engine's own current result.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from django.core.management import call_command

GOLDEN = Path(__file__).parent / "golden"
MOMENT = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
DEMO_PERIODS = [
    ("2026-05-01", "2026-12-06"),
    ("2026-09-01", "2026-11-30"),
    ("2026-08-01", "2027-01-31"),
    ("2020-01-01", "2030-12-31"),
]
SYNTHETIC_PERIODS = [
    ("2024-01-01", "2026-10-31"),
    ("2026-05-01", "2026-07-31"),
    ("2025-01-01", "2025-12-31"),
    ("2026-08-01", "2027-01-31"),
]


def kpis_json(period_from: str, period_to: str, *extra: str) -> dict:
    out = StringIO()
    call_command("kpis", "--from", period_from, "--to", period_to, *extra, stdout=out)
    return json.loads(out.getvalue())


def golden(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text())
