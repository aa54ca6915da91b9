from datetime import date

import pytest
from django.core.exceptions import ValidationError

from participants.identity import luhn_ok, normalise_identity_number

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("19811218-9876", "19811218-9876"),
        ("198112189876", "19811218-9876"),
        ("811218-9876", "19811218-9876"),
        (" 8112189876 ", "19811218-9876"),
        ("121212+1212", "19121212-1212"),  # '+' marks a person of 100 or more
        ("19701063-2391", "19701063-2391"),  # coordination number: day + 60
    ],
)
def test_accepted_forms_are_normalised(raw, normalised):
    assert normalise_identity_number(raw, today=TODAY) == normalised


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("19811218-9875", "checksum"),
        ("19811332-9876", "date"),
        ("20301218-9876", "date"),
        ("1981-12-18", "format"),
        ("abc", "format"),
        ("", "format"),
    ],
)
def test_refusals_say_why(raw, code):
    with pytest.raises(ValidationError) as error:
        normalise_identity_number(raw, today=TODAY)
    assert error.value.code == code


def test_luhn():
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")
