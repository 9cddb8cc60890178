"""Hooks the rule builder (policies/rulebuilder/) and four-eyes publishing into the admin.

Kept apart from admin.py and admin_rules.py so those stay small: the builder adds one URL to
MeasureAdmin, the publish page gets the list of who changed the draft, and with
``RULES_FOUR_EYES`` the last author of a draft is refused on publishing.
"""

from __future__ import annotations

from django.urls import path

from .admin import MeasureAdmin, publish_checks, publish_preview_hooks, published_hooks
from .rulebuilder import review
from .rulebuilder.views import RuleBuilderView

_measure_urls = MeasureAdmin.get_urls


def _get_urls(self: MeasureAdmin) -> list:
    builder = path(
        "<int:pk>/rule-builder/",
        self.admin_site.admin_view(RuleBuilderView(self)),
        name="policies_measure_rule_builder",
    )
    return [builder, *_measure_urls(self)]


MeasureAdmin.get_urls = _get_urls
publish_checks.append(review.refusal)
publish_preview_hooks.insert(0, review.changes_section)
published_hooks.append(review.log_publication)
