"""Found and shared: sitemap, robots.txt, meta tags, JSON-LD and social images,
and a hostile title that must stay text in every one of them."""

import gzip
import json
import shutil
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from browser import StaticServer
from lxml import etree
from PIL import Image
from support import PROD_SITEURL, ROOT, cache_override, post, run_pelican

from extramile.plugins.social_images import social_images

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
NOINDEX = {"404.html", "search/index.html"}
ARTICLE = "posts/in-customers-we-trust/index.html"


def html_pages(site):
    return sorted(p.relative_to(site.output).as_posix() for p in site.output.rglob("*.html"))


def url_of(rel, siteurl=PROD_SITEURL):
    return f"{siteurl}/{rel[:-len('index.html')] if rel.endswith('index.html') else rel}"


def meta(soup, key):
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    return tag["content"] if tag else None


def sitemap(site):
    tree = etree.fromstring(site.path("sitemap.xml").read_bytes())
    return {u.findtext("s:loc", namespaces=SITEMAP_NS): u.findtext("s:lastmod", namespaces=SITEMAP_NS)
            for u in tree.findall("s:url", SITEMAP_NS)}


def jsonld_of_type(site, rel, kind):
    [block] = [b for b in site.jsonld(rel) if b["@type"] == kind]
    return block


# -- Sitemap and robots --------------------------------------------------------
def test_sitemap_lists_every_public_page_with_lastmod(prod_site):
    entries = sitemap(prod_site)
    public = [rel for rel in html_pages(prod_site) if rel not in NOINDEX]
    assert set(entries) == {url_of(rel) for rel in public}
    for rel in public:  # what is listed may be indexed, what is not says noindex
        assert meta(prod_site.soup(rel), "robots") is None, rel
    for rel in NOINDEX:
        assert meta(prod_site.soup(rel), "robots") == "noindex"
    for loc, lastmod in entries.items():
        assert datetime.fromisoformat(lastmod).tzinfo is not None, loc
    posting = jsonld_of_type(prod_site, ARTICLE, "BlogPosting")
    assert entries[url_of(ARTICLE)] == posting["dateModified"]
    # A list is as new as its newest article; a page without a date as the site.
    assert entries[f"{PROD_SITEURL}/author/ron-kaufman/"] == posting["dateModified"]
    newest = max(entries[url_of(p)] for p in public if p.startswith("posts/"))
    assert entries[f"{PROD_SITEURL}/tags/"] == newest and entries[f"{PROD_SITEURL}/about/"] == newest


def test_sitemap_leaves_out_drafts_and_hidden_posts(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "posts" / "draft.md").write_text(post("A draft", extra="Slug: a-draft\nStatus: draft\n"), encoding="utf-8")
    (content / "posts" / "hidden.md").write_text(post("Hidden", extra="Slug: hidden\nStatus: hidden\n"), encoding="utf-8")
    site = run_pelican(tmp_path / "output", content=content, extra=cache_override(tmp_path / "cache"))
    assert site.returncode == 0, site.log
    assert site.path("drafts/a-draft/index.html").exists() and site.path("posts/hidden/index.html").exists()
    locs = " ".join(sitemap(site))
    assert "a-draft" not in locs and "hidden" not in locs and "posts/in-customers-we-trust/" in locs


def test_robots_points_to_the_absolute_sitemap_in_production(prod_site, dev_site):
    assert prod_site.text("robots.txt").splitlines() == [
        "User-agent: *", "Disallow:", "", f"Sitemap: {PROD_SITEURL}/sitemap.xml"]
    assert "Disallow: /" in dev_site.text("robots.txt").splitlines()
    assert meta(dev_site.soup(ARTICLE), "robots") == "noindex"


# -- Meta tags -----------------------------------------------------------------
def test_every_page_has_canonical_description_opengraph_and_twitter(prod_site):
    for rel in html_pages(prod_site):
        soup = prod_site.soup(rel)
        canonical = soup.find("link", rel="canonical")["href"]
        assert canonical == url_of(rel) or rel == "404.html", rel
        assert len(meta(soup, "description")) > 20, rel
        assert meta(soup, "og:url") == canonical and meta(soup, "og:title") and meta(soup, "og:description")
        image = meta(soup, "og:image")
        assert image.startswith(f"{PROD_SITEURL}/social/") and image.endswith(".png"), rel
        assert prod_site.path(image[len(PROD_SITEURL) + 1:]).is_file()
        assert (meta(soup, "og:image:width"), meta(soup, "og:image:height")) == ("1200", "630")
        assert meta(soup, "og:image:alt")
        assert meta(soup, "twitter:card") == "summary_large_image"
        assert meta(soup, "twitter:image") == image


def test_article_meta_and_its_own_image(prod_site):
    soup = prod_site.soup(ARTICLE)
    assert meta(soup, "og:type") == "article"
    assert meta(soup, "article:published_time").startswith("2026-11-09")
    assert meta(soup, "article:author") == f"{PROD_SITEURL}/author/ron-kaufman/"
    assert [t["content"] for t in soup.find_all("meta", property="article:tag")] == [
        "trust", "customer experience", "after hours", "travel", "loyalty"]
    assert meta(soup, "og:image").startswith(f"{PROD_SITEURL}/social/in-customers-we-trust-")
    assert meta(soup, "og:image:alt") == "In Customers We Trust, by Ron Kaufman · The Extra Mile"
    home = prod_site.soup("index.html")
    assert meta(home, "og:image").startswith(f"{PROD_SITEURL}/social/site-")


# -- JSON-LD -------------------------------------------------------------------
def test_blogposting_image_and_publisher(prod_site):
    data = jsonld_of_type(prod_site, ARTICLE, "BlogPosting")
    image = meta(prod_site.soup(ARTICLE), "og:image")
    assert data["image"] == {"@type": "ImageObject", "url": image, "width": 1200, "height": 630}
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == "The Extra Mile"
    assert publisher["url"] == PROD_SITEURL + "/"
    logo = publisher["logo"]
    assert logo["@type"] == "ImageObject" and (logo["width"], logo["height"]) == (512, 512)
    with Image.open(prod_site.path(logo["url"][len(PROD_SITEURL) + 1:])) as img:
        assert img.size == (512, 512)
    assert data["url"] == data["mainEntityOfPage"] == url_of(ARTICLE)
    assert data["inLanguage"] == "en"


def breadcrumbs(site, rel):
    data = jsonld_of_type(site, rel, "BreadcrumbList")
    items = data["itemListElement"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    assert all(i["@type"] == "ListItem" for i in items)
    return [(i["name"], i["item"]) for i in items]


def test_breadcrumbs_on_articles_and_lists(prod_site):
    home = ("Home", PROD_SITEURL + "/")
    assert breadcrumbs(prod_site, ARTICLE) == [
        home, ("Trust and Loyalty", f"{PROD_SITEURL}/category/trust-and-loyalty/"),
        ("In Customers We Trust", url_of(ARTICLE))]
    assert breadcrumbs(prod_site, "category/service-culture/index.html") == [
        home, ("Categories", f"{PROD_SITEURL}/categories/"), ("Service Culture", f"{PROD_SITEURL}/category/service-culture/")]
    assert breadcrumbs(prod_site, "tag/travel/index.html") == [
        home, ("Tags", f"{PROD_SITEURL}/tags/"), ("travel", f"{PROD_SITEURL}/tag/travel/")]
    assert breadcrumbs(prod_site, "author/cynthia-kay/index.html") == [
        home, ("Authors", f"{PROD_SITEURL}/authors/"), ("Cynthia Kay", f"{PROD_SITEURL}/author/cynthia-kay/")]
    assert breadcrumbs(prod_site, "archives/2026/index.html") == [
        home, ("Archives", f"{PROD_SITEURL}/archives/"), ("2026", f"{PROD_SITEURL}/archives/2026/")]
    assert breadcrumbs(prod_site, "archives/index.html") == [home, ("Archives", f"{PROD_SITEURL}/archives/")]


def test_website_with_search_action_on_the_home_page(prod_site):
    data = jsonld_of_type(prod_site, "index.html", "WebSite")
    assert data["name"] == "The Extra Mile" and data["url"] == PROD_SITEURL + "/"
    assert data["potentialAction"] == {
        "@type": "SearchAction",
        "target": {"@type": "EntryPoint", "urlTemplate": f"{PROD_SITEURL}/search/?q={{search_term_string}}"},
        "query-input": "required name=search_term_string",
    }


def test_person_on_author_pages(prod_site):
    data = jsonld_of_type(prod_site, "author/ron-kaufman/index.html", "ProfilePage")
    person = data["mainEntity"]
    assert person["@type"] == "Person" and person["name"] == "Ron Kaufman"
    assert person["url"] == f"{PROD_SITEURL}/author/ron-kaufman/"
    assert person["sameAs"] == ["https://www.ronkaufman.com/"]
    assert "Uplifting Service" in person["description"]


# -- Social images ---------------------------------------------------------------
def image_path(site, rel):
    return site.path(meta(site.soup(rel), "og:image")[len(PROD_SITEURL) + 1:])


def test_one_image_per_article_that_draws_its_title(prod_site, tmp_path):
    articles = sorted(p.relative_to(prod_site.output).as_posix() for p in prod_site.output.glob("posts/*/index.html"))
    images = {rel: image_path(prod_site, rel).read_bytes() for rel in articles}
    assert len(set(images.values())) == len(articles) == 5  # a different image per title
    for rel, data in images.items():
        with Image.open(BytesIO(data)) as img:
            assert img.format == "PNG" and img.size == (1200, 630)
        # The file is exactly the drawing of this article's title and byline.
        posting = jsonld_of_type(prod_site, rel, "BlogPosting")
        fields = {"title": posting["headline"], "byline": f"By {posting['author']['name']}",
                  "sitename": "The Extra Mile", "colours": social_images.card_colours({"THEME": str(ROOT / "theme")})}
        assert fresh_render(tmp_path, fields) == data, rel
    assert fresh_render(tmp_path, dict(fields, title=fields["title"] + " (revised)")) != data


def fresh_render(tmp_path, fields):
    return Path(social_images.render_to(str(tmp_path / "fresh.png"), "card", fields)).read_bytes()


@pytest.mark.parametrize("title", [
    "Going (waaaay) Beyond Customer Satisfaction, " * 12,
    "Supercalifragilisticexpialidocious" * 6,
    "Short",
])
def test_long_titles_wrap_and_shrink_inside_the_card(title):
    width = social_images.WIDTH - 2 * social_images.MARGIN
    height = social_images.TITLE_BOTTOM - social_images.TITLE_TOP
    face, size, lines = social_images.fit_title(title, width, height)
    assert all(face.getlength(line) <= width for line in lines)
    assert len(lines) * size * social_images.LINE_HEIGHT <= height
    assert size >= min(social_images.TITLE_SIZES)
    if title == "Short":
        assert size == max(social_images.TITLE_SIZES) and lines == ["Short"]


@pytest.mark.parametrize("raw, printed", [
    ("Plain title", "Plain title"),
    ("  Spaces   inside  ", "Spaces inside"),
    ("Line\u2028break, tab\tand\u00a0no-break", "Line break, tab and no-break"),
    ("Zero\u200bwidth and \x07bell", "Zero width and bell"),
])
def test_card_text_is_one_printable_line(raw, printed):
    # Separators and control characters become spaces; titles without them
    # take the fast path, which must give the same text.
    assert social_images.plain(raw) == printed


def test_images_come_from_the_cache_and_stay_identical(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    first = run_pelican(tmp_path / "one", content=content, extra=cache_override(tmp_path / "cache"))
    cached = sorted((tmp_path / "cache" / "social-images").glob("*.png"))
    assert len(cached) == 5 + 2  # articles, the site card, the logo
    stamps = [p.stat().st_mtime_ns for p in cached]
    second = run_pelican(tmp_path / "two", content=content, extra=cache_override(tmp_path / "cache"))
    assert first.returncode == second.returncode == 0, first.log + second.log
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # nothing drawn again
    one = {p.name: p.read_bytes() for p in (first.output / "social").iterdir()}
    two = {p.name: p.read_bytes() for p in (second.output / "social").iterdir()}
    assert one == two


# -- A hostile title -------------------------------------------------------------
RAW_TITLE = """</script><script>alert(1)</script> "quotes" & 'apostrophes' ]]> {{ x }} <img src=x onerror=alert(2)>"""
# What readers see: the same text with typographic quotes (plugins/typeset).
TITLE = "</script><script>alert(1)</script> \u201cquotes\u201d & \u2018apostrophes\u2019 ]]> {{ x }} <img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "posts" / "hostile.md").write_text(post(
        RAW_TITLE, date="2026-11-10 09:00", extra='Slug: hostile\nSummary: A summary with "quotes" & ]]> in it.\n',
        body="Only this article mentions the xylophonist who kept the shop open."), encoding="utf-8")
    server = StaticServer(tmp / "www")
    site = run_pelican(tmp / "www", conf="publishconf.py", content=content,
                       env={"SITEURL": server.origin, "SUBSCRIBE_PROVIDER": "none"},
                       extra=cache_override(tmp / "cache"))
    assert site.returncode == 0, site.log
    site.url = server.origin
    server.start()
    yield site
    server.stop()


def test_hostile_title_is_text_in_head_and_page(hostile_site):
    rel = "posts/hostile/index.html"
    html = hostile_site.text(rel)
    assert "<script>alert" not in html and "<img src=x" not in html
    soup = hostile_site.soup(rel)
    assert soup.h1.get_text() == TITLE
    assert soup.title.get_text() == f"{TITLE} · The Extra Mile"
    for key in ("og:title", "twitter:title"):
        assert meta(soup, key) == TITLE
    assert meta(soup, "og:image:alt") == f"{TITLE}, by The Editors · The Extra Mile"
    assert meta(soup, "description") == "A summary with \u201cquotes\u201d & ]]> in it."
    archives = hostile_site.soup("archives/index.html")
    assert TITLE in [a.get_text() for a in archives.select(".archive-list a")]


def test_hostile_title_in_jsonld_is_valid_json_with_the_exact_text(hostile_site):
    rel = "posts/hostile/index.html"
    scripts = hostile_site.soup(rel).find_all("script", type="application/ld+json")
    assert len(scripts) == 2
    for script in scripts:
        assert "</" not in script.string and "<script" not in script.string
    assert jsonld_of_type(hostile_site, rel, "BlogPosting")["headline"] == TITLE
    assert breadcrumbs_of(hostile_site, rel)[-1] == TITLE


def breadcrumbs_of(site, rel):
    return [i["name"] for i in jsonld_of_type(site, rel, "BreadcrumbList")["itemListElement"]]


def test_hostile_title_in_sitemap_search_index_and_image(hostile_site):
    entries = sitemap(hostile_site)  # still well-formed XML
    assert f"{hostile_site.url}/posts/hostile/" in entries
    records = []
    for path in (hostile_site.output / "pagefind" / "fragment").glob("*.pf_fragment"):
        records.append(json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):]))
    [record] = [r for r in records if r["url"] == "/posts/hostile/"]
    assert record["meta"]["title"] == TITLE
    with Image.open(image_path_abs(hostile_site, "posts/hostile/index.html")) as img:
        assert img.size == (1200, 630)


def image_path_abs(site, rel):
    return site.path(meta(site.soup(rel), "og:image")[len(site.url) + 1:])


def test_hostile_title_in_search_results_is_text(hostile_site, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site.url + "/search/?q=xylophonist")
    link = page.locator(".search-result__title a")
    link.wait_for()
    assert link.inner_text() == TITLE
    assert page.locator(".search-result img, .search-result script").count() == 0
    excerpt = page.locator(".search-result__excerpt").inner_text()
    assert "<img src=x onerror=alert(2)>" in excerpt  # shown as text
    assert dialogs == [] and page.errors == []
