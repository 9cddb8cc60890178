"""The rule builder page of a measure draft in the admin (``…/measure/<pk>/rule-builder/``).

Server-rendered: every button is a normal POST (add, remove, indent, move a row; add a note;
load the advanced JSON; save), and htmx, where scripts run, posts the same form on every change
and swaps in the re-rendered builder with its preview, so the page works without JavaScript and
needs no inline script. Rights are the measure's: a draft, changeable by the official's units.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse

from policies.engine import EQUIPMENT_FIELDS, PROFILE_FIELDS, TIER_LABELS, FieldSpec, parse_param_value
from policies.models import Deadline, EligibilityRule, Industry, Measure, Parameter, SizeStandard
from policies.rules_loader import invalidate

from . import estimate as shapes
from . import preview, suggestions, tree
from . import state as builder_state
from .state import BuilderState, Result
from .tree import Row

ADD_CHOICES = [
    ("field", "条件"),
    ("industry", "行业"),
    ("size", "企业规模"),
    ("as_of", "评估日期"),
    ("equipment", "新购置设备"),
    ("all", "同时满足(组)"),
    ("any", "满足其一(组)"),
    ("not", "不满足(组)"),
]
ITEM_ADD_CHOICES = [
    ("field", "设备条件"),
    ("all", "同时满足(组)"),
    ("any", "满足其一(组)"),
    ("not", "不满足(组)"),
]
TREE_TITLES = {"c": "资格条件", "w": "估算的适用条件"}
HIDDEN_PROFILE_FIELDS = {"as_of", "industry", "equipment"}


@dataclass
class RowView:
    """What the template needs to draw one row."""

    tree: str
    index: int
    row: Row
    in_equipment: bool
    errors: list[str]
    spec: FieldSpec | None = None
    ops: dict[str, str] = field(default_factory=dict)
    field_choices: list[tuple[str, str]] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    choices: list[tuple[str, str, bool]] = field(default_factory=list)
    industries: list[tuple[str, str, bool]] = field(default_factory=list)
    query: str = ""
    standards: list[tuple[str, str]] = field(default_factory=list)
    tiers: list[tuple[str, str, bool]] = field(default_factory=list)
    add_choices: list[tuple[str, str]] = field(default_factory=list)
    new_kind: str = ""  # the kind picked in "在此行下添加", kept across htmx refreshes
    focused: bool = False

    @property
    def prefix(self) -> str:
        return f"{self.tree}-{self.index}"

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def kind_label(self) -> str:
        return tree.KIND_LABELS.get(self.row.kind, "条件")

    @property
    def is_group(self) -> bool:
        return self.row.kind in tree.GROUP_KINDS

    @property
    def value_kind(self) -> str:
        """How the value is entered: ``number``, ``date``, ``bool`` or ``choices``."""
        if self.spec is None:
            return "number"
        if self.spec.kind == "enum":
            return "choices"
        return self.spec.kind if self.spec.kind in ("bool", "date") else "number"


class Catalog:
    """The lists the pickers offer, read once per request."""

    def __init__(self) -> None:
        self.parameters: dict[str, Parameter] = {}
        for p in Parameter.objects.order_by("key", "valid_from"):
            self.parameters[p.key] = p  # the latest version labels the key
        self.param_kinds = {}
        for key, p in self.parameters.items():
            try:
                self.param_kinds[key] = (
                    "date" if isinstance(parse_param_value(p.value), datetime.date) else "number"
                )
            except (ValueError, ArithmeticError):
                self.param_kinds[key] = "number"
        self.standards: dict[str, SizeStandard] = {}
        for s in SizeStandard.objects.order_by("key", "valid_from"):
            self.standards[s.key] = s
        self.industry_names = dict(Industry.objects.values_list("code", "name"))

    def param_choices(self, kind: str) -> list[tuple[str, str]]:
        return [
            (key, f"{p.label}({key})= {p.value}{p.unit if p.unit not in ('比例', '日期') else ''}")
            for key, p in self.parameters.items()
            if self.param_kinds.get(key) == kind
        ]

    def param_labels(self) -> dict[str, str]:
        return {key: p.label for key, p in self.parameters.items()}

    def search_industries(self, query: str) -> list[tuple[str, str]]:
        query = query.strip()
        if not query:
            return []
        upper = query.upper()
        found = [(c, n) for c, n in self.industry_names.items() if c.startswith(upper) or query in n]
        found.sort(key=lambda item: (len(item[0]), item[0]))
        return found[:15]


def row_views(
    name: str,
    rows: list[Row],
    errors: list[tuple[int | None, str]],
    catalog: Catalog,
    post: Any,
    focus: Any = None,
) -> list[RowView]:
    by_row: dict[int, list[str]] = {}
    for i, message in errors:
        if i is not None:
            by_row.setdefault(i, []).append(message)
    views = []
    equipment_depths: list[int] = []
    for i, row in enumerate(rows):
        while equipment_depths and equipment_depths[-1] >= row.depth:
            equipment_depths.pop()
        inside = bool(equipment_depths)
        view = RowView(name, i, row, inside, by_row.get(i, []), focused=focus == (name, i))
        if row.kind == "field":
            fields = EQUIPMENT_FIELDS if inside else PROFILE_FIELDS
            view.field_choices = [
                (n, s.label) for n, s in fields.items() if inside or n not in HIDDEN_PROFILE_FIELDS
            ]
            view.spec = fields.get(row.field)
            view.ops = tree.ops_for(view.spec)
            if view.spec is not None:
                picked = [v for v in row.value.split(",") if v]
                labels = {str(k): v for k, v in view.spec.choices.items()}
                view.choices = [(k, labels[k], k in picked) for k in _keeping_order(list(labels), picked)]
                if view.spec.kind in ("int", "number", "date"):
                    view.params = catalog.param_choices("date" if view.spec.kind == "date" else "number")
        elif row.kind == "as_of":
            view.spec = PROFILE_FIELDS[tree.AS_OF]
            view.ops = tree.ops_for(view.spec)
            view.params = catalog.param_choices("date")
        elif row.kind == "industry":
            codes = [c for c in row.codes.split(",") if c]
            view.industries = [(c, catalog.industry_names.get(c, "(未知代码)"), True) for c in codes]
            view.query = str(post.get(f"{name}-{i}-q", "") or "") if post is not None else ""
            view.industries += [
                (c, n, False) for c, n in catalog.search_industries(view.query) if c not in codes
            ]
        elif row.kind == "size":
            view.standards = [
                (k, f"{s.name}({'分档' if s.kind == 'tiered' else '判断'})")
                for k, s in catalog.standards.items()
            ]
            standard = catalog.standards.get(row.standard)
            if standard is not None and standard.kind == "tiered":
                picked = [c for c in row.classes.split(",") if c]
                smallest_first = [t for t in [standard.fallback, *reversed(standard.tier_list())] if t]
                view.tiers = [
                    (t, TIER_LABELS.get(t, t), t in picked) for t in _keeping_order(smallest_first, picked)
                ]
        if row.is_container:
            view.new_kind = str(post.get(f"{name}-{i}-new", "") or "") if post is not None else ""
            view.add_choices = ITEM_ADD_CHOICES if inside or row.kind == "equipment" else ADD_CHOICES
        if row.kind == "equipment":
            equipment_depths.append(row.depth)
        views.append(view)
    return views


def _keeping_order(options: list[str], picked: list[str]) -> list[str]:
    """Checkboxes post in page order: show the picked ones first when the rule lists them in
    another order than the page would, so posting the page back keeps the rule as it was."""
    if [o for o in options if o in picked] == picked:
        return options
    return [*(p for p in picked if p in options), *(o for o in options if o not in picked)]


def _operand_parts(text: str) -> tuple[str, str]:
    return (text[2:], "") if text.startswith("p.") else ("", text)


SESSION_EXPIRED = (
    "登录已过期,请重新登录后继续;您的草稿未保存的修改仍在本页表单中,不会丢失:"
    "在新打开的页面登录后回到本页,再修改任意一项或点击“更新预览”即可继续。"
)


def session_checked(view: Callable[..., HttpResponse], admin_site: Any) -> Callable[..., HttpResponse]:
    """Answer the builder's htmx requests after the session expired with a message, not a login page.

    ``admin_site.admin_view`` redirects such a request to the login page, which htmx follows
    and would swap into the builder's panel in place of the form the official was filling in.
    Instead a 401 carries a message and a login link (opened in a new tab) into the page's
    message box (``HX-Retarget``); the form is left as typed. Other requests keep the admin's
    redirect to the login page.
    """

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.headers.get("HX-Request") and not admin_site.has_permission(request):
            login = f"{reverse('admin:login', current_app=admin_site.name)}?next={reverse('admin:index', current_app=admin_site.name)}"
            html = render_to_string(
                "admin/policies/measure/rule_builder_session.html",
                {"message": SESSION_EXPIRED, "login_url": login},
            )
            response = HttpResponse(html, status=401)
            response["HX-Retarget"] = "#rb-session"
            response["HX-Reswap"] = "innerHTML"
            response["Cache-Control"] = "no-store"
            return response
        return view(request, *args, **kwargs)

    wrapped.__name__ = getattr(view, "__name__", "rule_builder")
    return wrapped


class RuleBuilderView:
    """Bound to the MeasureAdmin instance, so rights and the admin's context are the measure's."""

    template = "admin/policies/measure/rule_builder.html"
    panel_template = "admin/policies/measure/rule_builder_panel.html"

    def __init__(self, model_admin: ModelAdmin) -> None:
        self.model_admin = model_admin

    def __call__(self, request: HttpRequest, pk: int) -> HttpResponse:
        draft = get_object_or_404(Measure, pk=pk)
        change_url = reverse("admin:policies_measure_change", args=[draft.pk])
        if not self.model_admin.has_change_permission(request, draft):
            raise PermissionDenied
        if not draft.is_draft:
            self.model_admin.message_user(
                request, "已发布的条款不能直接修改:请先点击“修改草稿”,再打开规则编辑器。", messages.WARNING
            )
            return HttpResponseRedirect(change_url)
        rule = draft.eligibility_rules.first()
        needed = "policies.change_eligibilityrule" if rule else "policies.add_eligibilityrule"
        if not request.user.has_perm(needed):
            raise PermissionDenied
        deadlines = list(draft.deadlines.order_by("date", "id"))
        catalog = Catalog()
        notices: list[str] = []
        post = request.POST if request.method == "POST" else None
        typed_json: dict[str, str] | None = None
        found = suggestions.read(draft.text, suggestions.plan_year(draft.valid_from))
        done = suggestions.done_from_post(post)
        if post is None:
            state = self._initial(rule, deadlines, draft, notices)
        else:
            state = builder_state.from_post(post, [d.pk for d in deadlines])
            action = str(post.get("action", "") or "refresh")
            if action == "load_json":
                state, problems = builder_state.from_json(post, state)
                notices.extend(problems or ["已按JSON更新构建器,请核对下方各行。"])
                if problems:  # keep what the official typed, so the named line can be fixed
                    typed_json = {key: str(post.get(f"json-{key}", "")) for key in builder_state.JSON_BOXES}
            elif action.startswith("suggest:"):
                notice = suggestions.apply(state, action, found, done)
                notices.extend([notice] if notice else [])
            elif action != "save":
                state = builder_state.apply(state, action, post)
        result = builder_state.to_data(state, draft.text)
        if result.ok:
            preview.engine_check(result, draft.number)
        if post is not None and post.get("action") == "save" and result.ok:
            saved = self._save(request, draft, rule, deadlines, result)
            if saved is None:
                self.model_admin.message_user(
                    request, "资格规则已保存到草稿;发布后才对公众生效。", messages.SUCCESS
                )
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = change_url
                    return response
                return HttpResponseRedirect(change_url)
            for message in saved:
                result.add("c", None, message)
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": Measure._meta,
            "original": draft,
            "title": f"规则编辑器:第{draft.number}条 {draft.title}",
            "change_url": change_url,
            "builder_url": request.path,
            **self.context(draft, state, result, catalog, post, notices),
            "suggestions": suggestions.views(
                found, done, reverse("admin:policies_parameter_add"), draft.number
            ),
            "suggestions_done": sorted(done.items()),
        }
        if post is not None and post.get("action") == "load_json":
            context["advanced_open"] = True
            if typed_json is not None:
                context["json"] = typed_json
        template = self.panel_template if request.headers.get("HX-Request") else self.template
        return TemplateResponse(request, template, context)

    def _initial(
        self, rule: EligibilityRule | None, deadlines: list[Deadline], draft: Measure, notices: list[str]
    ) -> BuilderState:
        data = [
            {"pk": d.pk, "date": d.date.isoformat(), "label": d.label, "condition": d.condition}
            for d in deadlines
        ]
        try:
            return builder_state.from_rule(rule.as_data() if rule else None, data, draft.text)
        except ValueError as exc:
            notices.append(f"已保存的规则无法在构建器中显示({exc}),请在“高级”中查看JSON。")
            return builder_state.from_rule(None, data, draft.text)

    @transaction.atomic
    def _save(
        self,
        request: HttpRequest,
        draft: Measure,
        rule: EligibilityRule | None,
        deadlines: list[Deadline],
        result: Result,
    ) -> list[str] | None:
        """Write the rule and deadline conditions onto the draft; problems in words, or None."""
        by_pk = {d.pk: d for d in deadlines}
        changed = []
        user = request.user
        if result.rule is None and rule is not None and not user.has_perm("policies.delete_eligibilityrule"):
            return ["您没有删除资格规则的权限。"]
        if any(
            d["condition"] != by_pk[d["pk"]].condition for d in result.deadlines if d["pk"] in by_pk
        ) and not user.has_perm("policies.change_deadline"):
            return ["您没有修改截止日期的权限。"]
        if result.rule is None:
            if rule is not None:
                rule.delete()
                changed.append("删除了资格规则")
        else:
            target = rule or EligibilityRule(measure=draft)
            before = rule.as_data() if rule else None
            for key in ("condition", "estimate", "notes", "citation"):
                setattr(target, key, result.rule[key])
            try:
                target.full_clean(exclude=["measure"])
            except ValidationError as exc:
                transaction.set_rollback(True)
                return [m for messages_ in exc.message_dict.values() for m in messages_]
            if before != target.as_data():
                target.save()
                labels = {
                    "condition": "资格条件",
                    "estimate": "金额估算",
                    "notes": "补充说明",
                    "citation": "原文依据",
                }
                changed.append(
                    "修改了"
                    + "、".join(v for k, v in labels.items() if (before or {}).get(k) != result.rule[k])
                )
        for item in result.deadlines:
            deadline = by_pk.get(item["pk"])
            if deadline is not None and deadline.condition != item["condition"]:
                deadline.condition = item["condition"]
                deadline.save()
                changed.append(f"修改了截止日期“{deadline.label}”的适用条件")
        if changed:
            self.model_admin.log_change(request, draft, "规则编辑器:" + ";".join(changed))
            invalidate()
        return None

    def context(
        self,
        draft: Measure,
        state: BuilderState,
        result: Result,
        catalog: Catalog,
        post: Any,
        notices: list[str],
    ) -> dict[str, Any]:
        trees = []
        for name in state.tree_names():
            rows = state.tree(name)
            title = TREE_TITLES.get(name, "")
            trees.append(
                (name, title, row_views(name, rows, result.errors.get(name, []), catalog, post, state.focus))
            )
        views = dict((name, rows) for name, _, rows in trees)
        summary = []
        for place, items in result.errors.items():
            for row, message in items:
                summary.append(_place_name(place, row, state) + message)
        form = state.estimate
        rate_param, rate_value = _operand_parts(form.rate)
        cap_param, cap_value = _operand_parts(form.cap)
        thr_param, thr_value = _operand_parts(form.threshold)
        low_param, low_value = _operand_parts(form.low)
        number_params = catalog.param_choices("number")
        parts = builder_state.sentences(draft.text)
        return {
            "state": state,
            "condition_rows": views["c"],
            "when_rows": views["w"],
            "condition_top_new": _top(post, "c"),
            "when_top_new": _top(post, "w"),
            "notes": [
                (
                    k,
                    note,
                    views[f"n{k}"],
                    [m for _, m in result.errors.get(f"n{k}-text", [])],
                    f"n{k}",
                    _top(post, f"n{k}"),
                )
                for k, note in enumerate(state.notes)
            ],
            "deadlines": [
                (k, d, views[f"d{k}"], f"d{k}", _top(post, f"d{k}")) for k, d in enumerate(state.deadlines)
            ],
            "add_choices": ADD_CHOICES,
            "error_summary": summary,
            "estimate_errors": [m for _, m in result.errors.get("e", [])],
            "condition_errors": [m for row, m in result.errors.get("c", []) if row is None],
            "shapes": shapes.SHAPES,
            "kinds": shapes.KINDS,
            "tier_ops": shapes.TIER_OPS,
            "money_fields": shapes.money_fields(),
            "number_params": number_params,
            "operands": {
                "rate": (rate_param, rate_value, "比例" if form.shape != "fixed" else "金额(万元)"),
                "cap": (cap_param, cap_value, "最高限额(万元)"),
                "threshold": (thr_param, thr_value, "分档界限(万元)"),
                "low": (low_param, low_value, "界限以外的比例"),
            },
            "sentences": [(i, s, i in state.citation_picked) for i, s in enumerate(parts)],
            "citation_errors": [m for _, m in result.errors.get("citation", [])],
            "json": builder_state.as_json(result) if result.ok else None,
            "notices": notices,
            "preview": preview.build(draft, state, result, catalog.param_labels()),
        }


def _top(post: Any, name: str) -> str:
    return str(post.get(f"{name}-top-new", "") or "") if post is not None else ""


def _place_name(place: str, row: int | None, state: BuilderState) -> str:
    """Where a problem is, for the summary: ``资格条件 第3行 条件:``."""
    if place == "e":
        return "金额估算:"
    if place == "citation":
        return "原文依据:"
    if place.endswith("-text"):
        return f"补充说明{int(place[1:-5]) + 1}的文字:"
    title = TREE_TITLES.get(place) or (
        f"补充说明{int(place[1:]) + 1}的条件"
        if place[0] == "n"
        else f"截止日期“{state.deadlines[int(place[1:])].label}”的适用条件"
    )
    if row is None:
        return f"{title}:"
    rows = state.tree(place)
    return f"{title} {tree.row_name(row, rows[row])}:" if row < len(rows) else f"{title}:"
