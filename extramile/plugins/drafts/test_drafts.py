"""drafts: a tag used only by drafts leaves no page and no feed, with
related_posts listed before or after this plugin."""

import pytest

from extramile.conftest import POST


@pytest.mark.parametrize("plugins", [
    ["pelican.plugins.related_posts", "extramile.plugins.drafts"],
    ["extramile.plugins.drafts", "pelican.plugins.related_posts"],
])
def test_a_draft_only_tag_gets_no_page_or_feed(tiny_build, plugins):
    posts = {"first": POST.format(title="First post", date="2024-01-02", tag="one"),
             "draft": POST.format(title="A draft", date="2024-03-04", tag="secret").replace(
                 "Summary:", "Status: draft\nSummary:")}
    output = tiny_build(["extramile.plugins.theme_context", *plugins], posts=posts)
    assert (output / "drafts" / "a-draft" / "index.html").exists()
    assert (output / "tag" / "one" / "index.html").exists()
    assert not (output / "tag" / "secret").exists()
    assert not list((output / "feeds").rglob("*secret*"))
