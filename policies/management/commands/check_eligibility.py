"""Screen a profile file against the published rules and print the API's JSON answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policies.eligibility import answer_body


class Command(BaseCommand):
    help = "按已发布的资格规则判断企业画像(JSON 文件,- 表示标准输入),输出与 POST /api/v1/eligibility 相同的 JSON。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("profile", help="企业画像 JSON 文件路径,例如 profile.json;- 表示从标准输入读取")

    def handle(self, *args: object, profile: str, **options: object) -> None:
        try:
            raw = sys.stdin.buffer.read() if profile == "-" else Path(profile).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {profile}:{exc.strerror}") from None
        status, body = answer_body(raw)
        self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
        if status != 200:
            raise CommandError(f"企业画像有误(HTTP {status}),见上方 errors")
