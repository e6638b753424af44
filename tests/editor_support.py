"""The editor at /admin/ as an author drives it in Chromium (Decap CMS):
log in, choose from a list, select a word in the rich-text body, publish, and
read the file once Decap says it is saved. Used with decap-server
(test_editor_browser.py) and with a stand-in git host (test_editor_production.py)."""

import re
import subprocess

from playwright.sync_api import TimeoutError as PlaywrightTimeout

GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
SAVED = re.compile(r"^Entry (saved|published)$")  # Decap's notice once the backend has written
# Decap marks a field that may be empty: a post needs a tag, from this list or new ones (checks.js).
TAGS = "Tags (optional)"
# Decap's rich-text body is Slate. Slate learns a DOM selection up to 100 ms late (a throttled
# `selectionchange` handler), and a render in between writes its older selection back to the page
# (slate-react's selection sync), so a robot's double-click can most likely be undone before it
# types: in CI the word stayed and "Giving" landed in front of it. So a test waits for Slate's
# own selection, read from the editor object that React's fibre tree holds for the contenteditable.
SLATE_SELECTS = """([selector, text]) => {
  const el = document.querySelector(selector);
  const fibre = el && el[Object.keys(el).find((k) => k.startsWith("__reactFiber$"))];
  for (let f = fibre; f; f = f.return) {
    const editor = f.memoizedProps && f.memoizedProps.value;
    if (!editor || typeof editor.apply !== "function" || !("selection" in editor)) continue;
    const s = editor.selection;
    if (!s || s.anchor.path.join() !== s.focus.path.join()) return false;
    let node = editor;
    for (const i of s.anchor.path) node = node.children[i];
    const [from, to] = [s.anchor.offset, s.focus.offset].sort((a, b) => a - b);
    return node.text.slice(from, to) === text;
  }
  return false;
}"""


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

    def select_word(self, text_locator, word, position):
        """Double-click `word` at `position` in `text_locator`, until Slate itself has it selected.
        A lost double-click is only repeated, so a slow machine costs attempts, never the result."""
        for _ in range(5):
            text_locator.dblclick(position=position)
            try:
                self.tab.wait_for_function(SLATE_SELECTS, arg=["[data-slate-editor]", word], timeout=5000)
                return
            except PlaywrightTimeout:
                continue
        raise AssertionError(f"Slate never had {word!r} selected after 5 double-clicks")

    def publish(self):
        self.tab.get_by_role("button", name="Publish", exact=True).click()
        self.tab.get_by_text("Publish now").click()

    def saved(self, rel):
        """The file's bytes once Decap says the save is done: decap-server answers
        only after writing (a file seen earlier may still be half written)."""
        self.wait_saved()
        return (self.repo / rel).read_bytes()

    def wait_saved(self):
        notice = self.tab.get_by_text(SAVED)
        notice.wait_for()
        # Dismissed, so the next save's notice is a new one. Decap also takes it away by itself,
        # so click whatever is still there now (maybe nothing) instead of waiting to click it.
        notice.evaluate_all("notices => notices.forEach((n) => n.click())")
        notice.wait_for(state="detached")

    def git(self, *args):
        return subprocess.run([*GIT, *args], cwd=self.repo, check=True, capture_output=True, text=True).stdout


def write_new_post(editor, title):
    """A new post as an author writes it: every field of the form, and two paragraphs."""
    editor.open("/collections/posts/new")
    tab = editor.tab
    tab.get_by_label("Title", exact=True).fill(title)
    tab.get_by_label("Date", exact=True).fill("2026-12-01T10:30")
    editor.choose("Author", "Cynthia Kay")
    editor.choose("Category", "Service Culture")
    editor.choose(TAGS, "training", "travel")
    tab.get_by_label("New tags", exact=False).fill("night shift")
    tab.get_by_label("Summary", exact=True).fill("What the post says.")
    tab.locator("[data-slate-editor]").click()
    tab.keyboard.type("First paragraph.")
    tab.keyboard.press("Enter")
    tab.keyboard.press("Enter")
    tab.keyboard.type("Second paragraph.")


def new_post_file(title, slug):
    """The file `invoke new-post`'s order gives for write_new_post's fields."""
    return (
        f"Title: {title}\n"
        f"Slug: {slug}\n"
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
