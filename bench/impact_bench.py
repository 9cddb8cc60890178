"""Benchmark the impact preview on PostgreSQL over generated saved receipts (issue 13, item 5).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        taskset -c 0 .venv/bin/python bench/impact_bench.py [--small 10000] [--large 100000] [--accounts 2000]

The database is migrated and the catalogue loaded (golden cases included), then the receipts
table is emptied and filled with ``--small`` receipts of distinct generated profiles (plus a
tenth as many re-saves of the same profiles, as enterprises do), and later topped up to
``--large``. Printed, each as wall-clock and CPU time of this process (``time.process_time``;
PostgreSQL's own work runs in its server process and shows in the wall figure only):

* at ``--small``: a parameter change previewed over every checkable measure (the
  publish page's rules-change preview), and the builder's live preview (``impact.preview`` for one measure, golden cases
  included) for several kinds of change, and a check that the answer equals the one the
  previous implementation (every distinct profile screened in full) gives;
* at ``--small`` too: the one-off check of every stored profile against the profile contract
  (``policies.receipt_checks``; then remembered in the database), each live preview asked a second
  time with another threshold (as at the official's next keystroke), and the rule-change
  re-screening of ``--accounts`` opted-in enterprise accounts (all 70 measures each) as one chunk
  of ``policies.rule_news_runs``;
* at ``--large``: one measure's change previewed exactly (first and again), the same estimated
  from a sample of ``--sample``.

Profiles are generated as a self-check form is answered: figures in 万元 mostly rounded to two
or three significant digits (people type 350 or 1200, not 1234.57), a fifth of them exact to
the 0.01 (copied from the accounts), about a quarter of the fields unknown. Every profile is
distinct as a whole; how many distinct combinations a measure's own fields have is printed.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import profiles  # noqa: E402


def rounded(rng: random.Random, value: float) -> float | int:
    """A figure as an official form gets it: usually 2–3 significant digits, sometimes exact."""
    if rng.random() < 0.2:
        return round(value, 2)
    digits = rng.choice([2, 3])
    if value == 0:
        return 0
    import math

    scale = 10 ** (digits - 1 - math.floor(math.log10(abs(value))))
    out = round(value * scale) / scale
    return int(out) if out == int(out) else round(out, 2)


def random_profile(rng: random.Random, sections: dict[str, Any]) -> dict[str, Any]:
    """A plausible answered self-check: the engine bench's mix, with form-like rounding."""
    return profiles.random_profile(
        rng,
        sections,
        figure=lambda value: rounded(rng, value),
        count=lambda value: max(1, int(rounded(rng, value))),
        equipment_count=lambda rng: rng.choice([0, 0, 0, 1, 1, 2]),
    )


def timed(label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label}: {wall * 1000:,.0f} ms wall, {cpu * 1000:,.0f} ms CPU", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"),
    )
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000, help="sample size of the estimated preview")
    parser.add_argument("--skip-baseline", action="store_true", help="do not compare with the previous way")
    parser.add_argument(
        "--accounts",
        type=int,
        default=2_000,
        help="enterprise accounts for the rule-change re-screening (0: skip)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the bench measures PostgreSQL: give a postgres:// BENCH_DATABASE_URL")

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from enterprises.models import Receipt
    from policies import impact, receipt_checks
    from policies.engine import SECTIONS, build_ruleset, validate_profile

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", force=True, verbosity=0)
    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; affinity: {sorted(os.sched_getaffinity(0))}"
    )

    data = json.loads((ROOT / "fixtures" / "rules_source.json").read_text(encoding="utf-8"))
    before = build_ruleset(data)

    def changed(number: int, edit: Callable[[dict[str, Any]], None]) -> Any:
        new = copy.deepcopy(data)
        item = next(m for m in new["measures"] if m["number"] == number)
        edit(item)
        return build_ruleset(new)

    def replace_value(tree: Any, field: str, value: Any) -> Any:
        if isinstance(tree, dict):
            if tree.get("field") == field and "value" in tree:
                return {**tree, "value": value}
            return {k: replace_value(v, field, value) for k, v in tree.items()}
        if isinstance(tree, list):
            return [replace_value(v, field, value) for v in tree]
        return tree

    def edit_condition(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
        def edit(item: dict[str, Any]) -> None:
            item["condition"] = replace_value(item["condition"], field, value)

        return edit

    # Changes an official might make, from a one-field rule to the widest one (measure 12 reads
    # seven fields, its as_of among them).
    changes = {
        "m11 R&D expense > 20万": (11, changed(11, edit_condition("rd_expense_wan", 20))),
        "m2 revenue threshold 800万": (2, changed(2, edit_condition("revenue_wan", 800))),
        "m3 rule removed (withdrawn)": (
            3,
            build_ruleset({**data, "measures": [m for m in data["measures"] if m["number"] != 3]}),
        ),
        "m12 retained VAT credit > 5万": (12, changed(12, edit_condition("retained_vat_credit_wan", 5))),
    }

    # The next keystroke: the same rule with another threshold (new buckets, same fields).
    variants = {
        "m11 R&D expense > 20万": changed(11, edit_condition("rd_expense_wan", 25)),
        "m2 revenue threshold 800万": changed(2, edit_condition("revenue_wan", 850)),
        "m12 retained VAT credit > 5万": changed(12, edit_condition("retained_vat_credit_wan", 6)),
    }

    rng = random.Random(20221201)
    seen: set[str] = set()

    def fresh_profiles(n: int) -> list[dict[str, Any]]:
        out = []
        while len(out) < n:
            stored = validate_profile(random_profile(rng, SECTIONS)).as_dict()  # as save_receipt stores it
            key = json.dumps(stored, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append(stored)
        return out

    def insert(profiles: list[dict[str, Any]]) -> None:
        resaves = [rng.choice(profiles) for _ in range(len(profiles) // 10)]
        rows = [
            Receipt(
                token=uuid.uuid4(),
                profile=p,
                as_of=datetime.date.fromisoformat(p["as_of"]),
                rules_version="bench",
                answer={},
            )
            for p in profiles + resaves
        ]
        Receipt.objects.bulk_create(rows, batch_size=5000)
        # Saved earlier, as receipts are (the check of stored profiles leaves the last minute's).
        Receipt.objects.filter(created_at__gt=timezone.now() - datetime.timedelta(hours=1)).update(
            created_at=timezone.now() - datetime.timedelta(days=1)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Receipt._meta.db_table}")

    Receipt.objects.all().delete()
    start = time.perf_counter()
    insert(fresh_profiles(args.small))
    print(
        f"\n{args.small:,} distinct profiles ({Receipt.objects.count():,} receipts) generated in {time.perf_counter() - start:.0f} s"
    )

    timed(
        "checking every stored profile against the contract once (policies.receipt_checks)",
        receipt_checks.checked,
    )
    print(
        "live preview (impact.preview, one measure, golden cases included), exact; first, then again with another value:"
    )
    for label, (number, after) in changes.items():
        fields = impact.read_fields(before, after, [number])
        result = timed(label, lambda after=after, number=number: impact.preview(before, after, [number]))
        again = variants.get(label)
        if again is not None:
            timed(
                "    again, as the official types another value",
                lambda a=again, n=number: impact.preview(before, a, [n]),
            )
        p = result.profiles
        print(
            f"    {p.profiles:,} profiles, {p.screened:,} distinct combinations of {len(fields)} fields screened; "
            f"gains {p.gains:,}, losses {p.losses:,}, others {p.others:,}"
        )
        if not args.skip_baseline:
            old = timed(
                "    the previous way (every profile screened)",
                lambda after=after, number=number: baseline(before, after, [number]),
            )
            same = (old.gains, old.losses, old.others, old.changed_profiles, old.profiles, old.receipts) == (
                p.gains,
                p.losses,
                p.others,
                p.changed_profiles,
                p.profiles,
                p.receipts,
            ) and [(t, c) for t, c in old.examples] == [(t, c) for t, c in p.examples]
            print(f"    same answer as the previous way: {'yes' if same else 'NO'}")

    def all_measures() -> None:
        params = copy.deepcopy(data)
        for item in params["parameters"]:
            if (
                isinstance(item.get("value"), (int, float))
                or str(item.get("value", "")).replace(".", "").isdigit()
            ):
                item["value"] = str(round(float(item["value"]) * 1.1, 4))
                print(f"parameter change for every checkable measure: {item['key']} {item['value']}")
                break
        after_params = build_ruleset(params)
        measures = [m.number for m in after_params.measures if m.condition is not None]
        result = timed(f"{len(measures)} measures", lambda: impact.preview(before, after_params, measures))
        p = result.profiles
        print(
            f"    {p.screened:,} distinct combinations screened; gains {p.gains:,}, losses {p.losses:,}, others {p.others:,}"
        )

    def rule_news(n: int) -> None:
        """The rule-change re-screening of ``n`` opted-in accounts (each keeping one receipt saved
        under another rules version), as one chunk of policies.rule_news_runs, run here."""
        from django.contrib.auth.models import User

        from enterprises.accounts import rule_news_runs
        from enterprises.models import AccountReceipt, EnterpriseAccount

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # nothing leaves
        EnterpriseAccount.objects.all().delete()
        User.objects.filter(username__startswith="bench-account-").delete()
        users = User.objects.bulk_create(
            [
                User(username=f"bench-account-{i}", email=f"bench{i}@firm.example.com", password="!")
                for i in range(n)
            ]
        )
        users = list(User.objects.filter(username__startswith="bench-account-").order_by("id"))
        made = EnterpriseAccount.objects.bulk_create(
            [
                EnterpriseAccount(user=u, uscc=f"BENCH{i:013d}", rule_news_email=True)
                for i, u in enumerate(users)
            ]
        )
        receipts = list(Receipt.objects.order_by("id")[:n])
        # Each kept receipt holds the answer the published rules gave, under another rules
        # version: every account is screened again, and told only of what really changed.
        from enterprises.selfcheck.receipts import answer_for
        from policies import screening

        current, _ = screening.current_rules()
        for receipt in receipts:
            receipt.answer = answer_for(receipt.profile, current)
        Receipt.objects.bulk_update(receipts, ["answer"], batch_size=500)
        receipts = [r.id for r in receipts]
        AccountReceipt.objects.bulk_create(
            [AccountReceipt(account_id=a.pk, receipt_id=r) for a, r in zip(made, receipts)]
        )
        print(f"rule-change re-screening of {n:,} accounts (all 70 measures each), one chunk run here:")
        run = timed(f"{n:,} accounts", lambda: rule_news_runs.start(chunk=n, queue=False))
        print(f"    {run.progress_text()}")
        EnterpriseAccount.objects.all().delete()
        User.objects.filter(username__startswith="bench-account-").delete()

    all_measures()  # at --small: screening every measure grows with the profiles, see README
    if args.accounts:
        rule_news(args.accounts)

    start = time.perf_counter()
    insert(fresh_profiles(args.large - args.small))
    print(
        f"\n{args.large:,} distinct profiles ({Receipt.objects.count():,} receipts), topped up in {time.perf_counter() - start:.0f} s"
    )
    timed("checking the stored profiles saved since against the contract", receipt_checks.checked)
    print("one measure's change, exact; first, then again with another value:")
    for label, (number, after) in changes.items():
        result = timed(label, lambda after=after, number=number: impact.preview(before, after, [number]))
        p = result.profiles
        print(
            f"    {p.screened:,} distinct combinations screened; gains {p.gains:,}, losses {p.losses:,}, others {p.others:,}"
        )
        again = variants.get(label)
        if again is not None:
            timed(
                "    again, as the official types another value",
                lambda a=again, n=number: impact.preview(before, a, [n]),
            )
    print(
        f"the same, estimated from a sample of {args.sample:,} distinct profiles (the live preview above 10,000):"
    )
    for label, (number, after) in changes.items():
        result = timed(
            label,
            lambda after=after, number=number: impact.preview(before, after, [number], sample=args.sample),
        )
        p = result.profiles
        print(f"    估算 from {p.sampled:,}: gains {p.gains:,}, losses {p.losses:,}, others {p.others:,}")

    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def baseline(before: Any, after: Any, measures: list[int]) -> Any:
    """The previous implementation: every distinct profile validated and screened in full."""
    from enterprises.models import Receipt
    from policies import impact, screening

    stats = impact.ProfileImpact()
    for entry in Receipt.objects.distinct_profiles():
        stats.profiles += 1
        stats.receipts += entry["count"]
        found = screening.changes_for(entry["profile"], before, after, measures)
        if not found:
            continue
        stats.changed_profiles += 1
        for change in found:
            counter = impact._COUNTER[change.direction]
            setattr(stats, counter, getattr(stats, counter) + entry["count"])
        if len(stats.examples) < impact.MAX_EXAMPLES:
            stats.examples.append((entry["token"], found))
    return stats


if __name__ == "__main__":
    main()
