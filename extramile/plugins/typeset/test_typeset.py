"""typeset: titles become smart plain text, kept in the content cache with the post."""

import pytest
from markupsafe import Markup

from extramile.plugins.typeset import typeset


def test_titles_get_typographic_characters_and_stay_text():
    text = typeset.plain_text('"Quotes" -- and <b>tags</b>...')
    assert isinstance(text, Markup)
    assert str(text) == "\u201cQuotes\u201d \u2014 and &lt;b&gt;tags&lt;/b&gt;\u2026"
    assert text.striptags() == "\u201cQuotes\u201d \u2014 and <b>tags</b>\u2026"


def test_outside_links_get_noopener_once():
    html = '<a href="https://example.org/">x</a> <a href="/local/">y</a> <a rel="me" href="https://a.b/">z</a>'
    assert typeset.mark_external_links(html) == (
        '<a rel="noopener" href="https://example.org/">x</a> <a href="/local/">y</a> '
        '<a rel="me" href="https://a.b/">z</a>')


def test_a_build_typesets_titles_and_bodies(tiny_build):
    post = """\
    Title: Don't "panic"
    Date: 2024-01-02
    Author: The Editors
    Category: Stories
    Tags: one

    It's -- "typeset".
    """
    output = tiny_build(["extramile.plugins.theme_context", "extramile.plugins.typeset"], posts={"p": post})
    html = (output / "posts" / "dont-panic" / "index.html").read_text()
    assert "<title>Don\u2019t \u201cpanic\u201d" in html
    assert "It&#8217;s &#8212;&nbsp;&#8220;typeset&#8221;." in html  # typogrify: no widow dash


def test_an_unchanged_posts_typeset_title_comes_from_the_content_cache(tiny_build, monkeypatch):
    plugins = ["extramile.plugins.theme_context", "extramile.plugins.typeset"]
    tiny_build(plugins)
    monkeypatch.setattr(typeset, "plain_text", lambda raw: pytest.fail(f"typeset again: {raw}"))
    html = (tiny_build(plugins) / "posts" / "first-post" / "index.html").read_text()
    assert "<title>First post" in html
