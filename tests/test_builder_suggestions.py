"""Issue 13 item 3: the rule builder offers the suggestions read from the measure's own text,
each with its quote; an accepted condition becomes a 条件 row, a figure the estimate's operand,
an ignored one stays ignored across refreshes."""

import pytest
from django.urls import reverse

from policies.models import Measure
from policies.suggest import suggest
from tests.test_rule_builder import page_fields

pytestmark = pytest.mark.django_db


def builder_url(measure: Measure) -> str:
    return reverse("admin:policies_measure_rule_builder", args=[measure.pk])


def page_post(response) -> dict:  # noqa: ANN001
    """The builder form's inputs as the page would post them (the advanced JSON form left out)."""
    html = response.content.decode()
    start = html.index('id="rb-form"')
    return page_fields(html[start : html.index("</form>", start)])


@pytest.fixture
def draft_9(catalogue, superuser, client):  # noqa: ANN001, ANN201
    client.force_login(superuser)
    return Measure.objects.get(number=9).start_draft()


@pytest.fixture
def draft_1(catalogue, superuser, client):  # noqa: ANN001, ANN201
    client.force_login(superuser)
    return Measure.objects.get(number=1).start_draft()


def test_the_builder_lists_the_texts_suggestions_with_their_quotes(client, draft_1):
    page = client.get(builder_url(draft_1)).content.decode()
    found = suggest(draft_1.text)
    assert found.conditions
    section = page.split('id="rb-h-suggest"')[1].split("</section>")[0]
    for c in found.conditions:
        assert f"原文“{c.quote}”" in section
    assert "营业收入 不超过 40000万元" in section
    assert "添加为条件" in section and "忽略" in section


def test_an_accepted_condition_becomes_a_row_and_the_suggestion_is_marked(client, draft_1):
    first = client.get(builder_url(draft_1))
    data = page_post(first)
    rows_before = int(data["c-count"][0])
    found = suggest(draft_1.text)
    index = next(i for i, c in enumerate(found.conditions) if c.quote == "营业收入4亿元以下")
    data["action"] = [f"suggest:accept:c{index}"]
    response = client.post(builder_url(draft_1), data)
    assert response.status_code == 200
    after = page_post(response)
    assert int(after["c-count"][0]) == rows_before + 1
    last = rows_before  # appended at the end
    assert after[f"c-{last}-field"] == ["revenue_wan"] and after[f"c-{last}-op"] == ["<="]
    assert after[f"c-{last}-value"] == ["40000"]
    assert after["sg-done"] == [f"c{index}:accepted"]
    body = response.content.decode()
    assert "已把“营业收入4亿元以下”添加为资格条件" in body
    assert body.split(f'id="sg-c{index}"')[1].split("</li>")[0].count("已采用") == 1
    # The rule with the accepted row still compiles and saves.
    after["action"] = ["save"]
    saved = client.post(builder_url(draft_1), after)
    assert saved.status_code == 302
    rule = draft_1.eligibility_rules.get()
    assert {"field": "revenue_wan", "op": "<=", "value": 40000} in rule.condition["all"]


def test_an_equipment_suggestion_joins_the_existing_equipment_row(client, draft_1):
    data = page_post(client.get(builder_url(draft_1)))
    found = suggest(draft_1.text)
    index = next(
        i
        for i, c in enumerate(found.conditions)
        if c.field == "equipment.min_depreciation_years" and c.op == "=="
    )
    data["action"] = [f"suggest:accept:c{index}"]
    after = page_post(client.post(builder_url(draft_1), data))
    kinds = [
        (after[f"c-{i}-kind"][0], int(after[f"c-{i}-depth"][0])) for i in range(int(after["c-count"][0]))
    ]
    equipment = next(k for k, (kind, _) in enumerate(kinds) if kind == "equipment")
    added = next(i for i in range(len(kinds)) if after.get(f"c-{i}-field") == ["min_depreciation_years"])
    assert added > equipment and kinds[added][1] == kinds[equipment][1] + 1
    assert [k for k, _ in kinds].count("equipment") == 1


def test_a_figure_goes_into_the_estimate_and_an_ignored_suggestion_stays_ignored(client, draft_9):
    data = page_post(client.get(builder_url(draft_9)))
    found = suggest(draft_9.text)
    rate = next(i for i, f in enumerate(found.figures) if f.quote == "90%")
    data["action"] = [f"suggest:rate:f{rate}"]
    response = client.post(builder_url(draft_9), data)
    after = page_post(response)
    assert after["e-rate-value"] == ["0.9"]
    ignored = next(i for i, f in enumerate(found.figures) if f.quote == "60%")
    after["action"] = [f"suggest:ignore:f{ignored}"]
    again = client.post(builder_url(draft_9), after)
    final = page_post(again)
    assert sorted(final["sg-done"]) == sorted([f"f{rate}:accepted", f"f{ignored}:ignored"])
    final["action"] = ["refresh"]
    refreshed = client.post(builder_url(draft_9), final).content.decode()
    assert "已忽略" in refreshed.split(f'id="sg-f{ignored}"')[1].split("</li>")[0]


def test_a_stale_or_forged_suggestion_action_is_a_notice_not_an_error(client, draft_9):
    data = page_post(client.get(builder_url(draft_9)))
    data["action"] = ["suggest:accept:c99"]
    response = client.post(builder_url(draft_9), data)
    assert response.status_code == 200 and "这条建议已不存在" in response.content.decode()
    data["action"] = ["suggest:accept:zz"]
    assert client.post(builder_url(draft_9), data).status_code == 200
