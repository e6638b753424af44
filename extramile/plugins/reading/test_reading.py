"""Fast in-process tests of plugins/reading (the built site: tests/test_reading.py)."""

from extramile.plugins.reading.sections import article_body, plain
from extramile.plugins.reading.sharing import edit_url, fediverse, share_links

HTML = ('<p>Intro.</p>\n<h2 id="one">One &amp; <span class="caps">ONLY</span></h2>\n<p>a</p>\n'
        '<h3 id="sub">Sub&nbsp;part</h3>\n<h2 id="two">Two</h2>\n<h4 id="deep">Deep</h4>\n<h2 id="three">Three</h2>')


def test_intro_contents_and_links():
    body = article_body(HTML)
    assert body.intro == "<p>Intro.</p>\n"
    assert [(s.id, s.text, [c.text for c in s.children]) for s in body.contents] == [
        ("one", "One & ONLY", ["Sub part"]), ("two", "Two", []), ("three", "Three", [])]
    assert body.rest.count('class="section-link"') == 5  # h2, h3 and h4
    assert ('<span class="visually-hidden">Link to this section: One &amp; ONLY</span>' in body.rest)
    assert '<h2 id="one">One &amp; <span class="caps">ONLY</span></h2>' in body.rest


def test_contents_threshold_and_forcing():
    two = '<p>i</p><h2 id="a">A</h2><h2 id="b">B</h2>'
    assert article_body(two).contents == []
    assert len(article_body(two, "yes").contents) == 2
    assert article_body(HTML, "no").contents == []
    assert article_body(two, None, minimum=2).contents
    plain_body = article_body("<p>No headings.</p>", "yes")
    assert (plain_body.intro, plain_body.rest, plain_body.contents) == ("<p>No headings.</p>", "", [])


def test_plain_heading_text():
    assert plain('Make it&nbsp;<em>Personal</em> &#8217;') == "Make it Personal \u2019"


def test_fediverse_handles():
    assert fediverse("@writer@social.example") == ("@writer@social.example", "https://social.example/@writer")
    for bad in (None, "", "writer@social.example", "@w@host", '@a@b.c"><script>', "https://social.example/@w"):
        assert fediverse(bad) is None, bad


def test_share_links_and_edit_url():
    links = dict(share_links("A & B", "https://e.org/p/"))
    assert links["Email"] == "mailto:?subject=A%20%26%20B&body=https%3A%2F%2Fe.org%2Fp%2F"
    assert links["Bluesky"] == "https://bsky.app/intent/compose?text=A%20%26%20B%20https%3A%2F%2Fe.org%2Fp%2F"
    assert links["LinkedIn"] == "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fe.org%2Fp%2F"
    assert edit_url("https://git.example/edit/main/content/{path}", "posts/a b.md") == \
        "https://git.example/edit/main/content/posts/a%20b.md"
    assert edit_url(None, "posts/a.md") is None
