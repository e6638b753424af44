"""plugins/redirects: a renamed post's old address leads to it on a plain host
(a refresh page, opened in Chromium with and without JavaScript, under the
CSP), in `_redirects`, and not in the sitemap; a GONE path has the theme's
"This article was removed" page (in Chromium at the root, under a sub-path, in a
development build's relative links, with and without JavaScript), the body of
its 410 in `_redirects`; feed ids survive a slug change."""

import json
import re
from urllib.parse import urljoin

import pytest
from browser import StaticServer
from support import cache_override, make_content, post, run_pelican

from extramile import testing
from extramile.tools import checkers

PROVIDER = {"SUBSCRIBE_PROVIDER": "generic", "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"}


def renamed(slug="new-slug", aliases="/posts/old-slug/"):
    extra = f"Slug: {slug}\n" + (f"Aliases: {aliases}\n" if aliases else "")
    return {"posts/moving.md": post(title="A moving story", extra=extra),
            "posts/other.md": post(title="Another story", date="2026-11-21 09:00")}


def production(tmp, files, siteurl, gone=None, settings=None):
    root = tmp / "www"
    output = root / siteurl.split("/", 3)[3] if siteurl.count("/") > 2 else root
    settings = {**({"GONE": json.dumps(gone)} if gone is not None else {}), **(settings or {})}
    build = run_pelican(output, conf="publishconf.py", content=make_content(tmp, files),
                        env={"SITEURL": siteurl, **PROVIDER}, extra=cache_override(tmp / "cache", **settings))
    assert build.returncode == 0, build.log
    return build


@pytest.fixture(scope="module", params=["", "/blog"], ids=["root", "sub-path"])
def served(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redirects")
    server = StaticServer(tmp / "www")
    build = production(tmp, renamed(), server.origin + request.param, gone=["/posts/removed/"])
    build.url, build.prefix = server.origin + request.param, request.param
    server.start()
    yield build
    server.stop()


def test_the_refresh_page_leads_to_the_new_address(served):
    soup = served.soup("posts/old-slug/index.html")
    refresh = soup.find("meta", attrs={"http-equiv": "refresh"})["content"]
    assert refresh == "0; url=../new-slug/"
    assert soup.find("link", rel="canonical")["href"] == f"{served.url}/posts/new-slug/"
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.find("a")["href"] == "../new-slug/" and soup.find("a").text == "A moving story"
    assert not soup.find_all(["script", "style"]) and not soup.find_all(style=True)


def test_redirects_file_has_real_statuses_with_the_prefix(served):
    p = served.prefix
    assert served.text("_redirects").splitlines()[1:] == [
        f"{p}/posts/old-slug/ {p}/posts/new-slug/ 301!",
        f"{p}/posts/removed/ {p}/posts/removed/index.html 410!"]


def test_the_sitemap_lists_only_the_new_address(served):
    sitemap = served.text("sitemap.xml")
    assert f"{served.url}/posts/new-slug/" in sitemap
    assert "old-slug" not in sitemap and "removed" not in sitemap


def test_a_gone_path_has_the_themes_removed_page(served):
    soup = served.soup("posts/removed/index.html")
    assert soup.main.h1.text == "This article was removed"
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.select_one("header.site-header nav") and soup.select_one("footer.site-footer")
    # The 404 page's ways onward, from the one partial both pages include.
    assert soup.select_one("main ul") == served.soup("404.html").select_one("main ul")


def test_chromium_lands_on_the_new_page_under_the_csp(served, page):
    page.goto(f"{served.url}/posts/old-slug/")
    page.wait_for_url(f"{served.url}/posts/new-slug/")
    assert page.locator("h1").first.inner_text() == "A moving story"
    assert page.errors == []  # a CSP violation would be a console error


def test_chromium_without_javascript_lands_on_the_new_page(served, no_js_page):
    no_js_page.goto(f"{served.url}/posts/old-slug/")
    no_js_page.wait_for_url(f"{served.url}/posts/new-slug/")


ONWARD = ("Latest articles", "All articles by date", "Search the site")


def stylesheets_applied(tab):
    """The theme's stylesheets the page loaded with their rules (Playwright reads them
    even where the page's own JavaScript is off)."""
    return tab.evaluate("[...document.styleSheets].filter(s => s.href && s.href.includes('/theme/css/')"
                        " && s.cssRules.length > 0).map(s => s.href)")


def assert_reads_as_removed_page(tab, site):
    """The "removed" page at site/posts/removed/, in the theme: its stylesheet applied,
    the site's header, navigation and footer, noindex, and links onward that answer."""
    answer = tab.goto(f"{site}/posts/removed/")
    assert answer.status == 200 and tab.url == f"{site}/posts/removed/"  # no redirect
    assert tab.locator("main h1").inner_text() == "This article was removed"
    assert tab.title().startswith("This article was removed")
    assert tab.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    assert len(stylesheets_applied(tab)) == 1
    assert tab.locator("header.site-header").is_visible() and tab.locator("footer.site-footer").is_visible()
    assert tab.get_by_role("navigation", name="Main").get_by_role("link", name="Archives").is_visible()
    for name in ONWARD:
        href = urljoin(tab.url, tab.locator("main").get_by_role("link", name=name).get_attribute("href"))
        assert href.startswith(f"{site}/") and tab.request.get(href).status == 200, (name, href)
    tab.locator("main").get_by_role("link", name="Latest articles").click()
    tab.wait_for_url(f"{site}/")


def test_chromium_reads_the_removed_page_in_the_theme_under_the_csp(served, page):
    """A GONE path on a plain host: the theme's "removed" page, read in Chromium where it
    stands, under the site's own CSP (the same policy as every page), with no console error."""
    policy = {soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
              for soup in (served.soup("posts/removed/index.html"), served.soup("posts/new-slug/index.html"))}
    assert len(policy) == 1 and "default-src" in policy.pop()
    assert_reads_as_removed_page(page, served.url)
    assert page.errors == []  # a CSP violation, or a file it could not load, is a console error


def test_the_removed_page_reads_the_same_without_javascript(served, no_js_page):
    assert_reads_as_removed_page(no_js_page, served.url)


def test_the_removed_page_is_valid_html_with_no_axe_violations(served, page):
    """The theme's targets (tests/test_theme_audit.py) hold for this page too."""
    try:
        assert checkers.vnu_errors(served.output / "posts" / "removed") == []
        page.goto(f"{served.url}/posts/removed/")
        assert checkers.axe_violations(page) == []
    except checkers.MissingTool as tool:
        testing.missing(str(tool))


def test_a_development_build_links_the_removed_page_relatively(tmp_path, page):
    """RELATIVE_URLS (development): the page and its links work in whatever folder it is
    served from, here /preview/ of a server the build never heard of."""
    build = run_pelican(tmp_path / "www" / "preview", content=make_content(tmp_path, renamed()),
                        extra=cache_override(tmp_path / "cache", GONE='["/posts/removed/"]'))
    assert build.returncode == 0, build.log
    server = StaticServer(tmp_path / "www").start()
    try:
        assert_reads_as_removed_page(page, f"{server.origin}/preview")
        assert page.errors == []
    finally:
        server.stop()


# Cloudflare Pages' _redirects: "[source] [destination] [code?]", the code one of these
# (developers.cloudflare.com/pages/configuration/redirects/; any other line is ignored).
CLOUDFLARE_STATUSES = {"200", "301", "302", "303", "307", "308"}


def test_cloudflare_gets_rules_it_accepts(tmp_path):
    build = production(tmp_path, renamed(), "https://example.org/blog", gone=["/posts/removed/"],
                       settings={"REDIRECTS_HOST": '"cloudflare"'})
    rules = [line.split() for line in build.text("_redirects").splitlines() if not line.startswith("#")]
    assert rules == [["/blog/posts/old-slug/", "/blog/posts/new-slug/", "301"]]
    assert all(len(rule) == 3 and rule[2] in CLOUDFLARE_STATUSES for rule in rules)
    # No 410 there: the "removed" page answers at the gone path.
    assert "This article was removed" in build.text("posts/removed/index.html")


def test_an_unknown_redirects_host_is_one_line(tmp_path):
    root = tmp_path / "www"
    build = run_pelican(root, conf="publishconf.py", content=make_content(tmp_path, renamed()),
                        env={"SITEURL": "https://example.org", **PROVIDER},
                        extra=cache_override(tmp_path / "cache", REDIRECTS_HOST='"vercel"'))
    assert build.returncode != 0
    assert ("  pelicanconf.py: REDIRECTS_HOST is 'vercel': set it to 'netlify' or 'cloudflare', the host whose "
            "_redirects rules the build writes.") in build.log.splitlines()
    assert "Traceback" not in build.log


def feed_ids(build):
    atom = re.findall(r"<id>([^<]*)</id>", build.text("feeds/all.atom.xml"))[1:]  # [0]: the feed's own
    rss = re.findall(r"<guid[^>]*>([^<]*)</guid>", build.text("feeds/all.rss.xml"))
    json_ids = [item["id"] for item in json.loads(build.text("feeds/all.json"))["items"]]
    return atom, rss, json_ids


def test_feed_ids_do_not_change_with_the_slug(tmp_path):
    before = production(tmp_path / "a", renamed(slug="old-slug", aliases=None), "https://example.org/blog")
    after = production(tmp_path / "b", renamed(), "https://example.org/blog")
    assert "new-slug" in after.text("feeds/all.atom.xml") and "new-slug" not in before.text("feeds/all.atom.xml")
    assert feed_ids(before) == feed_ids(after)
    assert len(feed_ids(after)[0]) == 2
