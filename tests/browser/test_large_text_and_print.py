"""Browser scenario 4: large-text mode on the result page, the printed result and its PDF."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "reference"
    / "examples"
    / "eligibility"
    / "manufacturing-small-many-benefits.json"
)


@pytest.fixture
def receipt(catalogue):  # noqa: ANN001, ANN201
    from enterprises.selfcheck.receipts import save_receipt

    return save_receipt(json.loads(EXAMPLE.read_text(encoding="utf-8"))["profile"])


def _root_font_size(page) -> float:  # noqa: ANN001
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_large_text_mode_on_the_result_page_then_the_printed_result_and_its_pdf(page, receipt):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(receipt.get_absolute_url())
    before = _root_font_size(page)
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_url(f"**{receipt.get_absolute_url()}")
    assert _root_font_size(page) >= before * 1.2
    assert page.get_by_role("button", name="标准字号").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(SCREENSHOTS / "4-result-large-text.png"))

    # Printed: no navigation, buttons or forms; the receipt link and the rule version stay.
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator("#subscribe").is_visible()
    assert not page.get_by_role("button", name="修改回答后重新评估").is_visible()
    assert not page.get_by_role("link", name="下载PDF版(含本链接和规则版本)").is_visible()
    permalink = page.locator(".permalink a").first
    assert permalink.is_visible() and str(receipt.token) in permalink.inner_text()
    assert page.get_by_text(f"规则版本:{receipt.rules_version}").is_visible()
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "WenQuanYi Zen Hei" in family
    page.screenshot(path=str(SCREENSHOTS / "4-result-printed.png"))
    page.emulate_media(media="screen")

    # The PDF download link gives the same result as a PDF file.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载PDF版(含本链接和规则版本)").click()
    download = download_info.value
    pdf = SCREENSHOTS / "4-result.pdf"
    download.save_as(str(pdf))
    assert download.suggested_filename.endswith(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
        assert str(receipt.token) in text.replace("\n", "").replace(" ", "")
    if shutil.which("pdftoppm"):
        # First page as an image, next to the screenshots.
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(SCREENSHOTS / "4-result-pdf-page1"),
            ],
            check=True,
        )
