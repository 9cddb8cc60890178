"""适老化 and accessibility (GB/T 37668): axe-core finds no serious or critical violations on the
public pages, the questionnaire, the result page and the hotline console, in the default and the
large-text mode; every page has landmarks, a working skip link and visible focus; the layout
works at 320 px wide and at 200% zoom."""

import json
from pathlib import Path

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "reference"
    / "examples"
    / "eligibility"
    / "manufacturing-small-many-benefits.json"
)


@pytest.fixture
def pages(catalogue, hotline_agent) -> dict[str, str]:  # noqa: ANN001
    """The pages under test: name -> path. The console shows a search and an open answer card."""
    from enterprises.selfcheck.receipts import save_receipt

    receipt = save_receipt(json.loads(EXAMPLE.read_text(encoding="utf-8"))["profile"])
    return {
        "home": "/",
        "questionnaire-first-step": "/check/",
        "questionnaire-investment-step": "/check/investment/",
        "result": receipt.get_absolute_url(),
        "measure": "/measures/12/",
        "hotline-console": "/hotline/?q=稳岗补贴怎么领&m=9",
        "hotline-caller-check": "/hotline/check/",
    }


def _new_page(browser, live_server, width: int, scale: int = 1, large_text: bool = False):  # noqa: ANN001, ANN202
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 900},
        device_scale_factor=scale,
        base_url=live_server.url,
    )
    if large_text:
        context.add_cookies([{"name": "display_large_text", "value": "1", "url": live_server.url}])
    page = context.new_page()
    login(page, "agent", url="/hotline/login/")
    page.wait_for_url("**/hotline/")
    return page


# One test per concern rather than per page or mode: each transactional test reloads the catalogue.
def test_axe_finds_no_serious_or_critical_violations_in_default_and_large_text_mode(
    browser, live_server, pages, axe_violations
):
    found = {}
    for large_text in (False, True):
        page = _new_page(browser, live_server, 1280, large_text=large_text)
        for name, url in pages.items():
            page.goto(url)
            assert page.evaluate("document.documentElement.classList.contains('large-text')") == large_text
            violations = axe_violations(page)
            if violations:
                found[f"{name}{' (large text)' if large_text else ''}"] = violations
        page.context.close()
    assert found == {}


def test_every_page_has_landmarks_labelled_fields_a_skip_link_and_visible_focus(browser, live_server, pages):
    page = _new_page(browser, live_server, 1280)
    for name, url in pages.items():
        page.goto(url)
        assert page.locator("header").count() == 1 and page.locator("main#main").count() == 1, name
        assert page.locator("footer").count() == 1 and page.locator("nav[aria-label]").count() >= 1, name
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !el.labels?.length && !el.getAttribute('aria-label')
                               && !el.getAttribute('aria-labelledby') && el.getAttribute('aria-hidden') !== 'true'
                               && el.tabIndex !== -1)
                 .map(el => el.name || el.id)"""
        )
        assert unlabelled == [], (name, unlabelled)
        first = page.evaluate(
            "document.querySelector('a[href], button, input:not([type=hidden]), select').className"
        )
        assert "skip-link" in first, name
        if page.evaluate("document.activeElement !== document.body"):
            continue  # the console's search field takes focus on load, so agents can type at once
        # The first Tab reaches the skip link, shown with a visible focus ring; Enter moves to <main>.
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement, s = getComputedStyle(el), r = el.getBoundingClientRect();
                       return {href: el.getAttribute('href'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                               visible: r.width > 0 && r.height > 0}; }"""
        )
        assert focused["href"] == "#main" and focused["visible"], (name, focused)
        assert focused["outline"] != "none" and focused["width"] >= 2, (name, focused)
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", name
    # Buttons and fields keep a strong focus ring (Bootstrap's own is a faint shadow).
    page.goto(pages["questionnaire-first-step"])
    field = page.get_by_label("从业人数")
    field.focus()
    assert field.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.context.close()


LAYOUTS = [(320, 1, False), (320, 1, True), (640, 2, False), (640, 2, True)]


def test_pages_fit_narrow_screens_and_200_percent_zoom_without_horizontal_scrolling(
    browser, live_server, pages
):
    # 200% zoom of a 1280 px window lays the page out in 640 CSS pixels at device scale 2.
    too_wide = {}
    for width, scale, large_text in LAYOUTS:
        layout = f"{width}px{'-large-text' if large_text else ''}{'-zoom200' if scale == 2 else ''}"
        page = _new_page(browser, live_server, width, scale, large_text)
        for name, url in pages.items():
            page.goto(url)
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if widths[0] > widths[1]:
                too_wide[f"{name} at {layout}"] = widths
        page.goto(pages["questionnaire-first-step"])
        page.screenshot(path=str(_shot(f"a11y-questionnaire-{layout}")))
        page.context.close()
    assert too_wide == {}


def _shot(name: str) -> Path:
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
