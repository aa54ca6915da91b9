"""Keeps personal data and forged log lines out of the application logs."""

from __future__ import annotations

import logging
import re

# Swedish personal identity numbers, with or without century and separator.
_IDENTITY_NUMBER = re.compile(r"\b(?:19|20)?\d{6}[-+]?\d{4}\b")
_CONTROL = re.compile(r"[\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def scrub(text: str) -> str:
    text = _IDENTITY_NUMBER.sub("[personnummer]", text)
    return _CONTROL.sub(" ", text)


class ScrubPersonalDataFilter(logging.Filter):
    """Rewrites each record's message with identity numbers masked and CR/LF removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        return True
