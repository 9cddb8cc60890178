"""An industry picker over the GB/T 4754-2017 catalogue: type a name or a code, get a code.

Callers and accountants know their trade by name (机械, 汽车, 软件), rarely by code. The field
accepts either; a name that fits several industries is answered with the matching industries as
radio buttons to choose from on the next submit, so the picker works without JavaScript. With
htmx the same options appear as the user types (``industry_options`` view). The value the form
gets is always a catalogue code, which is what the eligibility engine's ``industry`` expects.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.urls import reverse

from .models import Industry

MAX_OPTIONS = 20
_CODE = re.compile(r"^([A-Za-z]\d{0,4})(?:\s|$)")
# The suffixes every other catalogue name ends with; a user typing "汽车制造" means the same trade.
_NAME_NOISE = ("业", "制造", "行业")


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split())[:60]


@dataclass(frozen=True)
class Lookup:
    """What a typed text points to: one industry, or candidates to choose from."""

    text: str
    exact: Industry | None
    candidates: list[Industry]
    looks_like_code: bool


def find_industries(text: str) -> Lookup:
    """The industry ``text`` names: an exact code (``C36``, ``c36 汽车制造业``) or exact name,
    else every industry whose name contains it (or whose code starts with it), by code."""
    text = _normalise(text)
    if not text:
        return Lookup(text, None, [], False)
    match = _CODE.match(text)
    if match:
        code = match.group(1).upper()
        exact = Industry.objects.filter(code=code).first()
        if exact is not None:
            return Lookup(text, exact, [exact], True)
        candidates = list(Industry.objects.filter(code__startswith=code)[:MAX_OPTIONS])
        return Lookup(text, None, candidates, True)
    if text.isascii() and text.replace(" ", "").isalnum():
        return Lookup(text, None, [], True)  # a mistyped code (ZZ9), not a name to search for
    named = Industry.objects.filter(name=text).first()
    if named is not None:
        return Lookup(text, named, [named], False)
    stem = text
    for noise in _NAME_NOISE:
        stem = stem.removesuffix(noise) or stem
    candidates = list(Industry.objects.filter(name__contains=stem)[:MAX_OPTIONS])
    return Lookup(text, None, candidates, False)


def industry_label(code: str) -> str:
    """``C36 汽车制造业`` for a known code; the code itself otherwise."""
    industry = Industry.objects.filter(code=code).first() if code else None
    return str(industry) if industry else code


class IndustryPicker(forms.TextInput):
    """A text box for a name or code, followed by the matching industries as radio buttons.

    The radio buttons are named ``<name>_pick``; a choice there wins over the typed text.
    """

    template_name = (
        "policies/widgets/industry_picker.html"  # an app template: the form renderer reads only those
    )

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {"autocomplete": "off", "placeholder": "输入行业名称或代码,例如 机械、汽车、C36", **(attrs or {})}
        )
        self.candidates: list[Industry] = []

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        picked = data.get(f"{name}_pick")
        return picked if picked else data.get(name)

    def format_value(self, value: Any) -> str | None:
        text = _normalise(str(value)) if value not in (None, "") else ""
        if not text:
            return None
        # A stored code reads as its name too, so the user sees what was chosen.
        return industry_label(text) if _CODE.fullmatch(text) else text

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["options_url"] = f"{reverse('policies:industry_options')}?field={name}"
        widget["options_id"] = f"{widget['attrs'].get('id') or name}-options"
        widget["candidates"] = self.candidates
        widget["pick_name"] = f"{name}_pick"
        described = " ".join(filter(None, [widget["attrs"].get("aria-describedby"), widget["options_id"]]))
        widget["attrs"]["aria-describedby"] = described
        return context


class IndustryField(forms.CharField):
    """A GB/T 4754-2017 code chosen by name or code; empty means unknown (不清楚)."""

    widget = IndustryPicker

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value) or ""
        lookup = find_industries(text)
        self.widget.candidates = []
        if not lookup.text:
            return ""
        if lookup.exact is not None:
            return lookup.exact.code
        if not lookup.candidates:
            if lookup.looks_like_code:
                raise forms.ValidationError(
                    f"没有这个行业代码:{lookup.text}。请输入行业名称,或门类字母加数字的代码,例如 C36。"
                )
            raise forms.ValidationError(
                f"没有找到“{lookup.text}”对应的行业,请换个说法(例如“设备”“汽车”“零售”),或填写代码,例如 C36。"
            )
        self.widget.candidates = lookup.candidates
        raise forms.ValidationError(f"“{lookup.text}”对应{len(lookup.candidates)}个行业,请在下面选择一项。")
