"""Tells the higher apps that a participant's case data changed, without importing them.

Apps depend downwards (cm_portal, participants, consent, plans, reporting), so a
participants or consent service cannot call plans. Instead the write services call
``case_changed(participant.pk)`` inside their transaction, and a higher app registers a
listener in its ``AppConfig.ready`` (plans enqueues the recomputation of the deadlines).

Plain and explicit on purpose, not a Django signal: the listeners run in the caller's
transaction, so what they write (an outbox row) commits or rolls back with the change.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[int], None]

_listeners: list[Listener] = []


def on_case_changed(listener: Listener) -> Listener:
    """Register ``listener(participant_id)``; registering the same one twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def case_changed(participant_id: int) -> None:
    """Call inside the write's ``transaction.atomic``, after the change is saved."""
    for listener in _listeners:
        listener(participant_id)
