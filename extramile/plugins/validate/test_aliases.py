"""validate: each bad `Aliases:` entry (and GONE path) is named with its file and line."""

import json

import pytest
from pelican.settings import read_settings

from extramile import ROOT
from extramile.plugins.validate import validate


def post(slug, aliases=None, title="A post"):
    lines = [f"Title: {title}", "Date: 2024-01-02", "Author: The Editors", "Category: Stories", "Tags: one",
             f"Slug: {slug}"]
    if aliases is not None:
        lines.append(f"Aliases: {aliases}")
    return "\n".join(lines + ["Summary: What the post is about.", "", "Text.", ""])


@pytest.fixture
def site(tmp_path):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "pages").mkdir()
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "PATH": str(tmp_path / "content"), "CACHE_PATH": str(tmp_path / "cache"),
        "OUTPUT_PATH": str(tmp_path / "output")})
    return tmp_path / "content" / "posts", settings


def problems_of(settings):
    return [str(p) for p in validate.validate_content(settings)]


def test_good_aliases_pass(site):
    posts, settings = site
    (posts / "new.md").write_text(post("new", "/posts/old/, /posts/older, /2019/01/old.html"))
    assert problems_of(settings) == []


@pytest.mark.parametrize("alias, says", [
    ("https://elsewhere.example/x/", "is not a path on this site: 'https://elsewhere.example/x/' is a full address"),
    ("//elsewhere.example/x/", "is not a path on this site: '//elsewhere.example/x/' is a full address"),
    ("/posts/old/?page=2", "is not a path on this site: '/posts/old/?page=2' has a query"),
    ("/posts/old/#part", "is not a path on this site: '/posts/old/#part' has a query or #fragment"),
    ("posts/old/", "is not a path on this site: 'posts/old/' does not start with /"),
    ("/posts//old/", "is not a path on this site: '/posts//old/' has an empty or '.' part"),
    ("/", "is not a path on this site: '/' is the home page"),
    ("/../old/", "leaves the site: '/../old/' climbs with '..'"),
    ("/posts/../../etc/", "leaves the site: '/posts/../../etc/' climbs with '..'"),
])
def test_a_bad_alias_is_named_with_file_and_line(site, alias, says):
    posts, settings = site
    (posts / "new.md").write_text(post("new", alias))
    (problem,) = problems_of(settings)
    assert problem.startswith(f"content/posts/new.md:7: the alias {says}"), problem


def test_an_alias_on_a_page_that_exists_is_refused(site):
    posts, settings = site
    (posts / "kept.md").write_text(post("kept", title="Kept"))
    (posts / "new.md").write_text(post("new", "/posts/kept"))
    (posts / "self.md").write_text(post("self", "/posts/self/"))
    (posts / "tag.md").write_text(post("tagged", "/tag/one/"))
    assert problems_of(settings) == [
        "content/posts/new.md:7: the old path /posts/kept/ is the address of content/posts/kept.md, which "
        "exists: a redirect there would hide it. Remove it from its Aliases: line.",
        "content/posts/self.md:7: the old path /posts/self/ is this page's own address, which exists: a "
        "redirect there would hide it. Remove it from its Aliases: line.",
        "content/posts/tag.md:7: the old path /tag/one/ is the address of the page of tag 'one', which exists: "
        "a redirect there would hide it. Remove it from its Aliases: line.",
    ]


def test_two_sources_claiming_one_old_path_are_refused(site):
    posts, settings = site
    (posts / "a.md").write_text(post("a", "/posts/old/"))
    (posts / "b.md").write_text(post("b", "/posts/old"))
    assert problems_of(settings) == [
        "content/posts/b.md:7: the old path /posts/old/ is also claimed by content/posts/a.md; one old "
        "address leads to one page. Remove it from one of them."]


def test_gone_paths_are_checked_too(site):
    posts, settings = site
    (posts / "a.md").write_text(post("a", "/posts/old/"))
    settings["GONE"] = ["/posts/old/", "https://example.org/x/", "/posts/a/", "/posts/removed/"]
    assert problems_of(settings) == [
        "pelicanconf.py: the old path /posts/old/ is also claimed by content/posts/a.md; one old address "
        "leads to one page. Remove it from one of them.",
        "pelicanconf.py: GONE: 'https://example.org/x/' is a full address, not a path on this site. Write the "
        "old path on this site, e.g. /posts/old-slug/ (a redirect to another site is not an alias).",
        "pelicanconf.py: the old path /posts/a/ is the address of content/posts/a.md, which exists: a redirect "
        "there would hide it. Remove it from GONE.",
    ]


def deployed(tmp_path, pages):
    path = tmp_path / "last-manifest.json"
    path.write_text(json.dumps({"format": 1, "target": "rsync", "settings": "", "files": {}, "pages": pages}))
    return str(path)


def test_a_published_page_the_build_drops_is_reported_with_its_alias(site, tmp_path):
    posts, settings = site
    (posts / "moving.md").write_text(post("new-slug", title="A moving story"))
    settings["LAST_DEPLOY_MANIFEST"] = deployed(tmp_path, {"posts/old-slug/index.html": {
        "title": "A moving story", "slug": "old-slug", "date": "2024-01-02", "source": "content/posts/moving.md"}})
    warnings = []
    assert validate.validate_content(settings, warnings) == []  # development: a warning
    assert [str(w) for w in warnings] == [
        "content/posts/moving.md:1: its published address /posts/old-slug/ would disappear (the slug or category "
        "changed?). Add the line 'Aliases: /posts/old-slug/' to its header, so the old address leads here."]
    settings["PRODUCTION"] = True  # production builds: an error
    assert [str(p) for p in validate.validate_content(settings)] == [str(w) for w in warnings]
    (posts / "moving.md").write_text(post("new-slug", "/posts/old-slug/", title="A moving story"))
    assert problems_of(settings) == []


def test_a_manifest_without_a_page_list_is_read_from_its_files(site, tmp_path):
    """A manifest written before it listed the pages: its files say which posts were published
    (ARTICLE_SAVE_AS), and the page new since that deploy is the likely new home of one that went."""
    posts, settings = site
    (posts / "kept.md").write_text(post("kept", title="Kept"))
    (posts / "moving.md").write_text(post("new-slug", title="A moving story"))
    old = tmp_path / "old-manifest.json"
    old.write_text(json.dumps({"format": 1, "target": "rsync", "settings": "", "files": {
        "posts/kept/index.html": "1", "posts/old-slug/index.html": "2", "index.html": "3", "style.css": "4"}}))
    settings["LAST_DEPLOY_MANIFEST"] = str(old)
    settings["LAST_DEPLOY_STRICT"] = True  # `invoke check`: an error, as in production
    assert problems_of(settings) == [
        "content/posts/moving.md:1: its published address /posts/old-slug/ would disappear (the slug or category "
        "changed?). Add the line 'Aliases: /posts/old-slug/' to its header, so the old address leads here."]
    (posts / "moving.md").write_text(post("new-slug", "/posts/old-slug/", title="A moving story"))
    assert problems_of(settings) == []


def test_a_damaged_or_foreign_manifest_is_not_read(site, tmp_path):
    posts, settings = site
    (posts / "a.md").write_text(post("a"))
    for text in ("<html>not json</html>", '{"format": 1, "files": [1]}', '{"format": 1, "files": {}, "pages": [1]}'):
        (tmp_path / "m.json").write_text(text)
        settings["LAST_DEPLOY_MANIFEST"] = str(tmp_path / "m.json")
        assert problems_of(settings) == []
