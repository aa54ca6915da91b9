"""Where a bench page spends its time: pyinstrument over repeated requests on the bench data.

    .venv/bin/python bench/profile.py "Participant page" [--runs 20] [--seed 1] [--html out.html]

Run ``make bench`` (or ``bench/run.py``) once first: it seeds the database this reads
(``BENCH_DATABASE_URL``). The page names are those of the bench's table; a prefix will do.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="a page of the bench table, or the start of its name")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--html", type=Path, help="write pyinstrument's HTML report here")
    options = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "cm_portal.settings.bench"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from pyinstrument import Profiler

    from bench.run import pages

    chosen = [(name, run) for name, run, _target in pages(seed=options.seed)]
    matches = [(name, run) for name, run in chosen if name.lower().startswith(options.page.lower())]
    if not matches:
        parser.error(f"no page named {options.page!r}: {', '.join(name for name, _r in chosen)}")
    name, run = matches[0]
    run()  # warm caches and the template loader first
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _number in range(options.runs):
            run()
    print(f"{name}: {options.runs} runs")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if options.html:
        options.html.write_text(profiler.output_html())


if __name__ == "__main__":
    main()
