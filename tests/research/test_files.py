"""The files researchers' tools read: SPSS and Stata with their labels (read back with
pyreadstat), the CSV and the codebook in Swedish and English."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest

from reporting.research import files
from reporting.research.dataset import CATEGORY, COLUMNS, codebook

# The codebook of a programme with the age groups of "Vägledning i Vardagslivet".
CODEBOOK = codebook(["18-21", "22-25", "26-29"])

ROW = {
    "pseudonym": "0123456789abcdef",
    "gender": "woman",
    "age_group": "all",
    "entry_path": "outreach",
    "organisation_kind": "civil_society",
    "start_quarter": "2026",
    "crisis_relevant": 1,
    "days_to_plan": 41,
    "days_to_crisis_plan": None,
    "prio_completed": 2,
    "prio_open": 1,
    "prio_cancelled": 0,
    "before_ucla_1": 3,
    "before_ucla_2": 2,
    "before_ucla_3": 3,
    "before_participation": 2,
    "after_ucla_1": None,
    "after_ucla_2": None,
    "after_ucla_3": None,
    "after_participation": None,
    "contacts_meeting": 4,
    "minutes_meeting": 240,
    "contacts_phone": 1,
    "minutes_phone": 10,
    "contacts_digital": 0,
    "minutes_digital": 0,
    "contacts_accompanied_visit": 1,
    "minutes_accompanied_visit": 120,
    "contacts_other": 0,
    "minutes_other": 0,
    "meetings_held": 1,
    "ended": 0,
    "end_reason": None,
    "days_to_end": None,
}


def test_the_fixture_row_has_every_column():
    assert tuple(ROW) == COLUMNS


@pytest.mark.parametrize(
    ("suffix", "write", "read"),
    [
        (".sav", files.data_sav, pyreadstat.read_sav),
        (".dta", files.data_dta, pyreadstat.read_dta),
    ],
)
def test_spss_and_stata_files_read_back_with_their_labels(tmp_path, suffix, write, read):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(
        write([ROW, {**ROW, "gender": "man", "pseudonym": "fedcba9876543210"}], variables=CODEBOOK)
    )

    frame, meta = read(str(path))

    assert list(frame.columns) == list(COLUMNS)
    assert list(frame["pseudonym"]) == ["0123456789abcdef", "fedcba9876543210"]
    assert list(frame["gender"]) == [1, 2]
    assert meta.variable_value_labels["gender"][1] == "Kvinna / Woman"
    assert meta.variable_value_labels["gender"][2] == "Man / Man"
    assert (
        meta.variable_value_labels["age_group"][5]
        == "Alla åldrar (generaliserat) / All ages (generalised)"
    )
    assert meta.variable_value_labels["crisis_relevant"] == {0: "Nej / No", 1: "Ja / Yes"}
    assert meta.column_names_to_labels["gender"] == "Kön / Gender"
    assert meta.column_names_to_labels["days_to_plan"].endswith("/ Days to the individual plan")
    assert frame["days_to_plan"][0] == 41
    assert frame["days_to_crisis_plan"].isna().all()  # missing stays missing
    for variable in CODEBOOK:
        assert meta.column_names_to_labels[variable.name]
        if variable.kind == CATEGORY:
            assert variable.name in meta.variable_value_labels


@pytest.mark.parametrize("write", [files.data_sav, files.data_dta, files.data_csv])
def test_an_export_with_no_rows_is_still_a_file(write):
    assert write([], variables=CODEBOOK)


def test_the_csv_has_codes_and_empty_cells_for_missing():
    rows = list(
        csv.reader(io.StringIO(files.data_csv([ROW], variables=CODEBOOK).decode("utf-8-sig")))
    )
    assert tuple(rows[0]) == COLUMNS
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["gender"] == "woman"
    assert values["days_to_crisis_plan"] == ""
    assert values["days_to_plan"] == "41"


def test_the_codebook_describes_every_variable_and_value_in_both_languages():
    rows = list(
        csv.DictReader(io.StringIO(files.codebook_csv(variables=CODEBOOK).decode("utf-8-sig")))
    )
    variables = [row for row in rows if row["type"]]
    assert [row["variable"] for row in variables] == list(COLUMNS)
    for row in variables:
        assert row["label_sv"] and row["label_en"]
    swedish = {row["variable"]: row["label_sv"] for row in variables}
    assert swedish["gender"] == "Kön"
    assert swedish["days_to_plan"] != "Days to the individual plan"  # translated
    values = [row for row in rows if not row["type"]]
    for variable in CODEBOOK:
        coded = [row for row in values if row["variable"] == variable.name]
        assert len(coded) == len(variable.values)
        for row in coded:
            assert row["value_label_sv"] and row["value_label_en"]


@pytest.mark.parametrize(
    ("write", "read"),
    [(files.data_sav, pyreadstat.read_sav), (files.data_dta, pyreadstat.read_dta)],
)
def test_the_reason_for_ending_is_coded_with_labels_and_missing_while_open(tmp_path, write, read):
    path = tmp_path / "data"
    ended = {**ROW, "ended": 1, "end_reason": "transferred", "days_to_end": 200}
    path.write_bytes(write([ROW, ended], variables=CODEBOOK))

    frame, meta = read(str(path))

    labels = meta.variable_value_labels["end_reason"]
    assert labels[4] == "Övergått till annat stöd / Transferred to other support"
    assert set(labels) == {1, 2, 3, 4, 5, 6, 7}
    assert frame["end_reason"].isna()[0]  # open: system-missing
    assert frame["end_reason"][1] == 4
    assert list(frame["ended"]) == [0, 1]
    assert meta.column_names_to_labels["end_reason"] == "Anledning till avslut / Reason for ending"


def test_the_csv_and_codebook_have_the_reason_as_a_code():
    ended = {**ROW, "ended": 1, "end_reason": "goals_met", "days_to_end": 90}
    rows = list(
        csv.DictReader(
            io.StringIO(files.data_csv([ROW, ended], variables=CODEBOOK).decode("utf-8-sig"))
        )
    )
    assert [row["end_reason"] for row in rows] == ["", "goals_met"]

    codebook = list(
        csv.DictReader(io.StringIO(files.codebook_csv(variables=CODEBOOK).decode("utf-8-sig")))
    )
    values = {
        row["value"]: (row["value_label_sv"], row["value_label_en"])
        for row in codebook
        if row["variable"] == "end_reason" and not row["type"]
    }
    assert values["goals_met"] == ("Målen uppnådda", "Goals met")
    assert values["died"] == ("Avliden", "Died")
    assert set(values) == {
        "goals_met",
        "moved",
        "declined",
        "transferred",
        "no_contact",
        "died",
        "other",
    }
