"""Links in readers' replies: http(s) and mailto only, as the docs promise.
A scheme-less address (`//evil.example`) or one a browser rereads as another
site (`/\\evil.example`, `http:/evil.example`, `https:///evil.example`) is
not a link: it becomes its text, in the HTML and in real Chromium."""

import pytest
from support import make_content, post, serve_production_site

from extramile.plugins.replies.rendering import render

SLUG = "a-post"
SNEAKY = ["//evil.example/x", "/\\evil.example/x", "\\\\evil.example/x", "http:/evil.example/x",
          "https:///evil.example/x", "https:\\\\evil.example/x", "HTTPS:evil.example", "/local/page", "#top"]


@pytest.mark.parametrize("href", SNEAKY)
def test_a_link_that_is_not_plainly_http_https_or_mailto_becomes_its_text(href):
    for text in (f"[click]({href})", f'<a href="{href}">click</a>'):
        assert render(text) == "<p>click</p>", text


def test_plain_absolute_links_stay():
    assert render("[a](https://example.org/x?y#z)") == \
        '<p><a href="https://example.org/x?y#z" rel="nofollow ugc noopener">a</a></p>'
    assert 'href="http://example.org"' in render("<a href=http://example.org>b</a>")


def test_in_chromium_a_reply_has_no_link_that_leads_elsewhere_than_http_https(tmp_path, page):
    body = " ".join(f"[link {n}]({href}) <a href='{href}'>tag {n}</a>" for n, href in enumerate(SNEAKY))
    files = {
        f"posts/{SLUG}.md": post(title="A post", extra=f"Slug: {SLUG}\n"),
        f"replies/{SLUG}/2026-11-28-ada.md": f"Author: Ada\nDate: 2026-11-28 09:00\n\n{body} [fine](https://example.org/)\n",
    }
    site = serve_production_site(tmp_path, env={"SUBSCRIBE_PROVIDER": "none", "REPLIES": "none"},
                                 content=make_content(tmp_path, files))
    try:
        page.goto(f"{site.url}/posts/{SLUG}/")
        text = page.locator("#reply-2026-11-28-ada .reply__text")
        assert "link 0" in text.inner_text() and "tag 8" in text.inner_text()
        # As the browser resolves them: only the one plain link is left.
        hrefs = text.locator("a").evaluate_all("links => links.map(a => a.href)")
        assert hrefs == ["https://example.org/"]
    finally:
        site.server.stop()
