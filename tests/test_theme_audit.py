"""The theme's measurable targets, on the production build served over HTTP:
valid HTML, no accessibility violations, and an article page's byte budget."""

import gzip
from pathlib import Path

import pytest

from extramile import testing
from extramile.tools import checkers

PAGES = {
    "home": "",
    "article": "posts/in-customers-we-trust/",
    "article-contents": "posts/customer-service-in-every-small-interaction/",
    "category": "category/trust-and-loyalty/",
    "tag": "tag/customer-experience/",
    "author": "author/ron-kaufman/",
    "archives": "archives/",
    "404": "404.html",
}
SCREENSHOTS = Path(__file__).parent / "screenshots"


def run(checker, *args):
    """Run a checker; a missing one skips locally and fails loudly in CI."""
    try:
        return checker(*args)
    except checkers.MissingTool as tool:
        testing.missing(str(tool))


def test_every_page_is_valid_html(served_site):
    assert run(checkers.vnu_errors, served_site.output) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_axe_violations(served_site, page, name, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{served_site.url}/{PAGES[name]}")
    assert run(checkers.axe_violations, page, scheme == "dark") == []  # dark: the colour rules
    assert page.errors == []


def test_article_page_byte_budget(served_site, page):
    """At most 3 requests and 20 KB compressed; what first render needs
    (the HTML and the stylesheet) within 14 KB, one round trip."""
    requests = []
    page.on("requestfinished", lambda r: requests.append(r.url))
    # Until the network is quiet: late requests such as the favicon are counted too.
    page.goto(f"{served_site.url}/posts/in-customers-we-trust/", wait_until="networkidle")
    assert all(url.startswith(served_site.url) for url in requests), requests
    assert len(requests) <= 3, requests

    def compressed(url):
        rel = url[len(served_site.url) + 1:]
        path = served_site.output / (rel + "index.html" if rel.endswith("/") or not rel else rel)
        return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))

    sizes = {url: compressed(url) for url in requests}
    assert sum(sizes.values()) <= 20 * 1024, sizes
    render_blocking = [u for u in requests if u.endswith("/") or u.endswith(".css")]
    assert sum(sizes[u] for u in render_blocking) <= 14 * 1024, sizes


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots(served_site, page, width, scheme):
    """Saved for people to look at (tests/screenshots/); the layout checks are
    test_no_horizontal_scrolling and the axe contrast rules."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    for name in ("home", "article"):
        page.goto(f"{served_site.url}/{PAGES[name]}")
        shot = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
