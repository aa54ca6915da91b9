"""``cm_portal.fields.max_length``: the limit services check before the database would."""

from __future__ import annotations

import pytest

from cm_portal.fields import max_length
from cm_portal.models import User
from plans.models import MeetingInvitee, ResponsibilityLink


def test_a_text_fields_limit_is_its_max_length():
    assert max_length(User, "name") == User._meta.get_field("name").max_length == 150
    assert max_length(MeetingInvitee, "name") == MeetingInvitee._meta.get_field("name").max_length
    assert max_length(ResponsibilityLink, "who") == 200


@pytest.mark.parametrize("name", ["organisation", "is_active"])
def test_a_field_without_a_text_limit_is_an_error(name):
    with pytest.raises(TypeError, match=f"User.{name} is not a text field"):
        max_length(User, name)
