"""`invoke new-post` offers every header a post can have, the optional ones
(Cover, Series) as lines to fill in or delete: the new post builds as a draft,
and once each FILL-IN is filled it is published in its series."""

import subprocess
import sys

from support import GOOD, ROOT, cache_override, make_content, run_pelican

SERIES = "Service at the counter"
# What the author writes in place of each FILL-IN line (None: the line is deleted).
FILLED = {"Author": "Author: Ron Kaufman", "Category": "Category: Service Culture", "Tags": "Tags: trust",
          "Summary": "Summary: A post in a series.", "Series": f"Series: {SERIES}",
          "Cover": None, "Cover_alt": None}


def fill(text):
    lines = []
    for line in text.splitlines():
        if "FILL-IN" not in line:
            lines.append(line)
        elif line.startswith("FILL-IN: the text"):
            lines.append("Words of the article.")
        elif not line.startswith("FILL-IN: delete this paragraph"):
            key = line.split(":", 1)[0]
            assert key in FILLED, f"a FILL-IN this test does not know: {line}"
            lines += [FILLED[key]] * (FILLED[key] is not None)
    return "\n".join(lines).replace("Status: draft", "Status: published") + "\n"


def test_a_new_post_builds_as_a_draft_then_in_its_series_once_filled(tmp_path):
    content = make_content(tmp_path, {"posts/good.md": GOOD})
    made = subprocess.run([sys.executable, "-m", "invoke", "new-post", "Counter stories",
                           "--folder", str(content / "posts")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    path = content / "posts/counter-stories.md"
    text = path.read_text(encoding="utf-8")
    assert "\nSeries: FILL-IN (optional: delete this line" in text

    draft = run_pelican(tmp_path / "draft", content=content, extra=cache_override(tmp_path / "c1"))
    assert draft.returncode == 0, draft.log
    assert "Series is not filled in yet (FILL-IN marker); fine in a draft" in draft.log
    assert (tmp_path / "draft/drafts/counter-stories/index.html").exists()
    assert not (tmp_path / "draft/series").exists()  # a draft is no part of a series yet

    path.write_text(fill(text), encoding="utf-8")
    published = run_pelican(tmp_path / "published", content=content, extra=cache_override(tmp_path / "c2"))
    assert published.returncode == 0, published.log
    assert "FILL-IN" not in published.log
    series = published.soup("series/service-at-the-counter/index.html")
    assert [a.get("href", "").rstrip("/").rsplit("/", 1)[-1] for a in series.select("main a[href*=posts]")
            ][:1] == ["counter-stories"]


def test_asking_a_task_with_a_positional_argument_for_help_shows_it_and_writes_nothing(tmp_path):
    """invoke would read `--help` as the title (or the email file): a post titled "--help"."""
    for task, mentions in (("new-post", "the post's title, in quotes"), ("replies-add", "a saved email (.eml)")):
        for flag in ("--help", "-h"):
            asked = subprocess.run([sys.executable, "-m", "invoke", task, flag, "--folder", str(tmp_path)]
                                   if task == "new-post" else [sys.executable, "-m", "invoke", task, flag],
                                   cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert asked.returncode == 0, asked.stderr
            assert f"Usage: inv[oke] [--core-opts] {task}" in asked.stdout and mentions in asked.stdout
    assert list(tmp_path.iterdir()) == []
