"""Browser scenario: demo_official rebuilds measure 12's rule in the rule builder from an empty
draft, without typing JSON; a golden case turns red, the official fixes the row, saves, and with
four eyes on, demo_reviewer publishes. The published rule is exactly the shipped one."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from policies.rulebuilder.preview import describe as preview_words
from policies.rules_loader import load_ruleset
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery-9"


def shipped_rule(number: int) -> dict:
    data = json.loads((ROOT / "fixtures" / "rules.json").read_text(encoding="utf-8"))
    catalogue = json.loads((ROOT / "fixtures" / "catalogue.json").read_text(encoding="utf-8"))
    pk = next(
        x["pk"] for x in catalogue if x["model"] == "policies.measure" and x["fields"]["number"] == number
    )
    fields = next(
        x["fields"] for x in data if x["model"] == "policies.eligibilityrule" and x["fields"]["measure"] == pk
    )
    return {k: fields[k] for k in ("condition", "estimate", "notes", "citation")}


def demo_users() -> None:
    from django.contrib.auth.models import Group

    from hotline.views import HOTLINE_GROUP
    from policies.apps import sync_officials_group

    # A transactional test before this one flushes the groups that migrations made.
    sync_officials_group(None)
    Group.objects.get_or_create(name=HOTLINE_GROUP)
    call_command("create_demo_users", stdout=io.StringIO())
    for name in ("demo_official", "demo_reviewer"):
        user = User.objects.get(username=name)
        user.set_password(PASSWORD)
        user.save()


def settled(page) -> None:  # noqa: ANN001
    # Playwright's assertions poll without evaluating strings, which the page's CSP forbids.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def swap(page, action: Callable[[], None]) -> None:  # noqa: ANN001
    """Do something that makes htmx post the builder, and wait until the answer is swapped in."""
    with page.expect_response(lambda r: "/rule-builder/" in r.url and r.request.method == "POST"):
        action()
    settled(page)


def add(page, where: str, kind: str) -> None:  # noqa: ANN001
    """Add a row of ``kind`` under row ``where`` (1-based) or at the top level ("top")."""
    select = "#c-top-new" if where == "top" else f"#c-{int(where) - 1}-new"
    page.select_option(select, kind)  # a select's change also refreshes the preview
    settled(page)
    page.wait_for_timeout(100)
    value = "add:c:top" if where == "top" else f"add:c:{int(where) - 1}"
    swap(page, lambda: page.locator(f'button[value="{value}"]').click())


def choose(page, selector: str, value: str) -> None:  # noqa: ANN001
    swap(page, lambda: page.select_option(selector, value))


def tick(page, selector: str) -> None:  # noqa: ANN001
    swap(page, lambda: page.check(selector))


def type_in(page, selector: str, text: str) -> None:  # noqa: ANN001
    page.fill(selector, text)
    swap(page, lambda: page.press(selector, "Tab"))


def pick_industry(page, row: int, query: str, code: str) -> None:  # noqa: ANN001
    page.fill(f"#c-{row - 1}-q", query)
    swap(page, lambda: page.press(f"#c-{row - 1}-q", "Enter"))  # Enter submits 更新预览: a search
    tick(page, f"#c-{row - 1}-codes-{code}")


def test_an_official_rebuilds_measure_12_with_the_builder_and_a_colleague_publishes_it(
    page, catalogue, settings, screenshot, axe_violations
):
    from policies.models import Measure

    settings.RULES_FOUR_EYES = True
    demo_users()
    published = Measure.objects.published().get(number=12)
    shipped_sentence = preview_words(load_ruleset(), 12, published.document.number, timezone.localdate())[
        "condition"
    ]
    assert "评估日期" in shipped_sentence  # the dated extension is part of it
    login(page, "demo_official", PASSWORD)
    page.goto(f"/admin/policies/measure/{published.pk}/change/")
    page.get_by_role("button", name="修改草稿").click()
    page.wait_for_url("**/change/")
    draft = Measure.objects.get(draft_of=published)
    draft.eligibility_rules.all().delete()  # an empty draft: the rule is rebuilt from nothing

    page.get_by_role("link", name="规则编辑器").click()
    page.wait_for_selector("text=还没有条件")
    expect(page.locator("#rb-form.rb-form")).to_be_visible()

    add(page, "top", "all")
    add(page, "1", "field")
    choose(page, "#c-1-field", "retained_vat_credit_wan")
    choose(page, "#c-1-op", ">")
    type_in(page, "#c-1-value", "0")
    add(page, "1", "field")
    choose(page, "#c-2-field", "tax_credit_rating")
    choose(page, "#c-2-op", "in")
    tick(page, "#c-2-values-A")
    add(page, "1", "field")
    choose(page, "#c-3-field", "vat_refund_clean_record")
    choose(page, "#c-3-op", "==")
    choose(page, "#c-3-value", "true")
    add(page, "1", "any")
    add(page, "5", "size")
    choose(page, "#c-5-standard", "refund_300")
    tick(page, "#c-5-classes-micro")
    tick(page, "#c-5-classes-small")
    add(page, "5", "industry")
    for query, code in [
        ("制造业", "C"),
        ("D", "D"),
        ("交通运输", "G"),
        ("I65", "I65"),
        ("科学研究", "M"),
        ("N77", "N77"),
    ]:
        pick_industry(page, 7, query, code)
    type_in(page, "#c-6-label", "制造业等留抵退税行业")
    # The dated extension: from the day a dated parameter names, seven more industries qualify.
    add(page, "5", "all")
    add(page, "8", "as_of")
    choose(page, "#c-8-op", ">=")
    choose(page, "#c-8-param", "m12_more_industries_from")
    add(page, "8", "industry")
    for query, code in [
        ("农、林", "A"),
        ("批发和零售", "F"),
        ("住宿和餐饮", "H"),
        ("居民服务", "O"),
        ("教育", "P"),
        ("卫生和社会工作", "Q"),
        ("文化、体育", "R"),
    ]:
        pick_industry(page, 10, query, code)
    type_in(page, "#c-9-label", "批发零售业等七个留抵退税扩围行业")

    choose(page, "#e-shape", "amount")
    choose(page, "#e-kind", "refund")
    choose(page, "#e-base", "retained_vat_credit_wan")
    type_in(page, "#e-basis", "存量留抵税额{wan(retained_vat_credit_wan)}一次性全部退还 = {wan(result)}")
    tick(page, "#cite-1")
    tick(page, "#cite-2")

    # Only A级 ticked: the software firm with a B rating no longer qualifies, against expectation.
    preview = page.locator(".rb-preview")
    assert "与预期不符" in preview.inner_text()
    assert "software-tech-sme" in page.locator(".rb-case-wrong").inner_text()
    assert "同时满足:存量留抵税额大于0;纳税信用等级为A级" in preview.inner_text()
    page.evaluate("window.scrollTo(0, 0)")  # the preview panel is sticky: show it beside the rows
    screenshot(page, "rule-builder-1280-golden-case-wrong")

    tick(page, "#c-2-values-B")
    assert "所有基准案例都符合预期" in preview.inner_text()
    assert "纳税信用等级为A级或B级" in preview.inner_text()
    assert shipped_sentence in preview.inner_text()  # the engine's words for the shipped rule
    assert "优先安排小微企业" in preview.inner_text()
    violations = axe_violations(page)
    assert violations == [], violations
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "rule-builder-1280-fixed")

    page.get_by_role("button", name="保存到草稿").click()
    page.wait_for_url(f"**/measure/{draft.pk}/change/")
    assert draft.eligibility_rules.get().as_data() == shipped_rule(12)

    # Four eyes: the author is refused, the colleague publishes.
    page.goto(f"/admin/policies/measure/{draft.pk}/publish/")
    assert "四眼原则" in page.inner_text("#content")
    assert page.get_by_role("button", name="确认发布").count() == 0
    page.context.clear_cookies()
    login(page, "demo_reviewer", PASSWORD)
    page.goto(f"/admin/policies/measure/{draft.pk}/publish/")
    changes = page.inner_text("#draft-changes")
    assert "demo_official" in changes and "资格规则" in changes
    screenshot(page, "rule-builder-publish-by-reviewer")
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_selector("text=已发布")

    rule = Measure.objects.published().get(number=12).eligibility_rules.get()
    assert rule.as_data() == shipped_rule(12)


def test_the_builder_works_from_the_keyboard(page, catalogue):
    from policies.models import Measure

    demo_users()
    draft = Measure.objects.published().get(number=3).start_draft()
    login(page, "demo_official", PASSWORD)
    page.goto(f"/admin/policies/measure/{draft.pk}/rule-builder/")
    expect(page.locator("#c-0")).to_be_visible()  # 新能源汽车 等于 是
    button = page.locator('button[value="add:c:top"]')
    page.focus("#c-top-new")
    swap(page, lambda: page.keyboard.press("End"))  # the last kind: 不满足(组)
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    swap(page, lambda: page.keyboard.press("Enter"))
    # Two top-level rows now: the new group is focused, announced by its legend.
    expect(page.locator("#c-1")).to_be_focused()
    expect(page.locator("#c-1 > legend")).to_have_text("第2行 不满足")
    page.keyboard.press("Tab")
    expect(page.locator("#c-1-kind")).to_be_focused()
    assert "组内至少需要一个条件" in page.locator(".rb-preview").inner_text()
    swap(page, lambda: page.locator('button[value="remove:c:1"]').press("Enter"))
    expect(page.locator("#c-0")).to_be_focused()
    assert "拥有新能源汽车" in page.locator(".rb-preview").inner_text()
