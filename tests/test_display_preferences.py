"""适老化 display modes: large text and high contrast, chosen without JavaScript and kept."""

import pytest

pytestmark = pytest.mark.django_db


def test_large_text_mode_persists_across_pages(client, catalogue):
    response = client.post("/display/", {"large_text": "1", "next": "/measures/"})
    assert response.status_code == 302 and response["Location"] == "/measures/"
    assert response.cookies["display_large_text"]["max-age"] == 365 * 24 * 3600
    html = client.get("/measures/12/").content.decode()
    assert '<html lang="zh-CN" class="large-text">' in html
    assert "标准字号" in html


def test_high_contrast_mode_can_be_turned_on_and_off(client, catalogue):
    client.post("/display/", {"high_contrast": "1", "next": "/"})
    assert 'class="high-contrast"' in client.get("/").content.decode()
    client.post("/display/", {"high_contrast": "0", "next": "/"})
    assert 'class="high-contrast"' not in client.get("/").content.decode()


def test_display_preferences_never_redirect_off_site(client, db):
    response = client.post("/display/", {"large_text": "1", "next": "https://evil.example/phish"})
    assert response["Location"] == "/"


def test_every_page_has_a_skip_link_and_a_main_landmark(client, catalogue):
    for url in ["/", "/measures/", "/measures/1/"]:
        html = client.get(url).content.decode()
        assert 'href="#main"' in html and '<main id="main"' in html
