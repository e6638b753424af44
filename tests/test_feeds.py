"""Follow by feed: every Atom and RSS feed parses with complete entries, links
resolve, the JSON Feed follows version 1.1, pages link their feeds, and a feed
opened in Chromium explains itself."""

import json
import posixpath
import re
import shutil
from datetime import datetime
from urllib.parse import urlsplit

import feedparser
import pytest
from support import PROD_SITEURL, ROOT, build, cache_override, post, run_pelican

ENTRY_KEYS = ("id", "title", "link", "updated", "author", "content")
AUTHORS = {"The Editors", "Cynthia Kay", "Ron Kaufman"}
NOT_ABSOLUTE = re.compile(r"""\s(?:href|src|poster)=["'](?!https?://|mailto:)""", re.IGNORECASE)

LINKS_POST = """Title: Relative links & <b>tags</b> in a title
Slug: relative-links
Date: 2026-11-01 09:00
Modified: 2026-11-10 12:30
Author: The Editors
Category: Service Culture
Tags: extra mile
Summary: A post whose body links <em>relatively</em>.

Read [an article]({filename}/posts/in-customers-we-trust.md), the [archives](../../archives/),
the [note below](#note) and [the home page](/blog/).

<audio src="clip.mp3" controls></audio>

<p id="note">The note.</p>
"""


def feed_files(build):
    return sorted(build.output.glob("feeds/**/*.xml"))


def article_pages(build):
    return sorted(p.parent for p in build.output.glob("posts/*/index.html"))


MORE_POSTS = 16  # enough for the speedups plugin to render every second feed in a helper


@pytest.fixture(scope="module")
def links_site(tmp_path_factory):
    """The production site with one more post whose body links relatively,
    and MORE_POSTS short ones."""
    tmp = tmp_path_factory.mktemp("links")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "posts" / "relative-links.md").write_text(LINKS_POST, encoding="utf-8")
    for n in range(1, MORE_POSTS + 1):
        (content / "posts" / f"more-{n}.md").write_text(
            f"Title: More {n}\nDate: 2026-10-{n:02d} 09:00\nAuthor: The Editors\n"
            f"Category: Service Culture\nTags: extra mile\nSummary: Post {n}.\n\n"
            f"Text of post {n}, linking [an article](../in-customers-we-trust/).\n", encoding="utf-8")
    build = run_pelican(tmp / "out", conf="publishconf.py", content=content,
                        env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none"},
                        extra=cache_override(tmp / "cache"))
    assert build.returncode == 0, build.log
    return build


def expected_articles(build):
    """Article URL -> its category, tag and author slugs and dates, read from its page."""
    result = {}
    for folder in article_pages(build):
        rel = folder.relative_to(build.output).as_posix() + "/index.html"
        soup = build.soup(rel)
        hrefs = [a["href"] for a in soup.select("article.post a[href]")]

        def slugs(kind, hrefs=hrefs):
            return {h.rstrip("/").rsplit("/", 1)[1] for h in hrefs if f"/{kind}/" in h}

        result[f"{PROD_SITEURL}/{folder.relative_to(build.output).as_posix()}/"] = {
            "category": slugs("category"), "tag": slugs("tag"), "author": slugs("author"),
            "published": soup.find("meta", property="article:published_time")["content"],
            "modified": soup.find("meta", property="article:modified_time")["content"],
        }
    return result


def parsed_date(struct):
    return datetime(*struct[:6])


@pytest.mark.parametrize("site", ["prod_site", "links_site"])
def test_every_feed_parses_with_complete_entries(request, site):
    prod_site = request.getfixturevalue(site)
    files = feed_files(prod_site)
    assert len(files) >= 2 + 2 * (3 + 3 + 10), [f.name for f in files]
    for path in files:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.bozo_exception)
        assert feed.version in ("atom10", "rss20"), path
        assert feed.entries, path
        assert feed.feed.link == PROD_SITEURL + "/"
        for entry in feed.entries:
            # dict.get: feedparser's own get() falls back from updated to published.
            missing = [k for k in ENTRY_KEYS if not dict.get(entry, k)]
            assert not missing, (path.name, entry.get("link"), missing)
            assert entry.link.startswith(PROD_SITEURL + "/posts/")
            assert entry.author in AUTHORS
            html = entry.content[0].value
            if site == "prod_site":  # the five real articles are long
                assert len(html) > 1000, "full content, not a summary"
            assert not NOT_ABSOLUTE.search(html)


@pytest.mark.parametrize("kind", ["category", "tag", "author"])
def test_each_category_tag_and_author_feed_has_its_articles(prod_site, kind):
    articles = expected_articles(prod_site)
    slugs = set().union(*(a[kind] for a in articles.values()))
    assert slugs
    for slug in slugs:
        want = {url for url, a in articles.items() if slug in a[kind]}
        for ext in ("atom", "rss"):
            feed = feedparser.parse(prod_site.path(f"feeds/{kind}/{slug}.{ext}.xml").read_bytes())
            assert {e.link for e in feed.entries} == want, (kind, slug, ext)


def test_dates_authors_and_content_match_the_articles(prod_site):
    articles = expected_articles(prod_site)
    atom = {e.link: e for e in feedparser.parse(prod_site.path("feeds/all.atom.xml").read_bytes()).entries}
    rss = {e.link: e for e in feedparser.parse(prod_site.path("feeds/all.rss.xml").read_bytes()).entries}
    assert set(atom) == set(rss) == set(articles)
    for url, want in articles.items():
        published = datetime.fromisoformat(want["published"]).replace(tzinfo=None)
        modified = datetime.fromisoformat(want["modified"]).replace(tzinfo=None)
        for entry in (atom[url], rss[url]):
            assert parsed_date(entry.published_parsed) == published
            assert parsed_date(entry.updated_parsed) == modified
        assert rss[url].content[0].value == atom[url].content[0].value
        # RSS: the summary in <description>, the article in <content:encoded>.
        assert len(rss[url].summary) < len(rss[url].content[0].value) / 2


def test_relative_links_in_content_are_resolved(links_site):
    base = f"{PROD_SITEURL}/posts/relative-links/"
    want = [f'href="{PROD_SITEURL}/posts/in-customers-we-trust/"', f'href="{PROD_SITEURL}/archives/"',
            f'href="{base}#note"', f'href="{PROD_SITEURL}/"', f'src="{base}clip.mp3"']
    bodies = []
    for name in ("all.atom.xml", "all.rss.xml", "category/service-culture.atom.xml", "tag/extra-mile.rss.xml"):
        feed = feedparser.parse(links_site.path(f"feeds/{name}").read_bytes())
        entry = next(e for e in feed.entries if e.link == base)
        assert entry.title == "Relative links & <b>tags</b> in a title"
        assert parsed_date(dict.get(entry, "updated_parsed")) == datetime(2026, 11, 10, 12, 30)
        assert parsed_date(entry.published_parsed) == datetime(2026, 11, 1, 9, 0)
        bodies.append(entry.content[0].value)
    item = next(i for i in json.loads(links_site.text("feeds/all.json"))["items"] if i["url"] == base)
    assert item["title"] == "Relative links & <b>tags</b> in a title"
    assert item["date_modified"] == "2026-11-10T12:30:00+00:00"
    bodies.append(item["content_html"])
    for html in bodies:
        for link in want:
            assert link in html, (link, html)
        assert not NOT_ABSOLUTE.search(html), html


def is_rfc3339(value):
    return re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value) is not None


def test_json_feed_follows_version_1_1(prod_site):
    """Field by field against https://www.jsonfeed.org/version/1.1/."""
    data = json.loads(prod_site.text("feeds/all.json"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] == "The Extra Mile"
    assert data["home_page_url"] == PROD_SITEURL + "/"
    assert data["feed_url"] == PROD_SITEURL + "/feeds/all.json"
    assert isinstance(data["description"], str) and data["description"]
    assert data["language"] == "en"
    known_top = {"version", "title", "home_page_url", "feed_url", "description", "user_comment",
                 "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items"}
    assert set(data) <= known_top
    articles = expected_articles(prod_site)
    items = data["items"]
    assert [i["url"] for i in items] == sorted(articles, key=lambda u: articles[u]["published"], reverse=True)
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids) and all(isinstance(i, str) for i in ids)
    known_item = {"id", "url", "external_url", "title", "content_html", "content_text", "summary",
                  "image", "banner_image", "date_published", "date_modified", "authors", "tags",
                  "language", "attachments"}
    atom = {e.link: e for e in feedparser.parse(prod_site.path("feeds/all.atom.xml").read_bytes()).entries}
    for item in items:
        assert set(item) <= known_item
        assert item["url"].startswith(PROD_SITEURL + "/posts/")
        assert item["title"] == atom[item["url"]].title
        # feedparser reorders attributes: compare the text and the links.
        tags = re.compile(r"<[^>]+>")
        html, atom_html = item["content_html"], atom[item["url"]].content[0].value
        assert tags.sub("", html) == tags.sub("", atom_html)
        assert sorted(re.findall(r'href="([^"]*)"', html)) == sorted(re.findall(r'href="([^"]*)"', atom_html))
        assert isinstance(item["summary"], str) and "<" not in item["summary"]
        assert is_rfc3339(item["date_published"]) and is_rfc3339(item["date_modified"])
        assert datetime.fromisoformat(item["date_published"]) == datetime.fromisoformat(
            articles[item["url"]]["published"])
        assert item["authors"] and all(set(a) <= {"name", "url", "avatar"} for a in item["authors"])
        assert {a["name"] for a in item["authors"]} <= AUTHORS
        assert all(a["url"].startswith(PROD_SITEURL + "/author/") for a in item["authors"])
        assert item["tags"] and all(isinstance(t, str) for t in item["tags"])
        assert item["language"] == "en"


def test_every_page_links_its_feeds(prod_site):
    pages = sorted(prod_site.output.rglob("*.html"))
    assert pages
    for path in pages:
        rel = path.relative_to(prod_site.output).as_posix()
        soup = prod_site.soup(rel)
        links = {(link["type"], link["href"]) for link in soup.find_all("link", rel="alternate")}
        for kind, href in [("application/atom+xml", "feeds/all.atom.xml"),
                           ("application/rss+xml", "feeds/all.rss.xml"),
                           ("application/feed+json", "feeds/all.json")]:
            assert (kind, f"{PROD_SITEURL}/{href}") in links, (rel, kind)
        for _, href in links:
            assert prod_site.path(href[len(PROD_SITEURL) + 1:]).is_file(), (rel, href)
        own = re.match(r"(category|tag|author)/([^/]+)/index\.html$", rel)
        if own:
            kind, slug = own.groups()
            assert ("application/atom+xml", f"{PROD_SITEURL}/feeds/{kind}/{slug}.atom.xml") in links, rel
            assert ("application/rss+xml", f"{PROD_SITEURL}/feeds/{kind}/{slug}.rss.xml") in links, rel
    # An article links the feeds of its category and its author.
    for url, article in expected_articles(prod_site).items():
        rel = url[len(PROD_SITEURL) + 1:] + "index.html"
        hrefs = {link["href"] for link in prod_site.soup(rel).find_all("link", rel="alternate")}
        for kind in ("category", "author"):
            for slug in article[kind]:
                assert f"{PROD_SITEURL}/feeds/{kind}/{slug}.atom.xml" in hrefs, (rel, kind)
    footer = prod_site.soup("index.html").select_one(".site-footer .feed-list")
    assert footer.find("a", href=f"{PROD_SITEURL}/feeds/all.json")


@pytest.mark.parametrize("site", ["prod_site", "links_site"])
def test_every_feed_references_its_stylesheet(request, site):
    prod_site = request.getfixturevalue(site)
    for path in feed_files(prod_site):
        head = path.read_text(encoding="utf-8")[:400]
        match = re.match(r'<\?xml version="1\.0" encoding="utf-8"\?>\s*'
                         r'<\?xml-stylesheet href="([^"]+)" type="text/css"', head)
        assert match, path
        target = posixpath.normpath(posixpath.join(
            path.parent.relative_to(prod_site.output).as_posix(), match[1]))
        assert target.startswith("theme/css/feed.") and prod_site.path(target).is_file(), (path, target)


# -- A feed opened in a browser --------------------------------------------
FEEDS_TO_OPEN = ["feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/author/ron-kaufman.atom.xml"]


@pytest.mark.parametrize("feed", FEEDS_TO_OPEN)
@pytest.mark.parametrize("site", ["served_site", "served_subpath_site"])
def test_feed_in_browser_explains_what_a_feed_is(request, page, site, feed):
    site = request.getfixturevalue(site)
    failed = []
    page.on("response", lambda r: failed.append(urlsplit(r.url).path) if r.status >= 400 else None)
    page.emulate_media(color_scheme="light")
    page.goto(f"{site.url}/{feed}")
    explanation = page.evaluate("getComputedStyle(document.documentElement, '::before').content")
    assert "This is a web feed" in explanation and "feed reader" in explanation
    first = page.locator("entry > title, item > title").first
    assert first.is_visible() and first.text_content().strip()
    page.screenshot(path=str(ROOT / "tests" / "screenshots" / f"feed-{feed.replace('/', '-')}.png"))
    body = page.locator("entry > content, item > description").first
    assert not body.is_visible(), "escaped HTML is not shown as text"
    light = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert light != dark, "follows the system's dark mode"
    # An XML page has no <link rel=icon>: Chromium asks for /favicon.ico,
    # which this site does not have. Everything else loaded.
    assert set(failed) <= {"/favicon.ico"}
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []
    page.emulate_media(color_scheme="light")


def test_feed_in_browser_has_the_colours_of_the_pages(served_site, page):
    """One palette: feed.css gets style.css's colour tokens at build time."""
    colours = "[getComputedStyle(%s).backgroundColor, getComputedStyle(%s).color]"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{served_site.url}/")
        site = page.evaluate(colours % ("document.body", "document.body"))
        page.goto(f"{served_site.url}/feeds/all.atom.xml")
        feed = page.evaluate(colours % ("document.documentElement", "document.documentElement"))
        assert feed == site, scheme
    page.emulate_media(color_scheme="light")


def test_feed_in_browser_under_the_site_csp_header(served_site, page):
    """Hosts send the CSP as a header on every file, feeds included (_headers,
    nginx): the feed's stylesheet must load under it, with no violation."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from browser import QuietHandler

    from pelicanconf import CSP

    policy = "; ".join(f"{name} {' '.join(values)}" for name, values in CSP.items())

    class WithCSP(QuietHandler):
        def end_headers(self):
            self.send_header("Content-Security-Policy", policy)
            super().end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(WithCSP, directory=str(served_site.output)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/feeds/all.rss.xml")
        explanation = page.evaluate("getComputedStyle(document.documentElement, '::before').content")
        assert "This is a web feed" in explanation
        assert [e for e in page.errors if "Content Security Policy" in e] == []
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_feed_with_no_entries_is_the_same_in_every_build(tmp_path):
    """Every post a draft (or still scheduled): the site feeds have no entries
    and their date is 1970-01-01, not the time of the build."""
    files = {"posts/draft.md": post(title="Not yet", extra="Status: draft\n")}
    first, second = build(tmp_path / "a", files), build(tmp_path / "b", files)
    assert first.returncode == 0 and second.returncode == 0, first.log + second.log
    for feed in ("feeds/all.atom.xml", "feeds/all.rss.xml"):
        assert first.path(feed).read_bytes() == second.path(feed).read_bytes(), feed
        parsed = feedparser.parse(first.path(feed).read_bytes())
        assert parsed.entries == [] and not parsed.bozo
    assert "<updated>1970-01-01T00:00:00+00:00</updated>" in first.text("feeds/all.atom.xml")
    assert "<lastBuildDate>Thu, 01 Jan 1970 00:00:00 +0000</lastBuildDate>" in first.text("feeds/all.rss.xml")
