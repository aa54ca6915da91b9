"""The report's parts on their own: the SVG chart and the data-quality selector."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from plans.models import ContactPath, Goal, SubGoal
from reporting.charts import Point, percent_bar_chart
from reporting.selectors import incomplete_plans
from tests.factories import default_programme

from .helpers import person, plan

SVG_NS = "{http://www.w3.org/2000/svg}"


def _chart(points, **overrides) -> str:
    arguments = {
        "chart_id": "c1",
        "title": "K2 <by> quarter & more",
        "description": "Target 80 %",
        "points": points,
        "target": 80,
        "target_label": "Target 80 %",
    }
    return str(percent_bar_chart(**(arguments | overrides)))


def test_the_chart_is_valid_xml_with_a_text_alternative():
    svg = _chart([Point("PQ 1", 50.0, "50.0 %"), Point("PQ 2", None, "\u2013")])

    root = ET.fromstring(svg)  # noqa: S314 - our own markup
    assert root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text == "K2 <by> quarter & more"
    assert root.find(f"{SVG_NS}desc").get("id") == "c1-desc"
    assert len(root.findall(f"{SVG_NS}rect")) == 1  # no bar for the hidden quarter
    texts = [element.text for element in root.iter(f"{SVG_NS}text")]
    assert texts[5:9] == ["50.0 %", "PQ 1", "\u2013", "PQ 2"]
    assert "style=" not in svg
    assert "<script" not in svg


def test_the_target_line_is_dashed_and_labelled():
    root = ET.fromstring(_chart([]))  # noqa: S314
    dashed = [line for line in root.iter(f"{SVG_NS}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1
    # 80 % of a 168 px high plot that starts 16 px from the top: y = 16 + 168 * 0.2.
    assert dashed[0].get("y1") == "49.6"
    assert "Target 80 %" in [element.text for element in root.iter(f"{SVG_NS}text")]


def test_a_percentage_above_100_or_below_0_stays_inside_the_plot():
    root = ET.fromstring(_chart([Point("a", 120.0), Point("b", -5.0)]))  # noqa: S314
    heights = [float(rect.get("height")) for rect in root.iter(f"{SVG_NS}rect")]
    assert heights == [168.0, 0.0]


@pytest.mark.django_db
def test_incomplete_plans_counts_plans_missing_a_sub_goal_or_a_contact_path(hela_manniskan):
    def established(on: date, *, goal=True, sub_goal=True, path=True, organisation=None):
        individual = plan(person(organisation or hela_manniskan, start=date(2026, 5, 4)), on)
        if goal:
            created = Goal.objects.create(plan=individual, title="g")
            if sub_goal:
                SubGoal.objects.create(goal=created, title="s")
        if path:
            ContactPath.objects.create(plan=individual, actor="a", how="h")
        return individual

    established(date(2026, 6, 1))  # complete: not counted
    established(date(2026, 6, 1), sub_goal=False)
    established(date(2026, 6, 2), path=False)
    established(date(2026, 6, 3), goal=False)
    established(date(2026, 5, 20), sub_goal=False)  # before the period
    established(date(2026, 7, 20), path=False)  # after it
    plan(person(hela_manniskan, start=date(2026, 5, 4)), None)  # not established

    counts = incomplete_plans(
        programme=default_programme(), period_from=date(2026, 6, 1), period_to=date(2026, 6, 30)
    )

    assert counts == {"period": 3, "cumulative": 4}


@pytest.mark.django_db
def test_incomplete_plans_of_one_organisation(hela_manniskan, district):
    plan(person(district, start=date(2026, 5, 4)), date(2026, 6, 1))
    plan(person(hela_manniskan, start=date(2026, 5, 4)), date(2026, 6, 1))

    counts = incomplete_plans(
        programme=default_programme(),
        period_from=date(2026, 6, 1),
        period_to=date(2026, 6, 30),
        organisation=district,
    )

    assert counts == {"period": 1, "cumulative": 1}
