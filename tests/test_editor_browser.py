"""The editor at /admin/ in real Chromium, against decap-server on 127.0.0.1
editing a scratch copy of the site: what an author does in the browser is a
file on disk, byte for byte, and nothing is fetched from another host."""

import json
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from browser import StaticServer, require_node_modules
from bs4 import BeautifulSoup
from editor_support import GIT, TAGS, Editor, new_post_file, write_new_post
from livereload_support import connected, start_server, stop_server, wait_for
from pelican.settings import get_settings_from_file
from playwright.sync_api import expect
from support import cache_override, run_pelican

from extramile import ROOT
from extramile.devtools.editor_backend import decap_server
from extramile.tools.serving import free_port


@pytest.fixture(autouse=True)
def _node_modules():
    require_node_modules()


@pytest.fixture(scope="module")
def admin(tmp_path_factory):
    """The site built once for this module with EDITOR_LOCAL_BACKEND on a port kept for it, and served:
    no test changes the built pages, each gets its own scratch repository and decap-server on that port."""
    tmp = tmp_path_factory.mktemp("editor-admin")
    port = free_port()
    build = run_pelican(tmp / "www", extra=cache_override(
        tmp / "cache", EDITOR_LOCAL_BACKEND=json.dumps(f"http://127.0.0.1:{port}/api/v1")))
    assert build.returncode == 0, build.log
    server = StaticServer(tmp / "www").start()
    yield server, port
    server.stop()


@pytest.fixture
def editor(tmp_path, admin, browser_without_profile):
    server, port = admin
    repo = tmp_path / "site"
    shutil.copytree(ROOT / "content", repo / "content")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run([*GIT, *args], cwd=repo, check=True)
    context = browser_without_profile.new_context()
    tab = context.new_page()
    requests, refused = [], []
    tab.on("request", lambda request: requests.append(request.url))
    # /admin/'s own policy allows all the editor does: Chromium reports each refusal on the console.
    tab.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        with decap_server(repo, port, origin=server.origin):
            yield Editor(repo, server.origin, f"http://127.0.0.1:{port}", tab, requests)
    finally:
        context.close()
    assert refused == []


def origins(urls):
    return {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in urls if urlsplit(u).scheme in ("http", "https")}


def test_a_post_made_in_the_editor_is_the_file_an_author_would_write(editor):
    write_new_post(editor, "Notes from a test post")
    preview = editor.tab.frame_locator("iframe").locator("article.post")  # in the site's look
    expect(preview.locator("h1.post__title")).to_have_text("Notes from a test post")  # once the preview has it
    expect(preview.locator(".prose p").first).to_have_text("First paragraph.")
    token = preview.evaluate("e => getComputedStyle(e).getPropertyValue('--color-text')")
    assert token.strip(), "the theme's stylesheet is not applied in the preview"
    editor.publish()
    written = editor.saved("content/posts/notes-from-a-test-post.md")
    assert written.decode("utf-8") == new_post_file("Notes from a test post", "notes-from-a-test-post")
    assert origins(editor.requests) == {editor.origin, editor.backend}  # nothing from another host


def changed_lines(diff):
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_one_word_changed_in_a_seed_article_text_is_a_one_line_diff(editor):
    rel = "content/posts/in-customers-we-trust.md"
    before = (editor.repo / rel).read_bytes()
    editor.open("/collections/posts/entries/in-customers-we-trust")
    paragraph = editor.tab.locator("[data-slate-editor]").get_by_text("Showing a little faith in people")
    editor.select_word(paragraph, "Showing", position={"x": 3, "y": 5})  # the paragraph's first word
    editor.tab.keyboard.type("Giving")
    editor.publish()
    assert editor.saved(rel) != before
    diff = editor.git("diff", "--unified=0", "--", rel)
    assert changed_lines(diff) == [
        "-Showing a little faith in people can improve customer experience greatly. A gesture of kindness, "
        "after all, is often remembered for a long time to come.",
        "+Giving a little faith in people can improve customer experience greatly. A gesture of kindness, "
        "after all, is often remembered for a long time to come.",
    ], diff


def test_one_word_changed_in_a_seed_article_field_is_a_one_line_diff(editor):
    rel = "content/posts/in-customers-we-trust.md"
    before = (editor.repo / rel).read_bytes()
    editor.open("/collections/posts/entries/in-customers-we-trust")
    summary = editor.tab.get_by_label("Summary", exact=True)
    summary.fill(summary.input_value().replace("most customers", "most clients"))
    editor.publish()
    assert editor.saved(rel) != before
    diff = editor.git("diff", "--unified=0", "--", rel)
    changed = changed_lines(diff)
    assert len(changed) == 2, diff
    assert changed[0].startswith("-Summary: ") and changed[1] == changed[0].replace(
        "-Summary:", "+Summary:").replace("most customers", "most clients")


def test_saving_in_the_editor_rebuilds_and_reloads_the_open_article_under_livereload(
        tmp_path, browser_without_profile):
    """`invoke livereload` with the editor's backend: a save in /admin/ is a rebuild and a reload."""
    repo = tmp_path / "site"
    shutil.copytree(ROOT / "content", repo / "content")
    port = free_port()
    output = tmp_path / "output"
    extra = cache_override(tmp_path / "cache", EDITOR_LOCAL_BACKEND=json.dumps(f"http://127.0.0.1:{port}/api/v1"))
    assert run_pelican(output, content=repo / "content", extra=extra).returncode == 0
    proc, url = start_server(tmp_path, repo / "content", output, extra)
    context = browser_without_profile.new_context()
    try:
        with decap_server(repo, port, origin=url):
            article = context.new_page()
            article.goto(f"{url}/posts/in-customers-we-trust/")
            connected(article, url, 1)
            editor = Editor(repo, url, f"http://127.0.0.1:{port}", context.new_page(), [])
            editor.open("/collections/posts/entries/in-customers-we-trust")
            editor.tab.get_by_label("Title", exact=True).fill("In Customers We Trust, Edited")
            editor.publish()
            editor.saved("content/posts/in-customers-we-trust.md")
            wait_for(article, "() => document.querySelector('h1').textContent.includes('Edited')")
    finally:
        context.close()
        assert stop_server(proc) == 0


def test_a_picture_without_alt_text_is_refused_with_validates_words_and_nothing_is_written(editor, tmp_path):
    editor.open("/collections/posts/new")
    tab = editor.tab
    tab.get_by_label("Title", exact=True).fill("A post with a bare picture")
    tab.get_by_label("Date", exact=True).fill("2026-12-02T08:00")
    editor.choose("Author", "The Editors")
    editor.choose("Category", "Service Culture")
    editor.choose(TAGS, "training")
    tab.get_by_label("Summary", exact=True).fill("It has a picture.")
    tab.locator("[data-slate-editor]").click()
    tab.keyboard.type("![](images/counter.jpg)")
    editor.publish()
    refusal = tab.get_by_text("has no alt text")
    refusal.wait_for()
    # The build says the same of the same text.
    content = tmp_path / "bare" / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "bare.md").write_text(
        "Title: Bare\nDate: 2026-12-02\nAuthor: The Editors\nCategory: Service Culture\nTags: training\n"
        "Summary: It has a picture.\n\n![](images/counter.jpg)\n", encoding="utf-8")
    build = run_pelican(tmp_path / "bare" / "www", content=content, extra=cache_override(tmp_path / "bare" / "cache"))
    said = refusal.inner_text()
    message = said[said.index("a picture ("):].strip()
    assert build.returncode == 1 and f"posts/bare.md:8: {message}" in build.log, (said, build.log)
    assert not (editor.repo / "content" / "posts" / "a-post-with-a-bare-picture.md").exists()
    assert editor.git("status", "--porcelain") == ""


def test_a_post_with_a_picture_written_as_a_draft_then_published_builds_and_shows_it(editor, tmp_path):
    from PIL import Image

    picture = tmp_path / "till.jpg"
    Image.new("RGB", (900, 600), (120, 80, 40)).save(picture, quality=80)
    editor.open("/collections/posts/new")
    tab = editor.tab
    tab.get_by_label("Title", exact=True).fill("A post with a picture")
    tab.get_by_label("Date", exact=True).fill("2026-12-03T09:15")
    editor.choose("Author", "Ron Kaufman")
    editor.choose("Category", "Trust and Loyalty")
    editor.choose(TAGS, "trust", "loyalty")
    tab.get_by_label("Summary", exact=True).fill("A picture and a caption.")
    tab.get_by_role("button", name="Choose an image").click()
    tab.locator("input[type=file]").set_input_files(str(picture))  # uploaded into content/images/
    tab.get_by_role("button", name="Choose selected").click()
    tab.get_by_label("Cover_alt", exact=False).fill("A brown test picture")
    tab.locator("[data-slate-editor]").click()
    tab.keyboard.type("A paragraph.")
    tab.keyboard.press("Enter")
    tab.keyboard.press("Enter")
    tab.keyboard.type('![The same brown picture](images/till.jpg "The caption")')
    editor.publish()
    rel = "content/posts/a-post-with-a-picture.md"
    draft = editor.saved(rel)
    expected = (
        "Title: A post with a picture\n"
        "Slug: a-post-with-a-picture\n"
        "Date: 2026-12-03 09:15\n"
        "Author: Ron Kaufman\n"
        "Category: Trust and Loyalty\n"
        "Tags: trust, loyalty\n"
        "Summary: A picture and a caption.\n"
        "Status: draft\n"
        "Cover: images/till.jpg\n"
        "Cover_alt: A brown test picture\n"
        "\n"
        "A paragraph.\n"
        "\n"
        '![The same brown picture](images/till.jpg "The caption")\n'
    )
    assert draft.decode("utf-8") == expected
    assert (editor.repo / "content" / "images" / "till.jpg").read_bytes() == picture.read_bytes()

    tab.wait_for_url(re.compile(r"#/collections/posts/entries/a-post-with-a-picture$"))  # the saved entry
    editor.choose("Status", "published")
    editor.publish()
    published = editor.saved(rel)
    assert published.decode("utf-8") == expected.replace("Status: draft", "Status: published")

    build = run_pelican(tmp_path / "built", content=editor.repo / "content",
                        extra=cache_override(tmp_path / "built-cache"))
    assert build.returncode == 0, build.log  # validate and pictures accept it
    page = BeautifulSoup((tmp_path / "built" / "posts" / "a-post-with-a-picture" / "index.html").read_bytes(),
                         "html.parser")
    text = page.select_one(".post__body")
    assert " ".join(text.p.get_text().split()) == "A paragraph."
    assert text.figure.img["alt"] == "The same brown picture"
    assert text.figure.figcaption.get_text() == "The caption"
    assert page.find("img", alt="A brown test picture")  # the cover


def fill_post(editor, title, tags=(), new_tags=""):
    """The form's required fields, as an author fills them (no tag unless given)."""
    tab = editor.tab
    tab.get_by_label("Title", exact=True).fill(title)
    tab.get_by_label("Date", exact=True).fill("2026-12-04T11:00")
    editor.choose("Author", "Cynthia Kay")
    editor.choose("Category", "Service Culture")
    editor.choose(TAGS, *tags)
    if new_tags:
        tab.get_by_label("New tags", exact=False).fill(new_tags)
    tab.get_by_label("Summary", exact=True).fill("A summary.")
    tab.locator("[data-slate-editor]").click()
    tab.keyboard.type("Some text.")


def test_a_new_post_gets_the_slug_and_field_order_new_post_writes_and_may_have_only_new_tags(editor, tmp_path):
    title = "Crêpes & Café: Don’t Panic"
    made = subprocess.run([sys.executable, "-m", "invoke", "new-post", title, "--folder", str(tmp_path / "np")],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    (by_new_post,) = (tmp_path / "np").iterdir()
    assert by_new_post.name == "crepes-cafe-dont-panic.md", made.stdout
    keys = [line.split(":", 1)[0] for line in by_new_post.read_text(encoding="utf-8").split("\n\n")[0].splitlines()]
    editor.open("/collections/posts/new")
    fill_post(editor, title, new_tags="night shift, crêpes")  # no tag from the list
    editor.publish()
    written = editor.saved(f"content/posts/{by_new_post.name}").decode("utf-8")
    assert written == (
        f"Title: {title}\n"
        "Slug: crepes-cafe-dont-panic\n"
        "Date: 2026-12-04 11:00\n"
        "Author: Cynthia Kay\n"
        "Category: Service Culture\n"
        "Tags: night shift, crêpes\n"
        "Summary: A summary.\n"
        "Status: draft\n"
        "\n"
        "Some text.\n"
    )
    assert [line.split(":", 1)[0] for line in written.split("\n\n")[0].splitlines()] == [
        key for key in keys if key not in ("Cover", "Cover_alt", "Series")]  # new-post's order, empty ones left out
    assert f"Slug: {by_new_post.stem}\n" in by_new_post.read_text(encoding="utf-8")


def test_no_tag_or_a_taken_slug_is_refused_in_validates_words_and_nothing_is_written(editor, tmp_path):
    editor.open("/collections/posts/new")
    tab = editor.tab
    fill_post(editor, "In Customers We Trust")  # a seed post's title, so its slug; and no tag
    editor.publish()
    refusal = tab.get_by_text("missing Tags.")
    refusal.wait_for()
    said = refusal.inner_text()  # both problems, in one refusal
    assert editor.git("status", "--porcelain") == ""  # nothing written, no file under another name either

    # The build says the same of the same posts.
    content = tmp_path / "refused" / "content"
    (content / "posts").mkdir(parents=True)
    shutil.copy(editor.repo / "content" / "posts" / "in-customers-we-trust.md", content / "posts")
    header = "Date: 2026-12-04 11:00\nAuthor: Cynthia Kay\nCategory: Service Culture\nSummary: A summary.\n"
    (content / "posts" / "untagged.md").write_text(f"Title: Untagged\n{header}\nSome text.\n", encoding="utf-8")
    (content / "posts" / "zz-again.md").write_text(f"Title: In Customers We Trust\n{header}Tags: trust\n\nSome text.\n",
                                                   encoding="utf-8")
    build = run_pelican(tmp_path / "refused" / "www", content=content,
                        extra=cache_override(tmp_path / "refused" / "cache"))
    problems = set(re.findall(r"content/posts/[^:\s]+\.md:\d+: (.*)", build.log))
    assert build.returncode == 1
    by_the_build = sorted(problem for problem in problems if "Tags" in problem or "slug" in problem)
    assert len(by_the_build) == 2 and said.strip().endswith(" ".join(by_the_build)), (said, build.log)


def test_an_unknown_author_cannot_be_chosen(editor):
    authors = list(get_settings_from_file(str(ROOT / "pelicanconf.py"))["AUTHORS_INFO"])
    editor.open("/collections/posts/new")
    tab = editor.tab
    author = tab.get_by_label("Author", exact=True)
    author.click()
    tab.get_by_role("option").first.wait_for()  # the list is open
    assert tab.get_by_role("option").all_inner_texts() == authors
    author.fill("Somebody Else")
    tab.get_by_text("No options").wait_for()
    tab.keyboard.press("Enter")
    tab.keyboard.press("Escape")
    tab.get_by_label("Title", exact=True).fill("By nobody we know")
    editor.publish()
    tab.get_by_text("missed a required field").wait_for()  # Author has no value: Decap saves nothing
    assert editor.git("status", "--porcelain") == ""


def upload_refused(editor, picture):
    """Upload `picture` as the cover; return the message the editor shows."""
    tab = editor.tab
    images = editor.repo / "content" / "images"
    before = sorted(p.name for p in images.iterdir()) if images.exists() else []
    tab.get_by_role("button", name="Choose an image").click()
    with tab.expect_event("dialog") as shown:
        tab.locator("input[type=file]").set_input_files(str(picture))
    message = shown.value.message
    shown.value.accept()
    assert (sorted(p.name for p in images.iterdir()) if images.exists() else []) == before
    assert editor.git("status", "--porcelain") == ""
    return message


def test_an_upload_that_is_not_a_picture_is_refused_and_nothing_is_written(editor, tmp_path):
    notes = tmp_path / "notes.jpg"  # named like a picture, but text
    notes.write_text("Meeting notes, not a photo.\n", encoding="utf-8")
    editor.open("/collections/posts/new")
    message = upload_refused(editor, notes)
    assert message.startswith("notes.jpg is not a picture the site can publish (") and "Nothing was uploaded" in message


def test_a_picture_over_the_builds_pixel_limit_is_refused_and_nothing_is_written(editor, tmp_path):
    from PIL import Image

    from extramile.plugins.pictures.pictures import DEFAULTS

    limit = DEFAULTS["PICTURES_MAX_PIXELS"]
    width = 8000
    huge = tmp_path / "huge.png"
    Image.new("1", (width, limit // width + 1)).save(huge)  # one pixel row over the limit, small on disk
    editor.open("/collections/posts/new")
    message = upload_refused(editor, huge)
    assert message.startswith("huge.png: the picture has more than ") and message.endswith(" Nothing was uploaded.")

    # The build refuses the same file, on the post's line, in the same words.
    content = tmp_path / "huge" / "content"
    (content / "images").mkdir(parents=True)
    (content / "posts").mkdir()
    shutil.copy(huge, content / "images")
    (content / "posts" / "huge.md").write_text(
        "Title: Huge\nDate: 2026-12-04\nAuthor: Cynthia Kay\nCategory: Service Culture\nTags: trust\n"
        "Summary: A huge cover.\nCover: images/huge.png\nCover_alt: Nothing but black\n\nText.\n", encoding="utf-8")
    build = run_pelican(tmp_path / "huge" / "www", content=content, extra=cache_override(tmp_path / "huge" / "cache"))
    said = message.removeprefix("huge.png: ").removesuffix(" Nothing was uploaded.")
    assert build.returncode == 1 and f"content/posts/huge.md:7: the cover (images/huge.png): {said}" in build.log, \
        build.log


def test_a_save_over_someone_elses_newer_save_is_refused_and_keeps_both_texts(editor, browser_without_profile):
    rel = "content/posts/in-customers-we-trust.md"
    entry = "/collections/posts/entries/in-customers-we-trust"
    other = browser_without_profile.new_context()
    try:
        second = Editor(editor.repo, editor.origin, editor.backend, other.new_page(), [])
        editor.open(entry)
        second.open(entry)  # both have the post open
        summary = editor.tab.get_by_label("Summary", exact=True)
        summary.fill(summary.input_value() + " First author's words.")
        editor.publish()
        first = editor.saved(rel)
        assert "First author's words." in first.decode("utf-8")

        second.tab.get_by_label("Title", exact=True).fill("In Customers We Trust, Second Take")
        second.publish()
        second.tab.get_by_text("Someone else saved this post after you opened it").wait_for()
        assert (editor.repo / rel).read_bytes() == first  # the first author's save stands
        assert second.tab.get_by_label("Title", exact=True).input_value() == "In Customers We Trust, Second Take"

        summary.fill(summary.input_value() + " And more.")  # the first author's own next save goes through
        editor.publish()
        assert editor.saved(rel).decode("utf-8").count("First author's words. And more.") == 1
    finally:
        other.close()
