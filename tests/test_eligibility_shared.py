"""The API's answer shares informational results between requests, and is the same answer."""

from __future__ import annotations

import pytest
from django.utils import timezone

from policies.eligibility import answer
from policies.engine import screen, validate_profile
from policies.rules_loader import load_ruleset

PROFILE = {"as_of": "2022-05-10", "industry": "C36", "employees": 120, "revenue_wan": 8000}


def _profile(**changes: object) -> object:
    return validate_profile({**PROFILE, **changes}, today=timezone.localdate())


@pytest.mark.django_db
def test_the_shared_answer_is_the_answer_built_afresh(catalogue) -> None:  # noqa: ANN001
    # One rule set, as a process keeps it between requests (tests run inside a transaction,
    # where the loader does not cache it).
    ruleset = load_ruleset()
    first = screen(_profile(), ruleset).as_dict(shared=True)
    second_screening = screen(_profile(), ruleset)
    second = second_screening.as_dict(shared=True)
    fresh = second_screening.as_dict()
    assert first == second == fresh
    assert answer(dict(PROFILE)) == (200, fresh)  # what the API answers
    # Measures without a rule answer the same for everyone on a day (the screening's memo).
    informational = [i for i, known in enumerate(second_screening.memo["static"]) if known is not None]
    assert informational, "the seed plan has measures without a rule"
    assert all(first["results"][i]["status"] == "informational" for i in informational)
    # Built once for the day and reused by the next answer ...
    assert all(first["results"][i] is second["results"][i] for i in informational)
    # ... while callers that change the dicts (the receipts) get their own.
    assert all(fresh["results"][i] is not first["results"][i] for i in informational)


@pytest.mark.django_db
def test_results_that_depend_on_the_profile_are_never_shared(catalogue) -> None:  # noqa: ANN001
    ruleset = load_ruleset()
    small = screen(_profile(employees=20, revenue_wan=900), ruleset).as_dict(shared=True)
    large = screen(_profile(employees=3000, revenue_wan=900000), ruleset).as_dict(shared=True)
    changed = [i for i, (a, b) in enumerate(zip(small["results"], large["results"], strict=True)) if a != b]
    assert changed, "size changes some checkable measure's result"
    assert all(small["results"][i] is not large["results"][i] for i in changed)
    assert all(small["results"][i]["status"] != "informational" for i in changed)
