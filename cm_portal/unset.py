"""``UNSET``: the default of a partial update's keyword-only parameters ("leave as it is").

A service that changes some fields of an object takes each field as a typed keyword-only
parameter defaulting to ``UNSET`` (``name: str | Unset = UNSET``) and keeps the ones given
with :func:`given`, rather than taking a ``**values`` bag.
"""

from __future__ import annotations

import enum
from typing import Any, Final


class Unset(enum.Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def given(**values: Any) -> dict[str, Any]:
    """The arguments that were passed (not ``UNSET``), in the order written."""
    return {field: value for field, value in values.items() if value is not UNSET}
