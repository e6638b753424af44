"""The five seed articles, as readers get them: whole, clean, honestly credited."""

import re
import unicodedata
from datetime import date

import feedparser
import pytest
from support import PROD_SITEURL, ROOT

SEEDS = ROOT / "tests" / "seeds"

# What each article must be: its source, title, byline, category and tags.
ARTICLES = {
    "yes-were-closed-but-come-on-in": {
        "seed": "000_2bb10d9d122856e4.txt",
        "title": "\u201cOh, don\u2019t go. Yes, we\u2019re \u2018closed\u2019 but come on in!\u201d",
        "author": "The Editors",
        "category": "Going the Extra Mile",
        "tags": ["customer experience", "extra mile", "after hours", "employees"],
        "date": date(2026, 11, 2),
    },
    "customer-service-in-every-small-interaction": {
        "seed": "001_b3cab031ab2aeaf9.txt",
        "title": "Great Customer Service Comes Down to Every Small Interaction",
        "author": "Cynthia Kay",
        "category": "Service Culture",
        "tags": ["customer experience", "personal touch", "training", "hospitality", "travel", "small business"],
        "date": date(2026, 11, 5),
    },
    "in-customers-we-trust": {
        "seed": "002_72782e68053d919d.txt",
        "title": "In Customers We Trust",
        "author": "Ron Kaufman",
        "category": "Trust and Loyalty",
        "tags": ["trust", "customer experience", "after hours", "travel", "loyalty"],
        "date": date(2026, 11, 9),
    },
    "a-challenge-to-give-exceptional-service": {
        "seed": "003_d1a7faf661ef35e0.txt",
        "title": "A Challenge: Give One Customer Exceptional Service",
        "author": "The Editors",
        "category": "Going the Extra Mile",
        "tags": ["extra mile", "travel", "small business", "customer relationships"],
        "date": date(2026, 11, 12),
    },
    "going-way-beyond-customer-satisfaction": {
        "seed": "004_3ffeb967223228e9.txt",
        "title": "Going (waaaay) Beyond Customer Satisfaction",
        "author": "The Editors",
        "category": "Trust and Loyalty",
        "tags": ["customer success", "loyalty", "employees", "personal touch", "customer relationships"],
        "date": date(2026, 11, 16),
    },
}

# Scrape debris: lines of the seeds that are not part of any article.
DEBRIS = {
    "001_b3cab031ab2aeaf9.txt": ["Follow The Blog", "Email *", "Subscribe to Syndicate", "Blog Categories", "Blog Authors"],
    "002_72782e68053d919d.txt": ["—" * 20],
    "004_3ffeb967223228e9.txt": ["Customer Service is Key", "Leave a Reply"],
}
# Seeds whose first line is the article's title (shown as the page's h1).
TITLED = {"000_2bb10d9d122856e4.txt", "004_3ffeb967223228e9.txt"}


def tokens(text):
    """Words and punctuation, ignoring only typography (quotes, spaces, dashes)."""
    text = unicodedata.normalize("NFKC", text)
    for fancy, plain in {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u00a0": " ", "\u2026": "...", "\u2013": "-"}.items():
        text = text.replace(fancy, plain)
    return re.findall(r"\w+|[^\w\s]", text)


def seed_article(name):
    lines = [line.strip() for line in (SEEDS / name).read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    if name in TITLED:
        lines = lines[1:]
    debris = DEBRIS.get(name, [])
    lines = [line for line in lines if not any(line.startswith(d) for d in debris)]
    # "1. ..." lines become an ordered list, whose numbers are markup, not text.
    lines = [re.sub(r"^\d+\.\s+", "", line) for line in lines]
    return "\n".join(lines)


def body(site, slug):
    """The article's text: without the contents and section links the theme adds (plugins/reading)."""
    found = site.soup(f"posts/{slug}/index.html").select_one(".post__body")
    for added in found.select("nav.toc, .section-link"):
        added.decompose()
    return found


@pytest.mark.parametrize("slug", ARTICLES)
def test_article_text_is_whole_and_in_order(dev_site, slug):
    expected = tokens(seed_article(ARTICLES[slug]["seed"]))
    got = tokens(body(dev_site, slug).get_text(" "))
    assert got == expected


@pytest.mark.parametrize("slug", ARTICLES)
def test_no_scrape_debris(dev_site, slug):
    text = body(dev_site, slug).get_text("\n")
    for debris in ["Follow The Blog", "Email *", "Subscribe to Syndicate", "Blog Categories",
                   "Blog Authors", "Customer Service is Key", "Leave a Reply", "———"]:
        assert debris not in text


@pytest.mark.parametrize("slug", ARTICLES)
def test_title_byline_category_tags_date(dev_site, slug):
    want = ARTICLES[slug]
    soup = dev_site.soup(f"posts/{slug}/index.html")
    assert [h.get_text() for h in soup.find_all("h1")] == [want["title"]]
    assert soup.title.get_text() == f"{want['title']} · The Extra Mile"
    author = soup.select_one(".post__header a[rel=author]")
    assert author.get_text() == want["author"]
    assert author["href"].endswith(f"author/{want['author'].lower().replace(' ', '-')}/")
    assert soup.select_one(".post-meta a[href*='category/']").get_text() == want["category"]
    assert [a.get_text() for a in soup.select(".tag-list a")] == want["tags"]
    assert 3 <= len(want["tags"]) <= 6
    assert soup.select_one(".post-meta time")["datetime"].startswith(want["date"].isoformat())


def test_seed_titles_are_kept(dev_site):
    for want in ARTICLES.values():
        if want["seed"] in TITLED:
            first_line = (SEEDS / want["seed"]).read_text(encoding="utf-8").splitlines()[0]
            assert tokens(first_line) == tokens(want["title"])


def test_dates_are_not_in_the_future():
    for want in ARTICLES.values():
        assert want["date"] <= date(2026, 11, 22)


def test_structure_restored(dev_site):
    headings = [tokens(h.get_text()) for h in body(dev_site, "customer-service-in-every-small-interaction").find_all("h2")]
    assert headings == [tokens(t) for t in ["Make it Personal", "Training is Critical", "Do the Unexpected"]]
    trust = body(dev_site, "in-customers-we-trust")
    assert [tokens(h.get_text()) for h in trust.find_all("h2")] == [
        tokens("Key Learning Point To Improve Customer Experience"),
        tokens("Action Steps To Improve Customer Experience"),
    ]
    assert tokens(trust.find("blockquote").get_text()) == tokens("\u201cIn customers we trust\u201d")
    items = body(dev_site, "a-challenge-to-give-exceptional-service").select("ol > li")
    assert len(items) == 3
    assert tokens(items[2].get_text()) == tokens("Plan ahead and go do it.")


def test_reprint_statement_with_active_link(dev_site):
    notice = body(dev_site, "in-customers-we-trust").select_one(".reprint-notice")
    assert "Copyright, Ron Kaufman. Used with permission." in notice.get_text()
    link = notice.find("a", href=True)
    assert link["href"] == "https://www.ronkaufman.com/"
    assert link.get_text() == "www.RonKaufman.com"


def test_every_article_has_a_summary_and_three_categories_exist(dev_site):
    soup = dev_site.soup("index.html")
    assert len(soup.select("p.post-card__summary")) == 4  # page 1 of 2
    categories = {want["category"] for want in ARTICLES.values()}
    assert len(categories) >= 3
    listed = [a.get_text() for a in dev_site.soup("categories/index.html").select(".term-index a")]
    assert sorted(listed) == sorted(categories)


def test_shared_tags_group_articles(dev_site):
    soup = dev_site.soup("tag/customer-experience/index.html")
    titles = [a.get_text() for a in soup.select(".post-card__title a")]
    assert len(titles) == 3


def test_author_pages_state_only_what_is_known(dev_site):
    editors = dev_site.soup("author/the-editors/index.html").select_one(".author-bio").get_text()
    assert "original authors are not named" in editors
    kay = dev_site.soup("author/cynthia-kay/index.html").select_one(".author-bio").get_text()
    assert "Small Business for Big Thinkers" in kay and "Career Press, 2013" in kay
    kaufman = dev_site.soup("author/ron-kaufman/index.html")
    assert kaufman.select_one("a[href='https://www.ronkaufman.com/']")


@pytest.mark.parametrize("slug", ARTICLES)
def test_blogposting_jsonld(prod_site, slug):
    want = ARTICLES[slug]
    items = []
    for block in prod_site.jsonld(f"posts/{slug}/index.html"):
        items += block.get("@graph", [block])
    [data] = [item for item in items if item["@type"] == "BlogPosting"]
    assert data["headline"] == want["title"]
    assert data["author"] == {"@type": "Person", "name": want["author"],
                              "url": f"{PROD_SITEURL}/author/{want['author'].lower().replace(' ', '-')}/"}
    assert data["datePublished"].startswith(want["date"].isoformat())
    assert data["dateModified"].startswith(want["date"].isoformat())
    assert data["articleSection"] == want["category"]
    assert data["keywords"] == want["tags"]
    assert len(data["description"]) > 40


def test_typography_applied_to_bodies_only(prod_site):
    page = prod_site.text("posts/yes-were-closed-but-come-on-in/index.html")
    body_html = page.split('class="post__body prose">', 1)[1]
    assert "&#8220;" in body_html or "\u201c" in body_html  # curly quotes in the text
    head = page.split("</head>", 1)[0]
    assert "<span" not in head and "&amp;#" not in head and "&#8220;" not in head
    feed = prod_site.text("feeds/all.atom.xml")
    for title in re.findall(r"<title[^>]*>(.*?)</title>", feed):
        assert "span" not in title and "&amp;#" not in title


def test_site_atom_feed_has_every_article_in_full(prod_site):
    feed = feedparser.parse(prod_site.text("feeds/all.atom.xml"))
    assert not feed.bozo, feed.bozo_exception
    by_link = {e.link: e for e in feed.entries}
    for slug, want in ARTICLES.items():
        entry = by_link[f"{PROD_SITEURL}/posts/{slug}/"]
        assert entry.title == want["title"]
        assert entry.author == want["author"]
        html = entry.content[0].value
        text = re.sub(r"<[^>]+>", " ", html)
        import html as html_lib
        assert tokens(html_lib.unescape(text)) == tokens(seed_article(want["seed"]))
