"""Hostile metadata: a title, summary, tag, category or author made of HTML,
script and template syntax comes out as text everywhere it appears."""

import json

import feedparser
import pytest
from lxml import etree
from support import PROD_SITEURL, build, post

TITLE = """</script><script>alert("t")</script> "dq" 'sq' ]]> {{ 7*7 }} <img src=x onerror=alert(1)>"""
SUMMARY = """<script>alert("s")</script> & {% raw %} ]]> <b onmouseover=alert(2)>bold</b>"""
TAG = """<script>alert("tag")</script>"""
CATEGORY = """<b onmouseover=alert(3)>Cat</b> "quoted\""""
AUTHOR = """<i>Evil</i> "Author" {{ 7*7 }}"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    files = {
        "posts/hostile.md": post(title=TITLE, author=AUTHOR, category=CATEGORY, tags=f"{TAG}, {{{{ 7*7 }}}}",
                                 extra=f"Slug: hostile\nSummary: {SUMMARY}\n",
                                 body="A body, written by our own authors, may use <em>HTML</em>."),
        "posts/plain.md": post(title="A plain neighbour", author=AUTHOR, category=CATEGORY, tags=TAG),
    }
    authors = json.dumps({AUTHOR: {"bio": '<script>alert("bio")</script>', "links": []}})
    site = build(tmp, files, conf="publishconf.py",
                 env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none"},
                 settings={"AUTHORS_INFO": authors})
    assert site.returncode == 0, site.log
    return site


def smart(text):
    """The typography every title and summary gets (curly quotes)."""
    from extramile.plugins.typeset.typeset import smart_text
    return smart_text(text)


def html_pages(site):
    return sorted(p.relative_to(site.output).as_posix() for p in site.output.rglob("*.html"))


def test_no_markup_from_metadata_on_any_page(hostile_site):
    pages = html_pages(hostile_site)
    assert "posts/hostile/index.html" in pages
    for rel in pages:
        soup = hostile_site.soup(rel)
        for el in soup.find_all(True):
            assert not [a for a in el.attrs if a.lower().startswith("on")], (rel, el.name, el.attrs)
        assert not soup.find("img", src="x"), rel
        for script in soup.find_all("script"):
            assert "alert(" not in (script.string or "") or script.get("type") == "application/ld+json", rel
        # Data inside JSON-LD cannot close its <script> element.
        for script in soup.find_all("script", type="application/ld+json"):
            assert "</script" not in script.string.lower()
    text = hostile_site.text("posts/hostile/index.html")
    assert "{{ 7*7 }}" in text and "{% raw %}" in text


def test_title_is_exact_text_in_head_and_page(hostile_site):
    soup = hostile_site.soup("posts/hostile/index.html")
    assert soup.h1.get_text() == smart(TITLE)
    assert soup.title.get_text() == f"{smart(TITLE)} · The Extra Mile"
    assert soup.find("meta", property="og:title")["content"] == smart(TITLE)
    assert soup.find("meta", attrs={"name": "description"})["content"] == smart(SUMMARY)
    assert [a.get_text() for a in soup.select(".tag-list a")] == [TAG, "{{ 7*7 }}"]
    assert soup.select_one("a[rel=author]").get_text() == AUTHOR
    assert soup.select_one(".post-meta a[href*='/category/']").get_text() == CATEGORY
    # The body is trusted markdown: its HTML stays HTML.
    assert soup.select_one(".post__body em").get_text() == "HTML"


def test_jsonld_carries_the_exact_text(hostile_site):
    items = []
    for block in hostile_site.jsonld("posts/hostile/index.html"):
        items += block.get("@graph", [block])
    [posting] = [i for i in items if i["@type"] == "BlogPosting"]
    assert posting["headline"] == smart(TITLE)
    assert posting["description"] == smart(SUMMARY)
    assert posting["author"]["name"] == AUTHOR
    assert posting["articleSection"] == CATEGORY
    assert posting["keywords"] == [TAG, "{{ 7*7 }}"]


@pytest.mark.parametrize("feed", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_feeds_are_well_formed_and_carry_the_exact_text(hostile_site, feed):
    etree.fromstring(hostile_site.path(feed).read_bytes())  # well-formed XML
    parsed = feedparser.parse(hostile_site.text(feed))
    assert not parsed.bozo, parsed.bozo_exception
    entry = next(e for e in parsed.entries if e.link.endswith("/posts/hostile/"))
    assert entry.title == smart(TITLE)
    assert entry.author == AUTHOR
    assert {t.term for t in entry.tags} >= {TAG, "{{ 7*7 }}"}


def test_json_feed_carries_the_exact_text(hostile_site):
    feed = json.loads(hostile_site.text("feeds/all.json"))
    item = next(i for i in feed["items"] if i["url"].endswith("/posts/hostile/"))
    assert item["title"] == smart(TITLE)
    assert item["authors"][0]["name"] == AUTHOR


def test_sitemap_is_well_formed(hostile_site):
    tree = etree.fromstring(hostile_site.path("sitemap.xml").read_bytes())
    locs = [el.text for el in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"{PROD_SITEURL}/posts/hostile/" in locs


@pytest.mark.parametrize("name,source,message", [
    ("control.md", post(title="Bell", extra="Summary: ring \x07 ring\n"),
     "content/posts/control.md:6: the file contains the invisible control character U+0007"),
    ("huge-title.md", post(title="x" * 5000),
     "content/posts/huge-title.md:1: the title makes an address of 5000 characters, too long for a file name"),
    ("huge-tag.md", post(title="Huge tag", tags="y" * 5000),
     "content/posts/huge-tag.md:5: the tag name 'yyyy"),
])
def test_unrepresentable_metadata_gets_a_clear_error(tmp_path, name, source, message):
    """Found by test_random_posts: these crashed Pelican with a traceback."""
    site = build(tmp_path, {f"posts/{name}": source})
    assert site.returncode == 1 and "Traceback" not in site.log
    assert message in site.log, site.log


def test_a_damaged_build_cache_means_a_slower_build_not_a_crash(tmp_path):
    """A build stopped half-way (or two at once) leaves a truncated cache."""
    files = {"posts/one.md": post(title="One")}
    assert build(tmp_path, files).returncode == 0
    # (content-key is a text: cut short, it is another key, and the content cache is read anew)
    caches = [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name != "content-key"]
    assert caches
    for cache in caches:
        cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    again = build(tmp_path, files)
    assert again.returncode == 0 and "Traceback" not in again.log, again.log
    assert "was damaged" in again.log
    assert (tmp_path / "output/posts/one/index.html").exists()
