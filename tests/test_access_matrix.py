"""The access matrix: every persona × every admin model's add/change/delete, every account page, every signed link.

The admin part is generated from the admin registry: a model registered later without an entry
in ADMIN_POLICY (and an object to try it on, in OBJECT_FACTORIES or the catalogue) fails
`test_every_registered_admin_model_has_a_policy`, so it cannot be forgotten.

Personas: anonymous, enterprise A, enterprise B, hotline agent (group 热线坐席, not staff),
official of unit X (省税务局) and of unit Y (省人社厅), both set up through the officials' group
as the portal does, and a superuser. The objects officials try are unit X's, so "own" is what X
may do and "other" what Y may do with the same object.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policies.apps import OFFICIALS_GROUP
from policies.models import Measure, Official, Parameter, ResponsibleUnit, RuleNewsRun

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"
UNIT_X, UNIT_Y = "省税务局", "省人社厅"
NON_STAFF = ["anonymous", "enterprise_a", "enterprise_b", "hotline_agent"]
STAFF = ["official_x", "official_y", "superuser"]

# What each staff persona may do in each admin model: a = add, c = change, d = delete on the
# object the factory gives (unit X's where units matter), "" = nothing (403, or view only).
# Non-staff personas are sent to the admin login for every URL.
ADMIN_POLICY: dict[str, dict[str, str]] = {
    "auth.group": {"official_x": "", "official_y": "", "superuser": "acd"},
    "auth.user": {"official_x": "", "official_y": "", "superuser": "acd"},
    "axes.accessattempt": {"official_x": "", "official_y": "", "superuser": "cd"},
    "axes.accesslog": {"official_x": "", "official_y": "", "superuser": "cd"},
    "axes.accessfailurelog": {"official_x": "", "official_y": "", "superuser": "cd"},
    # A draft of a unit X measure; anyone in the group may start a new measure (as a draft).
    "policies.measure": {"official_x": "acd", "official_y": "a", "superuser": "acd"},
    "policies.responsibleunit": {"official_x": "", "official_y": "", "superuser": "acd"},
    "policies.category": {"official_x": "", "official_y": "", "superuser": "acd"},
    "policies.policydocument": {"official_x": "", "official_y": "", "superuser": "acd"},
    "policies.industry": {"official_x": "", "official_y": "", "superuser": "acd"},
    "policies.official": {"official_x": "", "official_y": "", "superuser": "acd"},
    "policies.eligibilityrule": {"official_x": "", "official_y": "", "superuser": ""},
    # A parameter cited by a unit X measure and used by a published rule (so never deleted).
    "policies.parameter": {"official_x": "ac", "official_y": "a", "superuser": "ac"},
    "policies.sizestandard": {"official_x": "", "official_y": "", "superuser": "acd"},
    # Progress rows of the rule-change re-screening: written by the tasks only, read-only here.
    "policies.rulenewsrun": {"official_x": "", "official_y": "", "superuser": ""},
    "policies.goldencase": {"official_x": "", "official_y": "", "superuser": "acd"},
    "enterprises.receipt": {"official_x": "", "official_y": "", "superuser": "d"},
    "enterprises.remindernotice": {"official_x": "", "official_y": "", "superuser": ""},
    "enterprises.subscription": {"official_x": "", "official_y": "", "superuser": "d"},
    # The search vocabulary is shared by every unit (officials maintain it together).
    "hotline.dictionaryword": {"official_x": "acd", "official_y": "acd", "superuser": "acd"},
    "hotline.searchsynonym": {"official_x": "acd", "official_y": "acd", "superuser": "acd"},
    "hotline.call": {"official_x": "c", "official_y": "c", "superuser": "acd"},
    "audit.auditentry": {"official_x": "", "official_y": "", "superuser": ""},
    "audit.adminchange": {"official_x": "", "official_y": "", "superuser": ""},
}


def _measure_draft() -> Measure:
    measure = Measure.objects.published().filter(measure_units__unit__name=UNIT_X).order_by("number").first()
    return measure.start_draft()


def _unit_x_parameter() -> Parameter:
    numbers = set(
        Measure.objects.published().filter(measure_units__unit__name=UNIT_X).values_list("number", flat=True)
    )
    return Parameter.objects.filter(measure_number__in=numbers).order_by("key").first()


def _receipt() -> Any:
    from enterprises.selfcheck.receipts import save_receipt

    return save_receipt({})


def _subscription() -> Any:
    from enterprises.models import Subscription
    from enterprises.reminders.models import CONSENT_VERSION, profile_digest

    return Subscription.objects.create(
        email="s@example.com", profile={}, profile_digest=profile_digest({}), consent_version=CONSENT_VERSION
    )


def _notice() -> Any:
    from enterprises.models import ReminderNotice

    field_names = {f.name for f in ReminderNotice._meta.concrete_fields}
    deadline = Measure.objects.published().filter(deadlines__isnull=False).first().deadlines.first()
    values: dict[str, Any] = {
        "subscription": _subscription(),
        "deadline": deadline,
        "stage": 30,
        "measure_number": deadline.measure.number,
        "measure_title": deadline.measure.title,
        "deadline_date": deadline.date,
    }
    return ReminderNotice.objects.create(**{k: v for k, v in values.items() if k in field_names})


def _call() -> Any:
    from hotline.models import Call

    required = {
        f.name: f
        for f in Call._meta.concrete_fields
        if not f.null
        and not f.has_default()
        and not f.primary_key
        and not getattr(f, "auto_now_add", False)
        and not getattr(f, "auto_now", False)
    }
    values: dict[str, Any] = {}
    for name, field in required.items():
        if isinstance(field, models.ForeignKey):
            values[name] = field.related_model.objects.first()
        elif field.choices:
            values[name] = field.choices[0][0]
        elif isinstance(field, models.CharField | models.TextField):
            values[name] = "来电咨询"
        elif isinstance(field, models.DateTimeField):
            values[name] = timezone.now()
    return Call.objects.create(**values)


def _audit_entry() -> Any:
    from audit.models import AuditEntry

    return AuditEntry.objects.record(None, "login", username="someone")


def _admin_change() -> Any:
    from django.contrib.admin.models import ADDITION
    from django.contrib.contenttypes.models import ContentType

    from audit.models import AdminChange

    user = User.objects.create_user("editor")
    unit = ResponsibleUnit.objects.first()
    return AdminChange.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(unit),
        object_id=str(unit.pk),
        object_repr=str(unit),
        action_flag=ADDITION,
    )


def _axes(model_name: str) -> Callable[[], Any]:
    def make() -> Any:
        from axes import models as axes_models

        model = getattr(axes_models, model_name)
        values = {"username": "someone", "ip_address": "203.0.113.1", "user_agent": "x", "path_info": "/"}
        if model_name == "AccessAttempt":
            values.update(get_data="", post_data="", failures_since_start=1)
        elif model_name == "AccessLog":
            values.update(attempt_time=timezone.now())
        return model.objects.create(
            **{k: v for k, v in values.items() if k in {f.name for f in model._meta.fields}}
        )

    return make


def _official_row() -> Any:
    user = User.objects.create_user("colleague", "colleague@example.gov.cn", PASSWORD, is_staff=True)
    official = Official.objects.create(user=user)
    official.units.set(ResponsibleUnit.objects.filter(name=UNIT_X))
    return official


OBJECT_FACTORIES: dict[str, Callable[[], Any]] = {
    "auth.user": lambda: User.objects.create_user("someone", "someone@example.com", PASSWORD),
    "policies.official": _official_row,
    "policies.measure": _measure_draft,
    "policies.parameter": _unit_x_parameter,
    "policies.responsibleunit": lambda: ResponsibleUnit.objects.get(name=UNIT_X),
    "enterprises.receipt": _receipt,
    "policies.rulenewsrun": lambda: RuleNewsRun.objects.create(rules_version="v", total=10, done=5, chunks=1),
    "enterprises.subscription": _subscription,
    "enterprises.remindernotice": _notice,
    "hotline.call": _call,
    "audit.auditentry": _audit_entry,
    "audit.adminchange": _admin_change,
    "axes.accessattempt": _axes("AccessAttempt"),
    "axes.accesslog": _axes("AccessLog"),
    "axes.accessfailurelog": _axes("AccessFailureLog"),
}


def registered() -> list[tuple[str, type[models.Model]]]:
    return sorted((model._meta.label_lower, model) for model in admin.site._registry)


def object_for(label: str, model: type[models.Model]) -> models.Model:
    if label in OBJECT_FACTORIES:
        return OBJECT_FACTORIES[label]()
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"{label}: no row to try the admin on; add a factory to OBJECT_FACTORIES"
    return obj


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # noqa: ANN001, ANN201
    """Hundreds of personas are created here; the real hasher would spend minutes on them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- personas ----------------------------------------------------------------------------------------


def _official(username: str, unit: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.gov.cn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICIALS_GROUP))
    Official.objects.create(user=user).units.set(ResponsibleUnit.objects.filter(name=unit))
    return user


def _enterprise(email: str, code: str) -> User:
    from enterprises.accounts import services as accounts

    registered_account = accounts.register(email, PASSWORD, code).account
    return accounts.verify(accounts.verification_token(registered_account), PASSWORD).user


def persona(name: str) -> User | None:
    if name == "anonymous":
        return None
    if name == "enterprise_a":
        return _enterprise("a@firm.example.com", "91350100M000100Y43")
    if name == "enterprise_b":
        return _enterprise("b@firm.example.com", "91140100MA0K123488")
    if name == "hotline_agent":
        user = User.objects.create_user("agent", "agent@example.gov.cn", PASSWORD)
        user.groups.add(Group.objects.get_or_create(name="热线坐席")[0])
        return user
    if name == "official_x":
        return _official("official_x", UNIT_X)
    if name == "official_y":
        return _official("official_y", UNIT_Y)
    return User.objects.create_superuser("root", "root@example.gov.cn", PASSWORD)


def client_as(name: str) -> Client:
    client = Client()
    user = persona(name)
    if user is not None:
        client.force_login(user)
    return client


# --- the admin -----------------------------------------------------------------------------------------


def _urls(model: type[models.Model], obj: models.Model) -> dict[str, str]:
    info = (model._meta.app_label, model._meta.model_name)
    return {
        "a": reverse("admin:{}_{}_add".format(*info)),
        "c": reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
        "d": reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]),
    }


def _allowed(client: Client, action: str, url: str) -> bool:
    """What the page offers, checked against what the server does with a POST."""
    response = client.get(url)
    assert response.status_code in (200, 403), (url, response.status_code)
    if action == "d":
        offered = response.status_code == 200
    else:  # the add and change forms: a save button, or a read-only view / 403
        offered = response.status_code == 200 and 'name="_save"' in response.content.decode()
    if not offered:
        refused = client.post(url, {"post": "yes"})
        assert refused.status_code == 403, (url, refused.status_code)
    return offered


def test_every_registered_admin_model_has_a_policy():
    labels = {label for label, _ in registered()}
    assert labels == set(ADMIN_POLICY), f"add to ADMIN_POLICY: {sorted(labels - set(ADMIN_POLICY))}"


@pytest.mark.parametrize(("label", "model"), registered(), ids=[label for label, _ in registered()])
@pytest.mark.parametrize("who", STAFF)
def test_staff_may_do_exactly_what_the_policy_says(catalogue, label, model, who):
    client = client_as(who)
    obj = object_for(label, model)
    urls = _urls(model, obj)
    allowed = "".join(action for action, url in urls.items() if _allowed(client, action, url))
    assert allowed == ADMIN_POLICY[label][who]
    if "d" not in ADMIN_POLICY[label][who]:
        assert model._default_manager.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(("label", "model"), registered(), ids=[label for label, _ in registered()])
@pytest.mark.parametrize("who", NON_STAFF)
def test_non_staff_are_sent_to_the_admin_login_everywhere(catalogue, label, model, who):
    client = client_as(who)
    obj = object_for(label, model)
    for url in _urls(model, obj).values():
        for response in (client.get(url), client.post(url, {"post": "yes"})):
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), (
                url
            )
    assert model._default_manager.filter(pk=obj.pk).exists()


# --- account pages ----------------------------------------------------------------------------------------

EVERYONE = NON_STAFF + STAFF
ENTERPRISES = ["enterprise_a", "enterprise_b"]


def _a_receipt_kept_by_a() -> Any:
    from enterprises.accounts import services as accounts
    from enterprises.models import EnterpriseAccount
    from enterprises.selfcheck.receipts import save_receipt

    receipt = save_receipt({})
    account = EnterpriseAccount.objects.filter(user__username="a@firm.example.com").first()
    if account is None:
        account = EnterpriseAccount.objects.get(user=_enterprise("a@firm.example.com", "91350100M000100Y43"))
    assert accounts.keep_receipt(account, receipt)
    return receipt


ACCOUNT_PAGES = [
    ("GET", "accounts:home"),
    ("GET", "accounts:export"),
    ("GET", "accounts:delete"),
    ("POST", "accounts:rerun"),
    ("POST", "accounts:edit_profile"),
    ("POST", "accounts:rule_news_email"),
    ("POST", "accounts:keep"),
]


@pytest.mark.parametrize(("method", "name"), ACCOUNT_PAGES, ids=[n for _, n in ACCOUNT_PAGES])
@pytest.mark.parametrize("who", EVERYONE)
def test_account_pages_are_the_signed_in_enterprise_s_own(catalogue, method, name, who):
    client = client_as(who)
    args = [_a_receipt_kept_by_a().token] if name == "accounts:keep" else []
    url = reverse(name, args=args)
    response = client.get(url) if method == "GET" else client.post(url)
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    elif who not in ENTERPRISES:  # hotline agents, officials and administrators are not enterprises
        assert response.status_code == 403
    elif name == "accounts:keep" and who == "enterprise_b":
        assert response.status_code == 404, "B cannot take A's result by knowing its link"
    elif method == "GET":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and not response["Location"].startswith(reverse("accounts:login"))


def test_the_export_holds_only_the_signed_in_enterprise_s_data(catalogue):
    import json

    receipt = _a_receipt_kept_by_a()
    client = client_as("enterprise_b")
    data = json.loads(client.get(reverse("accounts:export")).content)
    assert data["account"]["email"] == "b@firm.example.com" and data["receipts"] == []
    assert str(receipt.token) not in json.dumps(data)


# --- signed links ------------------------------------------------------------------------------------------


def _links() -> dict[str, tuple[str, str]]:
    """Each signed link: (the real one, a tampered or guessed one)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from enterprises.accounts import services as accounts
    from enterprises.models import EnterpriseAccount

    receipt = _a_receipt_kept_by_a()
    subscription = _subscription()
    pending = accounts.register("pending@firm.example.com", PASSWORD, "91140000701012346E").account
    verified = EnterpriseAccount.objects.get(user__username="a@firm.example.com")
    uid = urlsafe_base64_encode(force_bytes(verified.user.pk))
    reset = default_token_generator.make_token(verified.user)
    return {
        "receipt": (
            reverse("enterprises:receipt", args=[receipt.token]),
            reverse("enterprises:receipt", args=[uuid.uuid4()]),
        ),
        "subscription_confirm": (
            subscription.confirm_url()
            if hasattr(subscription, "confirm_url")
            else reverse("enterprises:subscription_confirm", args=[subscription.confirm_token()]),
            reverse("enterprises:subscription_confirm", args=[subscription.confirm_token() + "x"]),
        ),
        "unsubscribe": (
            reverse("enterprises:subscription_unsubscribe", args=[subscription.unsubscribe_token()]),
            reverse("enterprises:subscription_unsubscribe", args=[subscription.unsubscribe_token() + "x"]),
        ),
        "account_verify": (
            reverse("accounts:verify", args=[accounts.verification_token(pending)]),
            reverse("accounts:verify", args=[accounts.verification_token(pending) + "x"]),
        ),
        "password_reset": (
            reverse("accounts:password_reset_confirm", args=[uid, reset]),
            reverse(
                "accounts:password_reset_confirm",
                args=[uid, reset[:-1] + ("1" if reset.endswith("0") else "0")],
            ),
        ),
    }


LINKS = ["receipt", "subscription_confirm", "unsubscribe", "account_verify", "password_reset"]


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("who", EVERYONE)
def test_signed_links_open_for_whoever_holds_them_and_a_tampered_one_for_nobody(catalogue, link, who):
    client = client_as(who)
    real, forged = _links()[link]
    opened = client.get(real, follow=True)
    assert opened.status_code == 200, (link, opened.status_code)
    refused = client.get(forged, follow=True)
    if link == "password_reset":  # Django's view shows the "invalid link" page
        assert "重设链接无效" in refused.content.decode()
    elif link == "account_verify":  # the button page; the POST is what checks the signature
        assert client.post(forged).status_code == 400
    else:
        assert 400 <= refused.status_code < 500, (link, refused.status_code)
