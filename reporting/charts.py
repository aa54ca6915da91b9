"""Inline SVG charts for the steering-group report, written by hand.

No JavaScript and no chart library: the report must render under the site's CSP (no inline
``style=``), in print and in WeasyPrint. Only presentation attributes (``fill``, ``stroke``)
are used. Each chart carries ``role="img"`` with a ``<title>`` and a ``<desc>`` that say in
words what it shows; the page puts a table with the same numbers beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 480
HEIGHT = 220
LEFT = 40
RIGHT = 12
TOP = 16
BOTTOM = 36
BAR_COLOUR = "#0a3d91"  # the skip link's blue: 9.6:1 on white
TARGET_COLOUR = "rgb(132, 32, 41)"  # Bootstrap's danger text colour: 8.5:1 on white
GRID_COLOUR = "#adb5bd"
TEXT_COLOUR = "#212529"


@dataclass(frozen=True)
class Point:
    """One bar: a label under it, a percentage (``None``: no bar) and the text above the bar
    (the caller's formatting, so that it reads exactly as the table beside the chart)."""

    label: str
    percent: float | None
    text: str = ""


def _number(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _percent_text(value: float | None, no_data: str) -> str:
    if value is None:
        return no_data
    return f"{_number(value)} %"


def percent_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[Point],
    target: int,
    target_label: str,
    no_data: str = "\u2013",
) -> SafeString:
    """Bars of a percentage per period (0 to 100) with a dashed line at the target.

    ``chart_id`` must be unique on the page: the title and description ids derive from it.
    Every text passed in is escaped.
    """
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height

    def y_of(percent: float) -> float:
        return baseline - plot_height * max(0.0, min(percent, 100.0)) / 100

    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="sans-serif" font-size="11">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    for tick in (0, 25, 50, 75, 100):
        y = _number(y_of(tick))
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y}" dy="4" text-anchor="end" '
            f'fill="{TEXT_COLOUR}">{tick} %</text>'
        )
    if points:
        band = plot_width / len(points)
        bar_width = min(band * 0.6, 48)
        for index, point in enumerate(points):
            centre = LEFT + band * (index + 0.5)
            if point.percent is not None:
                top = y_of(point.percent)
                parts.append(
                    f'<rect x="{_number(centre - bar_width / 2)}" y="{_number(top)}" '
                    f'width="{_number(bar_width)}" height="{_number(baseline - top)}" '
                    f'fill="{BAR_COLOUR}"/>'
                )
                label_y = top - 3
            else:
                label_y = baseline - 3
            value = point.text or _percent_text(point.percent, no_data)
            parts.append(
                f'<text x="{_number(centre)}" y="{_number(label_y)}" text-anchor="middle" '
                f'fill="{TEXT_COLOUR}">{escape(value)}</text>'
            )
            parts.append(
                f'<text x="{_number(centre)}" y="{baseline + 16}" text-anchor="middle" '
                f'fill="{TEXT_COLOUR}">{escape(point.label)}</text>'
            )
    target_y = _number(y_of(target))
    parts.append(
        f'<line x1="{LEFT}" y1="{target_y}" x2="{WIDTH - RIGHT}" y2="{target_y}" '
        f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="{target_y}" dy="-4" text-anchor="end" '
        f'fill="{TARGET_COLOUR}" font-weight="bold">{escape(target_label)}</text>'
    )
    parts.append(
        f'<line x1="{LEFT}" y1="{baseline}" x2="{WIDTH - RIGHT}" y2="{baseline}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    # Every interpolated text above went through escape(); the rest are numbers we made.
    return mark_safe("".join(parts))  # noqa: S308
