"""The statistics export and the account to the district, as CSV.

Both carry aggregate figures only, after disclosure control (``reporting.disclosure``):
no name, reference, identity number, date of a person or free text can appear, since none
is in the figures. A cell may be a number, "< 5", an en dash (hidden) or empty (a
percentage of an empty cohort); readers must not assume numbers.

The CSV files are written the Swedish way, as Swedish Excel opens them by a double click:
UTF-8 with a byte-order mark (so the dashes and Swedish letters read right), ``;`` between
fields and ``,`` as the decimal sign. Each code (figure, measure, cell) has its name in the
user's language in the column beside it. The XLSX has one sheet per table (the participants,
each result goal, the activity) with the measures as columns and number formats set, so a
reader sorts and sums without converting text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal import access_log
from cm_portal.models import AccessEvent, Role
from participants.models import Gender
from reporting.kpis import OTHER_AGE
from reporting.selectors import activity_labels, report_context

if TYPE_CHECKING:
    from cm_portal.models import Organisation, User
    from cm_portal.programmes.models import Programme
    from reporting.periods import Period

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_ENCODING = "utf-8-sig"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIGURE_LABELS = {
    "participants": gettext_lazy("Participants"),
    # The windows are the programme's (its goal definitions are in the report).
    "plan_within_8_weeks": gettext_lazy("K2: individual plan within the window"),
    "prioritised_contacts_3_months": gettext_lazy("K3: prioritised contacts by the horizon"),
    "self_rating_improved": gettext_lazy("K4: self-rating improved"),
    "crisis_plan_within_8_weeks": gettext_lazy("K5: crisis plan within the window"),
    "intern_sip_offered": gettext_lazy("S1: offered an Intern-SIP"),
    "activity": gettext_lazy("Activities"),
}
BREAKDOWN_LABELS = {
    "total": gettext_lazy("Whole cohort"),
    "cumulative": gettext_lazy("Cumulative, from the start"),
    "by_gender": gettext_lazy("By gender"),
    "by_age_group": gettext_lazy("By age group"),
}
ACCOUNT_FIGURES = {
    "individual_contacts": gettext_lazy("Individual contacts"),
    "unique_persons": gettext_lazy("Unique persons"),
    "information_sessions": gettext_lazy("Information sessions"),
    "information_attendees": gettext_lazy("People at information sessions"),
    "outreach_occasions": gettext_lazy("Outreach occasions"),
    "outreach_hours": gettext_lazy("Outreach hours"),
    "outreach_people_reached": gettext_lazy("People reached by outreach"),
}
MEASURE_LABELS = {
    "started": gettext_lazy("Started"),
    "active": gettext_lazy("Active"),
    "ended": gettext_lazy("Ended"),
    "cumulative_started": gettext_lazy("Started so far"),
    "target": gettext_lazy("Target"),
    "target_percent": gettext_lazy("Target (%)"),
    "cohort": gettext_lazy("Cohort"),
    "evaluable": gettext_lazy("Evaluable"),
    "met": gettext_lazy("Met"),
    "percent": gettext_lazy("Percent"),
    "pending": gettext_lazy("Pending"),
    "excluded": gettext_lazy("Excluded"),
    **ACCOUNT_FIGURES,
    "meetings_held": gettext_lazy("Coordination meetings held"),
    # Named with the programme's own days ahead when the export knows its programme.
    "meetings_invited_late": gettext_lazy("Meetings invited late"),
}
# The Swedish way (what Swedish Excel opens): semicolons, and a comma as the decimal sign.
CSV_DELIMITER = ";"
DECIMAL_SIGN = ","
ALL = "all"
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    content_type: str = CSV_CONTENT_TYPE


def _cell_label(breakdown: str, cell: str) -> str:
    if breakdown == "by_gender":
        return str(Gender(cell).label) if cell in Gender.values else cell
    if breakdown == "by_age_group":
        return _("Other ages") if cell == OTHER_AGE else cell
    return _("All")


def _value(value: Any) -> str:
    """Numbers with a decimal comma, "< 5" and the dash as they are, ``None`` as an empty
    cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(value).replace(".", DECIMAL_SIGN)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def statistics_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (figure, measure, breakdown, cell) of a protected KPI object."""
    rows: list[dict[str, Any]] = []

    def add(figure: str, measure: str, breakdown: str, cell: str, value: Any) -> None:
        rows.append(
            {
                "figure": figure,
                "measure": measure,
                "breakdown": breakdown,
                "cell": cell,
                "value": value,
            }
        )

    def add_level(figure: str, values: dict, breakdown: str, cell: str) -> None:
        for measure, value in values.items():
            if not isinstance(value, dict):
                add(figure, measure, breakdown, cell, value)

    participants = figures["participants"]
    add_level("participants", participants, "total", ALL)
    for breakdown in ("by_gender", "by_age_group"):
        for cell, value in participants[breakdown].items():
            add("participants", "started", breakdown, cell, value)
    for name, kpi in figures["kpis"].items():
        add_level(name, kpi, "total", ALL)
        add_level(name, kpi["cumulative"], "cumulative", ALL)
        for breakdown in ("by_gender", "by_age_group"):
            for cell, values in kpi[breakdown].items():
                add_level(name, values, breakdown, cell)
    add_level("activity", figures["activity"], "total", ALL)
    return rows


def _write(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_value(value) for value in row] for row in rows])
    return buffer.getvalue().encode(CSV_ENCODING)


def _measure_labels(programme: Programme | None) -> dict[str, Any]:
    if programme is None:
        return MEASURE_LABELS
    late = activity_labels(programme)["meetings_invited_late"]
    return {**MEASURE_LABELS, "meetings_invited_late": late}


def _statistics_table(
    figures: dict[str, Any], period: Period, programme: Programme | None = None
) -> tuple[list[str], list[list]]:
    labels = _measure_labels(programme)
    header = [
        _("Period from"),
        _("Period to"),
        _("Figure"),
        _("Figure (name)"),
        _("Measure"),
        _("Measure (name)"),
        _("Breakdown"),
        _("Cell"),
        _("Cell (name)"),
        _("Value"),
    ]
    rows = [
        [
            period.start.isoformat(),
            period.end.isoformat(),
            row["figure"],
            str(FIGURE_LABELS.get(row["figure"], row["figure"])),
            row["measure"],
            _measure_label(row["measure"], labels),
            str(BREAKDOWN_LABELS[row["breakdown"]]),
            row["cell"],
            _cell_label(row["breakdown"], row["cell"]),
            row["value"],
        ]
        for row in statistics_rows(figures)
    ]
    return header, rows


def statistics_csv(
    figures: dict[str, Any], period: Period, programme: Programme | None = None
) -> bytes:
    return _write(*_statistics_table(figures, period, programme))


def _measure_label(measure: str, labels: dict[str, Any]) -> str:
    return str(labels.get(measure, measure))


PERCENT_FORMAT = "0.0"
COUNT_FORMAT = "0"


def statistics_xlsx(
    figures: dict[str, Any], period: Period, programme: Programme | None = None
) -> bytes:
    """The figures as a workbook: one sheet per table (the participants, each result goal,
    the activity), a row per breakdown cell and a column per measure, numbers as numbers
    with their format; suppressed cells stay text (the CSV's "< 5" and dash)."""
    from openpyxl import Workbook  # only the export needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    labels = _measure_labels(programme)
    tables: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    measures: dict[str, list[str]] = {}
    for row in statistics_rows(figures):
        figure = row["figure"]
        cells = tables.setdefault(figure, {})
        cells.setdefault((row["breakdown"], row["cell"]), {})[row["measure"]] = row["value"]
        if row["measure"] not in measures.setdefault(figure, []):
            measures[figure].append(row["measure"])
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for figure, cells in tables.items():
        title = _sheet_title(str(FIGURE_LABELS.get(figure, figure)), used)
        sheet = workbook.create_sheet(title=title)
        bold = Font(bold=True)

        def heading(text: str, sheet=sheet, bold=bold) -> WriteOnlyCell:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            return cell

        sheet.append([heading(str(FIGURE_LABELS.get(figure, figure)))])
        sheet.append([_("Period"), period.start.isoformat(), period.end.isoformat()])
        sheet.append([])
        sheet.append(
            [heading(str(_("Breakdown"))), heading(str(_("Cell (name)")))]
            + [heading(_measure_label(m, labels)) for m in measures[figure]]
        )
        for (breakdown, cell_code), values in cells.items():
            line: list[Any] = [str(BREAKDOWN_LABELS[breakdown]), _cell_label(breakdown, cell_code)]
            for measure in measures[figure]:
                value = values.get(measure)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = PERCENT_FORMAT if measure == "percent" else COUNT_FORMAT
                    if isinstance(value, float) and measure != "percent":
                        cell.number_format = "0.0"
                    line.append(cell)
                else:
                    # Every text goes through the same formula guard as the CSV.
                    line.append(_value(value))
            sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    clean = " ".join("".join(" " if c in "[]:*?/\\" else c for c in name).split())[:31]
    clean = clean or "Sheet"
    title, n = clean, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def account_csv(activity: dict[str, Any], period: Period) -> bytes:
    header = [_("Period from"), _("Period to"), _("Figure"), _("Figure (name)"), _("Value")]
    rows = [
        [period.start.isoformat(), period.end.isoformat(), key, str(label), activity[key]]
        for key, label in ACCOUNT_FIGURES.items()
    ]
    return _write(header, rows)


def organisation_of(user: User) -> Organisation | None:
    """A team lead sees their own organisation's figures; the steering group both."""
    if user.role == Role.TEAM_LEAD:
        return user.organisation
    return None


def _log(
    user: User, client_address: str | None, what: str, programme: Programme, period: Period
) -> None:
    access_log.record(
        action=AccessEvent.Action.EXPORT,
        actor=user,
        client_address=client_address,
        object_type="report",
        object_id=programme.slug,
        detail=f"{what} {period.start.isoformat()} {period.end.isoformat()}",
    )


def report_figures(
    *, user: User, programme: Programme, period: Period, today: date | None = None
) -> dict[str, Any]:
    """The figures of the report's context (``selectors.report_context``) the user may see:
    the exports read the page's and the PDF's figures, not a computation of their own."""
    context = report_context(
        programme=programme,
        period=period,
        organisation=organisation_of(user),
        today=today,
        trend_quarters=[],
        equality=False,
    )
    return context["figures"]


def export_statistics(
    *,
    user: User,
    programme: Programme,
    period: Period,
    client_address: str | None = None,
    today: date | None = None,
    file_format: str = "csv",
) -> ExportFile:
    """The disclosure-controlled figures of ``period`` as CSV or an XLSX spreadsheet; the
    export is access-logged."""
    figures = report_figures(user=user, programme=programme, period=period, today=today)
    filename = f"statistics.{file_format}"
    with transaction.atomic():
        _log(user, client_address, filename, programme, period)
    if file_format == "xlsx":
        return ExportFile(
            f"statistics_{period.file_stem}.xlsx",
            statistics_xlsx(figures, period, programme),
            content_type=XLSX_CONTENT_TYPE,
        )
    return ExportFile(
        f"statistics_{period.file_stem}.csv", statistics_csv(figures, period, programme)
    )


def export_account(
    *,
    user: User,
    programme: Programme,
    period: Period,
    client_address: str | None = None,
    today: date | None = None,
) -> ExportFile:
    """The account to the district (contacts, persons, sessions, outreach) as CSV."""
    activity = report_figures(user=user, programme=programme, period=period, today=today)[
        "activity"
    ]
    with transaction.atomic():
        _log(user, client_address, "account.csv", programme, period)
    return ExportFile(f"account_{period.file_stem}.csv", account_csv(activity, period))
