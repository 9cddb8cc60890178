"""The result as a PDF download (WeasyPrint): the receipt link, the rule version, a CJK font."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from enterprises.selfcheck.receipts import save_receipt

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "reference" / "examples" / "eligibility" / "manufacturing-small-many-benefits.json"


@pytest.fixture
def receipt(catalogue):  # noqa: ANN001, ANN201
    return save_receipt(json.loads(EXAMPLE.read_text(encoding="utf-8"))["profile"])


@pytest.fixture
def plain_receipt(catalogue):  # noqa: ANN001, ANN201
    """A receipt from a contract-1.0 profile (the shared example may carry newer fields)."""
    return save_receipt(
        {
            "industry": "C36",
            "entity_type": "enterprise",
            "employees": 80,
            "revenue_wan": 1000,
            "as_of": "2022-05-10",
        }
    )


@pytest.fixture
def pdf_file(client, receipt, tmp_path) -> Path:  # noqa: ANN001
    response = client.get(f"/check/result/{receipt.token}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    path = tmp_path / "result.pdf"
    path.write_bytes(response.content)
    assert response.content.startswith(b"%PDF-")
    return path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed (Debian poppler-utils; .ci/run installs it)")
    return found


def test_the_result_page_links_to_its_pdf(client, receipt):
    html = client.get(receipt.get_absolute_url()).content.decode()
    assert f'href="/check/result/{receipt.token}/pdf/"' in html
    assert "css/print.css" in html and 'media="print"' in html


def test_the_pdf_carries_the_receipt_link_the_rule_version_and_the_results(pdf_file, receipt, settings):
    text = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", str(pdf_file), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    # The site's own link (SITE_URL), never the Host header the download came with.
    assert f"{settings.SITE_URL.rstrip('/')}/check/result/{receipt.token}/" in flat
    assert f"规则版本:{receipt.rules_version}" in flat
    for words in ("政策资格自测结果", "评估日期:2022年5月10日", "可享受", "晋政办发〔2022〕34号", "您的回答"):
        assert words in flat, words
    # measure 7's estimate, as on the HTML page
    assert "约32.5万元" in flat
    assert "下载PDF" not in flat and "订阅" not in flat  # no buttons or forms on paper


def test_the_pdf_embeds_a_cjk_font(pdf_file):
    fonts = subprocess.run(
        [_tool("pdffonts"), str(pdf_file)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    cjk = [row for row in rows if "WenQuanYi" in row or "Noto" in row and "CJK" in row]
    assert cjk, fonts
    # columns: name type encoding emb sub uni object ID -> "yes" in the emb column
    assert all(row.split()[-5] == "yes" for row in rows), fonts


def test_an_unknown_receipt_has_no_pdf(client, db):
    assert client.get("/check/result/00000000-0000-4000-8000-000000000000/pdf/").status_code == 404


def test_a_second_download_is_served_from_the_cache(client, receipt, monkeypatch):
    from enterprises.selfcheck import pdf

    url = f"/check/result/{receipt.token}/pdf/"
    first = client.get(url).content
    monkeypatch.setattr(pdf, "render_pdf", lambda request, saved: pytest.fail("rendered twice"))
    assert client.get(url).content == first


def test_a_new_host_header_does_not_render_the_pdf_again(client, plain_receipt, monkeypatch):
    from enterprises.selfcheck import pdf

    renders = []
    monkeypatch.setattr(pdf, "render_pdf", lambda request, saved: renders.append(1) or b"%PDF-1.7 fake")
    url = f"/check/result/{plain_receipt.token}/pdf/"
    for port in (8001, 8002, 8003):
        assert client.get(url, HTTP_HOST=f"127.0.0.1:{port}").status_code == 200
    assert client.get(url, HTTP_HOST="localhost").status_code == 200
    assert renders == [1]


def test_pdf_downloads_are_rate_limited_per_address(
    client, plain_receipt, monkeypatch, settings, rate_window
):
    from enterprises.selfcheck import pdf

    settings.RATE_LIMIT_ENABLED = True
    settings.PDF_RATE_PER_MINUTE = 3
    monkeypatch.setattr(pdf, "render_pdf", lambda request, saved: b"%PDF-1.7 fake")
    url = f"/check/result/{plain_receipt.token}/pdf/"
    codes = [client.get(url, REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(url, REMOTE_ADDR="203.0.113.8").status_code == 200  # another address
    refused = client.get(url, REMOTE_ADDR="203.0.113.7")
    assert "请求过于频繁" in refused.content.decode() and refused["Retry-After"]


def test_when_every_render_slot_is_taken_the_download_says_try_again_without_rendering(
    client, plain_receipt, monkeypatch, settings
):
    from enterprises.selfcheck import pdf

    settings.PDF_RENDER_SLOTS = 1
    renders = []
    monkeypatch.setattr(pdf, "render_pdf", lambda request, saved: renders.append(1) or b"%PDF-1.7 fake")
    url = f"/check/result/{plain_receipt.token}/pdf/"
    with pdf.render_slot() as held:  # another worker is rendering
        assert held
        busy = client.get(url)
    assert busy.status_code == 503 and busy["Retry-After"] == "5"
    assert "PDF正在生成" in busy.content.decode() and renders == []
    assert client.get(url).status_code == 200 and renders == [1]  # the slot was given back
