"""Browser scenario (issue 12, the official): the measure list opens on the official's units and
stays readable at 1280 px; a published measure offers no 保存 and another unit's says why; the
publish page lists every change and warns that the summary still quotes the old deadline; the
history is in Chinese. Screenshots at 1280 and 375 px; axe-core on each page."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def both_widths(page, screenshot, name: str) -> None:  # noqa: ANN001
    """Screenshots of the current page at 1280 and at 375 px wide (then back to 1280)."""
    screenshot(page, f"official-{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, f"official-{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_official_reviews_a_changed_deadline_before_publishing(
    page, catalogue, tax_official, screenshot, axe_violations
):
    from policies.models import Measure

    login(page, "tax_official")

    # The list: own units by default, 标题 on one or two lines at 1280 px.
    page.goto("/admin/policies/measure/")
    rows = page.locator("#result_list tbody tr")
    own = Measure.objects.published().filter(units__name="省税务局").count()
    assert rows.count() == own < 70
    assert "我的单位(省税务局)" in page.inner_text("#changelist-filter")
    title_width = page.locator("#result_list td.field-title").first.bounding_box()["width"]
    assert title_width >= 200, title_width  # 16em: about twelve characters a line, not two
    # Every column fits: no horizontal scrolling of the list at 1280 px.
    assert page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results'); return r.scrollWidth <= r.clientWidth; })()"
    )
    assert axe_violations(page) == []
    both_widths(page, screenshot, "measure-list")

    # A published measure of their own: no 保存, the way to change it.
    measure = Measure.objects.get(number=12)
    page.goto(f"/admin/policies/measure/{measure.pk}/change/")
    assert page.locator("input[name=_save], input[name=_continue]").count() == 0
    assert "点击右上角“修改草稿”" in page.inner_text("#content")
    assert axe_violations(page) == []

    # Another unit's measure: read-only, and why.
    other = Measure.objects.get(number=9)
    page.goto(f"/admin/policies/measure/{other.pk}/change/")
    reason = page.inner_text(".readonly-reason")
    assert "责任单位是省人社厅、省财政厅" in reason and "您所属的单位是省税务局" in reason
    assert page.locator("input[name=_save]").count() == 0
    assert axe_violations(page) == []
    both_widths(page, screenshot, "other-units-measure")

    # A draft moves the 6月30日 deadline to 7月31日; the summary still says 6月30日前.
    page.goto(f"/admin/policies/measure/{measure.pk}/change/")
    page.get_by_role("button", name="修改草稿").click()
    page.wait_for_url("**/change/")
    draft = Measure.objects.get(draft_of=measure)
    index = list(draft.deadlines.order_by("id").values_list("date", flat=True)).index(
        datetime.date(2022, 6, 30)
    )
    page.fill(f"input[name=deadlines-{index}-date]", "2022-07-31")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    page.get_by_role("link", name="发布…").click()
    diff = page.inner_text("#draft-diff")
    assert (
        "2022-06-30 小型企业等存量留抵税额集中退还" in diff
        and "2022-07-31 小型企业等存量留抵税额集中退还" in diff
    )
    warnings = page.inner_text("#publish-warnings")
    assert "通俗解读写着“2022年6月30日前”" in warnings and "2022-07-31" in warnings
    assert axe_violations(page) == []
    both_widths(page, screenshot, "publish-diff-and-warning")

    page.get_by_role("button", name="确认发布").click()
    page.wait_for_selector("text=已发布")

    # History: Chinese headers, what changed, no None.
    page.goto(f"/admin/policies/measure/{measure.pk}/history/")
    content = page.inner_text("#content")
    for english in ("DRAFT_FROM_VERSION", "CHANGES", "None"):
        assert english not in content
    assert "修改了什么" in content and "日期:2022-06-30 → 2022-07-31" in content
    assert axe_violations(page) == []
    both_widths(page, screenshot, "history")
