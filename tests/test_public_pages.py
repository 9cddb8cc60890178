"""Public pages in Chinese: home, measure list with filters, measure page, health check."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_says_what_the_portal_does(client, catalogue):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "惠企政策通" in html and "晋政办发〔2022〕34号" in html
    assert 'lang="zh-CN"' in html


def test_measure_list_shows_all_measures_and_filters_by_category_and_unit(client, catalogue):
    from policies.models import Measure, ResponsibleUnit

    html = client.get("/measures/").content.decode()
    assert "共 70 条" in html
    category = Measure.objects.get(number=12).category
    html = client.get(f"/measures/?category={category.slug}").content.decode()
    assert "第12条" in html
    expected = Measure.objects.published().filter(category=category).count()
    assert f"共 {expected} 条" in html
    unit = ResponsibleUnit.objects.get(name="省人社厅")
    html = client.get(f"/measures/?unit={unit.pk}").content.decode()
    assert "第9条" in html and "第12条" not in html


def test_measure_list_searches_by_number_and_splits_in_force_from_expired(client, catalogue):
    html = client.get("/measures/?number=第12条").content.decode()
    assert "共 1 条" in html and "第12条" in html
    # The plan ran until 2022-12-31; measure 5 runs until 2024-12-31. Both are expired today (2026).
    html = client.get("/measures/?status=expired").content.decode()
    assert "共 70 条" in html


@pytest.mark.parametrize(
    "query",
    [
        "category=nope",
        "unit=abc",
        "unit=99999999999999999999",
        "status=weird",
        "number=十二x",
        "number=" + "9" * 40,
    ],
)
def test_malformed_filters_are_explained_not_500(client, catalogue, query):
    response = client.get(f"/measures/?{query}")
    assert response.status_code == 400
    assert "alert-warning" in response.content.decode()


def test_measure_page_shows_text_units_validity_deadlines_and_how_to_apply(client, catalogue):
    from policies.models import Measure

    measure = Measure.objects.get(number=12)
    html = client.get("/measures/12/").content.decode()
    assert measure.text in html
    assert "省税务局" in html
    assert "2022年6月30日" in html
    assert measure.how_to_apply in html
    assert "晋政办发〔2022〕34号" in html


def test_unknown_measure_page_is_a_chinese_404(client, catalogue):
    response = client.get("/measures/999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
