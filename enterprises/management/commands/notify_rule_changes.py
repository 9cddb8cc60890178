"""Email enterprise accounts whose latest result the published rules now change (once per rule version)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from enterprises.accounts.services import notify_rule_changes


class Command(BaseCommand):
    help = "向结果因政策规则变化而改变的企业账户发送邮件通知(每个规则版本只发一次)。"

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notify_rule_changes()
        self.stdout.write(f"sent {sent} rule-change notice(s)")
