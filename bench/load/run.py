"""A small load generator: simulated staff on keep-alive HTTP connections, one thread each.

Standard library only (no locust in the project's virtualenv). Each simulated case manager
uses a session prepared by ``prepare.py`` and loops, until the time or request budget is
spent, over a mix of

- ``dashboard``: the start page ``/plans/dashboard/``;
- ``caseload``: ``/participants/``;
- ``participant``: ``/participants/<pk>/`` for one of their own participants;
- ``plan``: that participant's plan page;
- ``contact``: a contact entry, POST ``/participants/<pk>/contacts/`` with the CSRF token read
  from the participant page just fetched (that GET counts as a ``participant`` view).

A think time between requests (uniform, ``--think`` seconds on average) keeps the simulated
staff from being a pure benchmark loop; ``--think 0`` measures the saturated server instead.
A GET counts as an error unless it answers 200, a contact unless it answers 302 back to the
participant page (a 400 means the form was refused). Prints one table and exits 1 on any error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

KINDS = ("dashboard", "caseload", "participant", "plan", "contact")
WEIGHTS = (20, 20, 30, 15, 15)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    sent: int = 0

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: {error}")


class Staff:
    """One simulated case manager: a connection, a cookie jar and their participants."""

    def __init__(self, host: str, port: int, cookie: str, session: str, pks: list[int]) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies = {cookie: session}
        self.pks = pks
        self.host = f"{host}:{port}"

    def request(self, method: str, path: str, body: str | None = None):
        headers = {
            "Host": self.host,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "sv",
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}{path}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnects on the next request
            raise
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response, content, seconds


def check(response, content: bytes, expected: int, location: str | None = None) -> str | None:
    if response.status != expected:
        where = response.headers.get("Location", "")
        return f"HTTP {response.status} {where} {content[:120]!r}"
    if location is not None and not response.headers.get("Location", "").endswith(location):
        return f"redirected to {response.headers.get('Location')}"
    return None


def timed(results: Results, staff: Staff, kind: str, method: str, path: str, **kwargs):
    """One request: recorded under its kind; returns the body of a good answer, else None."""
    expected = 302 if method == "POST" else 200
    try:
        response, content, seconds = staff.request(method, path, kwargs.get("body"))
    except (OSError, http.client.HTTPException) as error:
        results.add(kind, 0.0, f"{type(error).__name__}: {error}")
        return None
    error = check(response, content, expected, kwargs.get("location"))
    results.add(kind, seconds, error)
    return None if error else content


def pause(rng: random.Random, think: float, stop_at: float) -> None:
    """A think time, uniform around ``think`` seconds, never past the end of the run."""
    time.sleep(max(0.0, min(rng.uniform(0.5, 1.5) * think, stop_at - time.monotonic())))


def step(staff: Staff, results: Results, rng: random.Random, kind: str, think: float,
         stop_at: float) -> None:  # fmt: skip
    """One action of a member of staff, recorded under its kind."""
    pk = rng.choice(staff.pks)
    if kind == "dashboard":
        timed(results, staff, kind, "GET", "/plans/dashboard/")
    elif kind == "caseload":
        timed(results, staff, kind, "GET", "/participants/")
    elif kind == "participant":
        timed(results, staff, kind, "GET", f"/participants/{pk}/")
    elif kind == "plan":
        timed(results, staff, kind, "GET", f"/participants/{pk}/plan/")
    else:
        page = timed(results, staff, "participant", "GET", f"/participants/{pk}/")
        token = CSRF_INPUT.search(page.decode()) if page else None
        if token is None:
            results.add(kind, 0.0, "no CSRF token on the participant page")
            return
        pause(rng, think, stop_at)
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "date": date.today().isoformat(),  # noqa: DTZ011 (the server's today)
                "kind": rng.choice(("meeting", "phone", "digital")),
                "duration_minutes": rng.randint(5, 90),
                "counterpart": "",
                "note": "",
            }
        )
        path = f"/participants/{pk}/contacts/"
        timed(results, staff, kind, "POST", path, body=body, location=f"/{pk}/")


def simulate(staff: Staff, results: Results, stop_at: float, budget: threading.Semaphore,
             think: float, ramp: float, seed: int) -> None:  # fmt: skip
    rng = random.Random(seed)  # noqa: S311 (a load mix, not a secret)
    # Staff arrive spread over the ramp-up instead of all in the same millisecond.
    time.sleep(rng.uniform(0, ramp))
    while time.monotonic() < stop_at and budget.acquire(blocking=False):
        step(staff, results, rng, rng.choices(KINDS, WEIGHTS)[0], think, stop_at)
        pause(rng, think, stop_at)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def table(results: Results, elapsed: float) -> list[str]:
    head = f"{'request':<12}{'count':>7}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
    lines = [head + f"{'max ms':>8}{'errors':>8}{'err %':>7}", "-" * 74]
    rows = [(kind, results.latencies.get(kind, [])) for kind in KINDS]
    rows.append(("all", [v for kind in KINDS for v in results.latencies.get(kind, [])]))
    for kind, values in rows:
        errors = sum(results.errors.values()) if kind == "all" else results.errors.get(kind, 0)
        if not values:
            lines.append(f"{kind:<12}{0:>7}")
            continue
        ms = [v * 1000 for v in values]
        lines.append(
            f"{kind:<12}{len(ms):>7}{len(ms) / elapsed:>8.1f}{statistics.median(ms):>8.0f}"
            f"{percentile(ms, 0.95):>8.0f}{percentile(ms, 0.99):>8.0f}{max(ms):>8.0f}"
            f"{errors:>8}{100 * errors / len(ms):>7.2f}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users-file", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated staff")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--think", type=float, default=5.0, help="mean pause, seconds")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds to start everyone")
    parser.add_argument("--p95-target-ms", type=float, default=300)
    parser.add_argument("--sweep", action="store_true", help="then find the saturation point")
    parser.add_argument("--sweep-stage", type=float, default=20, help="seconds a sweep step")
    args = parser.parse_args()

    prepared = json.loads(args.users_file.read_text(encoding="utf-8"))
    people = prepared["users"][: args.users]
    if len(people) < args.users:
        print(f"only {len(people)} prepared users, {args.users} asked for", file=sys.stderr)
        return 1
    staff = [
        Staff(args.host, args.port, prepared["cookie"], p["session"], p["pks"]) for p in people
    ]
    # Warm-up, not measured: a gunicorn worker imports templates and connects to PostgreSQL
    # and the broker on its first requests (up to a second for the first contact entry). A
    # dozen staff doing every kind at the same time reach each worker (one after the other,
    # the kernel hands most connections to the same idle worker); steady state is what counts.
    warm = Results()

    def warm_up(member: Staff, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 (a load mix, not a secret)
        for kind in KINDS * 2:
            step(member, warm, rng, kind, 0.0, time.monotonic())

    warmers = [
        threading.Thread(target=warm_up, args=(member, n), daemon=True)
        for n, member in enumerate(staff[:12])
    ]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join(timeout=120)
    if warm.errors:
        print("warm-up failed, nothing measured:", *warm.samples, sep="\n  ", file=sys.stderr)
        return 1

    # The single-request median of the same mix: one person, no pause, nothing else running.
    alone, _seconds = run_stage(
        staff[:1], duration=min(15.0, args.duration), think=0.0, ramp=0.0, max_requests=200
    )
    single = [v for values in alone.latencies.values() for v in values]
    single_median = statistics.median(single) * 1000 if single else float("nan")

    results, elapsed = run_stage(
        staff,
        duration=args.duration,
        think=args.think,
        ramp=args.ramp,
        max_requests=args.max_requests,
    )
    print(
        f"\nLoad test: {args.users} simulated staff, {elapsed:.0f} s, think time "
        f"{args.think:g} s on average, ramp-up {args.ramp:g} s, {args.host}:{args.port}"
    )
    print("\n".join(table(results, elapsed)))
    everything = [v for values in results.latencies.values() for v in values]
    errors = sum(results.errors.values()) + sum(alone.errors.values())
    if not everything:
        print("no requests were made", file=sys.stderr)
        return 1
    p95 = percentile(everything, 0.95) * 1000
    verdict = "met" if p95 <= args.p95_target_ms and not errors else "MISSED"
    print(f"target p95 <= {args.p95_target_ms:g} ms with no errors: {verdict} (p95 {p95:.0f} ms)")
    ratio = p95 / single_median
    print(
        f"single-request median of the mix {single_median:.0f} ms; p95 under load is "
        f"{ratio:.1f}x that (target <= 4x: {'met' if ratio <= 4 else 'MISSED'})"
    )
    if args.sweep:
        saturation(staff, args)
    if errors:
        print("first errors:", *results.samples, *alone.samples, sep="\n  ", file=sys.stderr)
        return 1
    return 0


def run_stage(
    staff: list[Staff], *, duration: float, think: float, ramp: float, max_requests: int
) -> tuple[Results, float]:
    """Every member of ``staff`` on the mix for ``duration`` seconds; the results and the
    seconds it took."""
    results = Results()
    budget = threading.Semaphore(max_requests)
    started = time.monotonic()
    stop_at = started + duration
    threads = [
        threading.Thread(
            target=simulate,
            args=(member, results, stop_at, budget, think, ramp, n),
            daemon=True,
        )
        for n, member in enumerate(staff)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    return results, time.monotonic() - started


def saturation(staff: list[Staff], args: argparse.Namespace) -> None:
    """Raise the pace step by step (shorter think times, all staff) until p95 passes the
    target; print each step and the saturation point: the highest rate still within it."""
    print(f"\nSaturation sweep: {len(staff)} staff, {args.sweep_stage:g} s a step")
    print(f"{'think s':>8}{'req/s':>8}{'p95 ms':>8}{'errors':>8}")
    within = None
    # From a slow pace up: a box that a 5 s pace saturates still has a saturation point.
    for think in (60.0, 30.0, 15.0, 8.0, 4.0, 2.0, 1.0, 0.5, 0.25, 0.0):
        # Arrivals spread over one think time, as in the steady state: with all staff
        # starting within a second, a slow pace measured only the burst of first requests.
        results, elapsed = run_stage(
            staff,
            duration=max(args.sweep_stage, 2 * think),
            think=think,
            ramp=max(1.0, think),
            max_requests=args.max_requests,
        )
        values = [v for kind in results.latencies.values() for v in kind]
        if not values:
            continue
        rate = len(values) / elapsed
        p95 = percentile(values, 0.95) * 1000
        print(f"{think:>8g}{rate:>8.1f}{p95:>8.0f}{sum(results.errors.values()):>8}")
        if p95 > args.p95_target_ms:
            break
        within = rate
    if within is None:
        print(f"saturation point: below the slowest step (p95 > {args.p95_target_ms:g} ms)")
    else:
        print(
            f"saturation point: about {within:.1f} requests/s with p95 <= "
            f"{args.p95_target_ms:g} ms (the next step passed it)"
        )


if __name__ == "__main__":
    sys.exit(main())
