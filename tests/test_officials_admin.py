"""The officials' admin: department rights, drafts and publishing, history, field validation."""

import pytest
from django.urls import reverse

from policies.models import Measure

pytestmark = pytest.mark.django_db


def change_url(measure: Measure) -> str:
    return reverse("admin:policies_measure_change", args=[measure.pk])


def draft_form_data(client, measure: Measure, **overrides) -> dict:
    """The change form's current values (including inline management forms), with overrides."""
    response = client.get(change_url(measure))
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        prefix = fs.prefix
        data[f"{prefix}-TOTAL_FORMS"] = fs.total_form_count()
        data[f"{prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        for i, f in enumerate(fs.forms):
            data[f"{prefix}-{i}-id"] = f.instance.pk
            for name in f.fields:
                # The bound field's value is what the browser would send (JSON fields as text).
                value = f[name].value() if name in f.initial else None
                if value is not None and name != "id":
                    data[f"{prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
    data.update(overrides)
    return data


def test_an_official_can_open_a_draft_of_their_units_measure(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)  # 省税务局
    response = client.post(reverse("admin:policies_measure_start_draft", args=[measure.pk]))
    draft = Measure.objects.get(draft_of=measure)
    assert response.status_code == 302 and response["Location"] == change_url(draft)
    assert draft.is_draft and draft.unit_names() == ["省税务局"]
    assert list(draft.deadlines.values_list("date", flat=True)) == list(
        measure.deadlines.values_list("date", flat=True)
    )


def test_an_official_cannot_change_another_units_measure(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=9)  # 省人社厅、省财政厅
    assert client.post(reverse("admin:policies_measure_start_draft", args=[measure.pk])).status_code == 403
    assert not Measure.objects.filter(draft_of=measure).exists()
    # The change form opens read-only (view permission) and a POST is refused.
    data = {"title": "篡改", "number": 9}
    response = client.post(change_url(measure), data)
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.title != "篡改"


def test_an_official_cannot_publish_a_draft_of_another_unit(client, tax_official, hr_official):
    draft = Measure.objects.get(number=9).start_draft()
    client.force_login(tax_official)
    assert client.post(reverse("admin:policies_measure_publish", args=[draft.pk])).status_code == 403
    assert Measure.objects.filter(pk=draft.pk, is_draft=True).exists()


def test_a_superuser_can_change_every_measure(client, superuser, catalogue):
    client.force_login(superuser)
    measure = Measure.objects.get(number=9)
    response = client.post(reverse("admin:policies_measure_start_draft", args=[measure.pk]))
    assert response.status_code == 302
    assert Measure.objects.filter(draft_of=measure).exists()


def test_editing_a_draft_changes_nothing_public_until_it_is_published(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    draft = measure.start_draft()
    response = client.post(
        change_url(draft), draft_form_data(client, draft, summary="新的通俗解读:6月底前退还。")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert "新的通俗解读" not in client.get("/measures/12/").content.decode()
    assert "新的通俗解读" not in client.get("/api/v1/measures/12").json()["summary"]

    response = client.post(reverse("admin:policies_measure_publish", args=[draft.pk]))
    assert response.status_code == 302
    assert not Measure.objects.filter(pk=draft.pk).exists()
    assert "新的通俗解读" in client.get("/measures/12/").content.decode()
    assert client.get("/api/v1/measures/12").json()["summary"] == "新的通俗解读:6月底前退还。"
    assert Measure.objects.published().filter(number=12).count() == 1


def test_published_measures_are_read_only_in_the_admin(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    original_summary = measure.summary
    client.post(change_url(measure), {"summary": "直接修改", "number": 12, "title": measure.title})
    measure.refresh_from_db()
    assert measure.summary == original_summary


def test_every_published_change_is_kept_in_history_with_who_and_when(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    before = measure.history.count()
    draft = measure.start_draft()
    client.post(change_url(draft), draft_form_data(client, draft, summary="第一次修改"))
    client.post(reverse("admin:policies_measure_publish", args=[draft.pk]))
    records = measure.history.order_by("-history_date")
    assert records.count() == before + 1
    latest = records.first()
    assert latest.summary == "第一次修改" and latest.history_user == tax_official
    diff = latest.diff_against(records[1])
    assert "summary" in diff.changed_fields

    history_page = client.get(reverse("admin:policies_measure_history", args=[measure.pk]))
    assert history_page.status_code == 200
    assert (
        "第一次修改" in history_page.content.decode() and "以此版本创建草稿" in history_page.content.decode()
    )


def test_an_earlier_version_can_be_restored_through_a_draft(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    original_summary = measure.summary
    draft = measure.start_draft()
    client.post(change_url(draft), draft_form_data(client, draft, summary="错误的修改"))
    client.post(reverse("admin:policies_measure_publish", args=[draft.pk]))
    old = measure.history.filter(summary=original_summary).order_by("history_date").first()

    url = reverse("admin:policies_measure_draft_from_version", args=[measure.pk, old.history_id])
    response = client.post(url)
    restored = Measure.objects.get(draft_of=measure)
    assert response.status_code == 302 and restored.summary == original_summary
    client.post(reverse("admin:policies_measure_publish", args=[restored.pk]))
    measure.refresh_from_db()
    assert measure.summary == original_summary


def test_the_admin_refuses_valid_until_before_valid_from(client, tax_official):
    client.force_login(tax_official)
    draft = Measure.objects.get(number=12).start_draft()
    data = draft_form_data(client, draft, valid_from="2022-06-01", valid_until="2022-01-01")
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["valid_until"] == ["失效日期不能早于生效日期。"]


def test_the_admin_refuses_empty_required_texts(client, tax_official):
    client.force_login(tax_official)
    draft = Measure.objects.get(number=12).start_draft()
    response = client.post(change_url(draft), draft_form_data(client, draft, title="", text=""))
    errors = response.context["adminform"].form.errors
    assert "title" in errors and "text" in errors


def test_the_admin_refuses_a_new_measure_with_a_duplicate_number(client, superuser, catalogue):
    client.force_login(superuser)
    from policies.models import Category, PolicyDocument, ResponsibleUnit

    data = {
        "document": PolicyDocument.objects.get().pk,
        "number": 12,
        "title": "重复序号",
        "text": "正文",
        "category": Category.objects.first().pk,
        "delivery": "application",
        "measure_units-TOTAL_FORMS": 1,
        "measure_units-INITIAL_FORMS": 0,
        "measure_units-0-unit": ResponsibleUnit.objects.get(name="省税务局").pk,
        "measure_units-0-position": 0,
        "deadlines-TOTAL_FORMS": 0,
        "deadlines-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("admin:policies_measure_add"), data)
    assert response.status_code == 200
    assert "已有第12条的已发布条款" in response.context["adminform"].form.errors["number"][0]
    assert not Measure.objects.filter(title="重复序号").exists()


def test_an_official_must_keep_one_of_their_units_on_a_new_measure(client, tax_official):
    client.force_login(tax_official)
    from policies.models import Category, PolicyDocument, ResponsibleUnit

    data = {
        "document": PolicyDocument.objects.get().pk,
        "number": 71,
        "title": "新措施",
        "text": "正文",
        "category": Category.objects.first().pk,
        "delivery": "application",
        "measure_units-TOTAL_FORMS": 1,
        "measure_units-INITIAL_FORMS": 0,
        "measure_units-0-unit": ResponsibleUnit.objects.get(name="省人社厅").pk,
        "measure_units-0-position": 0,
        "deadlines-TOTAL_FORMS": 0,
        "deadlines-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("admin:policies_measure_add"), data)
    assert response.status_code == 200
    assert "必须包含您所属的单位" in response.content.decode()
    assert not Measure.objects.filter(number=71).exists()


def test_publishing_keeps_deadline_identity_and_records_its_change(client, tax_official):
    client.force_login(tax_official)
    measure = Measure.objects.get(number=12)
    deadline_ids = list(measure.deadlines.values_list("pk", flat=True))
    draft = measure.start_draft()
    data = draft_form_data(client, draft)
    data["deadlines-1-label"] = "小型企业存量留抵税额6月底前集中退还"
    assert client.post(change_url(draft), data).status_code == 302
    client.post(reverse("admin:policies_measure_publish", args=[draft.pk]))
    assert list(measure.deadlines.values_list("pk", flat=True)) == deadline_ids
    assert measure.deadlines.get(pk=deadline_ids[1]).label == "小型企业存量留抵税额6月底前集中退还"
    history_page = client.get(reverse("admin:policies_measure_history", args=[measure.pk])).content.decode()
    assert "小型企业存量留抵税额6月底前集中退还" in history_page
