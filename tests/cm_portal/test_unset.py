from cm_portal.unset import UNSET, given


def test_given_keeps_what_was_passed_none_included_in_order():
    assert given(b=1, a=UNSET, c=None, d="") == {"b": 1, "c": None, "d": ""}


def test_given_of_nothing_passed_is_empty():
    assert given(a=UNSET, b=UNSET) == {}
