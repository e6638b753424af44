"""The theme in real Chromium: layout on phones and desktops, dark mode, keyboard."""

import pytest

WIDTHS = [320, 375, 768, 1280]
PAGES = ["", "posts/in-customers-we-trust/", "categories/", "archives/", "author/ron-kaufman/"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scrolling(served_site, page, width, path):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{served_site.url}/{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
    assert page.errors == []


def test_dark_mode_follows_system_and_toggle_persists(served_site, page):
    page.emulate_media(color_scheme="dark")
    page.goto(served_site.url + "/")

    def bg():
        return page.evaluate("getComputedStyle(document.body).backgroundColor")

    dark = bg()
    toggle = page.locator("[data-theme-toggle]")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    light = bg()
    assert light != dark and toggle.get_attribute("aria-pressed") == "false"
    # The choice survives a reload and is applied before first paint.
    page.goto(served_site.url + "/posts/in-customers-we-trust/")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert bg() == light
    page.evaluate("localStorage.clear()")


def test_keyboard_reaches_skip_link_first(served_site, page):
    page.goto(served_site.url + "/posts/in-customers-we-trust/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_works_under_a_sub_path(served_subpath_site, page):
    page.goto(served_subpath_site.url + "/")
    page.get_by_role("link", name="Archives").first.click()
    page.wait_for_url(served_subpath_site.url + "/archives/")
    sheet = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Charter" in sheet  # the stylesheet loaded from under /blog


def test_reads_without_javascript(served_site, chromium):
    context = chromium.browser.new_context(java_script_enabled=False) if chromium.browser else None
    if context is None:
        pytest.skip("persistent context has no browser handle")
    tab = context.new_page()
    tab.goto(served_site.url + "/posts/in-customers-we-trust/")
    assert tab.locator("h1").inner_text() == "In Customers We Trust"
    assert tab.locator("[data-theme-toggle]").is_hidden()  # an enhancement only
    tab.get_by_role("link", name="Categories").first.click()
    tab.wait_for_url(served_site.url + "/categories/")
    context.close()


def test_print_shows_the_article_only_with_link_urls(served_site, page):
    page.goto(served_site.url + "/posts/in-customers-we-trust/")
    page.emulate_media(media="print")
    hidden = page.evaluate("""['.site-header', '.site-footer', '.post__footer']
        .map(s => getComputedStyle(document.querySelector(s)).display)""")
    assert hidden == ["none", "none", "none"]
    after = page.evaluate("""getComputedStyle(document.querySelector(
        '.reprint-notice a[href^="http"]'), '::after').content""")
    assert "ronkaufman.com" in after


def test_focus_is_visible(served_site, page):
    page.goto(served_site.url + "/")
    for _ in range(3):
        page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
