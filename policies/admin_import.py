"""The admin page 导入政策文件: upload or paste a document, see every measure, confirm to create drafts.

Nothing is saved before the official confirms. The confirmation re-imports the same extracted
text and checks it gives exactly the preview the official saw (a digest travels with the form),
then creates the document and one draft per measure through `policies.document_import`.
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from policies.document_import import import_pasted, known_units, save_import
from policies.importer import ImportResult, import_lines
from policies.importer.formats import SUFFIXES, UnsupportedFormat, read_lines, text_lines
from policies.models import Category

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    upload = forms.FileField(
        label="文件", required=False, help_text="支持 .txt、.docx、.pdf(扫描件的 PDF 没有文字,无法导入)。"
    )
    text = forms.CharField(
        label="或粘贴全文", required=False, widget=forms.Textarea(attrs={"rows": 12, "cols": 90})
    )
    category = forms.ModelChoiceField(
        label="草稿的初始类别",
        queryset=Category.objects.all(),
        help_text="导入后可在每条草稿中改为合适的类别。",
    )

    def clean(self) -> dict:
        data = super().clean()
        upload, text = data.get("upload"), (data.get("text") or "").strip()
        if not upload and not text:
            raise ValidationError("请上传文件或粘贴文件全文。")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("文件超过 20 MB。")
        if upload and not upload.name.lower().endswith(SUFFIXES):
            raise ValidationError("请上传 .txt、.docx 或 .pdf 文件。")
        return data


class ConfirmForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), widget=forms.HiddenInput)
    digest = forms.CharField(widget=forms.HiddenInput)


def digest(result: ImportResult) -> str:
    payload = json.dumps(result.as_dict(), ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(payload).hexdigest()


class DocumentImportMixin:
    """Adds the import page to the PolicyDocument admin (and a button on its list)."""

    change_list_template = "admin/policies/policydocument/change_list.html"

    def get_urls(self) -> list:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="policies_policydocument_import",
            )
        ]
        return extra + super().get_urls()

    def _check_rights(self, request: HttpRequest) -> None:
        user = request.user
        if not (user.has_perm("policies.add_policydocument") and user.has_perm("policies.add_measure")):
            raise PermissionDenied

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._check_rights(request)
        context = {**self.admin_site.each_context(request), "title": "导入政策文件", "opts": self.model._meta}
        if request.method == "POST" and request.POST.get("action") == "confirm":
            return self._confirm(request, context)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                lines = self._read(form)
            except UnsupportedFormat as error:
                form.add_error("upload", str(error))
            else:
                return self._preview(request, context, lines, form.cleaned_data["category"])
        return TemplateResponse(
            request, "admin/policies/policydocument/import.html", {**context, "form": form}
        )

    def _read(self, form: ImportForm) -> list[str]:
        upload = form.cleaned_data.get("upload")
        if upload:
            return read_lines(upload.name, upload.read())
        return text_lines(form.cleaned_data["text"])

    def _preview(
        self,
        request: HttpRequest,
        context: dict,
        lines: list[str],
        category: Category,
        errors: list[str] | None = None,
    ) -> HttpResponse:
        result = import_lines(lines, known_units())
        # The confirmation carries the extracted text, so an upload need not be sent twice.
        text = "\n".join(lines)
        confirm = ConfirmForm(initial={"text": text, "category": category.pk, "digest": digest(result)})
        return TemplateResponse(
            request,
            "admin/policies/policydocument/import_preview.html",
            {**context, "result": result, "confirm": confirm, "category": category, "errors": errors or []},
        )

    def _confirm(self, request: HttpRequest, context: dict) -> HttpResponse:
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, "确认数据不完整,请重新导入。")
            return HttpResponseRedirect(reverse("admin:policies_policydocument_import"))
        text, category = form.cleaned_data["text"], form.cleaned_data["category"]
        result = import_pasted(text)
        if digest(result) != form.cleaned_data["digest"]:
            # Units or the text changed since the preview: show the new preview instead of saving it unseen.
            return self._preview(
                request,
                context,
                text_lines(text),
                category,
                ["导入结果与预览不一致(单位库可能已变化),请重新核对。"],
            )
        try:
            saved = save_import(result, category)
        except ValidationError as error:
            return self._preview(request, context, text_lines(text), category, error.messages)
        note = f"已导入“{saved.document}”,创建 {len(saved.drafts)} 条草稿条款,发布前不会对公众显示。"
        if saved.new_units:
            note += f"新增责任单位:{'、'.join(u.name for u in saved.new_units)}。"
        messages.success(request, note)
        return HttpResponseRedirect(reverse("admin:policies_measure_changelist") + "?is_draft__exact=1")
