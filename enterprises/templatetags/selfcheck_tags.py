"""`{% selfcheck_period as period %}`: the plan's period and the day the self-check evaluates.

The home page (policies app) says both in one sentence; the day is the questionnaire's own
default (enterprises.selfcheck.steps.default_as_of), so the two pages can never disagree.
"""

from __future__ import annotations

from django import template

from enterprises.selfcheck.steps import AsOfDefault, default_as_of

register = template.Library()


@register.simple_tag
def selfcheck_period() -> AsOfDefault:
    return default_as_of()
