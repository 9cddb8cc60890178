"""Generated enterprise profiles for the benches: a plausible mix, a quarter of the fields unknown.

The engine bench takes figures as typed (two decimals); the impact bench rounds them as a form
gets them (``figure``, ``count``) and draws fewer equipment items (``equipment_count``).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any


def random_profile(
    rng: random.Random,
    sections: dict[str, Any],
    figure: Callable[[float], float] = lambda value: round(value, 2),
    count: Callable[[float], int] = int,
    equipment_count: Callable[[random.Random], int] = lambda rng: rng.randint(0, 3),
) -> dict[str, Any]:
    """A plausible answered self-check; ``sections`` is the engine's SECTIONS table."""
    section = rng.choice(sorted(sections))
    first, last, _ = sections[section]
    industry = rng.choice([section, f"{section}{rng.randint(first, last):02d}"])

    def money(scale: float) -> float:
        return figure(rng.lognormvariate(0, 2) * scale)

    profile: dict[str, Any] = {
        "industry": industry,
        "entity_type": rng.choice(["enterprise", "enterprise", "individual_business"]),
        "employees": count(rng.lognormvariate(3.5, 1.5)),
        "revenue_wan": money(2000),
        "total_assets_wan": money(1500),
        "taxable_income_wan": figure(rng.uniform(-200, 800)),
        "vat_taxpayer": rng.choice(["small_scale", "general"]),
        "tax_credit_rating": rng.choice("ABMCD"),
        "is_tech_sme": rng.random() < 0.2,
        "is_specialized_sme": rng.random() < 0.1,
        "is_chain_leader": rng.random() < 0.05,
        "rd_expense_wan": money(50) if rng.random() < 0.5 else 0,
        "equipment": [
            {
                "unit_value_wan": money(300),
                "min_depreciation_years": rng.choice([3, 4, 5, 10]),
                "purchase_date": str(
                    datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randint(-60, 400))
                ),
            }
            for _ in range(equipment_count(rng))
        ],
        "owns_nev": rng.random() < 0.3,
        "ui_premium_last_year_wan": money(5),
        "layoff_rate_pct": figure(rng.uniform(0, 30)),
        "retained_vat_credit_wan": money(20) if rng.random() < 0.5 else 0,
        "exports": rng.random() < 0.3,
        "first_batch_premium_wan": money(100) if rng.random() < 0.1 else 0,
        "tech_retrofit_investment_wan": money(1000) if rng.random() < 0.2 else 0,
        "env_performance_grade": rng.choice("ABCD"),
        "as_of": str(datetime.date(2022, 4, 14) + datetime.timedelta(days=rng.randint(0, 260))),
    }
    for name in list(profile):
        if name != "as_of" and rng.random() < 0.25:
            del profile[name]
    return profile
