"""A parameter change shows its impact on golden cases and saved profiles before it is saved."""

import pytest
from django.urls import reverse

from policies.models import Parameter

pytestmark = pytest.mark.django_db


def parameter_form(parameter: Parameter, **changes) -> dict:
    data = {
        "key": parameter.key,
        "label": parameter.label,
        "value": parameter.value,
        "unit": parameter.unit,
        "valid_from": parameter.valid_from.isoformat(),
        "valid_until": parameter.valid_until.isoformat() if parameter.valid_until else "",
        "measure_number": parameter.measure_number or "",
        "source": parameter.source,
        "quote": parameter.quote,
    }
    data.update(changes)
    return data


def test_lowering_the_layoff_threshold_previews_the_golden_cases_that_lose_measure_9(
    client, superuser, catalogue
):
    client.force_login(superuser)
    parameter = Parameter.objects.get(key="m9_layoff_max_pct")
    url = reverse("admin:policies_parameter_change", args=[parameter.pk])

    response = client.post(url, parameter_form(parameter, value="1"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "确认修改规则参数" in html and "参数修改前后" in html
    # large-construction-*: layoff rate 1.5% > 1% → measure 9 lost; manufacturing-small: 2% → lost.
    assert "large-construction-after-june" in html and "第9条" in html and "不再可享受" in html
    parameter.refresh_from_db()
    assert parameter.value == "5.5", "nothing is saved before the official confirms"

    confirmed = client.post(url, {**parameter_form(parameter, value="1"), "_impact_confirmed": "1"})
    assert confirmed.status_code == 302
    parameter.refresh_from_db()
    assert parameter.value == "1"


def test_an_invalid_parameter_change_shows_field_errors_not_a_preview(client, superuser, catalogue):
    client.force_login(superuser)
    parameter = Parameter.objects.get(key="m9_layoff_max_pct")
    url = reverse("admin:policies_parameter_change", args=[parameter.pk])
    response = client.post(url, parameter_form(parameter, valid_from="2022-13-45"))
    assert response.status_code == 200
    assert "确认修改规则参数" not in response.content.decode()
    assert "valid_from" in response.context["adminform"].form.errors
