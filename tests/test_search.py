"""Search: the Pagefind index every build writes, and the search page in real Chromium."""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from support import ROOT, cache_override, post, run_pelican
from waiting import wait_until

# A word of exactly one article (checked below, so the premise cannot rot).
WORD, SLUG, TITLE, AUTHOR = "Boston", "in-customers-we-trust", "In Customers We Trust", "Ron Kaufman"


def index_fragments(output):
    """Every record of a built Pagefind index: {url: record}."""
    records = {}
    for path in (output / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        record = json.loads(raw[len(b"pagefind_dcd"):])
        records[record["url"]] = record
    return records


def published_article_urls(site):
    return {"/" + p.parent.relative_to(site.output).as_posix() + "/"
            for p in site.output.glob("posts/*/index.html")}


def test_the_word_is_in_exactly_one_article(prod_site):
    having = [p for p in prod_site.output.glob("posts/*/index.html")
              if re.search(rf"\b{WORD}\b", prod_site.soup(p.relative_to(prod_site.output)).select_one(".post__body").get_text())]
    assert [p.parent.name for p in having] == [SLUG]


def test_index_holds_the_published_articles_text_only(prod_site):
    records = index_fragments(prod_site.output)
    assert set(records) == published_article_urls(prod_site) and len(records) == 5
    record = records[f"/posts/{SLUG}/"]
    assert record["meta"]["title"] == TITLE
    assert record["meta"]["author"] == AUTHOR
    assert record["meta"]["date"] == "9 November 2026"
    assert record["meta"]["datetime"].startswith("2026-11-09")
    # The title and the article's text; no byline, tags, forms or navigation.
    assert record["content"].startswith(TITLE + ". After closing time") or record["content"].startswith(TITLE)
    assert WORD in record["content"]
    for chrome in ("Enjoyed this?", "Your email address", "min read", "Skip to content", "Blog categories"):
        assert chrome not in record["content"]
    # Pagefind's UI bundles are not shipped (the theme renders results itself).
    assert not (prod_site.output / "pagefind" / "pagefind-ui.js").exists()
    assert (prod_site.output / "pagefind" / "pagefind.js").exists()


@pytest.fixture(scope="module")
def draft_site(tmp_path_factory):
    """A development build whose content has a draft and a hidden post."""
    tmp = tmp_path_factory.mktemp("drafts")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    header = ("Date: 2026-11-10 09:00\nAuthor: The Editors\nCategory: Going the Extra Mile\n"
              "Tags: extra mile\nSummary: Not yet.\n")
    (content / "posts" / "draft.md").write_text(
        f"Title: A draft\nSlug: a-draft\nStatus: draft\n{header}\nThe zyzzyva draft word.\n", encoding="utf-8")
    (content / "posts" / "hidden.md").write_text(
        f"Title: A hidden post\nSlug: a-hidden-post\nStatus: hidden\n{header}\nThe quokka hidden word.\n", encoding="utf-8")
    build = run_pelican(tmp / "output", content=content, extra=cache_override(tmp / "cache"))
    assert build.returncode == 0, build.log
    build.cache = tmp / "cache"
    build.content = content
    return build


def test_drafts_and_hidden_posts_never_reach_the_index(draft_site):
    assert (draft_site.output / "drafts" / "a-draft" / "index.html").exists()
    assert (draft_site.output / "posts" / "a-hidden-post" / "index.html").exists()
    records = index_fragments(draft_site.output)
    assert set(records) == published_article_urls(draft_site) - {"/posts/a-hidden-post/"}
    text = " ".join(r["content"] for r in records.values())
    assert "zyzzyva" not in text and "quokka" not in text


def test_an_unchanged_site_reuses_its_index_and_gives_the_same_bytes(draft_site, tmp_path):
    bundles = [p for p in (draft_site.cache / "search-index").iterdir() if p.is_dir()]
    assert len(bundles) == 1
    stamp = bundles[0].stat().st_mtime_ns
    again = run_pelican(tmp_path / "again", content=draft_site.content, extra=cache_override(draft_site.cache))
    assert again.returncode == 0, again.log
    assert [b.stat().st_mtime_ns for b in (draft_site.cache / "search-index").iterdir() if b.is_dir()] == [stamp]
    # Indexing again from scratch gives the same bytes too.
    fresh = run_pelican(tmp_path / "fresh", content=draft_site.content, extra=cache_override(tmp_path / "cache"))
    assert fresh.returncode == 0, fresh.log
    bundles = [{p.relative_to(site.output): p.read_bytes() for p in (site.output / "pagefind").rglob("*") if p.is_file()}
               for site in (draft_site, again, fresh)]
    assert bundles[0] == bundles[1] == bundles[2]


def test_an_edited_article_is_indexed_again(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    first = run_pelican(tmp_path / "one", content=content, extra=cache_override(tmp_path / "cache"))
    assert first.returncode == 0, first.log
    post = content / "posts" / f"{SLUG}.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA new wombat paragraph.\n", encoding="utf-8")
    second = run_pelican(tmp_path / "two", content=content, extra=cache_override(tmp_path / "cache"))
    assert second.returncode == 0, second.log
    assert "wombat" not in index_fragments(first.output)[f"/posts/{SLUG}/"]["content"]
    assert "wombat" in index_fragments(second.output)[f"/posts/{SLUG}/"]["content"]


def test_livereload_rebuilds_do_not_wait_for_the_index_and_the_newest_one_wins(tmp_path):
    """SEARCH_INDEX_BACKGROUND (`invoke livereload`): the build returns with the
    old index in place; the detached indexer installs the one of the newest build."""
    from extramile.plugins.search_index.search_index import wait_for_background

    content, output, cache = tmp_path / "content", tmp_path / "output", tmp_path / "cache"
    shutil.copytree(ROOT / "content", content)
    first = run_pelican(output, content=content, extra=cache_override(cache, SEARCH_INDEX_BACKGROUND="true"))
    assert first.returncode == 0, first.log
    assert "in the background" not in first.log  # no index in the folder yet: indexed before returning
    url = f"/posts/{SLUG}/"
    assert "wombat" not in index_fragments(output)[url]["content"]
    post = content / "posts" / f"{SLUG}.md"
    original = post.read_text(encoding="utf-8")
    for word in ("wombat", "numbat"):  # two saves in a row: the second build supersedes the first's indexer
        post.write_text(original + f"\nA new {word} paragraph.\n", encoding="utf-8")
        build = run_pelican(output, content=content,
                            extra=["--verbose", *cache_override(cache, SEARCH_INDEX_BACKGROUND="true")])
        assert build.returncode == 0, build.log
        assert "indexing them in the background" in build.log
    wait_for_background(cache / "search-index", timeout=120)
    text = index_fragments(output)[url]["content"]
    assert "numbat" in text and "wombat" not in text
    assert sorted(p.name for p in output.iterdir() if p.name.startswith("pagefind")) == ["pagefind"]
    assert not list((cache / "search-index").glob(".job-*"))
    # The same bytes as an index made in the foreground from the same pages.
    fresh = run_pelican(tmp_path / "fresh", content=content, extra=cache_override(tmp_path / "cache2"))
    assert fresh.returncode == 0, fresh.log
    assert ({p.relative_to(output): p.read_bytes() for p in (output / "pagefind").rglob("*") if p.is_file()}
            == {p.relative_to(fresh.output): p.read_bytes()
                for p in (fresh.output / "pagefind").rglob("*") if p.is_file()})


# -- Time limits and owners: no indexer hangs or outlives what started it --------
HANGING_PAGEFIND = """#!{python}
# A stand-in for a Pagefind that never finishes.
import time
time.sleep(600)
"""


def hanging_pagefind(tmp_path):
    path = tmp_path / "hanging-pagefind"
    path.write_text(HANGING_PAGEFIND.format(python=sys.executable))
    path.chmod(0o755)
    return json.dumps(str(path))


def running(tmp_path):
    """Processes still running whose command line mentions the test's folder."""
    from extramile.processes import alive

    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(tmp_path) in cmdline and alive(int(pid)):
            found.append(cmdline)
    return found


def gone(tmp_path):
    """No process of the test's is left once they had their time to exit (or forever running, a failure)."""
    wait_until(lambda: running(tmp_path) == [], "the test's processes to end")


def edit_and_build_in_background(tmp_path, content, output, **settings):
    post = content / "posts" / f"{SLUG}.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA new quokka paragraph.\n", encoding="utf-8")
    return run_pelican(output, content=content, extra=["--verbose", *cache_override(
        tmp_path / "cache", SEARCH_INDEX_BACKGROUND="true", **settings)])


def test_a_foreground_index_that_hangs_stops_the_build_with_a_message(tmp_path):
    build = run_pelican(tmp_path / "output", extra=cache_override(
        tmp_path / "cache", SEARCH_INDEX_PAGEFIND=hanging_pagefind(tmp_path), SEARCH_INDEX_TIMEOUT="1"),
        env={"COLUMNS": "500"})
    assert build.returncode != 0
    assert "Build stopped: Pagefind did not finish within 1 s (SEARCH_INDEX_TIMEOUT)" in build.log
    assert "Traceback" not in build.log
    gone(tmp_path)


def test_a_background_indexer_that_hangs_is_stopped_and_the_next_build_says_so(tmp_path):
    from extramile.plugins.search_index.search_index import wait_for_background

    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(ROOT / "content", content)
    assert run_pelican(output, content=content, extra=cache_override(tmp_path / "cache")).returncode == 0
    build = edit_and_build_in_background(tmp_path, content, output,
                                         SEARCH_INDEX_PAGEFIND=hanging_pagefind(tmp_path), SEARCH_INDEX_TIMEOUT="1")
    assert build.returncode == 0 and "indexing them in the background" in build.log, build.log
    failure = wait_for_background(tmp_path / "cache" / "search-index", timeout=30)
    assert "Pagefind did not finish within 1 s" in failure
    gone(tmp_path)
    after = run_pelican(output, content=content, extra=cache_override(tmp_path / "cache"), env={"COLUMNS": "500"})
    assert after.returncode == 0 and "the last background indexing failed" in after.log, after.log
    assert "did not finish within 1 s" in after.log


def test_a_background_indexer_ends_with_the_process_that_started_the_build(tmp_path):
    """The development server's warm builder starts the builds; when it ends
    (even killed), the indexer and its Pagefind end too."""
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(ROOT / "content", content)
    assert run_pelican(output, content=content, extra=cache_override(tmp_path / "cache")).returncode == 0
    post = content / "posts" / f"{SLUG}.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA new quokka paragraph.\n", encoding="utf-8")
    build = [sys.executable, "-m", "pelican", str(content), "-s", str(ROOT / "pelicanconf.py"), "-o", str(output),
             *cache_override(tmp_path / "cache", SEARCH_INDEX_BACKGROUND="true",
                             SEARCH_INDEX_PAGEFIND=hanging_pagefind(tmp_path))]
    # The owner: runs the build, then waits (as the warm builder's zygote does).
    owner = subprocess.Popen([sys.executable, "-c", f"import subprocess, time; subprocess.run({build!r}, "
                              "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); time.sleep(600)"],
                             cwd=ROOT, start_new_session=True)
    wait_until(lambda: any("hanging-pagefind --site" in p for p in running(tmp_path)), "an indexer to start")
    owner.kill()
    owner.wait()
    gone(tmp_path)


# -- In the browser -----------------------------------------------------------
def search_from_header(page, site, word):
    """Type into the header's search box on the home page, as a reader would."""
    page.goto(site.url + "/")
    page.locator("#site-search").fill(word)
    page.locator("#site-search").press("Enter")
    page.wait_for_selector(".search-result a")
    return page.locator(".search-result")


def check_first_result(page, site, results):
    assert page.url == f"{site.url}/search/?q={WORD}"
    first = results.first
    link = first.locator(".search-result__title a")
    assert link.inner_text() == TITLE
    assert link.evaluate("a => a.href") == f"{site.url}/posts/{SLUG}/"
    assert first.locator(".search-result__meta").inner_text() == f"By {AUTHOR} · 9 November 2026"
    assert first.locator("mark").first.inner_text() == WORD
    assert results.count() == 1
    assert page.locator("#search-status").inner_text() == f"1 article found for “{WORD}”."
    assert page.errors == []  # no script error and no CSP violation


def test_search_finds_the_one_article(served_site, page):
    results = search_from_header(page, served_site, WORD)
    check_first_result(page, served_site, results)
    # Search loads its script and stylesheet on the search page only.
    assert page.locator("script[src*='search']").count() == 1
    page.goto(served_site.url + f"/posts/{SLUG}/")
    assert page.locator("script[src*='search'], link[href*='search']").count() == 0


def test_search_under_a_sub_path(served_subpath_site, page):
    results = search_from_header(page, served_subpath_site, WORD)
    check_first_result(page, served_subpath_site, results)
    results.first.locator("a").click()
    page.wait_for_url(f"{served_subpath_site.url}/posts/{SLUG}/")
    assert page.locator("h1").inner_text() == TITLE


def test_search_by_keyboard_with_a_live_result_count(served_site, page):
    page.goto(served_site.url + "/search/")
    box = page.get_by_label("Search the articles")
    assert page.evaluate("document.activeElement.id") == box.get_attribute("id")
    page.keyboard.type("customer")
    status = page.locator("#search-status[role=status][aria-live=polite]")
    # Typing is searched as it goes (150 ms after a key): on a slow machine a prefix such as
    # "cust" may show its results first, so wait for the whole word's count.
    expect(status).to_have_text(re.compile(r"\d+ articles found for “customer”\."))
    page.locator(".search-result").nth(1).wait_for()
    assert page.url.endswith("/search/?q=customer")  # the address can be shared
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.closest('.search-result') !== null")
    assert focused
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/posts/[^/]+/$"))
    assert page.errors == []


def test_no_result_says_so(served_site, page):
    page.goto(served_site.url + "/search/?q=xylophonist")
    expect(page.locator("#search-status")).to_contain_text("No articles found for “xylophonist”")
    assert page.locator(".search-result").count() == 0


def test_search_page_without_javascript(served_site, page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.goto(served_site.url + f"/search/?q={WORD}")
    notice = page.locator(".search-page__notice")
    assert notice.is_visible()
    assert "needs JavaScript" in notice.inner_text()
    for name, path in (("Archives", "archives/"), ("Categories", "categories/"), ("Tags", "tags/")):
        link = page.locator(".search-page__browse").get_by_role("link", name=name)
        assert link.is_visible() and link.evaluate("a => a.href") == f"{served_site.url}/{path}"
    assert page.locator(".search-result").count() == 0
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})


def test_a_site_without_published_articles_builds_without_an_index(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "draft.md").write_text(post("Only a draft", extra="Status: draft\n"), encoding="utf-8")
    site = run_pelican(tmp_path / "output", content=content, extra=cache_override(tmp_path / "cache"))
    assert site.returncode == 0, site.log
    assert site.path("search/index.html").exists() and not site.path("pagefind").exists()
