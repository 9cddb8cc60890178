"""The self-check flow between the questionnaire pages and the eligibility engine.

The answers so far live in the session as a profile in the API contract's shape (absent field =
不清楚), so going back shows them again and the result is computed from exactly what the API
would receive. Which questions a step shows is asked of the engine: a question whose answer can
no longer change any result is skipped.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from enterprises.selfcheck.forms import STEPS, UNKNOWN, UNKNOWN_LABEL, Step, profile_name
from enterprises.selfcheck.receipts import Rules
from policies.models import Industry, PolicyDocument

SESSION_KEY = "selfcheck_profile"
FROM_RECEIPT_KEY = "selfcheck_from_receipt"


# --- the profile in the session ---------------------------------------------------------------


def session_profile(request: HttpRequest) -> dict[str, Any]:
    profile = request.session.get(SESSION_KEY)
    return dict(profile) if isinstance(profile, dict) else {}


def store_profile(request: HttpRequest, profile: dict[str, Any], receipt_token: str = "") -> None:
    """Keep the answers; ``receipt_token`` marks answers being completed on that receipt's page."""
    request.session[SESSION_KEY] = profile
    request.session[FROM_RECEIPT_KEY] = receipt_token


def clear_profile(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(FROM_RECEIPT_KEY, None)


def profile_for_receipt(request: HttpRequest, receipt_token: str, saved: dict[str, Any]) -> dict[str, Any]:
    """The answers to complete on a receipt's page: those in progress there, else the saved ones."""
    if request.session.get(FROM_RECEIPT_KEY) == receipt_token:
        return session_profile(request) or dict(saved)
    return dict(saved)


def apply_updates(profile: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Merge a step's answers into the profile; None removes a field (不清楚)."""
    merged = dict(profile)
    for name, value in updates.items():
        if name == "industry" and value and len(value) == 1 and (merged.get("industry") or "")[:1] == value:
            # Re-confirming the section keeps the division chosen on the next step.
            continue
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


# --- the evaluation date --------------------------------------------------------------------


@dataclass(frozen=True)
class DayChoice:
    """A day the self-check offers to evaluate on: today, or a day within one document's period."""

    label: str
    date: datetime.date


@dataclass(frozen=True)
class AsOfDefault:
    date: datetime.date
    today: datetime.date
    window: tuple[datetime.date | None, datetime.date | None]
    choices: tuple[DayChoice, ...] = ()

    @property
    def clamped(self) -> bool:
        return self.date != self.today


def _clamp(day: datetime.date, start: datetime.date | None, end: datetime.date | None) -> datetime.date:
    if end and day > end:
        day = end
    if start and day < start:
        day = start
    return day


def default_as_of(today: datetime.date | None = None) -> AsOfDefault:
    """Today, or when no document is in force today, the nearest day inside one's period.

    With the seed plan alone (it ran in 2022) that is the plan's last day, as before. With
    several documents: today if any is in force; otherwise the end of the latest document that
    has ended (or the start of the earliest one yet to begin). ``choices`` offers today and,
    for each document, the day of its period nearest to today.
    """
    today = today or timezone.localdate()
    documents = list(PolicyDocument.objects.order_by("issued_on", "id"))
    choices = [DayChoice(f"今天({today:%Y-%m-%d})", today)]
    for d in documents:
        day = _clamp(today, d.valid_from, d.valid_until)
        if day != today:
            choices.append(DayChoice(f"《{d.title}》执行期内({day:%Y-%m-%d})", day))
    if not documents:
        return AsOfDefault(today, today, (None, None), tuple(choices))
    in_force = [d for d in documents if d.in_force(today)]
    if in_force:
        chosen = in_force[-1]
    else:
        ended = [d for d in documents if d.valid_until and d.valid_until < today]
        chosen = max(ended, key=lambda d: d.valid_until) if ended else documents[0]
    start, end = chosen.valid_from, chosen.valid_until
    return AsOfDefault(_clamp(today, start, end), today, (start, end), tuple(choices))


# --- which questions to ask ------------------------------------------------------------------


@dataclass(frozen=True)
class StepPlan:
    step: Step
    asked: list[str]
    skipped: list[str]


def _without(profile: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k not in names}


def plan_step(step: Step, profile: dict[str, Any], rules: Rules) -> StepPlan:
    """The questions of a step that can still change a result, given the other answers."""
    asked: list[str] = []
    skipped: list[str] = []
    if step.slug == "industry":
        # The division question refines a known section; it matters when a rule needs more digits.
        section = (profile.get("industry") or "")[:1]
        if not section:
            return StepPlan(step, asked, skipped)  # nothing to refine until a section is chosen
        if "industry" in rules.open_fields({**profile, "industry": section}):
            asked.append("industry_detail")
        else:
            skipped.append("industry_detail")
        return StepPlan(step, asked, skipped)
    own = {profile_name(name) for name in step.fields} - {"as_of"}
    open_ = rules.open_fields(_without(profile, own))
    for name in step.fields:
        if name == "as_of" or profile_name(name) in open_:
            asked.append(name)
        else:
            skipped.append(name)
    return StepPlan(step, asked, skipped)


def step_index(step: Step) -> int:
    return STEPS.index(step)


def neighbour(step: Step, profile: dict[str, Any], direction: int, rules: Rules) -> Step | None:
    """The nearest step in ``direction`` (+1/-1) that still has a question to ask."""
    index = step_index(step) + direction
    while 0 <= index < len(STEPS):
        candidate = STEPS[index]
        if plan_step(candidate, profile, rules).asked:
            return candidate
        index += direction
    return None


# --- industry choices ------------------------------------------------------------------------


def industry_choices(profile: dict[str, Any]) -> dict[str, list]:
    """Sections for the first step; the chosen section's divisions (and groups) for the second."""
    sections = [(i.code, f"{i.code} {i.name}") for i in Industry.objects.filter(level="section")]
    choices: dict[str, list] = {"sections": [*sections, (UNKNOWN, UNKNOWN_LABEL)]}
    section = (profile.get("industry") or "")[:1]
    if section:
        details: list = [(section, "不清楚具体大类")]
        divisions = Industry.objects.filter(parent_id=section).prefetch_related("children")
        for division in divisions:
            groups = list(division.children.all())
            label = f"{division.code} {division.name}"
            if groups:
                details.append(
                    (
                        label,
                        [(division.code, f"{division.code} {division.name}(不清楚中类)")]
                        + [(g.code, f"{g.code} {g.name}") for g in groups],
                    )
                )
            else:
                details.append((division.code, label))
        choices["details"] = details
    return choices


def industry_label(code: str | None) -> str:
    if not code:
        return UNKNOWN_LABEL
    industry = Industry.objects.filter(code=code).first()
    return f"{code} {industry.name}" if industry else code
