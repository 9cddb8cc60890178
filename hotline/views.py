"""Public search page and the staff-only hotline console.

The console is for members of the 热线坐席 group (and superusers). It shows only the catalogue
and what the agent records; enterprises' saved profiles and receipts are never listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from policies.models import Measure

from . import caller
from .answers import answer_card, current_ruleset
from .forms import (
    FIRST_QUESTIONS,
    CallerCheckForm,
    CallForm,
    SearchForm,
    caller_check_helper,
    caller_question,
)
from .models import Call
from .search import parse_query, search_measures

if TYPE_CHECKING:
    from django.contrib.auth.models import User

HOTLINE_GROUP = "热线坐席"
LOOKED_UP_KEY = "hotline_looked_up"
PUBLIC_LIMIT = 20
CONSOLE_LIMIT = 10


def is_hotline_agent(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.groups.filter(name=HOTLINE_GROUP).exists())
    )


def agent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login first (hotline login page), then the 热线坐席 group; others get a 403 page."""

    @wraps(view)
    @login_required(login_url="hotline:login")
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_hotline_agent(request.user):
            return render(request, "hotline/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _agent(request: HttpRequest) -> User:
    """The signed-in agent making the request, for views behind `agent_required` only.

    There `login_required` has already sent anonymous visitors to the login page, so
    `request.user` is a User, never AnonymousUser; the cast only tells the type checker so.
    """
    return cast("User", request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query(request: HttpRequest) -> str:
    form = SearchForm(request.GET)
    return form.cleaned_data["q"] if form.is_valid() else ""


def public_search(request: HttpRequest) -> HttpResponse:
    q = _query(request)
    results = search_measures(q, limit=PUBLIC_LIMIT) if q.strip() else []
    context = {"form": SearchForm(initial={"q": q}), "q": q, "results": results}
    if _is_htmx(request):
        return render(request, "hotline/_public_results.html", context)
    return render(request, "hotline/search.html", context)


def _remember_lookup(request: HttpRequest, key: str) -> None:
    looked_up = [str(k) for k in request.session.get(LOOKED_UP_KEY, [])]
    if key not in looked_up:
        request.session[LOOKED_UP_KEY] = [*looked_up, key][-20:]


def _card_for(request: HttpRequest, key: str, q: str, remember: bool = True) -> Any:
    """The answer card of the measure with this short key ("9", or "2-9" in document 2)."""
    measure = (
        Measure.objects.public_listing()
        .prefetch_related("deadlines", "measure_units__unit")
        .by_short_key(key)
        .first()
    )
    if measure is None:
        return None
    if remember:
        _remember_lookup(request, measure.short_key)
    return answer_card(measure, parse_query(q) if q.strip() else None, current_ruleset())


def _call_form(request: HttpRequest, q: str, blank: bool = False) -> CallForm:
    """The call log, prefilled with the caller's question and the measures opened during the call.

    "已当场解答" starts unticked: the agent says so only once the caller's question is answered.
    """
    looked_up = [] if blank else request.session.get(LOOKED_UP_KEY, [])
    initial = {
        "topic": "" if blank else q[:200],
        "answered": False,
        "measure_numbers": ", ".join(map(str, looked_up)),
    }
    return CallForm(initial=initial)


def _selected(value: str) -> str | None:
    """The open card's short key from the query string ("9", "2-9"), if it can be one."""
    return value if value and len(value) <= 16 else None


def _console_context(
    request: HttpRequest,
    q: str,
    selected: str | None,
    call_form: CallForm | None = None,
    logged: bool = False,
) -> dict[str, Any]:
    results = search_measures(q, limit=CONSOLE_LIMIT) if q.strip() else []
    card = None
    # Right after a call is saved the same search and card stay on screen, but they belong to
    # the call just logged: they are not counted again for the next one.
    if selected is not None:
        card = _card_for(request, selected, q, remember=not logged)
    elif len(results) == 1:
        card = _card_for(request, results[0].short_key, q, remember=not logged)
    return {
        "form": SearchForm(initial={"q": q}),
        "q": q,
        "results": results,
        "card": card,
        "call_form": call_form or _call_form(request, q, blank=logged),
        "recent_calls": Call.objects.filter(agent=_agent(request)).prefetch_related("measures__document")[:5],
        "nav": "console",
    }


@agent_required
def console(request: HttpRequest) -> HttpResponse:
    q = _query(request)
    if _is_htmx(request) and request.headers.get("HX-Target") == "results":
        results = search_measures(q, limit=CONSOLE_LIMIT) if q.strip() else []
        # The call log's question follows the search (an out-of-band swap in the fragment).
        context = {"q": q, "results": results, "call_form": _call_form(request, q), "oob": True}
        return render(request, "hotline/_results.html", context)
    logged = request.GET.get("logged") == "1"
    context = _console_context(request, q, _selected(request.GET.get("m", "")), logged=logged)
    return render(request, "hotline/console.html", context)


@agent_required
def card(request: HttpRequest, key: str) -> HttpResponse:
    q = _query(request)
    found = _card_for(request, key, q)
    if found is None:
        raise Http404("没有这条政策措施")
    if _is_htmx(request):
        # The call log's measures now include this one (an out-of-band swap in the fragment).
        context = {"card": found, "q": q, "call_form": _call_form(request, q), "oob": True}
        return render(request, "hotline/_card.html", context)
    return redirect(f"{reverse('hotline:console')}?{request.GET.urlencode()}&m={key}")


@agent_required
@require_POST
def log_call(request: HttpRequest) -> HttpResponse:
    form = CallForm(request.POST)
    # The search and the open card the agent was looking at, carried by the form's hidden fields.
    search_form = SearchForm({"q": request.POST.get("q", "")})
    q: str = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    selected = _selected(request.POST.get("m", ""))
    if form.is_valid():
        call = form.save(commit=False)
        call.agent = _agent(request)
        call.save()
        call.measures.set(form.cleaned_data["measure_numbers"])
        request.session[LOOKED_UP_KEY] = []
        if call.answered:
            messages.success(request, "来电已记录。")
        else:
            messages.warning(request, "来电已记录,未解答的问题已转给主管部门。")
        params = {"q": q, "logged": "1", **({"m": selected} if selected is not None else {})}
        return redirect(f"{reverse('hotline:console')}?{urlencode(params)}")
    context = _console_context(request, q, selected, call_form=form, logged=True)
    return render(request, "hotline/console.html", context, status=422)


@agent_required
def calls(request: HttpRequest) -> HttpResponse:
    mine = Call.objects.filter(agent=_agent(request)).prefetch_related("measures__document")[:100]
    return render(request, "hotline/calls.html", {"calls": mine})


@agent_required
def caller_check(request: HttpRequest) -> HttpResponse:
    """Ask the caller what settles their measures, run the engine, give a script and a link.

    The first questions decide most measures; each check then adds every questionnaire
    question that would settle a measure still 需补充信息 (the self-check's own
    ``questions_for_missing``), so the agent can finish the check on the phone.
    """
    from enterprises.selfcheck.receipts import questions_for_missing

    if request.method != "POST":
        return _render_check(request, CallerCheckForm())
    asked = CallerCheckForm.asked_in(request.POST)
    form = CallerCheckForm(request.POST, asked=asked)
    if not form.is_valid():
        return _render_check(request, form, status=422)
    profile = form.profile()
    if request.POST.get("nav") == "add_row":
        # One more equipment row than were shown, the answers so far kept; no check is run.
        return _render_check(request, _with_another_row(request, asked, profile))
    outcome = caller.check(profile)
    if outcome.receipt is None:
        for name, message in outcome.errors:
            form.add_error(name if name in form.fields else None, message)
        return _render_check(request, form, status=422)
    answer = outcome.receipt.answer
    still_open = [caller_question(name) for name in questions_for_missing(answer, profile)]
    shown = [*FIRST_QUESTIONS, *(n for n in asked if n in profile), *still_open]
    # Unbound, with the answers as initial values: the new questions start at 不清楚.
    next_form = CallerCheckForm(asked=shown, profile=profile)
    context = {
        "receipt": outcome.receipt,
        "permalink": request.build_absolute_uri(outcome.receipt.get_absolute_url()),
        "script": caller.script_for(answer),
        "as_of_note": outcome.as_of_note,
        "open_questions": [n for n in still_open if n in next_form.fields],
    }
    return _render_check(request, next_form, context=context)


def _with_another_row(request: HttpRequest, asked: list[str], profile: dict[str, Any]) -> CallerCheckForm:
    from enterprises.selfcheck.forms import MIN_EQUIPMENT_ROWS

    shown = request.POST.get("equipment-TOTAL_FORMS", "")
    shown_rows = min(int(shown), 29) if shown.isascii() and shown.isdigit() else MIN_EQUIPMENT_ROWS
    items = len(profile.get("equipment") or [])
    # equipment_formset shows the items plus max(3 - items, 1) empty rows, plus ``extra``.
    extra = max(shown_rows + 1 - items - max(MIN_EQUIPMENT_ROWS - items, 1), 0)
    return CallerCheckForm(asked=asked, profile=profile, extra_equipment_rows=extra)


def _render_check(
    request: HttpRequest,
    form: CallerCheckForm,
    status: int = 200,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    from enterprises.selfcheck.forms import equipment_row_helper

    return render(
        request,
        "hotline/check.html",
        {
            "form": form,
            "helper": caller_check_helper(form, (context or {}).get("open_questions", ())),
            "row_helper": equipment_row_helper(),
            "nav": "check",
            **(context or {}),
        },
        status=status,
    )
