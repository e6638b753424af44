"""Builds an author can trust: a failed build keeps the last good site, two
builds of one commit are byte-identical, drafts and future posts stay private."""

import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest
from invoke import Exit
from support import (
    GOOD,
    PROD_ENV,
    ROOT,
    cache_override,
    digests,
    make_content,
    post,
    run_pelican,
    snapshot,
    task_context,
)

import tasks


def test_failed_build_leaves_previous_output_exactly_as_it_was(tmp_path):
    output = tmp_path / "site" / "output"
    (output / "posts" / "old").mkdir(parents=True)
    (output / "index.html").write_text("the last good site")
    (output / "posts" / "old" / "index.html").write_text("an old post")
    before = snapshot(output)
    bad = make_content(tmp_path / "bad", {"posts/good.md": GOOD, "posts/bad.md": post(date="someday")})

    with pytest.raises(Exit) as failed:
        tasks.build_into_place(task_context(), tasks.DEV_CONF, output=output, content=bad,
                               extra=cache_override(tmp_path / "cache"))
    assert "Build failed: output/ was left as it was." in str(failed.value.message)
    assert snapshot(output) == before
    assert [p.name for p in output.parent.iterdir()] == ["output"]  # no half-built folder left

    # An error Pelican itself only logs, exiting 0 (here a plugin that cannot load), fails it too.
    good = make_content(tmp_path / "good", {"posts/good.md": GOOD})
    plugins = json.dumps([*tasks.SETTINGS["PLUGINS"], "no_such_plugin"])
    with pytest.raises(Exit):
        tasks.build_into_place(task_context(), tasks.DEV_CONF, output=output, content=good,
                               extra=[*cache_override(tmp_path / "cache"), "-e", f"PLUGINS={plugins}"])
    assert snapshot(output) == before

    tasks.build_into_place(task_context(), tasks.DEV_CONF, output=output, content=good,
                           extra=cache_override(tmp_path / "cache"))
    assert (output / "posts/a-good-post/index.html").exists()
    assert not (output / "posts/old").exists()
    assert [p.name for p in output.parent.iterdir()] == ["output"]
    assert output.stat().st_mode & 0o755 == 0o755  # readable by a web server


def test_two_builds_of_one_commit_are_byte_identical(tmp_path):
    # Each in a new interpreter with its own hash seed, as two runs on two machines.
    first = run_pelican(tmp_path / "one", conf="publishconf.py", env={**PROD_ENV, "PYTHONHASHSEED": "1"},
                        extra=cache_override(tmp_path / "cache1"))
    second = run_pelican(tmp_path / "two", conf="publishconf.py", env={**PROD_ENV, "PYTHONHASHSEED": "2"},
                         extra=cache_override(tmp_path / "cache2"))
    # ...and a rebuild from a warm content cache gives the same bytes too.
    warm = run_pelican(tmp_path / "three", conf="publishconf.py", env={**PROD_ENV, "PYTHONHASHSEED": "3"},
                       extra=cache_override(tmp_path / "cache1"))
    for build in (first, second, warm):
        assert build.returncode == 0, build.log
    one = digests(first.output)
    assert len(one) > 50
    for other in (second, warm):
        theirs = digests(other.output)
        assert theirs.keys() == one.keys()
        assert [rel for rel in one if one[rel] != theirs[rel]] == []


# -- Drafts and future-dated posts -------------------------------------------

PRIVATE = {
    "posts/good.md": GOOD,
    "posts/draft.md": post(title="Secret draft zebra", tags="zebra tag", category="Zebra Category",
                           extra="Status: draft\nSummary: Draft summary.\n"),
    "posts/future.md": post(title="Future post okapi", date="2099-01-01 09:00", tags="okapi tag",
                            category="Okapi Category", extra="Summary: Future summary.\n"),
}


def all_text(folder):
    """Every output file as text, gzip-compressed ones (search index, .gz) unpacked."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            yield path.relative_to(folder), data.decode("utf-8", errors="replace")


def test_drafts_and_future_posts_never_reach_production(tmp_path):
    content = make_content(tmp_path, PRIVATE)
    build = run_pelican(tmp_path / "out", conf="publishconf.py", content=content, env=PROD_ENV,
                        extra=cache_override(tmp_path / "cache"))
    assert build.returncode == 0, build.log
    assert (build.output / "posts/a-good-post/index.html").exists()
    assert not (build.output / "drafts").exists()
    leaks = [f"{rel}: {word}" for rel, text in all_text(build.output)
             for word in ("zebra", "Zebra", "okapi", "Okapi") if word in text]
    assert leaks == []  # no page, feed, sitemap, search entry, category or tag


def test_drafts_show_in_development_clearly_marked(tmp_path):
    content = make_content(tmp_path, PRIVATE)
    build = run_pelican(tmp_path / "out", content=content, extra=cache_override(tmp_path / "cache"))
    assert build.returncode == 0, build.log
    draft = build.soup("drafts/secret-draft-zebra/index.html")
    assert draft.select_one(".badge--draft").get_text() == "Draft"
    listed = [a.get_text() for a in build.soup("index.html").select(".drafts-list a")]
    assert sorted(listed) == ["Future post okapi", "Secret draft zebra"]
    # A future-dated post is scheduled: shown among the drafts, marked so, until its date.
    future = build.soup("drafts/future-post-okapi/index.html")
    assert future.select_one(".badge--draft").get_text() == "Scheduled"
    assert not (build.output / "posts/future-post-okapi").exists()
    # Not among the published posts, nor in any feed.
    feed = build.text("feeds/all.atom.xml")
    assert "zebra" not in feed and "Secret draft" not in feed
    assert not (build.output / "category/zebra-category").exists()


# -- The author's commands, end to end, in a copy of the repository ----------

def test_invoke_build_and_publish_exit_non_zero_and_keep_output(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".git", ".venv", "output", ".cache", ".output-*", "node_modules", "tests", "docs", "bench", "__pycache__"))
    (repo / "content/posts/broken.md").write_text(post(title="Broken", author="Nobody"), encoding="utf-8")
    (repo / "output").mkdir()
    (repo / "output/index.html").write_text("the last good site")
    env = {**os.environ, **PROD_ENV, "DEPLOY_TARGET": "rsync", "RSYNC_DEST": str(tmp_path / "www")}
    for task in ("build", "publish"):
        run = subprocess.run([sys.executable, "-m", "invoke", task], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, run.stdout + run.stderr
        assert "content/posts/broken.md:3: unknown author 'Nobody'." in run.stderr
        said = {"build": "output/ was left as it was.", "publish": "nothing was published."}[task]
        assert run.stderr.rstrip().endswith(f"Build failed: {said}")
        assert "Traceback" not in run.stdout + run.stderr
        assert [p.name for p in (repo / "output").iterdir()] == ["index.html"]
        assert (repo / "output/index.html").read_text() == "the last good site"
    assert not (tmp_path / "www").exists()  # nothing deployed
