"""The theme's markup on every page of the built site: structure a screen
reader relies on, and no request to another site."""

import re

import pytest
from support import PROD_SITEURL


def html_pages(site):
    return sorted(p.relative_to(site.output).as_posix() for p in site.output.rglob("*.html"))


def test_every_page_has_one_h1_lang_landmarks_and_skip_link(prod_site):
    pages = html_pages(prod_site)
    assert len(pages) > 25
    for rel in pages:
        soup = prod_site.soup(rel)
        assert len(soup.find_all("h1")) == 1, rel
        assert soup.html.get("lang") == "en", rel
        assert soup.find("main", id="main"), rel
        assert soup.find("header") and soup.find("footer") and soup.find("nav"), rel
        skip = soup.find("a", class_="skip-link")
        assert skip and skip["href"] == "#main", rel
        assert soup.title and soup.title.get_text().strip(), rel


def test_no_request_leaves_the_site(prod_site):
    """Only links (<a href>) and the form's action may point elsewhere."""
    for rel in html_pages(prod_site):
        soup = prod_site.soup(rel)
        for tag, attr in (("link", "href"), ("script", "src"), ("img", "src"), ("iframe", "src"),
                          ("source", "src"), ("video", "src"), ("audio", "src")):
            for el in soup.find_all(tag):
                url = el.get(attr)
                if not url or (tag == "link" and el.get("rel") in (["canonical"], ["alternate"])):
                    continue
                assert url.startswith(PROD_SITEURL + "/") or url.startswith("data:"), (rel, tag, url)
    css = next((prod_site.output / "theme" / "css").glob("style.*.css")).read_text()
    assert not re.search(r"url\((?!['\"]?data:)", css) and "@import" not in css


def test_favicon_is_an_svg_linked_from_every_page(prod_site):
    soup = prod_site.soup("index.html")
    icon = soup.find("link", rel="icon")
    assert icon["type"] == "image/svg+xml"
    rel = icon["href"][len(PROD_SITEURL) + 1:]
    assert prod_site.text(rel).startswith("<svg")


def test_list_pages_show_summaries_not_bodies(prod_site):
    home = prod_site.soup("index.html")
    cards = home.select(".post-card")
    assert len(cards) == 4 and home.select_one(".pagination a[rel=next]")
    for card in cards:
        assert card.select_one("time[datetime]") and card.select_one("a[rel=author]")
        assert "min read" in card.get_text()
        assert len(card.select_one(".post-card__summary").get_text()) < 400
    assert prod_site.soup("page/2/index.html").select(".post-card")


@pytest.mark.parametrize("rel,heading", [("categories/index.html", "Categories"),
                                         ("tags/index.html", "Tags"),
                                         ("authors/index.html", "Authors")])
def test_indexes_list_every_term_with_counts(prod_site, rel, heading):
    soup = prod_site.soup(rel)
    assert soup.h1.get_text() == heading
    items = soup.select(".term-index li")
    assert items and all(re.search(r"\d+ articles?", li.get_text()) for li in items)
