"""Fast checks of the speedups plugin's parts that need no whole build."""

import io

from pelican import signals

from extramile.plugins.speedups import speedups


def test_an_unknown_receiver_of_a_write_signal_keeps_pages_in_one_process():
    def minify_after_write(path, context):  # a plugin that could change later pages
        pass

    signals.content_written.connect(minify_after_write)
    try:
        assert speedups.unsafe_receiver().endswith("minify_after_write")
    finally:
        signals.content_written.disconnect(minify_after_write)
    assert speedups.unsafe_receiver() is None or "minify_after_write" not in speedups.unsafe_receiver()


def test_the_skipping_process_keeps_pelicans_bookkeeping_but_writes_nothing(tmp_path):
    writer = speedups.SplitWriter(str(tmp_path), settings={"RELATIVE_URLS": False})
    writer.split, writer.role = True, 1  # the helper: pages 1, 3, 5... are its own

    class Template:
        @staticmethod
        def render(context):
            return f"page {context['n']}"

    for n in range(1, 5):
        writer.write_file(f"{n}.html", Template, {"localsiteurl": ""}, n=n)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.html", "3.html"]
    assert (tmp_path / "3.html").read_text() == "page 3"
    assert len(writer._written_files) == 4  # the main process's pages are known here too


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
