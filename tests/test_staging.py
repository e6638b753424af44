"""One fresh-folder-then-swap for every build (extramile/staging.py,
PELICAN_CLASS): a build that fails half-way, after Pelican started writing,
leaves the output folder exactly as it was, or absent; one that passes leaves
exactly the new site, unchanged files keeping their time."""

from support import PROD_ENV, cache_override, make_content, post, run_pelican, snapshot

GOOD = {"posts/good.md": post(title="Good", extra="Summary: Good.\n")}
# Passes every check, then fails while the pages are written.
FAILS_LATE = {**GOOD, "pages/odd.md": "Title: Odd\nTemplate: no-such-template\n\nText.\n"}


def build(tmp_path, files, output, conf="publishconf.py"):
    content = make_content(tmp_path / "src", files)
    return run_pelican(output, conf=conf, content=content, env=PROD_ENV, extra=cache_override(tmp_path / "cache"))


def test_a_build_failing_half_way_leaves_the_output_as_it_was(tmp_path):
    output = tmp_path / "output"
    (output / "posts/old").mkdir(parents=True)
    (output / "index.html").write_text("the last good site")
    (output / "posts/old/index.html").write_text("an old post")
    before = snapshot(output)
    for conf in ("publishconf.py", "pelicanconf.py"):  # production empties its output first
        failed = build(tmp_path, FAILS_LATE, output, conf)
        assert failed.returncode != 0 and "no-such-template" in failed.log, failed.log
        assert snapshot(output) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".output")] == []  # no staging left

    missing = tmp_path / "missing" / "output"
    assert build(tmp_path, FAILS_LATE, missing).returncode != 0
    assert not missing.exists()


def test_a_passing_build_leaves_exactly_the_new_site_and_keeps_unchanged_files(tmp_path):
    output = tmp_path / "output"
    first = build(tmp_path, GOOD, output)
    assert first.returncode == 0, first.log
    assert output.stat().st_mode & 0o755 == 0o755  # readable by a web server
    page = output / "posts/good/index.html"
    kept = page.stat().st_mtime_ns
    (output / "stale.html").write_text("a page no build makes")
    again = build(tmp_path, GOOD, output)
    assert again.returncode == 0, again.log
    assert not (output / "stale.html").exists()
    assert page.stat().st_mtime_ns == kept  # the same bytes: not written again
