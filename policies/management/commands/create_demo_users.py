"""Create (or reset) the demo superuser and demo official, and print their credentials."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

from policies.apps import OFFICIALS_GROUP
from policies.models import Official, ResponsibleUnit


class Command(BaseCommand):
    help = "Create demo accounts for a local trial: demo_admin (superuser) and demo_official (省税务局)."

    def handle(self, *args: object, **options: object) -> None:
        admin_password = secrets.token_urlsafe(9)
        official_password = secrets.token_urlsafe(9)

        admin, _ = User.objects.get_or_create(username="demo_admin", defaults={"email": "admin@example.gov.cn"})
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.set_password(admin_password)
        admin.save()

        official_user, _ = User.objects.get_or_create(
            username="demo_official", defaults={"email": "official@example.gov.cn"}
        )
        official_user.is_staff = official_user.is_active = True
        official_user.set_password(official_password)
        official_user.save()
        official_user.groups.add(Group.objects.get(name=OFFICIALS_GROUP))
        official, _ = Official.objects.get_or_create(user=official_user)
        official.units.set(ResponsibleUnit.objects.filter(name="省税务局"))

        self.stdout.write(self.style.SUCCESS("Demo accounts (admin at http://127.0.0.1:8000/admin/):"))
        self.stdout.write(f"  superuser      demo_admin / {admin_password}")
        self.stdout.write(f"  official 省税务局 demo_official / {official_password}")
