"""The self-check in the browser: questionnaire steps, the result page behind a receipt link."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from enterprises.accounts import services as accounts
from enterprises.selfcheck import plausibility, steps
from enterprises.selfcheck.forms import (
    QUESTIONS,
    STEP_BY_SLUG,
    STEPS,
    Step,
    StepForm,
    equipment_row_helper,
    profile_name,
)
from enterprises.selfcheck.models import Receipt
from enterprises.selfcheck.presentation import result_page_context
from enterprises.selfcheck.receipts import Rules, answer_text, questions_for_missing, save_receipt
from policies import screening

MAX_EXTRA_ROWS = 10


def step_url(slug: str) -> str:
    if slug == STEPS[0].slug:
        return reverse("enterprises:check")
    return reverse("enterprises:check_step", args=[slug])


def questionnaire(request: HttpRequest, slug: str = STEPS[0].slug) -> HttpResponse:
    """Show one step of the questionnaire; on POST keep its answers and move on."""
    step = STEP_BY_SLUG.get(slug)
    if step is None:
        raise Http404("没有这一步")
    profile = steps.session_profile(request)
    as_of = steps.default_as_of()
    picked = _picked_day(request, as_of)
    if picked:
        # A quick choice of the evaluation day ("今天" or a day in a document's period).
        steps.store_profile(request, {**profile, "as_of": picked})
        return HttpResponseRedirect(request.path)
    rules = Rules.current()
    plan = steps.plan_step(step, profile, rules)
    extra_rows = _int_param(request.GET.get("rows"), 0, MAX_EXTRA_ROWS)
    form_kwargs = _form_kwargs(step, plan.asked, profile, extra_rows, as_of_default=as_of.date)
    if request.method == "POST":
        form = StepForm(request.POST, **form_kwargs)
        # A person who starts on a later step still gets the plan-period date, not today's.
        updated = _answers(
            form,
            profile,
            as_of=as_of.date.isoformat(),
            check=request.POST.get("nav", "next") in ("next", "finish"),
            confirmed=request.POST.get(plausibility.CONFIRM_FIELD, ""),
        )
        if updated is not None:
            steps.store_profile(request, updated)
            return HttpResponseRedirect(_after_step(request, step, updated, extra_rows, rules))
    else:
        form = StepForm(**form_kwargs)
    context = {
        "step": step,
        "plan": plan,
        "form": form,
        "row_helper": equipment_row_helper(),
        "progress": _progress(step, profile, rules),
        "previous": steps.neighbour(step, profile, -1, rules),
        "next": steps.neighbour(step, profile, +1, rules),
        "skipped": [(QUESTIONS[name].label, answer_text(name, profile)) for name in plan.skipped],
        "as_of_default": as_of,
        "answered": bool(profile),
    }
    return render(request, "enterprises/step.html", context)


def _picked_day(request: HttpRequest, as_of: steps.AsOfDefault) -> str:
    """The ISO day of ``?as_of=`` when it is one of the offered choices, else ""."""
    wanted = request.GET.get("as_of", "") if request.method == "GET" else ""
    return wanted if wanted in {c.date.isoformat() for c in as_of.choices} else ""


def _after_step(request: HttpRequest, step: Step, profile: dict, extra_rows: int, rules: Rules) -> str:
    nav = request.POST.get("nav", "next")
    if nav == "add_row":
        return f"{step_url(step.slug)}?rows={min(extra_rows + 1, MAX_EXTRA_ROWS)}#equipment-rows"
    if nav == "back":
        previous = steps.neighbour(step, profile, -1, rules)
        return step_url(previous.slug) if previous else step_url(step.slug)
    if nav == "next":
        following = steps.neighbour(step, profile, +1, rules)
        if following:
            return step_url(following.slug)
    receipt = save_receipt(profile, rules)
    accounts.keep_for_request(request, receipt)  # a signed-in enterprise keeps it
    return receipt.get_absolute_url()


@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    steps.clear_profile(request)
    return HttpResponseRedirect(step_url(STEPS[0].slug))


def receipt(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """The permanent result page: the answer exactly as it was computed, explained."""
    saved = get_object_or_404(Receipt, token=token)
    return render(request, "enterprises/result.html", result_page_context(request, saved))


@require_POST
def edit_answers(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Load a receipt's answers into the questionnaire, to change them."""
    saved = get_object_or_404(Receipt, token=token)
    steps.store_profile(request, dict(saved.profile))
    target = request.POST.get("step", STEPS[0].slug)
    return HttpResponseRedirect(step_url(target if target in STEP_BY_SLUG else STEPS[0].slug))


@require_POST
def recheck(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Evaluate a receipt's answers again with today's rules, giving a new receipt."""
    saved = get_object_or_404(Receipt, token=token)
    newer = save_receipt(dict(saved.profile))
    accounts.keep_for_request(request, newer)
    return HttpResponseRedirect(newer.get_absolute_url())


def _form_kwargs(
    step: Any, asked: Any, profile: dict[str, Any], extra_rows: int, **more: Any
) -> dict[str, Any]:
    """What a StepForm is built from, on a questionnaire step and on the 补充问题 page alike."""
    return {
        "step": step,
        "asked": asked,
        "profile": profile,
        "industry_choices": steps.industry_choices(profile),
        "extra_equipment_rows": extra_rows,
        **more,
    }


def more_questions(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Only the questions that would settle the measures still marked 需补充信息."""
    saved = get_object_or_404(Receipt, token=token)
    profile = steps.profile_for_receipt(request, str(saved.token), saved.profile)
    extra_rows = _int_param(request.GET.get("rows"), 0, MAX_EXTRA_ROWS)
    form_kwargs = _form_kwargs(None, questions_for_missing(saved.answer, profile), profile, extra_rows)
    if request.method == "POST":
        form = StepForm(request.POST, **form_kwargs)
        updated = _answers(
            form,
            profile,
            check=request.POST.get("nav") != "add_row",
            confirmed=request.POST.get(plausibility.CONFIRM_FIELD, ""),
        )
        if updated is not None:
            if request.POST.get("nav") == "add_row":
                steps.store_profile(request, updated, receipt_token=str(saved.token))
                url = reverse("enterprises:more_questions", args=[saved.token])
                return HttpResponseRedirect(
                    f"{url}?rows={min(extra_rows + 1, MAX_EXTRA_ROWS)}#equipment-rows"
                )
            steps.store_profile(request, updated)
            newer = save_receipt(updated)
            accounts.keep_for_request(request, newer)
            return HttpResponseRedirect(newer.get_absolute_url())
    else:
        form = StepForm(**form_kwargs)
    context = {
        "receipt": saved,
        "form": form,
        "row_helper": equipment_row_helper(),
    }
    return render(request, "enterprises/more.html", context)


# --- helpers ---------------------------------------------------------------------------------


def _answers(
    form: StepForm, profile: dict[str, Any], as_of: str = "", check: bool = False, confirmed: str = ""
) -> dict[str, Any] | None:
    """The profile with the form's answers, or None with the problems shown as field errors.

    With ``check``, answers that are valid but hardly plausible also stop the step once, shown
    as warnings next to their fields until the enterprise confirms them (``confirmed``).
    """
    if not form.is_valid():
        return None
    updated = steps.apply_updates(profile, form.profile_updates())
    if as_of:
        updated.setdefault("as_of", as_of)
    problems = screening.profile_problems(updated)
    # The engine is the last word on the contract; its field messages become form errors.
    for field, message in problems:
        form.add_error(_form_field(field, form), message)
    if problems:
        return None
    shown = {profile_name(name) for name in form.fields}
    warnings = plausibility.unconfirmed(updated, shown, confirmed) if check else []
    if warnings:
        _show_warnings(form, warnings)
        return None
    return updated


def _show_warnings(form: StepForm, warnings: list[plausibility.Warning]) -> None:
    """Put each warning into the help text of its fields, which crispy renders next to the input
    (and which the input's aria-describedby already names); the tick box lists them all."""
    form.plausibility_warnings = warnings
    form.plausibility_codes = ",".join(w.code for w in warnings)
    for warning in warnings:
        for name in warning.fields:
            target = _form_field(name, form)
            if target is None:
                continue
            field = form.fields[target]
            field.help_text = format_html(
                '<span class="plausibility-warning d-block">请核对:{}</span>{}',
                warning.message,
                field.help_text,
            )
            form._bound_fields_cache.pop(target, None)  # a BoundField copies help_text when built


def _int_param(raw: str | None, low: int, high: int) -> int:
    try:
        return min(max(int(raw or low), low), high)
    except ValueError:
        return low


def _form_field(profile_field: str, form: StepForm) -> str | None:
    """The form field showing an engine error on a profile field (or the form as a whole)."""
    name = profile_field.split("[", 1)[0].split(".", 1)[0]
    if name == "industry":
        name = next((f for f in ("industry_detail", "industry_section") if f in form.fields), name)
    return name if name in form.fields else None


def _progress(current: Step, profile: dict, rules: Rules) -> list[dict]:
    items = []
    for step in STEPS:
        plan = steps.plan_step(step, profile, rules)
        items.append(
            {
                "step": step,
                "url": step_url(step.slug),
                "current": step is current,
                "skipped": bool(plan.skipped) and not plan.asked,
            }
        )
    return items
