"""The speedups plugin changes how fast the site builds, never what it builds:
with and without it (parallel reading and rendering), every file of the
production and development builds has the same bytes, cold and after editing
one post."""

import hashlib
import os
import re
import sys

import jinja2
import pytest

from conftest import PROD_SITEURL, ROOT, run_pelican

sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402
import pelicanconf  # noqa: E402

PROD_ENV = {"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "generic",
            "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"}
FAST = ["SPEEDUPS=true", "SPEEDUPS_MIN_FILES=1"]  # parallel even for the five real posts
SLOW = ["SPEEDUPS=false"]


def digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(tmp_path, name, switches, content=None, conf="publishconf.py"):
    cache = tmp_path / f"cache-{name}"
    result = run_pelican(tmp_path / name, conf=conf, env=PROD_ENV, content=content,
                         extra=["-e", f'CACHE_PATH="{cache}"', *switches])
    assert result.returncode == 0, result.log
    return result


def assert_same(fast, slow):
    mine, theirs = digests(fast.output), digests(slow.output)
    assert len(mine) > 50
    assert sorted(mine) == sorted(theirs)
    assert [rel for rel in mine if mine[rel] != theirs[rel]] == []


@pytest.mark.parametrize("conf", ["publishconf.py", "pelicanconf.py"])
def test_real_site_is_byte_identical_with_and_without_speedups(tmp_path, conf):
    fast = build(tmp_path, "fast", FAST + ["-v"], conf=conf)
    assert "speedups: read 5 of 5 files" in fast.log  # the parallel paths really ran
    assert "speedups: rendered" in fast.log
    assert_same(fast, build(tmp_path, "slow", SLOW, conf=conf))


@pytest.mark.parametrize("conf", ["publishconf.py", "pelicanconf.py"])
def test_synthetic_corpus_cold_and_after_an_edit(tmp_path, conf):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    authors = list(pelicanconf.AUTHORS_INFO)
    for number, (slug, meta, text) in enumerate(corpus.posts(40, authors)):
        if number in (3, 4):  # a draft and a hidden post: written in development, not in production
            meta["Status"] = "draft" if number == 3 else "hidden"
        (posts / f"{slug}.md").write_text(corpus.pelican_text(meta, text), encoding="utf-8")
    content = tmp_path / "content"
    fast = build(tmp_path, "fast", FAST + ["-v"], content=content, conf=conf)
    assert "speedups: read 40 of 40 files" in fast.log
    assert "speedups: rendered" in fast.log
    assert (fast.output / "drafts").is_dir() == (conf == "pelicanconf.py")
    assert_same(fast, build(tmp_path, "slow", SLOW, content=content, conf=conf))

    edited = sorted(posts.iterdir())[20]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence, *edited*.\n", encoding="utf-8")
    fast = build(tmp_path, "fast", FAST + ["-v"], content=content, conf=conf)  # warm cache, one file to read
    assert "speedups: read 1 of 1 files" in fast.log
    if conf == "publishconf.py":  # precompress: the unchanged files' .gz come from the cache
        assert re.search(r"speedups: [1-9]\d* of \d+ compressed copies", fast.log)  # "reused" may wrap
    assert_same(fast, build(tmp_path, "slow", SLOW, content=content, conf=conf))


# -- The render helper: whatever goes wrong in it, the main process's pages are right.
sys.path.insert(0, str(ROOT / "plugins"))
from speedups.speedups import RenderSplit  # noqa: E402


def render_all(template, helper_does=None):
    split = RenderSplit().start()
    if split.outbox and helper_does:
        helper_does(template)
    pages = [template.render({"n": i, "output_file": f"{i}.html"}) for i in range(8)]
    split.finish()  # in the helper: exits here
    return pages, split


def test_pages_rendered_by_the_helper_are_the_same():
    template = jinja2.Environment().from_string("page {{ n }} at {{ output_file }}")
    pages, split = render_all(template)
    assert pages == [f"page {i} at {i}.html" for i in range(8)]
    assert split.helper is None and jinja2.Template.render is split.original_render


def test_a_helper_that_dies_or_gets_out_of_step_is_replaced_by_the_main_process():
    template = jinja2.Environment().from_string("page {{ n }}")
    expected = [f"page {i}" for i in range(8)]
    assert render_all(template, helper_does=lambda t: os._exit(3))[0] == expected
    # One render more in the helper: every key it sends is one position off.
    assert render_all(template, helper_does=lambda t: t.render({"n": "x", "output_file": "x.html"}))[0] == expected
