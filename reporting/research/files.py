"""The research export's files: CSV, SPSS (.sav) and Stata (.dta), and the codebook.

- CSV: UTF-8 with a byte-order mark, comma-separated, coded values as their codes
  (``woman``), empty for missing; the codebook says what each code means.
- SPSS and Stata: written by pyreadstat (ReadStat), the library R's haven and pandas use.
  Coded variables are numbers with value labels (1 = "Kvinna / Woman"), every variable has
  its label, missing is system-missing.
- The codebook (CSV): one row per variable and one per value, in Swedish and English.

The download is a ZIP of the data file and the codebook (``export_zip``); the management
command writes the two files side by side. Each is written from ``variables``, the codebook
of the agreement's programme (``dataset.programme_codebook``: its own age groups).
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .dataset import CATEGORY, INTEGER, Row, Variable

Variables = tuple[Variable, ...]

CSV_ENCODING = "utf-8-sig"
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LANGUAGES = ("sv", "en")
KIND_NAMES = {
    CATEGORY: "kategori / category",
    INTEGER: "heltal / integer",
    "text": "text / text",
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return buffer.getvalue().encode(CSV_ENCODING)


def data_csv(rows: list[Row], *, variables: Variables) -> bytes:
    names = [variable.name for variable in variables]
    return _csv(names, [[row[name] for name in names] for row in rows])


def codebook_csv(*, variables: Variables) -> bytes:
    header = [
        "variable",
        "type",
        "label_sv",
        "label_en",
        "description_sv",
        "description_en",
        "value",
        "numeric_code",
        "value_label_sv",
        "value_label_en",
    ]
    lines: list[list[Any]] = []
    for variable in variables:
        label_sv, description_sv, values_sv = variable.labels("sv")
        label_en, description_en, values_en = variable.labels("en")
        lines.append(
            [
                variable.name,
                KIND_NAMES[variable.kind],
                label_sv,
                label_en,
                description_sv,
                description_en,
                "",
                "",
                "",
                "",
            ]
        )
        for value in variable.values:
            lines.append(
                [
                    variable.name,
                    "",
                    "",
                    "",
                    "",
                    "",
                    value.code,
                    value.number,
                    values_sv[value.number],
                    values_en[value.number],
                ]
            )
    return _csv(header, lines)


def _both(variable: Variable) -> tuple[str, dict[int, str]]:
    """The variable's label and value labels in Swedish / English, as one text each."""
    label_sv, _description, values_sv = variable.labels("sv")
    label_en, _description, values_en = variable.labels("en")
    values = {number: f"{values_sv[number]} / {values_en[number]}" for number in values_sv}
    return f"{label_sv} / {label_en}", values


def _frame(rows: list[Row], variables: Variables):
    """Numbers as floats (missing is NaN, which both formats store as system-missing),
    coded values as their numeric codes, text as text."""
    import pandas  # type: ignore[import-untyped]  # only the worker and the command

    columns = {}
    for variable in variables:
        raw = [row[variable.name] for row in rows]
        if variable.kind == CATEGORY:
            numbers = {value.code: value.number for value in variable.values}
            values = [float("nan") if value is None else float(numbers[value]) for value in raw]
            columns[variable.name] = pandas.Series(values, dtype="float64")
        elif variable.kind == INTEGER:
            values = [float("nan") if value is None else float(value) for value in raw]
            columns[variable.name] = pandas.Series(values, dtype="float64")
        else:
            columns[variable.name] = pandas.Series([str(value) for value in raw], dtype=object)
    return pandas.DataFrame(columns)


def _labels(variables: Variables) -> tuple[dict[str, str], dict[str, dict[int | float, str]]]:
    column_labels: dict[str, str] = {}
    value_labels: dict[str, dict[int | float, str]] = {}
    for variable in variables:
        label, values = _both(variable)
        column_labels[variable.name] = label
        if values:
            value_labels[variable.name] = {number: text for number, text in values.items()}
    return column_labels, value_labels


def _written(write, rows: list[Row], variables: Variables, suffix: str, **options: Any) -> bytes:
    column_labels, value_labels = _labels(variables)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        write(
            _frame(rows, variables),
            str(path),
            column_labels=column_labels,
            variable_value_labels=value_labels,
            **options,
        )
        return path.read_bytes()


def data_sav(rows: list[Row], *, variables: Variables) -> bytes:
    import pyreadstat

    return _written(pyreadstat.write_sav, rows, variables, ".sav", file_label="CM research export")


def data_dta(rows: list[Row], *, variables: Variables) -> bytes:
    import pyreadstat

    # Stata's format 118 stores text as UTF-8: the Swedish labels survive.
    return _written(pyreadstat.write_dta, rows, variables, ".dta", file_label="CM research export")


WRITERS = {"csv": data_csv, "sav": data_sav, "dta": data_dta}


def data_file(rows: list[Row], file_format: str, *, variables: Variables) -> bytes:
    return WRITERS[file_format](rows, variables=variables)


def export_zip(rows: list[Row], file_format: str, *, readme: str, variables: Variables) -> bytes:
    """The data file, its codebook and a short note on the export, in one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"data.{file_format}", data_file(rows, file_format, variables=variables))
        archive.writestr("codebook.csv", codebook_csv(variables=variables))
        archive.writestr("README.txt", readme.encode())
    return buffer.getvalue()
