"""Tells the higher apps that a staff account's place changed, without importing them.

cm_portal is the lowest app: its services cannot call ``participants``, which owns the
assignments. When an account's organisation or role changes, ``staff_update`` calls
``staff_moved(...)`` inside its transaction, and ``participants`` registers a listener in
its ``AppConfig.ready`` that removes the person's assignments (security.md 29).

Plain and explicit, as ``participants.events.case_changed``: the listeners run in the
caller's transaction, so what they remove comes back if the change is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class StaffMoved:
    user: User
    previous_organisation_id: int
    previous_role: str
    changed_by: User | None
    client_address: str | None


Listener = Callable[[StaffMoved], None]

_listeners: list[Listener] = []


def on_staff_moved(listener: Listener) -> Listener:
    """Register ``listener(event)``; registering the same one twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def staff_moved(event: StaffMoved) -> None:
    """Call inside the change's ``transaction.atomic``, after the account is saved."""
    for listener in _listeners:
        listener(event)
