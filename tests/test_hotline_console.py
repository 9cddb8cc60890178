"""The hotline console: staff only, search as you type, answer cards, caller check and call log."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from hotline.models import Call
from hotline.search import search_measures
from policies.models import Measure

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def no_rate_limit(settings) -> None:  # noqa: ANN001
    settings.RATE_LIMIT_ENABLED = False


@pytest.fixture
def agent_client(client: Client, hotline_agent: User, catalogue) -> Client:  # noqa: ANN001
    client.force_login(hotline_agent)
    return client


def test_the_hotline_agent_group_exists_after_migrations(db) -> None:  # noqa: ANN001
    group = Group.objects.get(name="热线坐席")
    assert {"add_call", "view_call", "change_call"} <= set(
        group.permissions.values_list("codename", flat=True)
    )


def test_an_anonymous_visitor_is_sent_to_the_hotline_login(client: Client, catalogue) -> None:
    response = client.get("/hotline/?q=稳岗")
    assert response.status_code == 302
    assert response["Location"].startswith("/hotline/login/")


def test_an_official_outside_the_hotline_group_is_refused(client: Client, tax_official: User) -> None:
    client.force_login(tax_official)
    for url in ["/hotline/", "/hotline/measures/12/", "/hotline/calls/", "/hotline/check/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "热线坐席" in response.content.decode()


def test_an_agent_logs_in_on_the_hotline_login_page(client: Client, hotline_agent: User, catalogue) -> None:
    response = client.post("/hotline/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/hotline/"
    assert client.get("/hotline/").status_code == 200


def test_a_superuser_may_use_the_console(client: Client, superuser: User, catalogue) -> None:
    client.force_login(superuser)
    assert client.get("/hotline/").status_code == 200


def test_the_console_searches_without_javascript(agent_client: Client) -> None:
    response = agent_client.get("/hotline/", {"q": "晚点交税可以吗"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "第2条" in html and "<mark>" in html
    # The plain form still works: a GET form with the query box, and htmx on top of it.
    assert 'method="get"' in html and 'hx-get="/hotline/"' in html and "htmx.min.js" in html


def test_search_as_you_type_returns_only_the_results(agent_client: Client) -> None:
    response = agent_client.get(
        "/hotline/", {"q": "稳岗补贴"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert "第9条" in html and "<html" not in html and "记录本次来电" not in html


def test_the_answer_card_says_who_qualifies_deadlines_units_and_the_source(agent_client: Client) -> None:
    response = agent_client.get("/hotline/", {"q": "留抵退税", "m": "12"})
    html = response.content.decode()
    measure = Measure.objects.get(number=12, is_draft=False)
    assert measure.summary in html  # who qualifies, in plain words
    assert "12366" in html  # the responsible unit's phone
    assert "省税务局" in html
    assert "需要申请" in html or measure.get_delivery_display() in html
    for deadline in measure.deadlines.all():
        assert deadline.label in html
    assert "<mark>留抵退税</mark>" in html  # the quoted source sentence, matched words marked
    assert "晋政办发" in html


def test_the_answer_card_loads_alone_for_htmx(agent_client: Client) -> None:
    response = agent_client.get("/hotline/measures/9/", {"q": "稳岗补贴"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "第9条" in html and "<html" not in html


def test_an_unknown_measure_card_is_a_404(agent_client: Client) -> None:
    assert agent_client.get("/hotline/measures/999/", HTTP_HX_REQUEST="true").status_code == 404


def test_the_console_survives_bad_input(agent_client: Client) -> None:
    for params in [
        {"q": ""},
        {"q": "'; DROP TABLE hotline_call; --"},
        {"q": "稳" * 12000},
        {"q": "…"},
        {"m": "abc"},
        {"m": "99999999999"},
        {"q": "稳岗", "m": "-1"},
    ]:
        assert agent_client.get("/hotline/", params).status_code == 200, params


def test_a_number_query_opens_that_measure_at_once(agent_client: Client) -> None:
    html = agent_client.get("/hotline/", {"q": "第十二条"}).content.decode()
    assert 'id="card-title"' in html and "第12条" in html


def test_logging_a_call_records_the_measures_looked_up(agent_client: Client, hotline_agent: User) -> None:
    agent_client.get("/hotline/", {"q": "稳岗补贴", "m": "9"})
    agent_client.get("/hotline/measures/12/", HTTP_HX_REQUEST="true")
    page = agent_client.get("/hotline/").content.decode()
    assert 'value="9, 12"' in page  # prefilled from what was opened during the call
    response = agent_client.post(
        "/hotline/calls/new/",
        {"topic": "稳岗补贴怎么领", "answered": "on", "measure_numbers": "9, 12", "note": ""},
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.agent == hotline_agent and call.answered
    assert sorted(m.number for m in call.measures.all()) == [9, 12]
    assert call.started_at <= timezone.now()
    assert 'value="9, 12"' not in agent_client.get("/hotline/").content.decode()  # the next call starts clean


def test_an_unanswered_question_is_flagged_for_officials(agent_client: Client) -> None:
    agent_client.post(
        "/hotline/calls/new/", {"topic": "外省企业能否享受", "measure_numbers": "", "note": "请税务局答复"}
    )
    call = Call.objects.get()
    assert not call.answered and call.needs_follow_up
    assert list(Call.objects.open_follow_ups()) == [call]
    assert "待部门答复" in agent_client.get("/hotline/calls/").content.decode()


def test_a_call_with_unknown_measure_numbers_gets_a_chinese_field_error(agent_client: Client) -> None:
    response = agent_client.post("/hotline/calls/new/", {"topic": "问题", "measure_numbers": "9, 99, abc"})
    assert response.status_code == 422
    assert "条款序号应为数字" in response.content.decode()
    response = agent_client.post("/hotline/calls/new/", {"topic": "问题", "measure_numbers": "9, 99"})
    assert "没有这些序号的已发布措施:99" in response.content.decode()
    response = agent_client.post("/hotline/calls/new/", {"topic": "", "measure_numbers": "9"})
    assert response.status_code == 422
    assert not Call.objects.exists()


def test_an_agent_sees_only_their_own_calls(agent_client: Client, hotline_agent: User) -> None:
    other = User.objects.create_user("agent2", password=PASSWORD)
    Call.objects.create(agent=other, topic="别人的来电")
    Call.objects.create(agent=hotline_agent, topic="我的来电")
    html = agent_client.get("/hotline/calls/").content.decode()
    assert "我的来电" in html and "别人的来电" not in html


def test_an_agent_cannot_open_the_admin_or_enterprise_data(agent_client: Client) -> None:
    for url in ["/admin/", "/admin/hotline/call/", "/admin/enterprises/receipt/"]:
        response = agent_client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_the_console_never_shows_enterprises_saved_results(agent_client: Client) -> None:
    from enterprises.models import Receipt

    receipt = Receipt.objects.create(
        profile={"employees": 12}, as_of=datetime.date(2022, 5, 10), rules_version="x", answer={"results": []}
    )
    for url in ["/hotline/", "/hotline/?q=留抵退税", "/hotline/calls/", "/hotline/check/"]:
        assert str(receipt.token) not in agent_client.get(url).content.decode(), url


def _call(agent: User, topic: str, numbers: list[int], answered: bool, when: datetime.datetime) -> Call:
    call = Call.objects.create(agent=agent, topic=topic, answered=answered, started_at=when)
    call.measures.set(Measure.objects.published().filter(number__in=numbers))
    return call


def test_officials_see_most_asked_measures_and_unanswered_questions_by_week(
    client: Client, superuser: User, hotline_agent: User, catalogue
) -> None:
    now = timezone.now()
    last_week = now - datetime.timedelta(days=7)
    _call(hotline_agent, "稳岗返还", [9], True, now)
    _call(hotline_agent, "稳岗返还比例", [9, 12], True, now)
    _call(hotline_agent, "外省企业能否享受留抵退税", [12], False, now)
    _call(hotline_agent, "上周的问题", [3], False, last_week)
    client.force_login(superuser)
    response = client.get("/admin/hotline/call/report/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "第9条" in html and "外省企业能否享受留抵退税" in html and "上周的问题" in html
    # Weeks run newest first; this week's most asked measure is 9 (twice).
    assert html.index("第9条") < html.index("上周的问题")
    changelist = client.get("/admin/hotline/call/?follow_up=open").content.decode()
    assert "外省企业能否享受留抵退税" in changelist and "稳岗返还比例" not in changelist
    assert "热线周报" in changelist


def test_officials_edit_synonyms_and_dictionary_in_the_admin(
    client: Client, superuser: User, catalogue
) -> None:
    client.force_login(superuser)
    assert client.get("/admin/hotline/searchsynonym/").status_code == 200
    assert client.get("/admin/hotline/dictionaryword/").status_code == 200
    response = client.post(
        "/admin/hotline/searchsynonym/add/", {"term": "铁路运欧洲", "expansion": "中欧班列", "note": ""}
    )
    assert response.status_code == 302
    assert search_measures("铁路运欧洲")[0].number == 51


def test_the_answer_card_shows_key_figures_from_the_rule_data(agent_client: Client) -> None:
    html = agent_client.get("/hotline/", {"m": "46"}).content.decode()
    assert "关键数字" in html and "80%" in html and "500万元" in html
    html = agent_client.get("/hotline/", {"m": "36"}).content.decode()
    assert "15%" in html


@time_machine.travel(datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_checking_for_a_caller_runs_the_engine_and_gives_a_result_link(agent_client: Client) -> None:
    from enterprises.models import Receipt

    answers = {
        "entity_type": "enterprise",
        "industry": "C36",
        "employees": "120",
        "revenue_wan": "5000",
        "total_assets_wan": "3000",
        "taxable_income_wan": "150",
        "vat_taxpayer": "general",
        "owns_nev": "yes",
        "exports": "",
        "is_specialized_sme": "no",
    }
    response = agent_client.post("/hotline/check/", answers)
    html = response.content.decode()
    assert response.status_code == 200
    receipt = Receipt.objects.get()
    assert receipt.profile["employees"] == 120 and receipt.profile["owns_nev"] is True
    assert "exports" not in receipt.profile  # 不清楚 stays unknown
    assert receipt.as_of == datetime.date(2022, 12, 31)  # today is past the plan: its last day
    assert "按2022年12月31日评估" in html
    link = receipt.get_absolute_url()
    assert link in html
    assert "第3条" in html  # new-energy vehicles: eligible for this caller
    statuses = {r["measure"]: r["status"] for r in receipt.answer["results"]}
    assert statuses[3] == "eligible" and statuses[21] == "ineligible" and statuses[47] == "needs_info"
    # The caller opens the same permanent result page as after a self-check, without logging in.
    agent_client.logout()
    assert agent_client.get(link).status_code == 200


def test_a_caller_check_with_bad_answers_gets_chinese_field_errors(agent_client: Client) -> None:
    from enterprises.models import Receipt

    response = agent_client.post(
        "/hotline/check/", {"industry": "ZZ9", "employees": "-3", "revenue_wan": "很多"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "没有这个行业代码" in html
    assert not Receipt.objects.exists()


def test_the_caller_check_asks_a_follow_up_only_when_it_can_change_a_result(agent_client: Client) -> None:
    page = agent_client.get("/hotline/check/").content.decode()
    assert 'name="revenue_tier_first_reached"' not in page  # nothing is known yet
    small = {"entity_type": "enterprise", "industry": "C36", "revenue_wan": "5000"}
    page = agent_client.post("/hotline/check/", small).content.decode()
    # Under 10亿元 of revenue the first-time tier question cannot change measure 10 ...
    assert 'name="revenue_tier_first_reached"' not in page
    # ... while the clean tax record still decides measure 12.
    assert 'name="vat_refund_clean_record"' in page
    big = {**small, "revenue_wan": "200000"}
    page = agent_client.post("/hotline/check/", big).content.decode()
    assert 'name="revenue_tier_first_reached"' in page
    # Answering it "no" settles measure 10 as ineligible.
    from enterprises.models import Receipt

    agent_client.post("/hotline/check/", {**big, "revenue_tier_first_reached": "no"})
    latest = Receipt.objects.order_by("-pk").first()
    assert {r["measure"]: r["status"] for r in latest.answer["results"]}[10] == "ineligible"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"employees": "10000001"}, "从业人数应在0人到10000000人之间"),
        ({"revenue_wan": "1000000001"}, "营业收入应在0万元到1000000000万元之间"),
        ({"taxable_income_wan": "-1000000001"}, "应纳税所得额应在-1000000000万元到1000000000万元之间"),
    ],
)
def test_the_caller_check_applies_the_contracts_ranges(
    agent_client: Client, data: dict, message: str
) -> None:
    response = agent_client.post("/hotline/check/", data)
    assert response.status_code == 422
    assert message in response.content.decode()


# --- issue 12: the caller check finishes its job, the industry picker, the call log ------------

BASICS = {
    "entity_type": "enterprise",
    "industry": "C36",
    "employees": "120",
    "revenue_wan": "8000",
    "total_assets_wan": "4800",
}


def test_the_caller_check_asks_every_question_that_would_settle_an_open_measure(agent_client: Client) -> None:
    from enterprises.models import Receipt
    from enterprises.selfcheck.forms import QUESTIONS
    from enterprises.selfcheck.receipts import questions_for_missing
    from hotline.forms import caller_question

    html = agent_client.post("/hotline/check/", BASICS).content.decode()
    receipt = Receipt.objects.get()
    wanted = {caller_question(n) for n in questions_for_missing(receipt.answer, receipt.profile)}
    # The questions the issue found missing, among others; each asked in the questionnaire's words.
    assert {
        "ui_premium_last_year_wan",
        "layoff_rate_pct",
        "tax_credit_rating",
        "retained_vat_credit_wan",
        "rd_expense_wan",
    } <= wanted
    for name in wanted:
        assert f'name="{name}"' in html, name
        if name != "industry":
            assert QUESTIONS[name].label in html, name
    assert "待问" in html
    # Answering them settles measures: fewer stay 需补充信息 than after the first check.
    before = sum(r["status"] == "needs_info" for r in receipt.answer["results"])
    answers = {
        **BASICS,
        "ui_premium_last_year_wan": "12",
        "layoff_rate_pct": "1",
        "tax_credit_rating": "A",
        "retained_vat_credit_wan": "80",
        "rd_expense_wan": "300",
        "taxable_income_wan": "150",
        "vat_taxpayer": "general",
    }
    response = agent_client.post("/hotline/check/", answers)
    assert response.status_code == 200
    latest = Receipt.objects.order_by("-pk").first()
    assert latest.profile["layoff_rate_pct"] == 1 and latest.profile["tax_credit_rating"] == "A"
    assert sum(r["status"] == "needs_info" for r in latest.answer["results"]) < before
    # The answers given stay in the form for the next round.
    assert 'value="12"' in response.content.decode()


def test_the_caller_check_gives_a_short_script_not_the_full_result(agent_client: Client) -> None:
    from enterprises.models import Receipt

    html = agent_client.post("/hotline/check/", {**BASICS, "owns_nev": "yes"}).content.decode()
    receipt = Receipt.objects.get()
    eligible = [r for r in receipt.answer["results"] if r["status"] == "eligible"]
    assert eligible
    assert "答复话术" in html and f"您可以享受 <strong>{len(eligible)}</strong> 项政策" in html
    for result in eligible:
        assert f"第{result['measure']}条 {result['title']}" in html
    assert "怎么办、准备什么" in html and "咨询:" in html  # what to prepare, whom to call
    assert receipt.get_absolute_url() in html
    # Not the result page's cards with every reason and working: those stay behind the link.
    assert "measure-result" not in html and "暂不符合" not in html


def test_the_caller_check_fields_are_the_questionnaires_own(agent_client: Client) -> None:
    from enterprises.selfcheck.forms import QUESTIONS
    from hotline.forms import FIRST_QUESTIONS, CallerCheckForm

    form = CallerCheckForm()
    assert list(form.fields) == list(FIRST_QUESTIONS)
    for name in FIRST_QUESTIONS:
        if name != "industry":
            assert form.fields[name].label == QUESTIONS[name].label
    # The contract-1.1 follow-ups are asked only once they can matter, in the questionnaire's words.
    follow_up = CallerCheckForm(asked=[*FIRST_QUESTIONS, "vat_refund_clean_record"])
    assert follow_up.fields["vat_refund_clean_record"].label == QUESTIONS["vat_refund_clean_record"].label


def test_the_industry_picker_takes_a_name_and_lists_matches_without_javascript(agent_client: Client) -> None:
    from enterprises.models import Receipt

    response = agent_client.post("/hotline/check/", {**BASICS, "industry": "机械"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "“机械”对应2个行业,请在下面选择一项" in html
    assert (
        'name="industry_pick" id="id_industry-options-1" value="C38"' in html
        and "电气机械和器材制造业" in html
    )
    assert 'value="C43"' in html
    assert not Receipt.objects.exists()
    # Choosing one of the listed industries is a plain submit; the code is what the engine gets.
    response = agent_client.post("/hotline/check/", {**BASICS, "industry": "机械", "industry_pick": "C38"})
    assert response.status_code == 200
    assert Receipt.objects.get().profile["industry"] == "C38"
    # A full name, or a code with its name as the form shows it, needs no choice.
    agent_client.post("/hotline/check/", {**BASICS, "industry": "汽车制造业"})
    agent_client.post("/hotline/check/", {**BASICS, "industry": "c36 汽车制造业"})
    assert [r.profile["industry"] for r in Receipt.objects.order_by("pk")][1:] == ["C36", "C36"]
    # The form shows the chosen code with its name.
    assert 'value="C36 汽车制造业"' in agent_client.post("/hotline/check/", BASICS).content.decode()


def test_the_industry_options_search_the_catalogue_as_the_user_types(client: Client, catalogue) -> None:  # noqa: ANN001
    html = client.get("/industries/", {"field": "industry", "industry": "机械"}).content.decode()
    assert "C38</span> 电气机械和器材制造业" in html and 'name="industry_pick"' in html
    assert "<html" not in html
    html = client.get(
        "/industries/", {"field": "industry_section", "industry_section": "C36"}
    ).content.decode()
    assert 'name="industry_section_pick"' in html and 'value="C36" checked' in html
    assert "没有找到" in client.get("/industries/", {"q": "外太空"}).content.decode()
    # A hostile field name falls back to the default; nothing is reflected unescaped.
    html = client.get("/industries/", {"field": '"><script>', "q": "<b>机械"}).content.decode()
    assert "<script>" not in html and "<b>" not in html


def test_the_call_log_starts_unticked_and_follows_the_search_and_the_card(agent_client: Client) -> None:
    page = agent_client.get("/hotline/").content.decode()
    assert 'name="answered" id="id_answered">' in page  # 已当场解答 is not ticked for the agent
    fragment = agent_client.get(
        "/hotline/", {"q": "稳岗补贴怎么领"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    ).content.decode()
    assert '<div id="call-topic" hx-swap-oob="true">' in fragment
    assert 'name="topic" id="id_topic" value="稳岗补贴怎么领"' in fragment
    assert 'name="q" value="稳岗补贴怎么领"' in fragment
    card = agent_client.get(
        "/hotline/measures/9/", {"q": "稳岗补贴怎么领"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<div id="call-measures" hx-swap-oob="true">' in card
    assert 'name="m" value="9"' in card and 'name="measure_numbers" id="id_measure_numbers" value="9"' in card


@pytest.mark.parametrize("typed", ["第9条", "9", "九", "第九条, 12"])
def test_the_call_log_reads_measure_numbers_as_the_search_does(agent_client: Client, typed: str) -> None:
    response = agent_client.post("/hotline/calls/new/", {"topic": "稳岗", "measure_numbers": typed})
    assert response.status_code == 302
    assert 9 in {m.number for m in Call.objects.get().measures.all()}


def test_saving_a_call_keeps_the_search_and_the_card(agent_client: Client) -> None:
    agent_client.get("/hotline/measures/9/", {"q": "稳岗补贴"}, HTTP_HX_REQUEST="true")
    response = agent_client.post(
        "/hotline/calls/new/", {"topic": "稳岗补贴", "measure_numbers": "9", "q": "稳岗补贴", "m": "9"}
    )
    assert response.status_code == 302
    page = agent_client.get(response["Location"]).content.decode()
    assert 'id="q" name="q" value="稳岗补贴"' in page and 'id="card-title"' in page and "第9条" in page
    assert "来电已记录" in page
    # The log itself starts clean for the next caller, and the kept card is not counted for it.
    assert 'name="measure_numbers" id="id_measure_numbers" value=""' in page
    assert 'name="topic" id="id_topic" value=""' in page
    # A refused save keeps them too.
    response = agent_client.post("/hotline/calls/new/", {"topic": "", "q": "稳岗补贴", "m": "9"})
    assert response.status_code == 422
    assert 'id="card-title"' in response.content.decode()


@pytest.mark.parametrize(
    ("url", "current"),
    [("/hotline/", "坐席工作台"), ("/hotline/check/", "为来电企业自测"), ("/hotline/calls/", "我的来电记录")],
)
def test_every_console_page_links_the_others_and_marks_itself(
    agent_client: Client, url: str, current: str
) -> None:
    html = agent_client.get(url).content.decode()
    for name in ("坐席工作台", "为来电企业自测", "我的来电记录"):
        assert f">{name}</a>" in html
    assert 'aria-current="page" href="' in html
    marked = html.split('aria-current="page"', 1)[1].split("</a>", 1)[0]
    assert marked.endswith(current)


def test_the_caller_checks_equipment_rows_grow_by_a_plain_submit(agent_client: Client) -> None:
    data = {
        **BASICS,
        "equipment": "yes",
        "equipment-TOTAL_FORMS": "3",
        "equipment-INITIAL_FORMS": "0",
        "equipment-0-unit_value_wan": "600",
        "equipment-0-min_depreciation_years": "10",
        "equipment-0-purchase_date": "2022-03-01",
    }
    html = agent_client.post("/hotline/check/", {**data, "nav": "add_row"}).content.decode()
    assert 'name="equipment-3-unit_value_wan"' in html and 'value="600"' in html
    from enterprises.models import Receipt

    assert not Receipt.objects.exists()  # adding a row is not a check
    assert agent_client.post("/hotline/check/", data).status_code == 200
    assert Receipt.objects.get().profile["equipment"][0]["unit_value_wan"] == 600
