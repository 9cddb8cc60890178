"""A parameter cites its measure by the seed plan's number: with several documents, by 文号 too.

`Parameter.measure_number` is a number of the seed plan (晋政办发〔2022〕34号). While the seed plan
is the only document "第9条" is clear; once another document is loaded it is not, so every place
that names a parameter's measure adds the seed plan's 文号 (as rules_loader._published_conflicts
names a rule's document only when several are loaded).
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from policies.apps import OFFICIALS_GROUP
from policies.models import Official, Parameter, PolicyDocument, ResponsibleUnit
from policies.models.rules import seed_measure_citation

SEED = "晋政办发〔2022〕34号"


@pytest.fixture
def second_document(catalogue) -> PolicyDocument:  # noqa: ANN001
    return PolicyDocument.objects.create(
        number="晋政办发〔2023〕5号",
        title="山西省2023年稳增长若干措施",
        issuer="山西省人民政府办公厅",
        issued_on=datetime.date(2023, 1, 1),
        valid_from=datetime.date(2023, 1, 1),
        valid_until=datetime.date(2023, 12, 31),
    )


@pytest.fixture
def tax(catalogue) -> User:  # noqa: ANN001
    user = User.objects.create_user("tax", "tax@example.gov.cn", "correct-horse-battery-9", is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICIALS_GROUP))
    Official.objects.create(user=user).units.set(ResponsibleUnit.objects.filter(name="省税务局"))
    return user


def _parameter_form(**values: object) -> dict:
    data = {
        "key": "m9_rate_sme",
        "label": "中小微企业稳岗返还比例",
        "value": "0.01",
        "unit": "比例",
        "valid_from": "2031-01-01",
        "valid_until": "",
        "measure_number": "9",
        "source": "",
        "quote": "",
        "_impact_confirmed": "1",
    }
    data.update(values)
    return data


@pytest.mark.django_db
def test_with_the_seed_plan_alone_the_number_is_enough(catalogue) -> None:  # noqa: ANN001
    assert seed_measure_citation(9) == "第9条"
    parameter = Parameter.objects.filter(measure_number=9).first()
    assert parameter.measure_citation == "第9条"
    assert seed_measure_citation(None) == ""


@pytest.mark.django_db
def test_with_several_documents_the_seed_plans_number_is_named(second_document) -> None:
    assert seed_measure_citation(9) == f"{SEED}第9条"
    assert Parameter.objects.filter(measure_number=9).first().measure_citation == f"{SEED}第9条"


@pytest.mark.django_db
def test_the_admin_list_names_the_document_only_when_several_are_loaded(
    client,
    superuser,
    catalogue,  # noqa: ANN001
) -> None:
    client.force_login(superuser)
    url = reverse("admin:policies_parameter_changelist")
    alone = client.get(url, {"measure_number": 9}).content.decode()
    assert "本方案第9条" in alone and f"{SEED}第9条" not in alone
    PolicyDocument.objects.create(
        number="晋政办发〔2023〕5号",
        title="山西省2023年稳增长若干措施",
        issuer="山西省人民政府办公厅",
        issued_on=datetime.date(2023, 1, 1),
        valid_from=datetime.date(2023, 1, 1),
    )
    several = client.get(url, {"measure_number": 9}).content.decode()
    assert f"{SEED}第9条" in several and "本方案第9条" not in several


@pytest.mark.django_db
def test_the_rights_message_names_the_seed_plans_measure(client, tax, second_document) -> None:  # noqa: ANN001
    client.force_login(tax)
    response = client.post(reverse("admin:policies_parameter_add"), _parameter_form())
    assert response.status_code == 200
    assert f"{SEED}第9条不属于您所在的责任单位" in response.content.decode()
    assert not Parameter.objects.filter(valid_from="2031-01-01").exists()


@pytest.mark.django_db
def test_a_quote_not_in_the_source_measure_names_it(second_document) -> None:
    parameter = Parameter.objects.filter(measure_number=9, source="").first()
    parameter.quote = "这句话不在第9条里"
    with pytest.raises(ValidationError) as caught:
        parameter.clean()
    assert f"原文引述必须逐字摘自{SEED}第9条原文" in " ".join(caught.value.message_dict["quote"])
