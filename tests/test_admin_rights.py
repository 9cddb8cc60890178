"""Officials change only their own unit's rule data, on every admin path (add, change, delete).

Finding 3 of issue 10: a 省税务局 official could add a new dated row of 省人社厅's parameter
`m9_rate_sme` and so change what measure 9 refunds.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from policies.apps import OFFICIALS_GROUP
from policies.models import Official, Parameter, ResponsibleUnit, SizeStandard

PASSWORD = "correct-horse-battery-9"


def group_official(username: str, unit: str) -> User:
    """An official set up the way the portal does it: the officials' group plus one unit."""
    user = User.objects.create_user(username, f"{username}@example.gov.cn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICIALS_GROUP))
    Official.objects.create(user=user).units.set(ResponsibleUnit.objects.filter(name=unit))
    return user


@pytest.fixture
def tax(catalogue) -> User:  # noqa: ANN001
    return group_official("tax", "省税务局")


@pytest.fixture
def hr(catalogue) -> User:  # noqa: ANN001
    return group_official("hr", "省人社厅")


def form(parameter: Parameter | None = None, **values: object) -> dict:
    data = {
        "key": "",
        "label": "",
        "value": "",
        "unit": "",
        "valid_from": "",
        "valid_until": "",
        "measure_number": "",
        "source": "",
        "quote": "",
        "_impact_confirmed": "1",
    }
    if parameter is not None:
        data.update(
            key=parameter.key,
            label=parameter.label,
            value=parameter.value,
            unit=parameter.unit,
            valid_from=parameter.valid_from.isoformat(),
            valid_until=parameter.valid_until.isoformat() if parameter.valid_until else "",
            measure_number=parameter.measure_number or "",
            source=parameter.source,
            quote=parameter.quote,
        )
    data.update(values)
    return data


def test_an_official_cannot_add_a_version_of_another_units_parameter(client, tax):
    rows = set(Parameter.objects.filter(key="m9_rate_sme").values_list("pk", "value"))
    client.force_login(tax)
    for number in ("9", "1"):  # citing measure 9 (not theirs) or their own measure 1
        response = client.post(
            reverse("admin:policies_parameter_add"),
            form(
                key="m9_rate_sme",
                label="中小微企业稳岗返还比例",
                value="0.01",
                valid_from="2023-01-01",
                measure_number=number,
            ),
        )
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            assert "不能" in response.content.decode()
    assert set(Parameter.objects.filter(key="m9_rate_sme").values_list("pk", "value")) == rows


def test_an_official_cannot_add_an_uncited_parameter_or_one_citing_another_unit(client, tax):
    client.force_login(tax)
    for number in ("", "9"):
        client.post(
            reverse("admin:policies_parameter_add"),
            form(key="brand_new", label="新参数", value="1", valid_from="2023-01-01", measure_number=number),
        )
    assert not Parameter.objects.filter(key="brand_new").exists()


def test_the_responsible_unit_may_add_a_version_of_its_own_parameter(client, hr):
    client.force_login(hr)
    before = Parameter.objects.filter(key="m9_rate_sme").count()
    response = client.post(
        reverse("admin:policies_parameter_add"),
        form(
            key="m9_rate_sme",
            label="中小微企业稳岗返还比例",
            value="0.9",
            valid_from="2030-01-01",
            measure_number="9",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Parameter.objects.filter(key="m9_rate_sme").count() == before + 1


def test_an_official_cannot_change_or_delete_another_units_parameter(client, tax):
    parameter = Parameter.objects.filter(key="m9_rate_sme").first()
    client.force_login(tax)
    change = reverse("admin:policies_parameter_change", args=[parameter.pk])
    client.post(change, form(parameter, value="0.01"))
    client.post(reverse("admin:policies_parameter_delete", args=[parameter.pk]), {"post": "yes"})
    parameter.refresh_from_db()
    assert parameter.value != "0.01"


def test_an_official_cannot_move_their_parameter_onto_another_units_key(client, hr, tax):
    own = Parameter.objects.filter(measure_number=9).first()
    target = Parameter.objects.exclude(measure_number=9).exclude(measure_number=None).first()
    client.force_login(hr)
    client.post(
        reverse("admin:policies_parameter_change", args=[own.pk]),
        form(own, key=target.key, measure_number=target.measure_number),
    )
    own.refresh_from_db()
    assert own.measure_number == 9 and own.key != target.key


def test_size_tables_are_for_superusers_only(client, tax):
    standard = SizeStandard.objects.first()
    client.force_login(tax)
    assert client.get(reverse("admin:policies_sizestandard_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:policies_sizestandard_delete", args=[standard.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert SizeStandard.objects.filter(pk=standard.pk).exists()
