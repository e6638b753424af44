"""Reading, sharing and following a long article (plugins/reading): contents
and section links, "Updated" dates, series, sharing without trackers,
fediverse handles and "Suggest a correction", on the real site and on a
fixture site (a series of three posts, a post with Modified:, an author with
a fediverse handle)."""

import json

import feedparser
import pytest
from browser import StaticServer
from support import PROD_SITEURL, build, post

from extramile import testing
from extramile.tools import checkers

SERIES = "Night Shift <Stories> & \"Friends\""  # hostile on purpose: text everywhere
HANDLE = "@fixture_writer@social.example"
AUTHORS = {
    "The Editors": {"bio": "The editorial byline.", "links": []},
    "Fixture Writer": {"bio": "A made-up author of the tests.", "links": [], "fediverse": HANDLE},
}
SECTIONS_BODY = """An introduction.

## First Part

Text.

### A detail

More.

## Second Part

Text.

## Third Part

The end.
"""


def series_post(n, title, extra="", body="Text of the part."):
    return post(title=title, date=f"2026-11-0{n} 09:00", author="Fixture Writer",
                extra=f"Series: {SERIES}\nSeries_index: {n}\nSummary: Part {n}.\n{extra}", body=body)


FILES = {
    # Written out of order: the parts are ordered by Series_index, not by file or date.
    "posts/part-two.md": series_post(2, "Second steps", body=SECTIONS_BODY),
    "posts/part-one.md": series_post(1, "First steps"),
    "posts/part-three.md": series_post(3, "Last steps"),
    "posts/updated.md": post(title="An updated post", date="2026-11-10 09:00",
                             extra="Modified: 2026-11-20 15:30\nSummary: Changed later.\n",
                             body=SECTIONS_BODY),
    "posts/no-contents.md": post(title="Contents hidden", date="2026-11-11 09:00",
                                 extra="Contents: no\nSummary: Hidden.\n", body=SECTIONS_BODY),
    "posts/forced-contents.md": post(title="Contents shown", date="2026-11-12 09:00",
                                     extra="Contents: yes\nSummary: Shown.\n",
                                     body="Intro.\n\n## Only one section\n\nText.\n"),
}
EDIT = "https://git.example/site/edit/main/content/{path}"


def fixture_settings(**more):
    return {"AUTHORS_INFO": json.dumps(AUTHORS), "EDIT_URL": json.dumps(EDIT), **more}


@pytest.fixture(scope="module")
def reading_site(tmp_path_factory):
    """The fixture site, production build, served over HTTP."""
    tmp = tmp_path_factory.mktemp("reading")
    server = StaticServer(tmp / "output")
    site = build(tmp, FILES, conf="publishconf.py",
                 env={"SITEURL": server.origin, "SUBSCRIBE_PROVIDER": "none"}, settings=fixture_settings())
    assert site.returncode == 0, site.log
    site.url = server.origin
    site.server = server.start()
    yield site
    site.server.stop()


# -- Contents and section links ------------------------------------------------
def test_real_article_with_three_sections_has_contents_and_section_links(prod_site):
    soup = prod_site.soup("posts/customer-service-in-every-small-interaction/index.html")
    toc = soup.select_one("nav.toc")
    assert toc is not None and toc["aria-labelledby"] == "toc--title"
    assert soup.find(id="toc--title").get_text() == "Contents"
    links = [(a["href"], a.get_text()) for a in toc.select("a")]
    assert links == [("#make-it-personal", "Make it Personal"), ("#training-is-critical", "Training is Critical"),
                     ("#do-the-unexpected", "Do the Unexpected")]
    for href, _text in links:
        assert soup.find(id=href[1:]).name == "h2"
    # After the introduction: the contents come after the first paragraphs, before the first section.
    body = soup.select_one(".post__body")
    children = [c for c in body.children if getattr(c, "name", None)]
    assert [c.name for c in children[:3]] == ["p", "p", "p"]
    assert children[3] is toc
    link = soup.select_one("#training-is-critical + a.section-link")
    assert link["href"] == "#training-is-critical"
    assert link.select_one(".visually-hidden").get_text() == "Link to this section: Training is Critical"
    assert link.select_one("[aria-hidden=true]").get_text() == "#"


def test_real_article_with_two_sections_has_links_but_no_contents(prod_site):
    soup = prod_site.soup("posts/in-customers-we-trust/index.html")
    assert soup.select_one("nav.toc") is None
    assert len(soup.select(".section-heading a.section-link")) == 2
    for rel in ("posts/going-way-beyond-customer-satisfaction/index.html",
                "posts/yes-were-closed-but-come-on-in/index.html",
                "posts/a-challenge-to-give-exceptional-service/index.html"):
        page = prod_site.soup(rel)
        assert page.select_one("nav.toc") is None and page.select_one(".section-link") is None, rel


def test_feeds_and_search_keep_the_plain_body(prod_site):
    atom = feedparser.parse(prod_site.path("feeds/all.atom.xml").read_bytes())
    for entry in atom.entries:
        assert "Link to this section" not in entry.content[0].value
        assert "toc--title" not in entry.content[0].value


def test_contents_nested_and_forced_on_or_off(reading_site):
    toc = reading_site.soup("posts/an-updated-post/index.html").select_one("nav.toc")
    top = toc.select(":scope > ol > li")
    assert [li.a.get_text() for li in top] == ["First Part", "Second Part", "Third Part"]
    assert [a.get_text() for a in top[0].select(":scope ol a")] == ["A detail"]
    assert reading_site.soup("posts/contents-hidden/index.html").select_one("nav.toc") is None
    assert len(reading_site.soup("posts/contents-hidden/index.html").select(".section-link")) == 4
    shown = reading_site.soup("posts/contents-shown/index.html").select_one("nav.toc")
    assert [a.get_text() for a in shown.select("a")] == ["Only one section"]


def test_heading_ids_stay_when_other_text_changes(tmp_path):
    """Fixing a typo elsewhere (the title, the intro, another heading) keeps a section's id."""
    ids = []
    for typo in ("Teh", "The"):
        body = SECTIONS_BODY.replace("An introduction.", f"{typo} introduction.").replace("## Third", f"## {typo} third")
        site = build(tmp_path / typo, {"posts/p.md": post(title=f"{typo} title", extra="Slug: p\n", body=body)})
        assert site.returncode == 0, site.log
        ids.append([h["id"] for h in site.soup("posts/p/index.html").select(".section-heading > [id]")][:3])
    assert ids[0] == ids[1] == ["first-part", "a-detail", "second-part"]


# -- Updated ----------------------------------------------------------------------
def test_modified_post_says_updated_everywhere(reading_site):
    soup = reading_site.soup("posts/an-updated-post/index.html")
    updated = soup.select_one(".post-meta__updated")
    assert " ".join(updated.get_text().split()) == "(Updated 20 November 2026)"
    assert updated.time["datetime"].startswith("2026-11-20T15:30")
    assert soup.find("meta", property="article:modified_time")["content"].startswith("2026-11-20T15:30")
    [posting] = [b for b in reading_site.jsonld("posts/an-updated-post/index.html") if b["@type"] == "BlogPosting"]
    assert posting["dateModified"].startswith("2026-11-20T15:30")
    assert posting["datePublished"].startswith("2026-11-10T09:00")
    sitemap = reading_site.text("sitemap.xml")
    assert f"<loc>{reading_site.url}/posts/an-updated-post/</loc><lastmod>2026-11-20T15:30:00" in sitemap
    atom = feedparser.parse(reading_site.path("feeds/all.atom.xml").read_bytes())
    [entry] = [e for e in atom.entries if e.link.endswith("/posts/an-updated-post/")]
    assert entry.updated.startswith("2026-11-20T15:30") and entry.published.startswith("2026-11-10T09:00")
    rss = reading_site.text("feeds/all.rss.xml")
    assert "<atom:updated>2026-11-20T15:30:00+00:00</atom:updated>" in rss
    data = json.loads(reading_site.text("feeds/all.json"))
    [item] = [i for i in data["items"] if i["url"].endswith("/posts/an-updated-post/")]
    assert item["date_modified"].startswith("2026-11-20T15:30")
    # A post without Modified: says nothing.
    assert reading_site.soup("posts/first-steps/index.html").select_one(".post-meta__updated") is None


def test_modified_before_date_stops_the_build(tmp_path):
    site = build(tmp_path, {"posts/p.md": post(extra="Modified: 2026-11-01\n")})
    assert site.returncode == 1
    assert ("content/posts/p.md:6: Modified '2026-11-01' is earlier than Date '2026-11-20 09:00'" in site.log), site.log
    assert "Traceback" not in site.log and not (tmp_path / "output").exists()


# -- Series ---------------------------------------------------------------------------
def test_each_part_says_part_n_of_m_with_links(reading_site):
    titles = ["First steps", "Second steps", "Last steps"]
    slugs = ["first-steps", "second-steps", "last-steps"]
    for n, slug in enumerate(slugs, start=1):
        soup = reading_site.soup(f"posts/{slug}/index.html")
        box = soup.select_one("nav.series-box")
        assert box["aria-labelledby"] == "series-box--title"
        assert box.select_one(".series-box__title").get_text(" ", strip=True) == f"Part {n} of 3 in {SERIES}"
        assert box.select_one(".series-box__title a")["href"].endswith("/series/night-shift-friends/")
        items = box.select("li")
        assert [li.get_text(strip=True) for li in items] == titles
        assert items[n - 1].select_one("[aria-current=page]") and not items[n - 1].a
        assert [li.a["href"] for i, li in enumerate(items) if i != n - 1] == [
            f"{reading_site.url}/posts/{s}/" for i, s in enumerate(slugs) if i != n - 1]
    assert reading_site.soup("posts/an-updated-post/index.html").select_one(".series-box") is None
    [posting] = [b for b in reading_site.jsonld("posts/last-steps/index.html") if b["@type"] == "BlogPosting"]
    assert posting["isPartOf"] == {"@type": "CreativeWorkSeries", "name": SERIES,
                                   "url": f"{reading_site.url}/series/night-shift-friends/"}
    assert posting["position"] == 3


def test_series_page_index_feeds_and_nav(reading_site):
    page = reading_site.soup("series/night-shift-friends/index.html")
    assert page.h1.get_text() == SERIES
    assert [a.get_text() for a in page.select(".post-card__title a")] == ["First steps", "Second steps", "Last steps"]
    for kind in ("atom", "rss"):
        rel = f"feeds/series/night-shift-friends.{kind}.xml"
        parsed = feedparser.parse(reading_site.path(rel).read_bytes())
        assert not parsed.bozo, parsed.bozo_exception
        assert sorted(e.title for e in parsed.entries) == ["First steps", "Last steps", "Second steps"]
        assert page.find("link", rel="alternate", href=f"{reading_site.url}/{rel}")
    index = reading_site.soup("series/index.html")
    assert [a.get_text() for a in index.select(".term-index a")] == [SERIES]
    assert "3 articles" in index.select_one(".term-index li").get_text()
    nav = [a.get_text() for a in reading_site.soup("index.html").select(".site-nav a")]
    assert nav.index("Series") == nav.index("Tags") + 1
    assert f"{reading_site.url}/series/night-shift-friends/" in reading_site.text("sitemap.xml")


def test_real_site_has_no_series_link(prod_site):
    assert "Series" not in [a.get_text() for a in prod_site.soup("index.html").select(".site-nav a")]
    assert not prod_site.path("series").exists()


@pytest.mark.parametrize(("indexes", "where", "message"), [
    ((1, 3), "content/posts/s3.md:7", "series 'S' has no part 2 (its published parts are 1, 3)"),
    ((1, 1), "content/posts/s2.md:7", "part 1 of series 'S' is also content/posts/s1.md"),
    ((1, "two"), "content/posts/s2.md:7", "Series_index 'two' is not a whole number from 1"),
    ((1, None), "content/posts/s2.md:6", "series 'S' numbers its other parts with Series_index"),
    (("!!", None), "content/posts/s1.md:6", "the series name '!!' gives no web address"),
])
def test_series_with_a_gap_or_a_duplicate_stops_the_build(tmp_path, indexes, where, message):
    files = {}
    name = "!!" if indexes[0] == "!!" else "S"
    for n, index in enumerate(indexes, start=1):
        number = f"Series_index: {index}\n" if index not in (None, "!!") else ""
        files[f"posts/s{index if index == 3 else n}.md"] = post(title=f"S{n}", extra=f"Series: {name}\n{number}")
    site = build(tmp_path, files)
    assert site.returncode == 1
    assert f"{where}: {message}" in site.log, site.log
    assert "Traceback" not in site.log


def test_a_draft_part_is_not_counted(tmp_path):
    files = {"posts/a.md": post(title="A", extra="Series: S\n"),
             "posts/b.md": post(title="B", date="2026-11-21 09:00", extra="Series: S\nStatus: draft\n")}
    site = build(tmp_path, files, conf="publishconf.py", env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none"})
    assert site.returncode == 0, site.log
    box = site.soup("posts/a/index.html").select_one(".series-box__title")
    assert box.get_text(" ", strip=True) == "Part 1 of 1 in S"


# -- Sharing, fediverse, Suggest a correction ---------------------------------------
def test_share_links_are_plain_links(reading_site):
    soup = reading_site.soup("posts/first-steps/index.html")
    share = soup.select_one("section.share")
    url = f"{reading_site.url}/posts/first-steps/"
    hrefs = {a.get_text(): a["href"] for a in share.select(".share__links a")}
    from urllib.parse import quote
    assert hrefs == {
        "Email": f"mailto:?subject=First%20steps&body={quote(url, safe='')}",
        "Bluesky": f"https://bsky.app/intent/compose?text={quote('First steps ' + url, safe='')}",
        "LinkedIn": f"https://www.linkedin.com/sharing/share-offsite/?url={quote(url, safe='')}",
    }
    assert share.select_one(".share__address a")["href"] == url
    # Without JavaScript these stay hidden: the copy button and the Mastodon form.
    assert share.select_one("[data-copy-link]").has_attr("hidden")
    assert share.select_one("form[data-share-mastodon]").has_attr("hidden")
    assert not share.find("img") and not share.find("iframe") and not share.find("script")
    edit = share.select_one(".share__edit a")
    assert edit.get_text() == "Suggest a correction"
    assert edit["href"] == "https://git.example/site/edit/main/content/posts/part-one.md"


def test_no_suggest_link_without_edit_url(prod_site):
    assert prod_site.soup("posts/in-customers-we-trust/index.html").select_one(".share__edit") is None


def test_fediverse_creator_and_rel_me(reading_site):
    soup = reading_site.soup("posts/first-steps/index.html")
    assert [m["content"] for m in soup.find_all("meta", attrs={"name": "fediverse:creator"})] == [HANDLE]
    assert reading_site.soup("posts/an-updated-post/index.html").find(
        "meta", attrs={"name": "fediverse:creator"}) is None
    author = reading_site.soup("author/fixture-writer/index.html")
    me = author.select_one('a[rel~="me"][href="https://social.example/@fixture_writer"]')
    assert me is not None and me.get_text() == HANDLE


def test_a_hostile_handle_stops_the_build(tmp_path):
    authors = {"The Editors": {"bio": "b", "links": [], "fediverse": '"><script>alert(1)</script>'}}
    site = build(tmp_path, {"posts/p.md": post()}, settings={"AUTHORS_INFO": json.dumps(authors)})
    assert site.returncode == 1
    assert "AUTHORS_INFO['The Editors']['fediverse']" in site.log and "not a fediverse handle" in site.log
    assert "Traceback" not in site.log


def test_hostile_series_name_is_text_everywhere(reading_site):
    for rel in ("posts/first-steps/index.html", "series/night-shift-friends/index.html", "series/index.html"):
        text = reading_site.text(rel)
        assert "<Stories>" not in text, rel
        assert "Night Shift &lt;Stories&gt; &amp; " in text, rel
    atom = reading_site.text("feeds/series/night-shift-friends.atom.xml")
    assert "<Stories>" not in atom


# -- In Chromium ------------------------------------------------------------------------
def test_with_javascript_copy_and_mastodon(reading_site, page, chromium):
    chromium.grant_permissions(["clipboard-read", "clipboard-write"], origin=reading_site.url)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{reading_site.url}/posts/second-steps/")
    assert all(u.startswith(reading_site.url) or u.startswith("data:") for u in requests), requests
    copy = page.get_by_role("button", name="Copy link")
    copy.click()
    page.get_by_role("status").filter(has_text="Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{reading_site.url}/posts/second-steps/"
    shared = []
    page.route("https://social.example/**", lambda route: (shared.append(route.request.url),
                                                           route.fulfill(body="ok", content_type="text/plain")))
    page.get_by_label("Share on Mastodon: your server").fill("https://Social.Example/@me")
    page.get_by_label("Remember my server on this device").check()
    page.get_by_role("button", name="Share on Mastodon").click()
    page.wait_for_url("https://social.example/share?**")
    from urllib.parse import quote
    text = quote(f"Second steps {reading_site.url}/posts/second-steps/", safe="")
    assert shared == [f"https://social.example/share?text={text}"]
    page.goto(f"{reading_site.url}/posts/first-steps/")
    assert page.get_by_label("Share on Mastodon: your server").input_value() == "social.example"
    assert page.errors == []


def test_without_javascript_links_and_address_remain(reading_site, no_js_page):
    no_js_page.goto(f"{reading_site.url}/posts/second-steps/")
    assert not no_js_page.get_by_role("button", name="Copy link").is_visible()
    assert not no_js_page.locator("form[data-share-mastodon]").is_visible()
    for name in ("Email", "Bluesky", "LinkedIn", "Suggest a correction"):
        assert no_js_page.get_by_role("link", name=name).is_visible()
    assert no_js_page.get_by_role("navigation", name="Contents").is_visible()
    assert no_js_page.get_by_role("navigation", name=f"Part 2 of 3 in {SERIES}").is_visible()


def test_section_link_shows_on_focus_and_hides_in_print(reading_site, page):
    page.goto(f"{reading_site.url}/posts/second-steps/")
    link = page.get_by_role("link", name="Link to this section: Second Part")
    assert float(link.evaluate("e => getComputedStyle(e).opacity")) == 0
    link.focus()
    assert float(link.evaluate("e => getComputedStyle(e).opacity")) == 1
    page.emulate_media(media="print")
    for selector in (".toc", ".share", ".section-link"):
        assert page.locator(selector).first.evaluate("e => getComputedStyle(e).display") == "none", selector
    page.emulate_media(media="screen")


READING_PAGES = ("posts/second-steps/", "posts/an-updated-post/", "series/night-shift-friends/", "series/")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_and_no_overflow(reading_site, page, scheme):
    """axe at the narrowest width (where contents, section links and the series
    box are most crowded), in both colour schemes; no overflow at 320 or 1440."""
    page.emulate_media(color_scheme=scheme)
    for rel in READING_PAGES:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{reading_site.url}/{rel}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440, rel
        page.set_viewport_size({"width": 320, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, rel
        try:
            assert checkers.axe_violations(page, colours_only=scheme == "dark") == [], rel
        except checkers.MissingTool as tool:
            testing.missing(str(tool))
    assert page.errors == []


def test_fixture_pages_are_valid_html(reading_site):
    # The pages this feature adds or changes (the site's other pages: test_theme_audit.py).
    try:
        assert checkers.vnu_errors(*(reading_site.output / rel / "index.html" for rel in READING_PAGES)) == []
    except checkers.MissingTool as tool:
        testing.missing(str(tool))

