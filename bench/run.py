"""``make bench``: seed a scratch PostgreSQL database and time the pages that must stay fast.

    .venv/bin/python bench/run.py [--quick] [--runs 20] [--participants N] [--seed S]

The database ``cm_portal_bench`` (``BENCH_DATABASE_URL``) is dropped, recreated, migrated and
seeded with ``seed_synthetic`` unless it holds data of the same size and seed already. Pages are
timed in-process with Django's test ``Client`` (server time, no network), queries counted with
``CaptureQueriesContext``, each page's runs taken in turn with the admin change list's
(the reference of its ratio); the quarterly PDF is rendered by ``manage.py steering_report`` in a
child process whose time and peak memory (max RSS) are measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "cm_portal.settings.bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cm_portal_bench"
ANCHOR = date(2026, 11, 1)
BASELINE = 10_000  # the size the growth column compares with


def _manage(*args: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def prepare_database(*, participants: int, seed: int) -> None:
    """Drop and recreate the scratch database unless it holds this size and seed already."""
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        try:
            with psycopg.connect(url) as conn:
                held = conn.execute(
                    "SELECT count(*) FROM participants_participant WHERE reference LIKE %s",
                    [f"SYN-{seed}-%"],
                ).fetchone()[0]
                total = conn.execute("SELECT count(*) FROM participants_participant").fetchone()[0]
        except psycopg.Error:
            held = total = -1
        if held == participants == total:
            print(f"Reusing {name}: {participants} participants, seed {seed}.")
            _manage("migrate", "--verbosity", "0")
            return
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    _manage("migrate", "--verbosity", "0")
    _manage(
        "seed_synthetic",
        "--participants",
        str(participants),
        "--seed",
        str(seed),
        "--anchor",
        ANCHOR.isoformat(),
        "--force",
    )


def measure_beside(
    run: Callable[[], object], reference: Callable[[], object], *, runs: int
) -> tuple[tuple[float, float, int], tuple[float, float, int]]:
    """``measure`` of ``run`` and of ``reference``, their calls taken in turn."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()
    reference()
    times: dict[int, list[float]] = {0: [], 1: []}
    queries = {0: 0, 1: 0}
    for _number in range(runs):
        for which, call in enumerate((run, reference)):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                call()
                times[which].append((time.perf_counter() - began) * 1000)
            queries[which] = len(captured.captured_queries)

    def summary(which: int) -> tuple[float, float, int]:
        ordered = sorted(times[which])
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return statistics.median(ordered), p95, queries[which]

    return summary(0), summary(1)


def _client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _get(client, url: str, status: int = 200) -> Callable[[], object]:
    def run():
        response = client.get(url)
        if response.status_code != status:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        return response

    return run


def _pdf(*, period_from: date, period_to: date, runs: int) -> tuple[float, float, float]:
    """Median and p95 ms and the highest max RSS (MB) of ``steering_report`` child processes."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    command = [
        sys.executable,
        "manage.py",
        "steering_report",
        "--from",
        period_from.isoformat(),
        "--to",
        period_to.isoformat(),
        "--kind",
        "quarterly",
        "--output",
        "/tmp/cm-portal-bench.pdf",  # noqa: S108 - a scratch file
    ]
    times, peak = [], 0.0
    for _number in range(runs):
        began = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own manage.py
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        times.append((time.perf_counter() - began) * 1000)
        if status != 0:
            raise RuntimeError("steering_report failed")
        peak = max(peak, usage.ru_maxrss / 1024)
    times.sort()
    return statistics.median(times), times[-1], peak


def pages(*, seed: int) -> list[tuple[str, Callable[[], object], str]]:
    """The pages and jobs the bench times (name, a call doing one request, target), with the
    bench's own persons logged in; the admin change list, the reference, is last."""
    from django.urls import reverse

    from cm_portal.models import Organisation, Role, User
    from participants.models import Participant
    from reporting.kpis import compute_kpis
    from reporting.management.commands.seed_synthetic import FIRST_START

    organisation = Organisation.objects.get(slug="hela-manniskan")
    manager = User.objects.get(email=f"syn{seed}-cm000@hela-manniskan.example.org")
    lead = User.objects.get(email=f"syn{seed}-lead@hela-manniskan.example.org")
    admin, _created = User.objects.get_or_create(
        email="bench-admin@example.org",
        defaults={
            "name": "Bench admin",
            "organisation": organisation,
            "role": Role.ADMINISTRATOR,
            "is_superuser": True,
        },
    )
    own = Participant.objects.filter(
        participantuserobjectpermission__user=manager, intervention_end__isnull=True
    )
    person = own.order_by("-intervention_start")[0]
    longest = max(own, key=lambda p: p.contacts.count())
    cm, tl, su = _client(manager), _client(lead), _client(admin)
    contact_url = reverse("participants:contact_create", args=[person.pk])
    contact_day = min(date.today(), ANCHOR)  # noqa: DTZ011 - a plain day for the form

    def add_contact():
        response = cm.post(
            contact_url,
            {"date": contact_day.isoformat(), "kind": "meeting", "duration_minutes": "30"},
        )
        if response.status_code != 302:
            raise RuntimeError(f"POST {contact_url}: {response.status_code}")

    whole_to = ANCHOR - timedelta(days=1)

    def kpis():
        compute_kpis(period_from=FIRST_START, period_to=whole_to, today=ANCHOR)

    report = reverse("reporting:report")
    caseload = reverse("participants:list")
    return [
        ("CM start page (dashboard)", _get(cm, reverse("plans:dashboard")), "<=0.5x"),
        ("CM caseload list", _get(cm, caseload), "<=0.5x"),
        (
            "Team lead org list (page 2)",
            _get(tl, caseload + "?page=2"),
            "<=0.5x",
        ),
        ("Participant page", _get(cm, reverse("participants:detail", args=[longest.pk])), "<=0.7x"),
        ("Add a contact (POST)", add_contact, "<=0.5x"),
        ("Report: quarter", _get(tl, report + "?kind=calendar_quarter&year=2026&q=3"), "<=2x"),
        ("Report: whole period", _get(tl, report + "?kind=to_date"), "<=2x"),
        ("kpis JSON, whole period", kpis, "<=2x"),
        ("Admin change list (25/page)", _get(su, "/admin/participants/participant/?o=1"), "1"),
    ]


def bench(*, seed: int, runs: int, pdf_runs: int) -> list[tuple[str, ...]]:
    """Time every page and job; return the table's rows (name, median, p95, queries, ratio to
    the admin change list of the same run, target)."""
    from django.db import connection

    timed = pages(seed=seed)
    _name, admin, _target = timed[-1]
    rows: list[tuple[str, ...]] = []
    references = []
    for name, run, target in timed:
        # The admin change list is timed beside each row, its runs taken in turn with the
        # row's: on a shared machine the load changes within a run, and a ratio to a reference
        # timed minutes earlier would measure that change, not the page.
        (median, p95, queries), (reference, _p95, _queries) = measure_beside(run, admin, runs=runs)
        references.append(reference)
        rows.append(
            (name, f"{median:.1f}", f"{p95:.1f}", str(queries), f"{median / reference:.2f}", target)
        )
    reference = statistics.median(references)
    if pdf_runs:
        median, worst, peak = _pdf(
            period_from=date(2026, 7, 1), period_to=date(2026, 9, 30), runs=pdf_runs
        )
        rows.append(
            (
                f"Quarterly PDF ({pdf_runs} runs)",
                f"{median:.0f}",
                f"{worst:.0f}",
                f"{peak:.0f} MB",
                f"{median / reference:.1f}",
                "<300 MB",
            )
        )
    connection.close()
    return rows


def print_table(rows: list[tuple[str, ...]]) -> None:
    head: tuple[str, ...] = ("page / job", "median ms", "p95 ms", "queries", "÷ admin", "target")
    if rows and len(rows[0]) > len(head):
        head = (*head, f"÷ at {BASELINE:,}")
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    for row in [head, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 participants.")
    parser.add_argument("--participants", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pdf-runs", type=int, default=3)
    options = parser.parse_args(argv)
    participants = options.participants or (1000 if options.quick else 10_000)
    began = time.monotonic()
    prepare_database(participants=participants, seed=options.seed)
    seeded = time.monotonic() - began

    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM participants_contact")
        contacts = cursor.fetchone()[0]
    print(
        f"PostgreSQL {version}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        f"{participants} participants, {contacts} contacts, seed {options.seed}; "
        f"{options.runs} runs a page; database ready in {seeded:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} (the machine may be shared: figures vary)"
    )
    rows = bench(seed=options.seed, runs=options.runs, pdf_runs=options.pdf_runs)
    # Each size's medians are kept, so that a run at another size shows how each row grew.
    kept = ROOT / "var" / f"bench-{participants}.json"
    kept.parent.mkdir(exist_ok=True)
    kept.write_text(json.dumps({row[0]: float(row[1]) for row in rows}, indent=1))
    baseline = ROOT / "var" / f"bench-{BASELINE}.json"
    if participants != BASELINE and baseline.exists():
        before = json.loads(baseline.read_text())
        rows = [
            (*row, f"{float(row[1]) / before[row[0]]:.2f}" if before.get(row[0]) else "")
            for row in rows
        ]
        print(
            f"Growth: this run's median ÷ the last run at {BASELINE:,} participants ({baseline})."
        )
    print_table(rows)
    print(f"Total {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
