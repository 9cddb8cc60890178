"""Create (or reset) one demo account for every role, and print their credentials.

It lives in the hotline app because it needs both the officials' group and units (policies) and
the agents' group (hotline), and hotline is the app that builds on policies, not the reverse.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

from hotline.views import HOTLINE_GROUP
from policies.apps import OFFICIALS_GROUP
from policies.models import Official, ResponsibleUnit


@dataclass(frozen=True)
class DemoAccount:
    username: str
    email: str
    role: str
    where: str
    staff: bool = False
    superuser: bool = False
    group: str = ""
    unit: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("demo_admin", "admin@example.gov.cn", "超级管理员", "/admin/", staff=True, superuser=True),
    DemoAccount(
        "demo_official",
        "official@example.gov.cn",
        "官员 省税务局",
        "/admin/",
        True,
        group=OFFICIALS_GROUP,
        unit="省税务局",
    ),
    # A second official of the same unit: where four-eyes publishing is on, the one who changed a
    # draft cannot publish it, so a trial needs a colleague to review and publish.
    DemoAccount(
        "demo_reviewer",
        "reviewer@example.gov.cn",
        "官员 省税务局(复核)",
        "/admin/",
        True,
        group=OFFICIALS_GROUP,
        unit="省税务局",
    ),
    DemoAccount("demo_hotline", "hotline@example.gov.cn", "热线坐席", "/hotline/", group=HOTLINE_GROUP),
]


class Command(BaseCommand):
    help = "Create demo accounts for a local trial: superuser, two officials of 省税务局 and a hotline agent."

    def handle(self, *args: object, **options: object) -> None:
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts ({site}):"))
        for account in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(9)
            user, _ = User.objects.get_or_create(username=account.username, defaults={"email": account.email})
            user.is_staff, user.is_superuser, user.is_active = account.staff, account.superuser, True
            user.set_password(password)
            user.save()
            if account.group:
                user.groups.add(Group.objects.get(name=account.group))
            if account.unit:
                official, _ = Official.objects.get_or_create(user=user)
                official.units.set(ResponsibleUnit.objects.filter(name=account.unit))
            self.stdout.write(f"  {account.role:<16} {account.username} / {password}   {site}{account.where}")
