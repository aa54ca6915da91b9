"""Swedish personal identity numbers (personnummer): checked, normalised, masked."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_PATTERN = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<tail>\d{4})$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def normalise_identity_number(raw: str, *, today: date | None = None) -> str:
    """Return YYYYMMDD-XXXX or raise ValidationError with a message for the person typing.

    Accepts 12 or 10 digits, with or without '-' ('+' marks 100 years or older for the
    10-digit form). Coordination numbers (day + 60) are accepted.
    """
    today = today or timezone.localdate()
    match = _PATTERN.match(re.sub(r"\s", "", raw))
    if not match:
        raise ValidationError(
            _("Write the personal identity number as YYYYMMDD-XXXX."), code="format"
        )
    yymmdd, tail = match["yymmdd"], match["tail"]
    if match["century"]:
        year = int(match["century"] + yymmdd[:2])
    else:
        year = 2000 + int(yymmdd[:2])
        if year > today.year:
            year -= 100
        if match["sep"] == "+":
            year -= 100
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:  # coordination number
        day -= 60
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("The personal identity number does not contain a valid date."), code="date"
        ) from None
    if born > today:
        raise ValidationError(
            _("The personal identity number has a date in the future."), code="date"
        )
    if not luhn_ok(yymmdd + tail):
        raise ValidationError(
            _("The check digit of the personal identity number is wrong."), code="checksum"
        )
    return f"{year:04d}{yymmdd[2:]}-{tail}"


def birth_year_of(normalised: str) -> int:
    return int(normalised[:4])
