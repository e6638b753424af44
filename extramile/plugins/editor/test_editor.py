"""The editor plugin: /admin/ from the site's own definitions, apart from readers' pages."""

import filecmp
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extramile import testing
from extramile.conftest import POST
from extramile.plugins.editor.editor import BUNDLE_DIR, CHECKS_JS, FORMAT_JS, PREVIEW_JS, SLUG_JS

EDITOR = "extramile.plugins.editor"
THEME = "extramile.plugins.theme_context"  # the templates need it
HERE = Path(__file__).parent
DRAFT = """\
Title: A draft in its own category
Date: 2024-03-04
Author: Cynthia Kay
Category: Drafted Things
Tags: unpublished tag
Summary: Not out yet.
Status: draft

Text.
"""


class Head(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.meta, self.scripts, self.links, self.data_blocks = {}, [], [], {}
        self.block = None  # the id of the JSON data block being read
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta[attrs.get("name") or attrs.get("http-equiv")] = attrs.get("content")
        elif tag == "script" and attrs.get("type") == "application/json":
            self.block = attrs["id"]
            self.data_blocks[self.block] = ""
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag == "link":
            self.links.append(attrs)

    def handle_data(self, data):
        if self.block:
            self.data_blocks[self.block] += data

    def handle_endtag(self, tag):
        self.block = None


def posts_with_draft():
    return {"first": POST.format(title="First post", date="2024-01-02", tag="one"),
            "second": POST.format(title="Second post", date="2024-02-03", tag="two"),
            "draft": DRAFT}


def directives(policy):
    return {part.split()[0]: part.split()[1:] for part in policy.split(";")}


def test_admin_page_has_noindex_its_own_policy_and_our_copy_of_the_bundle(tiny_build):
    admin = tiny_build([THEME, EDITOR]) / "admin"
    head = Head((admin / "index.html").read_text(encoding="utf-8"))
    assert head.meta["robots"] == "noindex, nofollow"
    policy = directives(head.meta["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-eval'"]
    assert policy["connect-src"] == ["'self'", "blob:", "http://127.0.0.1:8081"]  # decap-server, nothing else
    bundle, format_js, preview_js, slug_js, checks_js = (script["src"] for script in head.scripts)
    assert filecmp.cmp(admin / bundle, BUNDLE_DIR / "decap-cms.js", shallow=False)
    for copy, ours in ((format_js, FORMAT_JS), (preview_js, PREVIEW_JS), (slug_js, SLUG_JS), (checks_js, CHECKS_JS)):
        assert filecmp.cmp(admin / copy, ours, shallow=False)
    site = json.loads(head.data_blocks["editor-site"])
    assert set(site["messages"]) == {"cover", "picture", "tags", "pixels"}
    assert site["taken"] and all(message.startswith("the slug ") for message in site["taken"].values())
    assert site["backend"] == {"kind": "proxy", "url": "http://127.0.0.1:8081/api/v1", "branch": "master"}  # re-read before a save
    assert (admin / head.scripts[2]["data-style"]).read_bytes().startswith(b"/*")  # the theme's stylesheet
    chunks = {p.name for p in (admin / bundle).parent.iterdir()}
    assert {"decap-cms.js", "decap-cms.js.LICENSE.txt"} <= chunks
    assert not [name for name in chunks if name.endswith(".map") or name.startswith("cms.")]
    assert all(re.fullmatch(r"[^:]+", script["src"]) for script in head.scripts)  # same origin, relative
    assert {"rel": "cms-config-url", "href": "config.yml", "type": "text/yaml"} in head.links
    (icon,) = [link["href"] for link in head.links if link["rel"] == "icon"]
    assert (admin / icon).is_file()  # the site's own favicon


def test_readers_pages_are_the_same_bytes_with_or_without_the_editor(tiny_build, tmp_path):
    without, with_editor = tmp_path / "without", tmp_path / "with"
    tiny_build([THEME], OUTPUT_PATH=str(without))
    tiny_build([THEME, EDITOR], OUTPUT_PATH=str(with_editor))
    shutil.rmtree(with_editor / "admin")
    compared = filecmp.dircmp(without, with_editor)
    differing = []

    def walk(cmp, prefix=""):
        differing.extend(prefix + name for name in cmp.left_only + cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        differing.extend(prefix + name for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(compared)
    assert (without / "index.html").exists()
    assert differing == []


def test_forms_come_from_the_site_definitions(tiny_build):
    output = tiny_build([THEME, EDITOR], posts=posts_with_draft())
    config = json.loads((output / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert config["backend"] == {"name": "proxy", "proxy_url": "http://127.0.0.1:8081/api/v1"}
    (posts,) = config["collections"]
    assert (posts["folder"], posts["format"], posts["extension"]) == ("content/posts", "pelican-md", "md")
    assert config["media_folder"] == "content/images"
    fields = {field["name"]: field for field in posts["fields"]}
    assert fields["author"]["options"] == ["The Editors", "Cynthia Kay", "Ron Kaufman"]  # AUTHORS_INFO
    assert fields["category"]["options"] == ["Drafted Things", "Stories"]  # the draft's too
    assert fields["tags"]["options"] == ["one", "service", "two", "unpublished tag"]
    assert fields["tags"]["multiple"]  # at least one in all, with new_tags: checks.js, in validate's words
    assert fields["new_tags"]["widget"] == "string"  # tags not used yet
    assert fields["status"]["options"] == ["draft", "published"]
    assert fields["body"]["modes"] == ["raw"]  # saved as typed, never re-serialised
    required = [name for name, field in fields.items() if field.get("required", True)]
    assert required == ["title", "date", "author", "category", "summary", "status", "body"]
    assert posts["slug"] == "{{fields.slug}}"  # the file is named by the Slug checks.js gives a new post
    assert fields["date"]["format"] == "YYYY-MM-DD HH:mm"  # a Date validate accepts


def test_production_writes_no_editor_without_a_git_host(tiny_build):
    output = tiny_build([THEME, EDITOR], conf="publishconf.py", SITEURL="https://example.org")
    assert (output / "index.html").exists()
    assert not (output / "admin").exists()


def test_production_editor_talks_to_the_git_host_only(tiny_build):
    backend = {"name": "github", "repo": "owner/blog", "branch": "main"}
    output = tiny_build([THEME, EDITOR], conf="publishconf.py", SITEURL="https://example.org", EDITOR_BACKEND=backend)
    config = json.loads((output / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert config["backend"] == backend
    head = Head((output / "admin" / "index.html").read_text(encoding="utf-8"))
    assert directives(head.meta["Content-Security-Policy"])["connect-src"] == ["'self'", "blob:", "https://api.github.com"]
    # Before a save, checks.js reads the post again through GitHub's contents API (draft branch first).
    assert json.loads(head.data_blocks["editor-site"])["backend"] == {
        "kind": "contents", "url": "https://api.github.com/repos/owner/blog/contents/", "branch": "main",
        "drafts": "cms"}


def test_production_without_the_bundle_stops_instead_of_publishing_no_editor(tiny_build, tmp_path, monkeypatch):
    monkeypatch.setattr("extramile.plugins.editor.editor.BUNDLE_DIR", tmp_path / "no_node_modules")
    backend = {"name": "github", "repo": "owner/blog", "branch": "main"}
    with pytest.raises(SystemExit, match=r"^Build stopped: EDITOR_BACKEND is set but .*no_node_modules.* run `npm ci`"):
        tiny_build([THEME, EDITOR], conf="publishconf.py", SITEURL="https://example.org", EDITOR_BACKEND=backend)


def test_file_format_round_trips_in_node():
    """format.js against the real posts (test_format.mjs, node's own test runner)."""
    node = testing.node()
    run = subprocess.run([node, "--test", str(HERE / "test_format.mjs")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"^# fail 0$", run.stdout, re.M)


def test_a_kept_output_folder_gets_the_bundle_once(tiny_build):
    output = tiny_build([THEME, EDITOR])
    bundle = next((output / "admin").glob("decap-cms-*"))
    first = (bundle / "decap-cms.js").stat()
    tiny_build([THEME, EDITOR])
    again = (bundle / "decap-cms.js").stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert sorted(p.name for p in (output / "admin").glob("decap-cms-*")) == [bundle.name]
