"""The contract's ranges hold in every form that takes a profile, with Chinese field errors."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [
    ({"tech_retrofit_investment_wan": 1e20}, "技术改造项目固定资产投资应在0万元到1000000000万元之间"),
    ({"employees": 10_000_001}, "从业人数应在0人到10000000人之间"),
    ({"as_of": "1999-12-31"}, "评估日期应在2000-01-01到2099-12-31之间"),
]


@pytest.mark.parametrize(("profile", "message"), OUT_OF_RANGE)
def test_the_subscription_form_refuses_a_profile_out_of_range(catalogue, profile, message) -> None:
    from enterprises.reminders.forms import SubscribeForm

    form = SubscribeForm(
        {"email": "caiwu@example.com", "consent": "on", "profile": json.dumps({"industry": "C36", **profile})}
    )
    assert not form.is_valid()
    assert message in " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.mark.parametrize(("profile", "message"), OUT_OF_RANGE)
def test_a_golden_case_out_of_range_is_refused_in_the_admin(catalogue, profile, message) -> None:
    from policies.admin_golden import GoldenCaseForm

    form = GoldenCaseForm(
        {
            "name": "out-of-range",
            "profile": json.dumps(profile),
            "expected": json.dumps({"7": {"status": "eligible"}}),
            "expected_size_class_300": "",
        }
    )
    assert not form.is_valid()
    assert message in " ".join(form.errors["profile"])
