"""Fast checks of the speedups plugin: a tiny in-process build, and its parts."""

import io
import logging
import os
import re
from types import SimpleNamespace

from pelican import signals

from extramile.plugins.speedups import speedups

PLUGINS = ["extramile.plugins.theme_context", "extramile.plugins.speedups"]


def pages(output):
    return {p.relative_to(output): p.read_bytes() for p in sorted(output.rglob("*.html"))}


def test_shared_reading_and_rendering_make_the_same_pages(tiny_build, caplog):
    with caplog.at_level(logging.INFO):
        fast = pages(tiny_build(PLUGINS, SPEEDUPS_MIN_FILES=1, SPEEDUPS_WORKERS=2))
    assert "speedups: read 2 of 2 files on 2 cores" in caplog.text
    assert re.search(r"speedups: rendered \d+ pages on 2 cores", caplog.text)
    slow = pages(tiny_build(PLUGINS, SPEEDUPS=False))
    assert fast == slow and all(fast.values())


def test_an_unknown_receiver_of_a_write_signal_keeps_pages_in_one_process():
    def minify_after_write(path, context):  # a plugin that could read the page just written
        pass

    signals.content_written.connect(minify_after_write)
    try:
        assert speedups.unsafe_receiver().endswith("minify_after_write")
    finally:
        signals.content_written.disconnect(minify_after_write)
    assert speedups.unsafe_receiver() is None or "minify_after_write" not in speedups.unsafe_receiver()


def test_a_page_written_first_is_replaced_whole(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("old")
    before = page.stat().st_ino
    out = speedups._AtomicText(str(page), "utf-8")
    out.write("new")
    assert page.read_text() == "old"  # nothing until closed
    out.close()
    assert page.read_text() == "new" and page.stat().st_ino != before  # a new file renamed over the old
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
    assert isinstance(out, io.StringIO)


def test_only_sources_missing_from_the_cache_or_changed_since_its_save_may_need_reading(tmp_path):
    posts = [tmp_path / f"post{i}.md" for i in range(3)]
    for post in posts:
        post.write_text("Title: T\n\nText.\n")
    generator = SimpleNamespace(readers=SimpleNamespace(_cache={str(p): ("stamp", None) for p in posts[:2]}),
                                settings={"CACHE_PATH": str(tmp_path)})
    paths = [str(p) for p in posts]
    assert speedups.maybe_unread(generator, paths) == paths  # no saved cache: every source
    saved = tmp_path / "SimpleNamespace-Readers"  # generator_cache_files: the readers' cache of this class
    saved.write_bytes(b"")
    changed = max(p.stat().st_ctime_ns for p in posts)
    os.utime(saved, ns=(changed + 10**9, changed + 10**9))  # saved a second after the last change
    assert speedups.maybe_unread(generator, paths) == paths[2:]  # only the one the cache lacks: no stamp of the rest
    os.utime(saved, ns=(changed - 10**9, changed - 10**9))  # the sources changed after the save
    assert speedups.maybe_unread(generator, paths) == paths
