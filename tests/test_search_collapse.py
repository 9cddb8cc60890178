"""Search with several documents repeating one clause: copies collapse into one result (另见).

See hotline/search/collapse.py for the rule: the copy in force today, else the newest document's,
else (same issue date) the seed plan's; the others listed as 另见 and in the API's `also_in`.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.search import collapse, search_measures

SEED = "晋政办发〔2022〕34号"
SEED_TITLE = "山西省促进工业经济平稳增长行动方案"


@pytest.fixture(autouse=True)
def no_rate_limit(settings) -> None:  # noqa: ANN001
    settings.RATE_LIMIT_ENABLED = False


def _document(number: str, title: str, issued_on: datetime.date, days: int = 364) -> Any:
    from policies.models import PolicyDocument

    return PolicyDocument.objects.create(
        number=number,
        title=title,
        issuer="山西省人民政府办公厅",
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=issued_on + datetime.timedelta(days=days),
    )


def _copy(document: Any, number: int, seed: Any, text: str | None = None, title: str | None = None) -> Any:
    from policies.models import Measure

    return Measure.objects.create(
        document=document,
        number=number,
        title=title or seed.title,
        text=seed.text if text is None else text,
        summary=seed.summary,
        category=seed.category,
        valid_from=document.valid_from,
        valid_until=document.valid_until,
        delivery=seed.delivery,
        is_draft=False,
        published_at=timezone.now(),
    )


@pytest.fixture
def copies(catalogue) -> dict[str, Any]:  # noqa: ANN001
    """Seed 第9条 (稳岗返还, expired 2022) copied by a document in force today and a later expired one."""
    today = timezone.localdate()
    seed9 = catalogue.get(number=9, document__legacy_urls=True)
    current = _document("晋测发〔2030〕1号", "现行稳岗措施", today - datetime.timedelta(days=30))
    # Issued after `current`, but its period has not begun: not in force today.
    later = _document("晋测发〔2030〕2号", "下一批稳岗措施", today + datetime.timedelta(days=10))
    return {
        "seed": seed9,
        "current": _copy(current, 3, seed9),
        "later": _copy(later, 5, seed9),
    }


def _api(client: Client, q: str, limit: int = 10) -> dict:
    response = client.get("/api/v1/search", {"q": q, "limit": limit})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_text_key_ignores_spacing_punctuation_width_and_case() -> None:
    base = "对中小微企业,稳岗返还比例提至90%。"
    assert collapse.text_key(base) == collapse.text_key("对 中小微企业, 稳岗返还比例提至90%.")
    assert collapse.text_key(base) == collapse.text_key("对中小微企业;\n稳岗返还比例提至90%")
    assert collapse.text_key(base) != collapse.text_key("对中小微企业,稳岗返还比例提至60%。")
    assert collapse.text_key("。,;") == ""  # nothing to compare: never grouped


@pytest.mark.django_db
def test_copies_collapse_into_the_one_in_force_today(client: Client, copies: dict[str, Any]) -> None:

    found = search_measures("稳岗返还中小企业能返多少")
    pks = [m.pk for m in found] + [m.pk for m in found.related]
    group = {copies["seed"].pk, copies["current"].pk, copies["later"].pk}
    assert len(group & set(pks)) == 1, "one result for the three copies"
    shown = next(m for m in found if m.pk in group)
    assert shown.pk == copies["current"].pk
    # The others, best first: the later document (not yet in force) before the 2022 seed plan.
    assert [m.pk for m in shown.also_in] == [copies["later"].pk, copies["seed"].pk]
    assert shown.also_in_label == f"另见:《下一批稳岗措施》第5条、《{SEED_TITLE}》第9条"


@pytest.mark.django_db
def test_without_a_copy_in_force_the_newest_document_shows(catalogue) -> None:  # noqa: ANN001

    seed9 = catalogue.get(number=9, document__legacy_urls=True)
    older = _copy(_document("晋测发〔2023〕1号", "2023年稳岗措施", datetime.date(2023, 1, 1)), 1, seed9)
    newer = _copy(_document("晋测发〔2024〕1号", "2024年稳岗措施", datetime.date(2024, 1, 1)), 1, seed9)
    found = search_measures("稳岗返还")
    shown = [m for m in found if m.pk in {seed9.pk, older.pk, newer.pk}]
    assert [m.pk for m in shown] == [newer.pk]
    assert [m.pk for m in shown[0].also_in] == [older.pk, seed9.pk]


@pytest.mark.django_db
def test_on_the_same_issue_date_the_seed_plan_shows(catalogue) -> None:  # noqa: ANN001
    from policies.models import PolicyDocument

    seed9 = catalogue.get(number=9, document__legacy_urls=True)
    seed_document = PolicyDocument.objects.get(number=SEED)
    twin = _copy(
        _document("晋测发〔2022〕9号", "同日印发的稳岗措施", seed_document.issued_on, days=261), 2, seed9
    )
    found = search_measures("稳岗返还")
    shown = [m for m in found if m.pk in {seed9.pk, twin.pk}]
    assert [m.pk for m in shown] == [seed9.pk]
    assert shown[0].also_in_label == "另见:《同日印发的稳岗措施》第2条"


@pytest.mark.django_db
def test_near_copies_collapse_and_a_changed_wording_does_not(catalogue) -> None:  # noqa: ANN001

    seed9 = catalogue.get(number=9, document__legacy_urls=True)
    respaced = seed9.text.replace(",", ", ").replace("。", ".\n")
    near = _copy(
        _document("晋测发〔2024〕2号", "重排版的稳岗措施", datetime.date(2024, 2, 1)), 1, seed9, text=respaced
    )
    reworded = seed9.text.replace("稳岗返还", "稳岗补贴返还", 1)
    other = _copy(
        _document("晋测发〔2024〕3号", "改写的稳岗措施", datetime.date(2024, 3, 1)), 1, seed9, text=reworded
    )
    found = search_measures("稳岗返还")
    by_pk = {m.pk: m for m in found}
    assert near.pk in by_pk and seed9.pk not in by_pk  # the newer near-copy shows, the seed is 另见
    assert [m.pk for m in by_pk[near.pk].also_in] == [seed9.pk]
    assert other.pk in by_pk and by_pk[other.pk].also_in == []


@pytest.mark.django_db
def test_many_copies_are_counted_in_the_label(catalogue) -> None:  # noqa: ANN001

    seed9 = catalogue.get(number=9, document__legacy_urls=True)
    for year in range(2023, 2027):
        _copy(
            _document(f"晋测发〔{year}〕7号", f"{year}年稳岗措施", datetime.date(year, 1, 1), days=30),
            1,
            seed9,
        )
    found = search_measures("稳岗返还")
    shown = next(m for m in found if m.number == 1 and m.document.number == "晋测发〔2026〕7号")
    assert len(shown.also_in) == 4
    assert shown.also_in_label == "另见:《2025年稳岗措施》第1条、《2024年稳岗措施》第1条 等4项"


@pytest.mark.django_db
def test_the_api_lists_the_folded_copies_in_also_in(client: Client, copies: dict[str, Any]) -> None:
    body = _api(client, "稳岗返还中小企业能返多少")
    items = [r for r in body["results"] if r.get("also_in")]
    assert len(items) == 1
    item = items[0]
    assert (item["measure"], item["document"]) == (3, "晋测发〔2030〕1号")
    assert item["also_in"] == [
        {"measure": 5, "document": "晋测发〔2030〕2号"},
        {"measure": 9, "document": SEED},
    ]
    for other in body["results"]:
        assert set(other) <= {"measure", "document", "title", "snippet", "score", "also_in"}
        assert (other["measure"], other["document"]) not in {(5, "晋测发〔2030〕2号"), (9, SEED)}


@pytest.mark.django_db
def test_without_copies_the_api_answer_has_no_also_in(client: Client, catalogue) -> None:  # noqa: ANN001
    body = _api(client, "稳岗返还", limit=50)
    assert body["results"]
    assert all("also_in" not in r for r in body["results"] + body["related"])


@pytest.mark.django_db
def test_a_measure_named_by_number_shows_itself_with_its_copies(copies: dict[str, Any]) -> None:

    found = search_measures("第9条")
    assert found[0].pk == copies["seed"].pk
    assert [m.pk for m in found[0].also_in] == [copies["current"].pk, copies["later"].pk]


@pytest.mark.django_db
def test_the_console_the_public_page_and_the_card_say_also_in(
    client: Client, hotline_agent, copies: dict[str, Any]
) -> None:
    q = "稳岗返还中小企业能返多少"
    public = client.get("/search/", {"q": q}).content.decode()
    assert "另见:《下一批稳岗措施》第5条" in public
    client.force_login(hotline_agent)
    console = client.get("/hotline/", {"q": q}).content.decode()
    assert "另见:《下一批稳岗措施》第5条" in console
    card = client.get("/hotline/measures/9/", {"q": q}, HTTP_HX_REQUEST="true").content.decode()
    assert "另见:《现行稳岗措施》第3条、《下一批稳岗措施》第5条(原文相同)" in card


@pytest.mark.django_db
def test_exact_copies_are_scored_once_and_rank_alike_on_both_backends(copies: dict[str, Any]) -> None:
    """Stage 1 keeps one row per group of exact copies; the scores are those of full ranking."""
    from django.db import connection

    from hotline.search import index, ranking, state, text
    from policies.models import Measure

    candidates = Measure.objects.published()
    signature = state.signatures()[1]
    groups = collapse.keys(signature).copy_group
    group = {copies["seed"].pk, copies["current"].pk, copies["later"].pk}
    assert {groups[pk] for pk in group} == {min(group)}
    parsed = text.parse_query("稳岗返还中小企业能返多少")
    python = ranking.rank_python(parsed, candidates, index.load_corpus_python(), 200, groups)
    assert [pk for pk, *_ in python if pk in group] == [min(group)]
    full = {pk: s for pk, s, _ in ranking.rank_python(parsed, candidates, index.load_corpus_python(), 200)}
    assert len({round(full[pk], 6) for pk in group}) == 1  # copies score alike: one stands for all
    if connection.vendor == "postgresql":
        sql = ranking.rank_postgres(parsed, candidates, index.corpus(signature), 200, copies=groups)
        assert {pk: round(s, 5) for pk, s, _ in sql} == {pk: round(s, 5) for pk, s, _ in python}
