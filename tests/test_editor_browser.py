"""The editor at /admin/ in real Chromium, against decap-server on 127.0.0.1
editing a scratch copy of the site: what an author does in the browser is a
file on disk, byte for byte, and nothing is fetched from another host."""

import json
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from extramile import ROOT
from extramile.devtools.editor_backend import decap_server
from extramile.tools.serving import free_port
from tests.browser import StaticServer, require_node_modules
from tests.support import cache_override, run_pelican


@pytest.fixture(autouse=True)
def _node_modules():
    require_node_modules()


GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
SAVED = re.compile(r"^Entry (saved|published)$")  # Decap's notice once the backend has written


class Editor:
    """The built /admin/, decap-server on the scratch site, and a fresh browser tab."""

    def __init__(self, repo, origin, backend, tab, requests):
        self.repo, self.origin, self.backend, self.tab, self.requests = repo, origin, backend, tab, requests

    def open(self, fragment=""):
        self.tab.goto(f"{self.origin}/admin/")
        self.tab.get_by_role("button", name="Login").click()  # the local backend asks for no credentials
        self.tab.get_by_text("In Customers We Trust").wait_for()
        if fragment:
            self.tab.goto(f"{self.origin}/admin/#{fragment}")
            self.tab.get_by_label("Title", exact=True).wait_for()

    def choose(self, label, *options):
        for option in options:
            self.tab.get_by_label(label, exact=True).click()
            self.tab.get_by_role("option", name=option, exact=True).click()

    def publish(self):
        self.tab.get_by_role("button", name="Publish", exact=True).click()
        self.tab.get_by_text("Publish now").click()

    def saved(self, rel):
        """The file's bytes once Decap says the save is done: decap-server answers
        only after writing (a file seen earlier may still be half written)."""
        notice = self.tab.get_by_text(SAVED)
        notice.wait_for()
        notice.click()  # dismissed, so the next save's notice is a new one
        notice.wait_for(state="detached")
        return (self.repo / rel).read_bytes()

    def git(self, *args):
        return subprocess.run([*GIT, *args], cwd=self.repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def editor(tmp_path, browser_without_profile):
    repo = tmp_path / "site"
    shutil.copytree(ROOT / "content", repo / "content")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run([*GIT, *args], cwd=repo, check=True)
    port = free_port()
    backend = f"http://127.0.0.1:{port}/api/v1"
    build = run_pelican(tmp_path / "www", content=repo / "content",
                        extra=cache_override(tmp_path / "cache", EDITOR_LOCAL_BACKEND=json.dumps(backend)))
    assert build.returncode == 0, build.log
    server = StaticServer(tmp_path / "www").start()
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
        server.stop()
    assert refused == []


def origins(urls):
    return {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in urls if urlsplit(u).scheme in ("http", "https")}


def test_a_post_made_in_the_editor_is_the_file_an_author_would_write(editor):
    editor.open("/collections/posts/new")
    tab = editor.tab
    tab.get_by_label("Title", exact=True).fill("Notes from a test post")
    tab.get_by_label("Date", exact=True).fill("2026-12-01T10:30")
    editor.choose("Author", "Cynthia Kay")
    editor.choose("Category", "Service Culture")
    editor.choose("Tags", "training", "travel")
    tab.get_by_label("New tags", exact=False).fill("night shift")
    tab.get_by_label("Summary", exact=True).fill("What the post says.")
    body = tab.locator("[data-slate-editor]")
    body.click()
    tab.keyboard.type("First paragraph.")
    tab.keyboard.press("Enter")
    tab.keyboard.press("Enter")
    tab.keyboard.type("Second paragraph.")
    preview = tab.frame_locator("iframe").locator("article.post")  # in the site's look
    assert preview.locator("h1.post__title").inner_text() == "Notes from a test post"
    assert preview.locator(".prose p").first.inner_text() == "First paragraph."
    token = preview.evaluate("e => getComputedStyle(e).getPropertyValue('--color-text')")
    assert token.strip(), "the theme's stylesheet is not applied in the preview"
    editor.publish()
    written = editor.saved("content/posts/notes-from-a-test-post.md")
    assert written.decode("utf-8") == (
        "Title: Notes from a test post\n"
        "Date: 2026-12-01 10:30\n"
        "Author: Cynthia Kay\n"
        "Category: Service Culture\n"
        "Tags: training, travel, night shift\n"
        "Summary: What the post says.\n"
        "Status: draft\n"
        "\n"
        "First paragraph.\n"
        "\n"
        "Second paragraph.\n"
    )
    assert origins(editor.requests) == {editor.origin, editor.backend}  # nothing from another host


def changed_lines(diff):
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_one_word_changed_in_a_seed_article_text_is_a_one_line_diff(editor):
    rel = "content/posts/in-customers-we-trust.md"
    before = (editor.repo / rel).read_bytes()
    editor.open("/collections/posts/entries/in-customers-we-trust")
    word = editor.tab.locator("[data-slate-editor]").get_by_text("Showing a little faith in people")
    word.dblclick(position={"x": 3, "y": 5})  # the paragraph's first word
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
    from test_livereload import connected, start_server, stop_server, wait_for

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
    editor.choose("Tags", "training")
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
    editor.choose("Tags", "trust", "loyalty")
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
