"""Stored profiles are validated once per profile contract (policies.receipt_checks), and the
impact preview answers from that check exactly as validating every changed profile would."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from enterprises.models import Receipt
from policies import impact, receipt_checks
from policies.engine import build_ruleset
from policies.models import ReceiptCheck
from tests.test_impact_preview import (
    example_profile,
    generated_profiles,
    reference_impact,
    rules_data,
    save_raw,
    summary,
    with_rd_threshold,
)

pytestmark = pytest.mark.django_db


def backdate() -> None:
    """As receipts saved more than a minute ago (younger ones are left to the preview)."""
    Receipt.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))


@pytest.fixture
def count_validations(monkeypatch):  # noqa: ANN001, ANN201
    calls = []
    real = receipt_checks.validate_profile

    def counting(profile):  # noqa: ANN001, ANN202
        calls.append(profile)
        return real(profile)

    monkeypatch.setattr(receipt_checks, "validate_profile", counting)
    return calls


def test_each_stored_profile_is_validated_once_and_the_rejected_ones_are_remembered(count_validations):
    good = save_raw(example_profile("small-low-profit-limit"))
    bad = save_raw({**example_profile("small-low-profit-limit"), "layoff_rate_pct": 250})
    backdate()
    upto, rejected = receipt_checks.checked()
    assert (upto, rejected) == (bad.id, frozenset({bad.id}))
    assert len(count_validations) == 2
    assert ReceiptCheck.objects.get().invalid == [bad.id]

    assert receipt_checks.checked() == (upto, rejected)
    assert len(count_validations) == 2  # nothing new: nothing validated again

    fresh = save_raw(example_profile("small-low-profit-limit"))
    assert receipt_checks.checked()[0] == bad.id  # saved just now: left to the preview
    backdate()
    assert receipt_checks.checked() == (fresh.id, frozenset({bad.id}))
    assert len(count_validations) == 3
    assert good.id < bad.id < fresh.id


def test_a_new_profile_contract_checks_every_stored_profile_again(count_validations, monkeypatch):
    save_raw(example_profile("small-low-profit-limit"))
    backdate()
    receipt_checks.checked()
    monkeypatch.setattr(receipt_checks, "contract_fingerprint", lambda: "another contract")
    receipt_checks.checked()
    assert len(count_validations) == 2
    assert ReceiptCheck.objects.count() == 2


def test_the_preview_answers_from_the_stored_check_as_from_validating_each_profile(catalogue):
    data = rules_data()
    for profile in generated_profiles(150, seed=21):
        save_raw(profile)
    # Rejected by the contract in a field measure 11 does not read: not compared.
    save_raw({**example_profile("small-low-profit-limit"), "layoff_rate_pct": 250})
    save_raw({**example_profile("small-low-profit-limit"), "no_such_field": 1})
    backdate()
    save_raw({**example_profile("manufacturing-small-many-benefits"), "no_such_field": 2})  # not yet checked
    before, after = build_ruleset(data), build_ruleset(with_rd_threshold(data, 100))  # R&D 60 loses
    impact._VALID.clear()
    fast = impact.profile_impact(before, after, [11])
    assert summary(fast) == summary(reference_impact(before, after, [11]))
    assert fast.losses > 0
    assert ReceiptCheck.objects.get().checked_up_to == Receipt.objects.order_by("-id")[1].id


def test_the_beat_task_does_the_check_ahead_of_the_officials(settings):  # noqa: ANN001
    from policies.tasks import check_receipts

    save_raw(example_profile("small-low-profit-limit"))
    bad = save_raw({**example_profile("small-low-profit-limit"), "no_such_field": 1})
    backdate()
    assert check_receipts.delay().get() == bad.id
    assert ReceiptCheck.objects.get().invalid == [bad.id]
    assert settings.CELERY_BEAT_SCHEDULE["policies-check-receipts"]["task"] == check_receipts.name
