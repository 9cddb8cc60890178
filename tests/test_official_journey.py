"""Issue 12, the official's part: the publish page's field-level diff and stale-quote warnings,
the measure list scoped to the official's units, read-only pages that say why, and a history
in Chinese that names what changed."""

import datetime
import json

import pytest
from django.urls import reverse

from policies.models import Deadline, Measure, MeasureUnit, ResponsibleUnit

pytestmark = pytest.mark.django_db


def publish_page(client, draft: Measure) -> str:
    response = client.get(reverse("admin:policies_measure_publish", args=[draft.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_publish_page_shows_every_change_and_warns_of_a_summary_quoting_the_old_deadline(
    client, tax_official
):
    client.force_login(tax_official)
    draft = Measure.objects.get(number=12).start_draft()
    deadline = draft.deadlines.get(date=datetime.date(2022, 6, 30))
    deadline.date = datetime.date(2022, 7, 31)
    deadline.save()
    draft.how_to_apply = "通过电子税务局申请。"
    draft.save()
    MeasureUnit.objects.create(measure=draft, unit=ResponsibleUnit.objects.get(name="省财政厅"), position=1)
    rule = draft.eligibility_rules.get()
    rule.condition = {"all": [rule.condition, {"field": "employees", "op": "<=", "value": 300}]}
    rule.save()

    page = publish_page(client, draft)
    diff = page.split('id="draft-diff"')[1]
    assert (
        "2022-06-30 小型企业等存量留抵税额集中退还" in diff
        and "2022-07-31 小型企业等存量留抵税额集中退还" in diff
    )
    assert "办理方式" in diff or "通过电子税务局申请。" in diff
    assert "省税务局、省财政厅" in diff
    # The rule in the engine's words, not JSON.
    assert "资格条件" in diff and "300" in diff and '"op"' not in diff
    # The summary still says 6月30日前 / 6月底前 beside the new 7月31日.
    warnings = page.split('id="publish-warnings"')[1].split("</div>")[0]
    assert "通俗解读写着“2022年6月30日前”" in warnings and "2022-07-31" in warnings
    assert "通俗解读写着“6月底前”" in warnings


def test_an_unchanged_draft_says_so_and_warns_of_nothing(client, tax_official):
    client.force_login(tax_official)
    draft = Measure.objects.get(number=12).start_draft()
    page = publish_page(client, draft)
    assert "草稿与已发布版本完全相同" in page
    assert 'id="publish-warnings"' not in page


def test_a_changed_figure_in_the_rule_is_warned_where_the_text_quotes_it(client, superuser, catalogue):
    client.force_login(superuser)
    measure = Measure.objects.get(number=1)
    draft = measure.start_draft()
    rule = draft.eligibility_rules.get()
    cited = '{"param": "m1_min_unit_value_wan"}'  # 500 (单位价值500万元以上)
    assert cited in json.dumps(rule.condition)
    rule.condition = json.loads(json.dumps(rule.condition).replace(cited, "600"))
    rule.save()
    page = publish_page(client, draft)
    assert "原文写着“单位价值500万元以上”" in page
    diff = page.split('id="draft-diff"')[1]
    assert "引用的参数" in diff and "m1_min_unit_value_wan" in diff


def test_the_measure_list_defaults_to_the_officials_own_units(client, tax_official):
    client.force_login(tax_official)
    url = reverse("admin:policies_measure_changelist")
    response = client.get(url)
    shown = {m.number for m in response.context["cl"].result_list}
    own = set(Measure.objects.published().filter(units__name="省税务局").values_list("number", flat=True))
    assert shown == own and 0 < len(shown) < 70
    assert "我的单位" in response.content.decode()
    everything = client.get(url, {"scope": "all"})
    assert len(everything.context["cl"].result_list) >= 70


def test_picking_another_unit_in_the_unit_filter_shows_its_measures(client, tax_official):
    client.force_login(tax_official)
    hr = ResponsibleUnit.objects.get(name="省人社厅")
    response = client.get(reverse("admin:policies_measure_changelist"), {"units__id__exact": hr.pk})
    shown = {m.number for m in response.context["cl"].result_list}
    assert 9 in shown and shown == set(
        Measure.objects.published().filter(units=hr).values_list("number", flat=True)
    )


def test_a_superuser_sees_every_measure_by_default(client, superuser, catalogue):
    client.force_login(superuser)
    response = client.get(reverse("admin:policies_measure_changelist"))
    assert response.context["cl"].result_count >= 70


def test_a_published_measure_offers_no_save_button_and_says_how_to_change_it(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    page = client.get(reverse("admin:policies_measure_change", args=[measure.pk])).content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "修改草稿" in page
    # A POST to the published measure is answered with the reason, not "请更正以下错误。".
    response = client.post(
        reverse("admin:policies_measure_change", args=[measure.pk]), {"summary": "直接修改"}, follow=True
    )
    body = response.content.decode()
    assert "请更正以下错误" not in body and "已发布的版本不能直接修改" in body


def test_another_units_measure_says_why_it_cannot_be_edited(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=9)  # 省人社厅、省财政厅
    page = client.get(reverse("admin:policies_measure_change", args=[measure.pk])).content.decode()
    assert "点击右上角“修改草稿”" not in page
    assert "责任单位是省人社厅、省财政厅" in page and "您所属的单位是省税务局" in page
    assert 'name="_save"' not in page


def test_the_history_is_in_chinese_and_names_what_changed(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    draft = measure.start_draft()
    draft.summary = "第一次修改的通俗解读"
    draft.save()
    client.post(reverse("admin:policies_measure_publish", args=[draft.pk]))
    page = client.get(reverse("admin:policies_measure_history", args=[measure.pk])).content.decode()
    for english in ("DRAFT_FROM_VERSION", "CHANGES", "Changes", "Change reason", "None"):
        assert english not in page, english
    table = page.split('id="change-history"')[1].split("</table>")[0]
    assert "通俗解读" in table and "第一次修改的通俗解读" in table
    # Publishing writes the draft's unchanged units back: that is not a change of unit.
    related = page.split("责任单位和截止日期的修改记录")[1]
    assert "省税务局" not in related.split("已修改")[0] if "已修改" in related else True
    unit_history = MeasureUnit.history.filter(measure_id=measure.pk, history_type="~")
    assert unit_history.exists()  # the write-back happened …
    assert "责任单位</td><td>省税务局</td><td>已修改" not in related.replace("\n", "")  # … and is not listed


def test_a_changed_deadline_is_listed_with_its_old_and_new_date(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    draft = measure.start_draft()
    d = draft.deadlines.get(date=datetime.date(2022, 6, 30))
    d.date = datetime.date(2022, 7, 31)
    d.save()
    client.post(reverse("admin:policies_measure_publish", args=[draft.pk]))
    page = client.get(reverse("admin:policies_measure_history", args=[measure.pk])).content.decode()
    related = page.split("责任单位和截止日期的修改记录")[1]
    assert "2022-06-30 → 2022-07-31" in related
    assert Deadline.objects.filter(measure=measure, date=datetime.date(2022, 7, 31)).exists()


def test_golden_cases_have_chinese_names(client, superuser, catalogue):
    from django.core.management import call_command

    from policies.models import GoldenCase

    if not GoldenCase.objects.exists():
        call_command("loaddata", "fixtures/golden_cases.json", verbosity=0)
    assert GoldenCase.objects.count() >= 15
    assert all(case.description for case in GoldenCase.objects.all())
    client.force_login(superuser)
    page = client.get(reverse("admin:policies_goldencase_changelist")).content.decode()
    assert "大型建筑企业,6月1日以前申请稳岗返还" in page


def test_the_publish_page_of_a_new_measure_lists_its_content(client, superuser, catalogue):
    from policies.models import Category, PolicyDocument

    client.force_login(superuser)
    draft = Measure.objects.create(
        document=PolicyDocument.objects.get(),
        number=71,
        title="新措施",
        text="对营业收入4亿元以下的企业给予补贴,最高50万元。",
        summary="6月底前申请。",
        category=Category.objects.first(),
        is_draft=True,
    )
    MeasureUnit.objects.create(measure=draft, unit=ResponsibleUnit.objects.get(name="省税务局"), position=0)
    page = publish_page(client, draft)
    diff = page.split('id="draft-diff"')[1]
    assert "新条款的内容" in page and "新措施" in diff and "省税务局" in diff
    assert 'id="publish-warnings"' not in page
