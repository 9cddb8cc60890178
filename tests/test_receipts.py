"""Self-check receipts: a permanent, unguessable result link that reads the same after rule changes."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from enterprises.models import Receipt
from enterprises.selfcheck.receipts import save_receipt
from policies import screening
from policies.engine import build_ruleset

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "reference" / "examples" / "eligibility"


def example_profile(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))["profile"]


def statuses(receipt: Receipt) -> dict[int, str]:
    return {r["measure"]: r["status"] for r in receipt.answer["results"]}


def test_a_receipt_keeps_the_profile_the_date_the_rules_version_and_the_answer(catalogue):
    profile = example_profile("manufacturing-small-many-benefits")
    receipt = save_receipt(profile)
    receipt.refresh_from_db()
    assert receipt.profile == profile
    assert receipt.as_of.isoformat() == "2022-05-10"
    _, version = screening.current_rules()
    assert receipt.rules_version == version
    assert receipt.answer["as_of"] == "2022-05-10"
    assert len(receipt.answer["results"]) == 70
    seven = next(r for r in receipt.answer["results"] if r["measure"] == 7)
    assert seven["estimate"]["amount_yuan"] == 325000
    assert seven["citation"]


def test_a_profile_without_a_date_is_stored_with_the_day_it_was_evaluated_for(catalogue):
    receipt = save_receipt({"employees": 12})
    assert receipt.profile["as_of"] == receipt.as_of.isoformat()


def test_the_result_link_is_an_unguessable_random_token_not_a_row_id(client, catalogue):
    first = save_receipt({"as_of": "2022-05-10", "employees": 12})
    second = save_receipt({"as_of": "2022-05-10", "employees": 12})
    assert first.token != second.token
    assert first.token.version == 4
    assert str(first.token) in first.get_absolute_url()
    assert str(first.pk) not in first.get_absolute_url().split("/")
    assert client.get(first.get_absolute_url()).status_code == 200
    assert client.get(f"/check/result/{first.pk}/").status_code == 404
    assert client.get(f"/check/result/{uuid.uuid4()}/").status_code == 404
    assert client.get("/check/result/not-a-token/").status_code == 404
    assert 'name="robots" content="noindex"' in client.get(first.get_absolute_url()).content.decode()


def changed_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publish different rules: the small low-profit ceiling drops from 300 to 100 (万元)."""
    data = json.loads((ROOT / "fixtures" / "rules_source.json").read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    text = json.dumps(changed["size_standards"], ensure_ascii=False)
    assert '"field": "taxable_income_wan", "op": "<=", "value": 300' in text
    text = text.replace(
        '"field": "taxable_income_wan", "op": "<=", "value": 300',
        '"field": "taxable_income_wan", "op": "<=", "value": 100',
    )
    changed["size_standards"] = json.loads(text)
    ruleset = build_ruleset(changed)
    monkeypatch.setattr(screening, "current_rules", lambda: (ruleset, "changed-rules"))


def test_the_receipt_reads_the_same_after_the_rules_change_and_offers_a_recheck(
    client, catalogue, monkeypatch
):
    receipt = save_receipt(example_profile("manufacturing-small-many-benefits"))
    before = client.get(receipt.get_absolute_url()).content.decode()
    assert statuses(receipt)[7] == "eligible"
    assert "此后规则已有更新" not in before

    changed_rules(monkeypatch)
    after = client.get(receipt.get_absolute_url()).content.decode()
    assert "此后规则已有更新" in after
    # The stored answer is shown as it was: same statuses, same working, same version stamp.
    noise = re.compile(
        r'<div class="alert alert-warning" role="status">.*?</div>|name="csrfmiddlewaretoken" value="[^"]*"',
        re.S,
    )

    def normalise(html: str) -> str:
        return re.sub(r"\s+", " ", noise.sub("", html))

    assert normalise(after) == normalise(before)
    assert "150万元 × 25% − (100万元 × 2.5% + 50万元 × 5%) = 32.5万元" in after
    assert receipt.rules_version in after

    response = client.post(f"/check/result/{receipt.token}/recheck/")
    newer = Receipt.objects.exclude(pk=receipt.pk).get()
    assert response["Location"] == newer.get_absolute_url()
    assert newer.rules_version == "changed-rules"
    assert statuses(newer)[7] == "ineligible"
    assert Receipt.objects.get(pk=receipt.pk).answer == receipt.answer


def test_in_force_and_expired_measures_are_kept_apart(client, catalogue):
    profile = {**example_profile("manufacturing-small-many-benefits"), "as_of": "2023-06-01"}
    receipt = save_receipt(profile)
    html = client.get(receipt.get_absolute_url()).content.decode()
    in_force, expired = html.split('id="expired-h"')
    # Measure 5 runs to 2024-12-31; the rest of the plan ended on 2022-12-31.
    assert 'id="m5"' in in_force and 'id="m7"' not in in_force
    assert 'id="m7"' in expired
    assert "评估日不在执行期内的政策(69项)" in html


def test_the_result_page_explains_each_measure_criterion_by_criterion(client, catalogue):
    receipt = save_receipt(example_profile("manufacturing-small-many-benefits"))
    html = client.get(receipt.get_absolute_url()).content.decode()
    for heading in ("可享受(12项)", "需补充信息(0项)", "暂不符合(7项)", "相关信息(51项)"):
        assert heading in html
    card = html[html.index('id="m12"') : html.index('id="m47"')]
    assert "符合</strong>:存量留抵税额80万元,大于0" in card
    assert "预计退还:约80万元" in card and "(800,000元)" in card
    assert "计算过程:存量留抵税额80万元一次性全部退还 = 80万元" in card
    assert "<li>2022年6月30日:" in card
    assert "<li>2022年4月30日" not in card  # the micro-enterprise deadline does not apply
    assert "省税务局(咨询电话 12366)" in card
    assert "需要申请,请在2022年6月30日前办理" in card  # the deadline named, not "the deadline"
    assert "晋政办发〔2022〕34号)第12条" in card
    assert "对小微企业的存量留抵税额于6月底前一次性全部退还" in card
    seven = html[html.index('id="m7"') : html.index('id="m9"')]
    assert "申报时自动享受,无需另行申请" in seven
    assert "企业规模:按300号标准为小型企业" in html


def test_a_single_missing_condition_the_enterprise_cannot_change_gets_no_advice(client, catalogue):
    # The credit rating is assessed by the tax office once a year: nothing to advise on the page.
    receipt = save_receipt(example_profile("loss-making"))
    html = client.get(receipt.get_absolute_url()).content.decode()
    card = html[html.index('id="m12"') :]
    card = card[: card.index("</article>")]
    assert "暂不符合" in card and "纳税信用等级为C级" in card
    assert "what-if" not in card and "只差一项" not in card


def test_the_result_page_prints_without_navigation_or_buttons(client, catalogue):
    receipt = save_receipt(example_profile("software-tech-sme"))
    html = client.get(receipt.get_absolute_url()).content.decode()
    assert "css/selfcheck.css" in html
    css = (ROOT / "static" / "css" / "selfcheck.css").read_text(encoding="utf-8")
    assert "@media print" in css and "break-inside: avoid" in css and "break-after: avoid" in css
    for form in re.findall(r"<form[^>]*>", html):
        if "display_preferences" in form or "/display/" in form:
            continue  # the shared header is hidden in print as a whole
        assert "no-print" in form or "reminder-subscribe" in form, form
    assert 'class="no-print mb-4" id="subscribe"' in html
    assert str(receipt.token) in html  # the printed page carries its own link


def test_the_subscribe_form_posts_the_receipt_to_the_reminders_view(client, catalogue):
    receipt = save_receipt(example_profile("manufacturing-small-many-benefits"))
    html = client.get(receipt.get_absolute_url()).content.decode()
    assert 'action="/reminders/subscribe/"' in html
    assert f'name="receipt" value="{receipt.token}"' in html
    response = client.post(
        "/reminders/subscribe/",
        {"email": "caiwu@example.com", "consent": "on", "receipt": str(receipt.token)},
    )
    assert response.status_code == 302


def test_changing_the_answers_starts_from_the_receipt(client, catalogue):
    receipt = save_receipt(example_profile("software-tech-sme"))
    response = client.post(f"/check/result/{receipt.token}/edit/")
    assert response["Location"] == "/check/"
    assert client.session["selfcheck_profile"] == receipt.profile
    html = client.get("/check/").content.decode()
    assert 'value="180"' in html
    response = client.post(f"/check/result/{receipt.token}/edit/", {"step": "tax"})
    assert response["Location"] == "/check/tax/"
    assert client.get(f"/check/result/{receipt.token}/edit/").status_code == 405


def test_a_receipt_reads_the_same_after_an_official_publishes_a_new_rule(client, catalogue):
    from tests.test_impact_preview import stricter_draft_of_measure_11

    receipt = save_receipt(example_profile("small-low-profit-limit"))
    assert statuses(receipt)[11] == "eligible"
    stricter_draft_of_measure_11(100).publish()

    html = client.get(receipt.get_absolute_url()).content.decode()
    assert "此后规则已有更新" in html
    card = html[html.index('id="m11"') :]
    assert "可享受" in card[: card.index("</h4>")]
    assert "研发费用60万元,大于0" in card
    client.post(f"/check/result/{receipt.token}/recheck/")
    newer = Receipt.objects.exclude(pk=receipt.pk).get()
    assert statuses(newer)[11] == "ineligible"
    assert newer.rules_version != receipt.rules_version
