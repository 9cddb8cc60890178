"""The reminder subscription form: an email address, an unticked consent box, and the profile."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.apps import apps

from enterprises.reminders.outcomes import field_label
from enterprises.reminders.planning import clean_profile
from policies.engine import ProfileError
from portal.security import json_nesting_depth


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="接收提醒的电子邮箱",
        max_length=254,
        error_messages={
            "required": "请填写电子邮箱。",
            "invalid": "请填写有效的电子邮箱,例如 caiwu@example.com。",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "例如:caiwu@example.com"}),
    )
    # Never pre-ticked: consent must be an active choice (个人信息保护法 第十四条).
    consent = forms.BooleanField(
        label="我已阅读上述说明,同意惠企政策通为发送截止日期提醒而保存本邮箱地址和企业情况。",
        required=True,
        error_messages={"required": "订阅提醒需要您勾选同意;不订阅也可以照常使用自测功能。"},
    )
    # The enterprise profile, either as JSON (the result page's hidden field) or by receipt.
    profile = forms.CharField(required=False, widget=forms.HiddenInput)
    receipt = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw_profile, receipt = data.get("profile") or "", data.get("receipt") or ""
        if raw_profile:
            try:
                # Deeper than any profile: refused before parsing, which would recurse (a 500).
                if json_nesting_depth(raw_profile, 20) > 20:
                    raise ValueError("too deep")
                decoded = json.loads(raw_profile)
            except (ValueError, RecursionError):
                raise forms.ValidationError("企业情况数据无法识别,请返回自测结果页重新订阅。") from None
        elif receipt:
            decoded = _receipt_profile(receipt)
            if decoded is None:
                raise forms.ValidationError("找不到这份自测结果,请重新自测后再订阅。")
        else:
            raise forms.ValidationError("请先完成政策自测,再从结果页订阅提醒。")
        try:
            data["clean_profile"] = clean_profile(decoded)
        except ProfileError as exc:
            problems = ";".join(f"{field_label(field.split('[')[0])}:{msg}" for field, msg in exc.errors)
            raise forms.ValidationError(f"企业情况有误,请返回修改后再订阅({problems})。") from None
        return data


def _receipt_profile(token: str) -> dict[str, Any] | None:
    """The profile saved with a self-check receipt (the questionnaire's model), if any."""
    try:
        model = apps.get_model("enterprises", "Receipt")
        key = uuid.UUID(token)
    except (LookupError, ValueError):
        return None
    receipt = model.objects.filter(token=key).first()
    return dict(receipt.profile) if receipt is not None else None
