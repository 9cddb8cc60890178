"""The self-check questionnaire in the browser: steps, 不清楚, errors, going back, skipping."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprises.models import Receipt
from enterprises.selfcheck.forms import STEPS
from enterprises.selfcheck.receipts import Rules, save_receipt

pytestmark = pytest.mark.django_db

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "reference" / "examples" / "eligibility"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def form_data(asked: list[str], profile: dict[str, Any]) -> dict[str, str]:
    """What a person would enter on a step page to give these answers."""
    data: dict[str, str] = {}
    for name in asked:
        if name == "industry_section":
            data[name] = (profile.get("industry") or "")[:1]
        elif name == "industry_detail":
            data[name] = profile.get("industry") or ""
        elif name == "equipment":
            items = profile.get("equipment")
            data[name] = "" if items is None else ("yes" if items else "no")
            rows = items or []
            data["equipment-TOTAL_FORMS"] = str(max(len(rows), 3))
            data["equipment-INITIAL_FORMS"] = "0"
            for i, item in enumerate(rows):
                data[f"equipment-{i}-unit_value_wan"] = str(item["unit_value_wan"])
                data[f"equipment-{i}-min_depreciation_years"] = str(item["min_depreciation_years"])
                data[f"equipment-{i}-purchase_date"] = item["purchase_date"]
        else:
            value = profile.get(name)
            if value is None:
                data[name] = ""
            elif isinstance(value, bool):
                data[name] = "yes" if value else "no"
            else:
                data[name] = str(value)
    return data


def walk(client, profile: dict[str, Any], nav: str = "next") -> tuple[str, list[str]]:  # noqa: ANN001
    """Answer every step shown with the profile's values; return the result URL and the steps seen."""
    url = "/check/"
    seen = []
    for _ in range(len(STEPS) + 1):
        page = client.get(url)
        assert page.status_code == 200
        step = page.context["step"]
        seen.append(step.slug)
        data = {**form_data(page.context["plan"].asked, profile), "nav": nav}
        response = client.post(url, data)
        warned = response.status_code == 200 and getattr(response.context["form"], "plausibility_codes", "")
        if warned:
            # A shared example may be implausible on purpose (a 小规模纳税人 with 3,000万元 of sales):
            # the step warns once, and the enterprise confirms the figures as entered.
            response = client.post(url, {**data, "plausible_ok": warned})
        assert response.status_code == 302, response.context["form"].errors
        url = response["Location"]
        if "/check/result/" in url:
            return url, seen
    raise AssertionError("the questionnaire never ended")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_filling_every_step_gives_the_expected_answer_for_each_shared_example(client, catalogue, path):
    case = json.loads(path.read_text(encoding="utf-8"))
    url, _ = walk(client, case["profile"])
    receipt = Receipt.objects.get()
    assert url == receipt.get_absolute_url()
    results = {r["measure"]: r for r in receipt.answer["results"]}
    assert len(results) == catalogue.count()
    for number, expected in case["expect"]["measures"].items():
        got = results[int(number)]
        assert got["status"] == expected["status"], (number, got["reasons"])
        if "amount_yuan" in expected:
            assert got["estimate"]["amount_yuan"] == expected["amount_yuan"]
            assert got["estimate"]["kind"] == expected["kind"]
    assert receipt.answer["size"]["size_class_300"] == case["expect"]["size_class_300"]
    assert client.get(url).status_code == 200


@time_machine.travel("2026-11-26 10:00 +0800", tick=False)
def test_the_questionnaire_is_in_chinese_works_without_javascript_and_shows_money_in_wan(client, catalogue):
    html = client.get("/check/").content.decode()
    assert "基本情况" in html and "评估日期" in html and "不清楚" in html
    assert '<form method="post"' in html
    # The only script is the vendored htmx, for the industry picker's search as you type; every
    # question, that one included, is answered by a plain POST (see the no-JavaScript browser test).
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/vendor/htmx-2.0.11/htmx.min.js" defer>'
    ]
    assert 'name="viewport"' in html
    assert "万元" in html
    # Today is after the plan's period: the evaluation date defaults to its last day, and the page says why.
    assert 'value="2022-12-31"' in html
    assert "今天已不在执行期内,自测默认按执行期内的2022年12月31日评估" in html


@time_machine.travel("2022-05-10 10:00 +0800", tick=False)
def test_inside_the_plans_period_the_evaluation_date_defaults_to_today(client, catalogue):
    html = client.get("/check/").content.decode()
    assert 'value="2022-05-10"' in html
    assert "默认按今天(2022年5月10日)评估" in html


def test_industry_is_chosen_in_two_levels_down_to_the_group_for_real_estate(client, catalogue):
    html = client.get("/check/").content.decode()
    assert 'name="industry_section"' in html and 'hx-get="/industries/?field=industry_section"' in html
    options = client.get(
        "/industries/", {"field": "industry_section", "industry_section": "房地产"}
    ).content.decode()
    assert "K</span> 房地产业" in options
    response = client.post("/check/", {"as_of": "2022-05-10", "industry_section": "K", "nav": "next"})
    assert response["Location"] == "/check/industry/"
    html = client.get("/check/industry/").content.decode()
    assert "K701 房地产开发经营" in html and "K702 物业管理" in html
    assert "C36" not in html
    client.post("/check/industry/", {"industry_detail": "K702", "nav": "next"})
    assert client.session["selfcheck_profile"]["industry"] == "K702"
    # Confirming the section again keeps the group chosen below it.
    client.post("/check/", {"as_of": "2022-05-10", "industry_section": "K", "nav": "next"})
    assert client.session["selfcheck_profile"]["industry"] == "K702"


def test_a_section_whose_divisions_change_nothing_skips_the_division_question(client, catalogue):
    response = client.post("/check/", {"as_of": "2022-05-10", "industry_section": "A", "nav": "next"})
    assert response["Location"] == "/check/tax/"
    page = client.get("/check/")
    assert [item["step"].slug for item in page.context["progress"] if item["skipped"]] == ["industry"]
    assert "(无需回答)" in page.content.decode()


def test_questions_that_can_no_longer_change_any_result_are_skipped(client, catalogue):
    # An individual business cannot get the R&D super-deduction (measure 11), the only use of R&D figures.
    client.post("/check/", {"as_of": "2022-05-10", "entity_type": "individual_business", "nav": "next"})
    page = client.get("/check/investment/")
    asked = page.context["plan"].asked
    assert "rd_expense_wan" not in asked and "is_tech_sme" not in asked
    assert "本年度研发费用" in page.content.decode()  # listed among the skipped questions
    assert "exports" in client.get("/check/trade/").context["plan"].asked


def test_unknown_answers_lead_to_needs_info_with_a_link_back_to_exactly_those_questions(client, catalogue):
    url, _ = walk(client, example("partial-answers")["profile"], nav="finish")
    receipt = Receipt.objects.get()
    statuses = {r["measure"]: r["status"] for r in receipt.answer["results"]}
    assert statuses[7] == "needs_info"
    html = client.get(url).content.decode()
    needs_info = sum(1 for s in statuses.values() if s == "needs_info")
    assert f"回答以下问题可再确定 {needs_info} 项政策" in html
    more = f"/check/result/{receipt.token}/more/"
    assert f"{more}#q-taxable_income_wan" in html
    page = client.get(more)
    asked = set(page.context["form"].fields)
    missing = {f for r in receipt.answer["results"] if r["status"] == "needs_info" for f in r["missing"]}
    expected = {"industry_detail" if f == "industry" else f for f in missing}
    assert asked == expected
    assert 'id="q-taxable_income_wan"' in page.content.decode()
    # Answering them gives a new receipt that settles measure 7; the old link is unchanged.
    response = client.post(
        more,
        {
            "industry_detail": "C36",
            "entity_type": "enterprise",
            "taxable_income_wan": "150",
            "total_assets_wan": "4800",
            "equipment-TOTAL_FORMS": "3",
            "equipment-INITIAL_FORMS": "0",
            "nav": "finish",
        },
    )
    assert response.status_code == 302
    newer = Receipt.objects.exclude(pk=receipt.pk).get()
    assert {r["measure"]: r["status"] for r in newer.answer["results"]}[7] == "eligible"
    assert Receipt.objects.get(pk=receipt.pk).answer == receipt.answer


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"employees": "-5"}, "从业人数不能为负数"),
        ({"employees": "一百二十"}, "从业人数请填写整数"),
        ({"revenue_wan": "abc"}, "营业收入请填写数字(单位:万元)"),
        ({"revenue_wan": "-1"}, "营业收入不能为负数"),
        ({"as_of": "2022-02-30"}, "评估日期不是一个存在的日期"),
        ({"entity_type": "company"}, "请在“企业”、“个体工商户”、“不清楚”中选择一项"),
        ({"industry_section": "Z"}, "没有这个行业代码:Z"),
        # contract 1.1 ranges, the same as the API's
        ({"employees": "10000001"}, "从业人数应在0人到10000000人之间"),
        ({"revenue_wan": "1000000001"}, "营业收入应在0万元到1000000000万元之间"),
        ({"as_of": "1999-12-31"}, "评估日期应在2000年01月01日到2099年12月31日之间"),
    ],
)
def test_bad_answers_get_clear_chinese_field_errors(client, catalogue, data, message):
    response = client.post("/check/", {"as_of": "2022-05-10", **data, "nav": "next"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "有一处回答需要修改" in html
    assert "selfcheck_profile" not in client.session


def test_other_steps_explain_their_errors_too(client, catalogue):
    client.post("/check/", {"as_of": "2022-05-10", "entity_type": "enterprise", "nav": "next"})
    html = client.post("/check/employment/", {"layoff_rate_pct": "120", "nav": "next"}).content.decode()
    assert "上年度裁员率应在0%到100%之间" in html
    data = {
        "equipment": "yes",
        "equipment-TOTAL_FORMS": "3",
        "equipment-INITIAL_FORMS": "0",
        "equipment-0-unit_value_wan": "600",
        "equipment-0-min_depreciation_years": "7",
        "equipment-0-purchase_date": "2022-13-01",
        "equipment-1-unit_value_wan": "800",
        "nav": "next",
    }
    html = client.post("/check/investment/", data).content.decode()
    assert "最低折旧年限只能是3年、4年、5年或10年" in html
    assert "购置日期不是一个存在的日期" in html
    assert "第2台设备的最低折旧年限" in html
    html = client.post(
        "/check/investment/",
        {"equipment": "yes", "equipment-TOTAL_FORMS": "3", "equipment-INITIAL_FORMS": "0"},
    ).content.decode()
    assert "请至少填写一台设备" in html


def test_numbers_are_accepted_as_people_type_them(client, catalogue):
    client.post(
        "/check/",
        {
            "as_of": "2022年5月10日",
            "employees": "１２０",
            "revenue_wan": "8,000万元",
            "total_assets_wan": " 4800.50 ",
            "nav": "next",
        },
    )
    profile = client.session["selfcheck_profile"]
    assert profile["as_of"] == "2022-05-10"
    assert profile["employees"] == 120
    assert profile["revenue_wan"] == 8000
    assert profile["total_assets_wan"] == 4800.5


def test_going_back_keeps_the_answers_of_both_steps(client, catalogue):
    client.post(
        "/check/",
        {
            "as_of": "2022-05-10",
            "industry_section": "C",
            "entity_type": "enterprise",
            "employees": "120",
            "nav": "next",
        },
    )
    client.post("/check/industry/", {"industry_detail": "C36", "nav": "next"})
    response = client.post(
        "/check/tax/", {"taxable_income_wan": "150", "vat_taxpayer": "general", "nav": "back"}
    )
    assert response["Location"] == "/check/industry/"
    page = client.get("/check/")
    form = page.context["form"]
    assert form.initial["employees"] == 120 and form.initial["entity_type"] == "enterprise"
    assert form.initial["industry_section"] == "C"
    html = page.content.decode()
    assert 'value="120"' in html
    tax = client.get("/check/tax/").content.decode()
    assert 'value="150"' in tax
    assert re.search(r'<input[^>]*value="general"[^>]*checked', tax)


def test_not_sure_removes_an_earlier_answer(client, catalogue):
    client.post(
        "/check/", {"as_of": "2022-05-10", "employees": "120", "entity_type": "enterprise", "nav": "next"}
    )
    client.post("/check/", {"as_of": "2022-05-10", "employees": "", "entity_type": "", "nav": "next"})
    profile = client.session["selfcheck_profile"]
    assert "employees" not in profile and "entity_type" not in profile


def test_the_equipment_list_grows_one_row_at_a_time_without_javascript(client, catalogue):
    client.post("/check/", {"as_of": "2022-05-10", "entity_type": "enterprise", "nav": "next"})
    page = client.get("/check/investment/")
    assert page.context["form"].equipment_rows.total_form_count() == 3
    data = {
        "equipment": "yes",
        "equipment-TOTAL_FORMS": "3",
        "equipment-INITIAL_FORMS": "0",
        "equipment-0-unit_value_wan": "600",
        "equipment-0-min_depreciation_years": "3",
        "equipment-0-purchase_date": "2022-03-01",
        "nav": "add_row",
    }
    response = client.post("/check/investment/", data)
    assert response["Location"].startswith("/check/investment/?rows=1")
    page = client.get(response["Location"])
    assert page.context["form"].equipment_rows.total_form_count() == 4
    assert client.session["selfcheck_profile"]["equipment"] == [
        {"unit_value_wan": 600, "min_depreciation_years": 3, "purchase_date": "2022-03-01"}
    ]


def test_unknown_steps_are_not_found_and_restart_clears_the_answers(client, catalogue):
    assert client.get("/check/nope/").status_code == 404
    client.post("/check/", {"as_of": "2022-05-10", "employees": "12", "nav": "next"})
    client.post("/check/restart/")
    assert "selfcheck_profile" not in client.session


FIELD_NAMES = [
    "as_of",
    "industry_section",
    "industry_detail",
    "entity_type",
    "employees",
    "revenue_wan",
    "layoff_rate_pct",
    "equipment",
    "equipment-TOTAL_FORMS",
    "equipment-INITIAL_FORMS",
    "equipment-0-unit_value_wan",
    "equipment-0-min_depreciation_years",
    "equipment-0-purchase_date",
    "nav",
]
garbage = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["-1", "1e309", "NaN", "inf", "9" * 40, "2022-02-30", "0", "yes", "add_row", "back", "finish"]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slug=st.sampled_from([s.slug for s in STEPS]),
    data=st.dictionaries(st.sampled_from(FIELD_NAMES), garbage, max_size=10),
)
def test_garbage_posts_never_give_a_server_error(client, catalogue, slug, data):
    response = client.post(f"/check/{slug}/", {k: v.replace("\x00", "") for k, v in data.items()})
    assert response.status_code in (200, 302)


@time_machine.travel("2026-11-26 10:00 +0800", tick=False)
def test_starting_on_a_later_step_still_evaluates_on_the_default_date(client, catalogue):
    client.post("/check/trade/", {"exports": "yes", "nav": "finish"})
    receipt = Receipt.objects.get()
    assert receipt.as_of.isoformat() == "2022-12-31"


def test_adding_an_equipment_row_on_the_more_questions_page_keeps_what_was_typed(client, catalogue):
    walk(client, {"as_of": "2022-05-10", "industry": "C36", "entity_type": "enterprise"}, nav="finish")
    receipt = Receipt.objects.get()
    more = f"/check/result/{receipt.token}/more/"
    data = {
        "equipment": "yes",
        "equipment-TOTAL_FORMS": "3",
        "equipment-INITIAL_FORMS": "0",
        "equipment-0-unit_value_wan": "600",
        "equipment-0-min_depreciation_years": "3",
        "equipment-0-purchase_date": "2022-03-01",
        "nav": "add_row",
    }
    response = client.post(more, data)
    assert response["Location"] == f"{more}?rows=1#equipment-rows"
    page = client.get(f"{more}?rows=1")
    rows = page.context["form"].equipment_rows
    assert rows.total_form_count() == 4
    assert rows.forms[0].initial["unit_value_wan"] == 600
    # Another receipt's page starts from that receipt's own answers.
    other = save_receipt({"as_of": "2022-05-10", "employees": 5})
    assert client.get(f"/check/result/{other.token}/more/").context["form"].initial["equipment"] == ""


def test_the_new_questions_are_asked_only_when_they_can_change_a_result(client, catalogue):
    from enterprises.selfcheck.forms import STEP_BY_SLUG
    from enterprises.selfcheck.steps import plan_step

    rules = Rules.current()
    tax, investment = STEP_BY_SLUG["tax"], STEP_BY_SLUG["investment"]
    base = {"as_of": "2022-05-10", "industry": "C36", "entity_type": "enterprise"}
    # A retained credit with rating A: the clean record decides measure 12, so it is asked ...
    assert "vat_refund_clean_record" in plan_step(tax, base, rules).asked
    # ... but with revenue under 10亿 the first-time tier question cannot change measure 10.
    small = {**base, "revenue_wan": 8000}
    assert "revenue_tier_first_reached" not in plan_step(investment, small, rules).asked
    big = {**base, "revenue_wan": 200000, "is_chain_leader": True}
    assert "revenue_tier_first_reached" in plan_step(investment, big, rules).asked
    assert "first_batch_in_catalogue" in plan_step(investment, base, rules).asked
