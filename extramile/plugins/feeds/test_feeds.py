"""feeds: absolute links, RSS with content and updated dates, a stylesheet
instruction, and a JSON Feed: from a tiny in-process build."""

import json
import xml.etree.ElementTree as ET

import pytest

from extramile.plugins.feeds import feeds

PLUGINS = ["extramile.plugins.theme_context", "extramile.plugins.feeds"]
SITE = "https://example.org/blog"


def test_relative_links_are_resolved_against_the_article():
    html = '<a href="../other/">x</a> <img src="pic.png"> <a href="https://a.b/">y</a>'
    assert feeds.absolute_links(html, "https://example.org/posts/one/") == (
        '<a href="https://example.org/posts/other/">x</a> <img src="https://example.org/posts/one/pic.png"> '
        '<a href="https://a.b/">y</a>')


@pytest.fixture
def output(tiny_build):
    return tiny_build(PLUGINS, SITEURL=SITE, FEED_DOMAIN=SITE)


def test_rss_items_carry_summary_content_and_updated_date(output):
    text = (output / "feeds" / "all.rss.xml").read_text()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?xml-stylesheet ')
    item = ET.fromstring(text).find("channel/item")
    assert item.findtext("description").startswith("A short summary of Second post")
    content = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert f'href="{SITE}/posts/other/"' in content  # the relative link, resolved
    assert item.findtext("{http://www.w3.org/2005/Atom}updated").startswith("2024-02-03T00:00:00")


def test_atom_has_the_stylesheet_and_absolute_links(output):
    text = (output / "feeds" / "all.atom.xml").read_text()
    assert '<?xml-stylesheet href="../theme/css/feed.' in text and 'type="text/css"' in text
    assert f'&lt;a href="{SITE}/posts/other/"' in text


def test_the_json_feed_lists_every_article(output):
    feed = json.loads((output / "feeds" / "all.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == f"{SITE}/feeds/all.json"
    assert [item["title"] for item in feed["items"]] == ["Second post", "First post"]
    assert feed["items"][0]["url"] == f"{SITE}/posts/second-post/"
    assert f'href="{SITE}/posts/other/"' in feed["items"][0]["content_html"]
