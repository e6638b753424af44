"""The validate plugin: bad content stops plain `pelican` with every problem
named (file, line, how to fix), no traceback, and nothing written."""

import os
import subprocess
import sys

import pytest
from support import GOOD, ROOT, build, cache_override, make_content, post, run_pelican

# Every bad input the issue names, in one content folder: one run reports all.
BAD = {
    "posts/no-title.md": post(title=None),
    "posts/empty-title.md": post(title=""),
    "posts/no-date.md": post(title="No date", date=None),
    "posts/bad-date.md": post(title="Bad date", date="2026-13-45"),
    "posts/no-category.md": post(title="No category", category=None),
    "posts/unknown-author.md": post(title="Unknown author", author="Jane Nobody"),
    "posts/no-tags.md": post(title="No tags", tags=None),
    "posts/empty-tags.md": post(title="Empty tags", tags=" , "),
    "posts/bad-status.md": post(title="Bad status", extra="Status: publsihed\n"),
    "posts/first.md": post(title="Same slug", extra="Slug: same-slug\n"),
    "posts/second.md": post(title="Same slug again", extra="Slug: same-slug\n"),
    "posts/broken-links.md": post(title="Broken links",
                                  body="See [this]({filename}/posts/missing.md).\n\n![A photo]({static}/images/missing.png)"),
    "posts/latin1.md": post(title="Caf\u00e9").encode("latin-1"),
    "posts/empty.md": "",
    "posts/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    "posts/folder.md/note.txt": "a folder named like a post",
    "posts/half-filled.md": post(title="Half filled", category="FILL-IN: one category",
                                 extra="Status: published\n", body="FILL-IN: the text of the article."),
    "posts/travel-upper.md": post(title="Upper travel", tags="Travel"),
    "posts/travel-lower.md": post(title="Lower travel", tags="travel"),
    "pages/tags.md": "Title: Tags\n\nA page whose address is the list of all tags.\n",
    "posts/no-slug.md": post(title="{?!}"),
}

# What the author reads for each: file, line, problem and how to fix it.
EXPECTED = [
    "content/posts/no-title.md:1: missing Title. Add a line 'Title: Your title' at the top of the file.",
    "content/posts/empty-title.md:1: empty Title.",
    "content/posts/no-date.md:1: missing Date. Add a line 'Date: YYYY-MM-DD'",
    "content/posts/bad-date.md:2: invalid Date '2026-13-45': no such day or time. Write a real one, as YYYY-MM-DD.",
    "content/posts/no-category.md:1: missing Category. Add a line 'Category: ...' naming one category.",
    "content/posts/unknown-author.md:3: unknown author 'Jane Nobody'. Use one of: The Editors, Cynthia Kay, "
    "Ron Kaufman; or describe the new author in AUTHORS_INFO in pelicanconf.py.",
    "content/posts/no-tags.md:1: missing Tags. Add a line 'Tags: first tag, second tag' (at least one).",
    "content/posts/empty-tags.md:5: no tags. Give at least one tag.",
    "content/posts/bad-status.md:6: unknown Status 'publsihed'. Use published, draft or hidden.",
    "content/posts/second.md:6: the slug 'same-slug' is already used by content/posts/first.md.",
    "content/posts/broken-links.md:8: link to '{filename}/posts/missing.md', but no such file exists",
    "content/posts/broken-links.md:10: link to '{static}/images/missing.png', but no such file exists",
    "content/posts/latin1.md:1: the file is not UTF-8 (byte 0xe9). Save it as UTF-8 in your editor.",
    "content/posts/empty.md: the file is empty.",
    "content/posts/binary.md: this is a binary file, not markdown.",
    "content/posts/folder.md: a folder is named like a post. Rename it, or move the post out of it.",
    "content/posts/half-filled.md:4: Category is not filled in yet: replace the FILL-IN marker",
    "content/posts/half-filled.md:9: the text is not written yet: replace the FILL-IN marker",
    "content/posts/travel-upper.md:5: tag 'Travel' is spelled 'travel' in content/posts/travel-lower.md; "
    "both would share one page. Use one spelling.",
    "content/posts/no-slug.md:1: the title '{?!}' gives no web address (it has no letters or digits). "
    "Add a line 'Slug: words-of-the-address'.",
    "content/pages/tags.md:1: it would be written to tags/index.html, which is also the tags page. "
    "Give it another 'Slug:'",
]


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    files = dict(BAD)
    content = make_content(tmp, files)
    os.symlink("..", content / "posts" / "loop")  # a folder that contains itself
    result = run_pelican(tmp / "output", content=content, extra=cache_override(tmp / "cache"))
    print(result.log)  # pytest -s shows the author's view
    return result


def test_good_content_builds(tmp_path):
    result = build(tmp_path, {"posts/good.md": GOOD})
    assert result.returncode == 0, result.log
    assert (tmp_path / "output/posts/a-good-post/index.html").exists()


def test_bad_content_stops_the_build_with_every_problem(bad_build):
    assert bad_build.returncode == 1
    assert "Traceback" not in bad_build.log
    missing = [line for line in EXPECTED if line not in bad_build.log]
    assert not missing, "\n".join(missing) + "\n--- log:\n" + bad_build.log
    assert "content/posts/loop: this folder links back to a folder above it (a symlink loop)" in bad_build.log


def test_one_problem_per_line_and_nothing_written(bad_build):
    problems = [line for line in bad_build.log.splitlines() if line.startswith("  content/")]
    assert len(problems) == len(EXPECTED) + 1  # + the symlink loop; Travel reported once
    assert f"{len(problems)} problems to fix, nothing was written" in bad_build.log
    assert not bad_build.output.exists() or not any(bad_build.output.iterdir())


def test_a_second_run_reports_the_same_problems_from_what_it_remembers(bad_build):
    """validate remembers each unchanged file's own checks in CACHE_PATH: run
    again on the same files, it prints exactly what it printed the first time."""
    tmp = bad_build.output.parent
    again = run_pelican(tmp / "output-again", content=tmp / "content", extra=cache_override(tmp / "cache"))
    assert again.returncode == 1
    problems = [line for line in bad_build.log.splitlines() if line.startswith("  content/")]
    assert [line for line in again.log.splitlines() if line.startswith("  content/")] == problems


def test_a_link_to_a_file_deleted_since_the_last_build_is_found(tmp_path):
    """The linking file is unchanged, so its own checks come from the memo; its
    links are checked again."""
    content = make_content(tmp_path, {"posts/good.md": GOOD, "posts/linking.md": post(
        title="Linking", body="See [the good post]({filename}/posts/good.md).")})
    cache = tmp_path / "cache"
    first = run_pelican(tmp_path / "one", content=content, extra=cache_override(cache))
    assert first.returncode == 0, first.log
    (content / "posts" / "good.md").unlink()
    second = run_pelican(tmp_path / "two", content=content, extra=cache_override(cache))
    assert second.returncode == 1
    assert "content/posts/linking.md:8: link to '{filename}/posts/good.md', but no such file exists" in second.log


def test_page_colliding_with_an_article_or_a_category(tmp_path):
    result = build(tmp_path, {
        "posts/good.md": GOOD,
        "pages/clash.md": "Title: Clash\nSave_as: posts/a-good-post/index.html\n\nText.\n",
        "pages/category.md": "Title: Category page\nSlug: category/going-the-extra-mile\n\nText.\n",
    })
    assert result.returncode == 1
    assert ("content/pages/category.md:2: it would be written to category/going-the-extra-mile/index.html, "
            "which is also the page of category 'Going the Extra Mile'.") in result.log
    assert ("content/pages/clash.md:2: it would be written to posts/a-good-post/index.html, "
            "which is also content/posts/good.md.") in result.log


def test_output_paths_remembered_from_the_last_build_are_checked_again(tmp_path):
    """validate keeps each source's output path and the dates that parse in
    CACHE_PATH; a new clash, a setting that moves every post, or a bad date is
    still found."""
    content = make_content(tmp_path, {"posts/good.md": GOOD, "posts/other.md": GOOD.replace(
        "Title: A good post", "Title: Another post")})
    cache = tmp_path / "cache"
    first = run_pelican(tmp_path / "one", content=content, extra=cache_override(cache))
    assert first.returncode == 0, first.log
    assert (cache / "validate-memo.pickle").exists()
    (content / "pages" / "clash.md").write_text("Title: Clash\nSave_as: posts/a-good-post/index.html\n\nText.\n")
    second = run_pelican(tmp_path / "two", content=content, extra=cache_override(cache))
    assert second.returncode == 1
    assert ("content/pages/clash.md:2: it would be written to posts/a-good-post/index.html, "
            "which is also content/posts/good.md.") in second.log
    (content / "pages" / "clash.md").unlink()
    third = run_pelican(tmp_path / "three", content=content,
                        extra=cache_override(cache, ARTICLE_SAVE_AS='"posts/all.html"'))
    assert third.returncode == 1
    assert "content/posts/other.md:1: it would be written to posts/all.html, which is also content/posts/good.md." \
        in third.log
    # Dates that parsed are remembered too; a date that does not is still found.
    assert run_pelican(tmp_path / "four", content=content, extra=cache_override(cache)).returncode == 0
    other = content / "posts" / "other.md"
    date_line = next(line for line in other.read_text().splitlines() if line.startswith("Date: "))
    other.write_text(other.read_text().replace(date_line, "Date: 2016-13-45"))
    fifth = run_pelican(tmp_path / "five", content=content, extra=cache_override(cache))
    assert fifth.returncode == 1
    assert "invalid Date '2016-13-45'" in fifth.log


def test_production_needs_an_absolute_siteurl(tmp_path):
    result = build(tmp_path, {"posts/good.md": GOOD}, conf="publishconf.py",
                   env={"SITEURL": "example.org/blog", "SUBSCRIBE_PROVIDER": "none"})
    assert result.returncode == 1 and "Traceback" not in result.log
    assert ("publishconf.py: SITEURL is 'example.org/blog', but a production build needs the site's absolute "
            "address.") in result.log


def test_crlf_and_bom_are_fine(tmp_path):
    result = build(tmp_path, {"posts/good.md": ("\ufeff" + GOOD).replace("\n", "\r\n").encode("utf-8")})
    assert result.returncode == 0, result.log


# -- invoke new-post: a draft with every field filled in or marked -----------

def new_post(folder, *args):
    return subprocess.run([sys.executable, "-m", "invoke", "new-post", *args, "--folder", str(folder)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_new_post_to_published(tmp_path):
    content = make_content(tmp_path, {"posts/good.md": GOOD})
    posts = content / "posts"
    made = new_post(posts, "My \u201cfirst\u201d post: a test!", "--tags", "travel, trust")
    assert made.returncode == 0, made.stderr
    path = posts / "my-first-post-a-test.md"
    text = path.read_text(encoding="utf-8")
    assert "Status: draft\n" in text and "Tags: travel, trust\n" in text
    assert "Category: FILL-IN: one category, e.g. Going the Extra Mile\n" in text

    # Never overwrites.
    again = new_post(posts, "My \u201cfirst\u201d post: a test!")
    assert again.returncode == 1 and "already exists: nothing was written" in again.stderr
    assert path.read_text(encoding="utf-8") == text

    # A draft with markers builds (with warnings), shown as a draft and listed on the home page.
    draft = run_pelican(tmp_path / "out1", content=content, extra=cache_override(tmp_path / "c1"))
    assert draft.returncode == 0, draft.log
    assert "Category is not filled in yet (FILL-IN marker); fine in a draft" in draft.log
    page = draft.soup("drafts/my-first-post-a-test/index.html")
    assert page.select_one(".badge--draft").get_text() == "Draft"
    links = [a["href"] for a in draft.soup("index.html").select(".drafts-list a")]
    assert links == ["./drafts/my-first-post-a-test/"] or links[0].endswith("drafts/my-first-post-a-test/")

    # Published with its markers left: the build stops and names each one.
    path.write_text(text.replace("Status: draft", "Status: published"), encoding="utf-8")
    half = run_pelican(tmp_path / "out2", content=content, extra=cache_override(tmp_path / "c2"))
    assert half.returncode == 1 and "Traceback" not in half.log
    for line in ("4: Author is not filled in yet", "5: Category is not filled in yet",
                 "7: Summary is not filled in yet", "9: Cover is not filled in yet",
                 "11: Series is not filled in yet", "13: the text is not written yet",
                 "15: the text is not written yet"):
        assert f"content/posts/my-first-post-a-test.md:{line}: replace the FILL-IN marker" in half.log, half.log

    # Filled in: published.
    filled = "\n".join(
        {"Author": "Author: Ron Kaufman", "Category": "Category: Service Culture",
         "Summary": "Summary: A test post."}.get(line.split(":")[0], line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("Cover", "Series", "FILL-IN: delete this paragraph")))  # no cover, no series
    path.write_text(filled.replace("FILL-IN: the text of the article, in markdown.", "Words."), encoding="utf-8")
    done = run_pelican(tmp_path / "out3", content=content, extra=cache_override(tmp_path / "c3"))
    assert done.returncode == 0, done.log
    assert (tmp_path / "out3/posts/my-first-post-a-test/index.html").exists()


def test_new_post_refuses_unknown_author(tmp_path):
    made = new_post(tmp_path, "Title", "--author", "Jane Nobody")
    assert made.returncode == 1 and "Unknown author 'Jane Nobody'" in made.stderr
    assert not list(tmp_path.iterdir())
