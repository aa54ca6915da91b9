"""Fixtures shared by the access-log tests."""

from __future__ import annotations

import pytest

from cm_portal import access_log
from cm_portal.models import AccessEvent

Action = AccessEvent.Action


@pytest.fixture
def chain(alice, bob):
    """Three entries of the access log, chained by their hashes."""
    return [
        access_log.record(action=Action.VIEW, actor=alice, object_type="participant", object_id=1),
        access_log.record(action=Action.EXPORT, actor=bob, object_type="participant", object_id=1),
        access_log.record(action=Action.PRINT, actor=alice, object_type="plan", object_id=4),
    ]
