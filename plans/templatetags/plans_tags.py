"""What participants' pages ask the plans app (the selectors decide, templates only show)."""

from __future__ import annotations

from django import template

from participants.models import Participant
from plans.selectors.crisis_plan import crisis_plan_missing as _crisis_plan_missing

register = template.Library()


@register.simple_tag
def crisis_plan_missing(participant: Participant) -> bool:
    return _crisis_plan_missing(participant)
