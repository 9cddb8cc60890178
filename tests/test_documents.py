"""Several policy documents: numbering within a document, URLs, lineage, the API and results.

The `second_document` fixture publishes a later document beside the seed plan: 第1条 extends the
seed's 第9条 (稳岗返还) with the same rule, and 第9条 reuses the seed's number on purpose.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import orjson
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from hotline.search import search_measures

SEED = "晋政办发〔2022〕34号"
LATER = "晋政办发〔2023〕5号"
LATER_TITLE = "山西省2023年稳增长若干措施"


def _publish(document: Any, number: int, title: str, text: str, template: Any) -> Any:
    from policies.models import Measure, MeasureUnit

    measure = Measure.objects.create(
        document=document,
        number=number,
        title=title,
        text=text,
        summary="",
        category=template.category,
        valid_from=document.valid_from,
        valid_until=document.valid_until,
        delivery=template.delivery,
        is_draft=False,
        published_at=timezone.now(),
    )
    for position, mu in enumerate(template.measure_units.all()):
        MeasureUnit.objects.create(measure=measure, unit=mu.unit, position=position)
    return measure


@pytest.fixture
def second_document(catalogue) -> Any:  # noqa: ANN001
    from policies.models import EligibilityRule, Measure, MeasureLink, PolicyDocument

    document = PolicyDocument.objects.create(
        number=LATER,
        title=LATER_TITLE,
        issuer="山西省人民政府办公厅",
        issued_on=datetime.date(2023, 1, 1),
        valid_from=datetime.date(2023, 1, 1),
        valid_until=datetime.date(2023, 12, 31),
    )
    seed9 = Measure.objects.published().numbered(9).get()
    seed36 = Measure.objects.published().numbered(36).get()
    extended = _publish(document, 1, "延续实施稳岗返还政策", seed9.text, seed9)
    rule = seed9.eligibility_rules.get()
    EligibilityRule.objects.create(
        measure=extended,
        condition=rule.condition,
        estimate=rule.estimate,
        notes=rule.notes,
        citation=rule.citation,
    )
    _publish(document, 9, "支持企业技术改造", seed36.text, seed36)
    MeasureLink.objects.create(
        measure=seed9, successor=extended, kind="extends", date=datetime.date(2023, 1, 1)
    )
    return document


# --- numbering and the model's rules ------------------------------------------------------------


@pytest.mark.django_db
def test_the_seed_document_keeps_its_addresses_after_the_migration(catalogue) -> None:
    from policies.models import PolicyDocument

    seed = PolicyDocument.objects.get(number=SEED)
    assert seed.legacy_urls
    assert catalogue.get(number=12).get_absolute_url() == "/measures/12/"


@pytest.mark.django_db
def test_numbers_repeat_across_documents_but_not_within_one(second_document) -> None:
    from policies.models import Measure

    assert Measure.objects.published().filter(number=9).count() == 2
    clash = Measure(
        document=second_document,
        number=9,
        title="重复",
        text="重复",
        category=Measure.objects.published().first().category,
    )
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert "本文件已有第9条" in str(error.value)


@pytest.mark.django_db
def test_a_draft_cannot_move_to_another_document(second_document, catalogue) -> None:
    draft = catalogue.get(number=12).start_draft()
    draft.document = second_document
    with pytest.raises(ValidationError) as error:
        draft.full_clean()
    assert "修改草稿不能改变所属文件" in str(error.value)


@pytest.mark.django_db
def test_a_draft_of_a_later_documents_measure_publishes_onto_it(second_document) -> None:
    from policies.models import Measure

    later9 = Measure.objects.published().numbered(9, second_document).get()
    draft = later9.start_draft()
    draft.title = "支持企业技术改造(修订)"
    draft.full_clean()
    draft.save()
    assert draft.publish().pk == later9.pk
    assert Measure.objects.published().numbered(9).get().title != "支持企业技术改造(修订)"  # the seed's


@pytest.mark.django_db
def test_a_lineage_link_must_point_to_another_documents_published_measure(second_document, catalogue) -> None:
    from policies.models import MeasureLink

    link = MeasureLink(
        measure=catalogue.numbered(9).get(),
        successor=catalogue.numbered(10).get(),
        date=datetime.date(2023, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "后续条款应出自其他政策文件" in str(error.value)


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_old_links_and_new_links_reach_the_right_measure(client: Client, second_document) -> None:
    seed_page = client.get("/measures/9/").content.decode()
    assert "第9条" in seed_page and SEED in seed_page
    later = client.get(f"/documents/{second_document.pk}/measures/9/")
    assert later.status_code == 200
    assert "支持企业技术改造" in later.content.decode() and LATER in later.content.decode()
    # The seed's measures answer under /documents/<id>/ too, by a permanent redirect.
    from policies.models import PolicyDocument

    seed = PolicyDocument.objects.get(number=SEED)
    moved = client.get(f"/documents/{seed.pk}/measures/9/")
    assert moved.status_code == 301 and moved["Location"] == "/measures/9/"
    assert client.get(f"/documents/{second_document.pk}/measures/70/").status_code == 404


@pytest.mark.django_db
def test_the_measure_page_states_the_lineage_both_ways(client: Client, second_document) -> None:
    seed = client.get("/measures/9/").content.decode()
    assert f"本条已于2022年12月31日到期;延续政策:《{LATER_TITLE}》({LATER})第1条,执行至2023年12月31日" in seed
    later = client.get(f"/documents/{second_document.pk}/measures/1/").content.decode()
    assert f"本条延续《山西省促进工业经济平稳增长行动方案》({SEED})第9条" in later


@pytest.mark.django_db
def test_the_catalogue_lists_and_filters_both_documents(client: Client, second_document) -> None:
    page = client.get("/measures/")
    text = page.content.decode()
    assert "共 72 条" in text and LATER in text
    assert f'href="/documents/{second_document.pk}/measures/9/"' in text
    only = client.get(f"/measures/?document={second_document.pk}").content.decode()
    assert "共 2 条" in only
    unknown = client.get("/measures/?document=999999")
    assert unknown.status_code == 400 and "未找到该政策文件" in unknown.content.decode()


@pytest.mark.django_db
def test_the_catalogue_pages_past_a_hundred_measures(client: Client, catalogue) -> None:
    from policies.models import Measure, PolicyDocument

    big = PolicyDocument.objects.create(
        number="晋政发〔2024〕1号",
        title="大文件",
        issuer="山西省人民政府",
        issued_on=datetime.date(2024, 1, 1),
        valid_from=datetime.date(2024, 1, 1),
    )
    template = catalogue.get(number=1)
    Measure.objects.bulk_create(
        Measure(
            document=big, number=n, title=f"措施{n}", text="正文", category=template.category, is_draft=False
        )
        for n in range(1, 61)
    )
    first = client.get("/measures/").content.decode()
    assert "共 130 条,第 1/2 页" in first and "下一页" in first
    second = client.get("/measures/?page=2").content.decode()
    assert "措施60" in second
    assert client.get("/measures/?page=abc").status_code == 200


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_documents_endpoint(client: Client, second_document) -> None:
    body = client.get("/api/v1/documents").json()
    assert [d["number"] for d in body] == [SEED, LATER]
    assert body[0]["measure_count"] == 70 and body[1]["measure_count"] == 2
    assert body[1]["valid_until"] == "2023-12-31"


@pytest.mark.django_db
def test_measures_name_their_document_and_filter_by_it(client: Client, second_document) -> None:
    everything = client.get("/api/v1/measures").json()
    assert len(everything) == 72
    assert [(m["document"], m["number"]) for m in everything][68:] == [
        (SEED, 69),
        (SEED, 70),
        (LATER, 1),
        (LATER, 9),
    ]
    by_number = client.get("/api/v1/measures", {"document": LATER}).json()
    by_id = client.get("/api/v1/measures", {"document": str(second_document.pk)}).json()
    assert by_number == by_id and [m["number"] for m in by_number] == [1, 9]
    assert by_number[1]["url"].endswith(f"/documents/{second_document.pk}/measures/9/")
    bad = client.get("/api/v1/measures", {"document": "没有这个文号"})
    assert bad.status_code == 404 and bad.json()["errors"][0]["field"] == "document"


@pytest.mark.django_db
def test_one_measure_by_number_means_the_seed_unless_a_document_is_given(
    client: Client, second_document
) -> None:
    seed9 = client.get("/api/v1/measures/9").json()
    assert seed9["document"] == SEED and seed9["url"].endswith("/measures/9/")
    assert seed9["successors"] == [
        {
            "kind": "extends",
            "kind_label": "延续",
            "date": "2023-01-01",
            "document": LATER,
            "number": 1,
            "title": "延续实施稳岗返还政策",
            "url": f"http://testserver/documents/{second_document.pk}/measures/1/",
        }
    ]
    assert "predecessors" not in seed9
    later1 = client.get("/api/v1/measures/1", {"document": LATER}).json()
    assert later1["predecessors"][0]["document"] == SEED and later1["predecessors"][0]["number"] == 9
    assert client.get("/api/v1/measures/70", {"document": LATER}).status_code == 404


@pytest.mark.django_db
def test_a_measure_without_lineage_answers_exactly_the_old_fields_plus_document(
    client: Client, catalogue
) -> None:
    body = client.get("/api/v1/measures/12").json()
    assert list(body) == [
        "number",
        "document",
        "title",
        "category",
        "responsible_units",
        "valid_from",
        "valid_until",
        "url",
        "text",
        "summary",
        "deadlines",
    ]


PROFILE = {
    "as_of": "2022-05-10",
    "industry": "C36",
    "entity_type": "enterprise",
    "employees": 120,
    "revenue_wan": 8000,
    "total_assets_wan": 6000,
    "ui_premium_last_year_wan": 20,
    "layoff_rate_pct": 3,
}


def _strip_documents(body: dict) -> dict:
    return {**body, "results": [{k: v for k, v in r.items() if k != "document"} for r in body["results"]]}


@pytest.mark.django_db
def test_with_the_seed_alone_the_eligibility_answer_is_the_old_one_plus_document(
    client: Client, catalogue
) -> None:
    """Byte for byte: the answer minus `document` is what the engine gives for rules naming no document."""
    from policies.engine import build_ruleset, screen, validate_profile
    from policies.rules_loader import ruleset_data

    response = client.post("/api/v1/eligibility", PROFILE, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert {r["document"] for r in body["results"]} == {SEED}
    assert list(body["results"][0])[:3] == ["measure", "document", "title"]
    data = ruleset_data()
    data["measures"] = [{k: v for k, v in m.items() if k != "document"} for m in data["measures"]]
    old = screen(validate_profile(PROFILE), build_ruleset(data)).as_dict()
    assert "document" not in old["results"][0]
    assert orjson.dumps(_strip_documents(body)) == orjson.dumps(old)


@pytest.mark.django_db
def test_eligibility_across_documents_and_restricted_to_one(client: Client, second_document) -> None:
    on_2023 = {**PROFILE, "as_of": "2023-03-01"}
    body = client.post("/api/v1/eligibility", on_2023, content_type="application/json").json()
    keys = [(r["document"], r["measure"]) for r in body["results"]]
    assert len(keys) == 72 and keys[:2] == [(SEED, 1), (SEED, 2)] and keys[-2:] == [(LATER, 1), (LATER, 9)]
    seed9 = next(r for r in body["results"] if r["document"] == SEED and r["measure"] == 9)
    later1 = next(r for r in body["results"] if r["document"] == LATER and r["measure"] == 1)
    assert seed9["status"] == later1["status"] == "eligible"
    assert seed9["in_force"] is False and later1["in_force"] is True
    only = client.post(
        f"/api/v1/eligibility?document={LATER}", on_2023, content_type="application/json"
    ).json()
    assert [(r["document"], r["measure"]) for r in only["results"]] == [(LATER, 1), (LATER, 9)]
    assert only["results"][0] == later1
    seed_only = client.post(f"/api/v1/eligibility?document={SEED}", on_2023, content_type="application/json")
    assert len(seed_only.json()["results"]) == 70
    bad = client.post("/api/v1/eligibility?document=nope", {"employees": -1}, content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"document", "employees"}


@pytest.mark.django_db
def test_the_openapi_document_lists_the_new_endpoint_and_parameter(client: Client, catalogue) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/documents" in spec["paths"]
    params = spec["paths"]["/api/v1/eligibility"]["post"]["parameters"]
    assert any(p["name"] == "document" for p in params)


# --- the self-check and its result ------------------------------------------------------------


def _answer_and_finish(client: Client, as_of: str) -> str:
    """A receipt for PROFILE on ``as_of``, the way the questionnaire's last step saves one."""
    from enterprises.selfcheck.receipts import save_receipt

    return save_receipt({**PROFILE, "as_of": as_of}).get_absolute_url()


@pytest.mark.django_db
def test_the_result_names_the_documents_in_force_and_the_successor(client: Client, second_document) -> None:
    url = _answer_and_finish(client, "2023-03-01")
    page = client.get(url).content.decode()
    assert (
        f"《{LATER_TITLE}》({LATER}),执行期2023-01-01至2023-12-31:<strong>评估日在执行期内</strong>" in page
    )
    assert f"({SEED}),执行期2022-04-14至2022-12-31:评估日不在执行期内" in page
    # The seed's 第9条 expired on 2022-12-31: the result says where it went, with a link.
    assert "本条已于2022年12月31日到期;延续政策:" in page
    assert f'href="/documents/{second_document.pk}/measures/1/"' in page
    assert f"{LATER}第1条 延续实施稳岗返还政策" in page


@pytest.mark.django_db
def test_the_result_pdf_names_the_documents(client: Client, second_document) -> None:
    pytest.importorskip("weasyprint")
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from enterprises.models import Receipt
    from enterprises.selfcheck.presentation import result_page_context

    url = _answer_and_finish(client, "2023-03-01")
    receipt = Receipt.objects.get(token=url.rstrip("/").split("/")[-1])
    request = RequestFactory().get(url)
    html = render_to_string(
        "enterprises/result_pdf.html", result_page_context(request, receipt), request=request
    )
    assert f"《{LATER_TITLE}》({LATER},评估日在执行期内)" in html


@pytest.mark.django_db
def test_a_seed_only_receipt_looks_as_before(client: Client, catalogue) -> None:
    page = client.get(_answer_and_finish(client, "2022-05-10")).content.decode()
    assert f"政策依据:《山西省促进工业经济平稳增长行动方案》({SEED})" in page
    assert 'href="/measures/9/"' in page and 'id="m9"' in page


@pytest.mark.django_db
def test_the_evaluation_day_can_be_chosen_per_document(client: Client, second_document) -> None:
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC), tick=False):
        page = client.get("/check/").content.decode()
        assert "快速选择评估日期" in page
        assert "?as_of=2026-12-01" in page and "?as_of=2023-12-31" in page and "?as_of=2022-12-31" in page
        response = client.get("/check/?as_of=2023-12-31")
        assert response.status_code == 302
        assert client.session["selfcheck_profile"]["as_of"] == "2023-12-31"
        assert 'value="2023-12-31"' in client.get("/check/").content.decode()
        # A day that is not one of the offered choices is ignored rather than stored.
        assert client.get("/check/?as_of=1999-01-01").status_code == 200


@pytest.mark.django_db
def test_the_default_day_is_inside_the_latest_document_when_today_is_in_none(second_document) -> None:
    from enterprises.selfcheck.steps import default_as_of

    assert default_as_of(datetime.date(2026, 12, 1)).date == datetime.date(2023, 12, 31)
    assert default_as_of(datetime.date(2023, 5, 1)).date == datetime.date(2023, 5, 1)


@pytest.mark.django_db
def test_with_the_seed_alone_the_default_day_is_the_plans_last(catalogue) -> None:
    from enterprises.selfcheck.steps import default_as_of

    found = default_as_of(datetime.date(2026, 12, 1))
    assert found.date == datetime.date(2022, 12, 31) and found.window == (
        datetime.date(2022, 4, 14),
        datetime.date(2022, 12, 31),
    )


# --- search, hotline, reminders ---------------------------------------------------------------


@pytest.mark.django_db
def test_search_results_name_their_document(client: Client, second_document) -> None:

    found = search_measures("技术改造", limit=10)
    documents = {m.document.number for m in found}
    assert LATER in documents and SEED in documents
    page = client.get("/search/", {"q": "技术改造"}).content.decode()
    assert LATER_TITLE in page
    api = client.get("/api/v1/search", {"q": "第9条"}).json()
    assert api["results"][0]["measure"] == 9  # a bare number is the seed plan's
    assert api["results"][0]["document"] == SEED
    items = client.get("/api/v1/search", {"q": "技术改造"}).json()["results"]
    assert {i["document"] for i in items} == {SEED, LATER}


@pytest.mark.django_db
def test_the_hotline_card_and_call_log_take_a_documents_measures(
    client: Client, hotline_agent, second_document
) -> None:
    from hotline.models import Call

    client.force_login(hotline_agent)
    key = f"{second_document.pk}-9"
    card = client.get(f"/hotline/measures/{key}/", HTTP_HX_REQUEST="true")
    assert card.status_code == 200 and LATER in card.content.decode()
    assert client.get("/hotline/measures/9/", HTTP_HX_REQUEST="true").status_code == 200
    assert client.get("/hotline/measures/x-9/", HTTP_HX_REQUEST="true").status_code == 404
    response = client.post(
        "/hotline/calls/new/", {"topic": "技改", "answered": "on", "measure_numbers": f"9, {key}"}
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert sorted((m.document.number, m.number) for m in call.measures.all()) == [(SEED, 9), (LATER, 9)]


@pytest.mark.django_db
def test_reminders_are_judged_per_document(second_document) -> None:
    from enterprises.reminders import outcomes as reminder_outcomes
    from policies.models import Measure
    from policies.screening import published_rules

    ruleset = published_rules()
    outcomes = reminder_outcomes.evaluate(ruleset, PROFILE, datetime.date(2023, 3, 1))
    assert outcomes[(SEED, 9)].status == outcomes[(LATER, 1)].status == "eligible"
    assert outcomes[(LATER, 9)].status == "informational"
    later9 = Measure.objects.published().numbered(9, second_document).get()
    assert reminder_outcomes.measure_key(later9) == (LATER, 9)


@pytest.mark.django_db
def test_the_reminder_email_names_the_document(second_document) -> None:
    from django.template.loader import render_to_string

    from policies.models import Deadline, Measure

    measure = Measure.objects.published().numbered(1, second_document).get()
    deadline = Deadline.objects.create(measure=measure, date=datetime.date(2023, 6, 30), label="申报截止")
    text = render_to_string(
        "enterprises/subscriptions/email/reminder.txt",
        {"measure": measure, "deadline": deadline, "days_left": 7, "units": [], "reasons": [], "missing": []},
    )
    assert f"政策文件:《{LATER_TITLE}》({LATER})" in text
    subject = render_to_string(
        "enterprises/subscriptions/email/reminder_subject.txt",
        {"measure": measure, "deadline": deadline, "days_left": 7},
    )
    assert subject.strip().endswith(f"截止({LATER})")


@pytest.mark.django_db
def test_the_rule_set_keys_measures_by_document_and_number(second_document) -> None:
    from policies import rules_loader

    ruleset = rules_loader.load_ruleset()
    assert ruleset.documents() == (SEED, LATER)
    assert ruleset.measure(9).document == SEED
    assert ruleset.measure(9, LATER).title == "支持企业技术改造"
    only = rules_loader.load_ruleset(document=LATER)
    assert [(m.document, m.number) for m in only.measures] == [(LATER, 1), (LATER, 9)]


def test_the_engine_names_no_document_when_the_data_names_none() -> None:
    """The engine's public behaviour is unchanged for rule data without documents."""
    from pathlib import Path

    from policies.engine import build_ruleset, screen, validate_profile

    data = json.loads((Path(__file__).parent.parent / "fixtures" / "rules_source.json").read_text())
    result = screen(validate_profile({"as_of": "2022-05-10"}), build_ruleset(data)).as_dict()["results"][0]
    assert "document" not in result


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["\x00", "晋\x00", "x" * 200, " "])
def test_a_malformed_document_parameter_is_unknown_never_a_500(client: Client, catalogue, value: str) -> None:
    assert client.get("/measures/", {"document": value}).status_code == 400  # a note names the filter
    assert client.get("/api/v1/measures", {"document": value}).status_code in (200, 404)
    response = client.post(f"/api/v1/eligibility?document={value}", {}, content_type="application/json")
    assert response.status_code in (200, 422)


@pytest.mark.django_db
def test_lineage_links_go_through_the_draft_workflow(second_document) -> None:
    from policies.models import Measure, MeasureLink

    seed9 = Measure.objects.published().numbered(9).get()
    later9 = Measure.objects.published().numbered(9, second_document).get()
    draft = seed9.start_draft()
    assert [link.successor.number for link in draft.successor_links.all()] == [1]
    MeasureLink.objects.create(measure=draft, successor=later9, kind="amends", date=datetime.date(2023, 2, 1))
    assert list(seed9.successor_links.values_list("kind", flat=True)) == ["extends"]  # not public yet
    draft.publish()
    assert sorted(seed9.successor_links.values_list("kind", flat=True)) == ["amends", "extends"]
    assert MeasureLink.objects.count() == 2  # the draft's copies are gone


@pytest.mark.django_db
def test_the_admin_edits_lineage_on_a_draft(client: Client, superuser, second_document) -> None:
    from policies.models import Measure

    draft = Measure.objects.published().numbered(9).get().start_draft()
    client.force_login(superuser)
    page = client.get(f"/admin/policies/measure/{draft.pk}/change/")
    assert page.status_code == 200 and "后续政策" in page.content.decode()
    listing = client.get("/admin/policies/measure/", {"document__id__exact": second_document.pk})
    assert listing.status_code == 200 and LATER in listing.content.decode()
