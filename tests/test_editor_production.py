"""The production editor: a build with a git host (EDITOR_* variables) served
by real nginx from `invoke nginx-config`, opened in real Chromium.

The git host is a stand-in on 127.0.0.1 (tests/forge.py): the OAuth2 login
with PKCE, then the API Decap's forgejo and gitea backends call, over a real
git repository in a temporary folder. With Gitea an author's save is a commit
in it; two authors on one post are told of the conflict. Every request to any
other address is stopped and recorded, never sent."""

import io
import json
import re
import tarfile
from urllib.parse import urlsplit

import pytest
from browser import StaticServer
from bs4 import BeautifulSoup
from editor_support import Editor, new_post_file, write_new_post
from forge import APP_ID, BRANCH, REPO, Forge, Repository
from support import cache_override, run_pelican

from extramile import ROOT, testing
from extramile.tools.checkers import MissingTool
from extramile.tools.serving import Nginx, fetch, free_port

pytestmark = pytest.mark.skipif(not (ROOT / "node_modules" / "decap-cms").exists(),
                                reason="node_modules is missing: run script/bootstrap --test")


def production_site(tmp, backend, forge):
    """The production build with the editor on the stand-in host, under real nginx."""
    port = free_port()
    forge.sites.add(f"http://127.0.0.1:{port}")
    output = tmp / "www"
    build = run_pelican(output, conf="publishconf.py", extra=cache_override(tmp / "cache"),
                        env={"SITEURL": f"http://127.0.0.1:{port}", "SUBSCRIBE_PROVIDER": "generic",
                             "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe",
                             "EDITOR_BACKEND": backend, "EDITOR_REPO": REPO,
                             "EDITOR_API_ROOT": f"{forge.origin}/api/v1", "EDITOR_APP_ID": APP_ID})
    assert build.returncode == 0, build.log
    try:
        nginx = Nginx(tmp, output, "", output, port)
    except MissingTool as tool:
        forge.stop()
        testing.missing(str(tool))
    build.url, build.forge = f"http://127.0.0.1:{port}", forge
    yield build
    nginx.stop()
    forge.stop()


def seeded(folder):
    """A repository holding the site's content/ as its one commit on BRANCH."""
    repository = Repository(folder)
    repository.seed(ROOT, "content")
    return repository


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Forgejo: drafts are pull requests."""
    tmp = tmp_path_factory.mktemp("editor-production")
    yield from production_site(tmp, "forgejo", Forge(seeded(tmp / "repo.git")))


def meta_policy(build, rel):
    return build.soup(rel).find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]


def test_admin_has_the_editors_policy_and_noindex_and_other_pages_keep_the_sites(site):
    status, admin, _ = fetch(site.url + "/admin/")
    assert status == 200
    editor = admin.get_all("Content-Security-Policy")
    assert editor == [meta_policy(site, "admin/index.html") + "; frame-ancestors 'none'"]  # one policy, the editor's
    assert f"connect-src 'self' blob: {site.forge.origin};" in editor[0]  # the git host, nothing else
    assert admin["X-Robots-Tag"] == "noindex"
    assert admin["Referrer-Policy"] == "strict-origin-when-cross-origin"
    [ours] = site.output.glob("admin/format.*.js")  # named by its content
    _, script, _ = fetch(f"{site.url}/admin/{ours.name}")
    assert script["Cache-Control"] == "public, max-age=31536000, immutable"
    assert script.get_all("Content-Security-Policy") == editor
    for path, rel in (("/", "index.html"), ("/posts/in-customers-we-trust/", "posts/in-customers-we-trust/index.html")):
        _, page, _ = fetch(site.url + path)
        assert page.get_all("Content-Security-Policy") == [meta_policy(site, rel) + "; frame-ancestors 'none'"]
        assert "X-Robots-Tag" not in page
    config = json.loads(site.text("admin/config.yml"))
    assert config["publish_mode"] == "editorial_workflow"
    assert config["backend"] == {"name": "forgejo", "repo": REPO, "branch": BRANCH,
                                 "api_root": f"{site.forge.origin}/api/v1", "app_id": APP_ID}


def test_readers_pages_do_not_load_the_editor(site):
    for page in site.output.rglob("*.html"):
        if "admin" not in page.relative_to(site.output).parts:
            soup = BeautifulSoup(page.read_bytes(), "html.parser")
            assert not soup.find(src=re.compile("admin/")), page


@pytest.fixture(params=["nginx", "no headers"])
def served(request, site):
    """The site's address under nginx, or under a server that sends no headers (as S3
    does: then the page's <meta> policy is the only one)."""
    if request.param == "nginx":
        yield site.url
        return
    server = StaticServer(site.output).start()
    site.forge.sites.add(server.origin)
    yield server.origin
    server.stop()


def test_an_author_logs_in_with_pkce_and_the_page_talks_to_the_git_host_only(site, served, browser_without_profile):
    context = browser_without_profile.new_context()
    elsewhere, requests, refused = [], [], []

    def stop_and_record(route):
        elsewhere.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!https?://127\.0\.0\.1:\d+/)"), stop_and_record)  # never sent
    tab = context.new_page()
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        tab.goto(served + "/admin/")
        tab.get_by_role("button", name="Login with Forgejo").click()
        tab.get_by_text("Workflow").first.wait_for()  # logged in; drafts are pull requests
        tab.get_by_text("In Customers We Trust").wait_for()  # the posts folder, read from the host's repository
    finally:
        context.close()
    assert elsewhere == []
    assert {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in requests
            if urlsplit(u).scheme in ("http", "https")} == {served, site.forge.origin}
    assert ("POST", "/login/oauth/access_token") in site.forge.asked  # the PKCE exchange, from the page itself
    assert ("GET", f"/api/v1/repos/{REPO}/pulls") in site.forge.asked  # drafts are pull requests
    assert refused == []


def test_a_malformed_variable_stops_the_production_build_with_one_line(tmp_path):
    build = run_pelican(tmp_path / "www", conf="publishconf.py", extra=cache_override(tmp_path / "cache"),
                        env={"SITEURL": "https://example.org", "SUBSCRIBE_PROVIDER": "none",
                             "EDITOR_BACKEND": "forgejo", "EDITOR_REPO": "owner/blog", "EDITOR_APP_ID": APP_ID})
    assert build.returncode != 0
    assert build.log.strip().splitlines() == [
        'Build stopped: EDITOR_BACKEND=forgejo needs EDITOR_API_ROOT (docs/editor.md, "In production").']
    assert not (tmp_path / "www" / "admin").exists()


# Saving through the git host. Decap's gitea backend commits a save to the branch
# itself (simple publish mode); its forgejo backend's drafts on pull requests
# need branches, pull requests, labels and merges the stand-in does not keep.

class HostedEditor(Editor):
    """An author's tab on the production /admin/: a save is a commit in the stand-in's repository."""

    def save(self):
        """Save a draft (Forgejo: drafts are pull requests)."""
        self.tab.get_by_role("button", name="Save", exact=True).click()

    def saved(self, rel, ref=BRANCH):
        self.wait_saved()  # Decap says so once the host has answered the commit
        return self.repo.file(rel, ref)


@pytest.fixture(scope="module")
def gitea(tmp_path_factory):
    """Gitea: a save commits to BRANCH."""
    tmp = tmp_path_factory.mktemp("editor-gitea")
    yield from production_site(tmp, "gitea", Forge(seeded(tmp / "repo.git")))


@pytest.fixture
def new_author(browser_without_profile):
    """Opens a new author's browser (a context of its own) on a production site's /admin/."""
    contexts, elsewhere, refused = [], [], []

    def stop_and_record(route):
        elsewhere.append(route.request.url)
        route.abort()

    def make(site):
        context = browser_without_profile.new_context()
        contexts.append(context)
        context.route(re.compile(r"^(?!https?://127\.0\.0\.1:\d+/)"), stop_and_record)  # never sent
        tab = context.new_page()
        tab.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
        return HostedEditor(site.forge.repository, site.url, site.forge.origin, tab, [])

    yield make
    for context in contexts:
        context.close()
    assert elsewhere == [] and refused == []


def test_an_author_saves_a_new_post_as_one_commit_with_the_file_new_post_writes(gitea, new_author, tmp_path):
    repository, rel = gitea.forge.repository, "content/posts/notes-from-the-night-shift.md"
    before = repository.rev(BRANCH)
    editor = new_author(gitea)
    write_new_post(editor, "Notes from the night shift")
    editor.publish()
    assert editor.saved(rel).decode("utf-8") == new_post_file("Notes from the night shift", "notes-from-the-night-shift")
    assert repository.rev(f"{BRANCH}~1") == before  # one commit on the branch, adding that file only
    assert repository.git("diff-tree", "-r", "--name-status", "--no-commit-id", BRANCH).decode() == f"A\t{rel}\n"
    assert ("POST", f"/api/v1/repos/{REPO}/contents") in gitea.forge.asked

    with tarfile.open(fileobj=io.BytesIO(repository.git("archive", BRANCH, "content"))) as archive:
        archive.extractall(tmp_path / "checkout", filter="data")  # the branch as a build checks it out
    build = run_pelican(tmp_path / "www", content=tmp_path / "checkout" / "content",
                        extra=cache_override(tmp_path / "cache"))
    assert build.returncode == 0, build.log  # validate accepts it
    page = BeautifulSoup(build.path("drafts/notes-from-the-night-shift/index.html").read_bytes(), "html.parser")
    assert [" ".join(p.get_text().split()) for p in page.select(".post__body p")] == ["First paragraph.", "Second paragraph."]


def test_two_authors_on_one_post_the_second_gets_the_conflict_message_and_keeps_their_text(gitea, new_author):
    repository, rel = gitea.forge.repository, "content/posts/in-customers-we-trust.md"
    entry = "/collections/posts/entries/in-customers-we-trust"
    first, second = new_author(gitea), new_author(gitea)
    first.open(entry)
    second.open(entry)  # both have the post open
    summary = first.tab.get_by_label("Summary", exact=True)
    summary.fill(summary.input_value() + " First author's words.")
    first.publish()
    saved = first.saved(rel)
    assert "First author's words." in saved.decode("utf-8")
    after_first = repository.rev(BRANCH)

    second.tab.get_by_label("Title", exact=True).fill("In Customers We Trust, Second Take")
    second.publish()
    second.tab.get_by_text("Someone else saved this post after you opened it").wait_for()
    assert repository.rev(BRANCH) == after_first and repository.file(rel) == saved  # nothing committed
    assert second.tab.get_by_label("Title", exact=True).input_value() == "In Customers We Trust, Second Take"

    summary.fill(summary.input_value() + " And more.")  # the first author's own next save goes through
    first.publish()
    assert first.saved(rel).decode("utf-8").count("First author's words. And more.") == 1
    assert repository.rev(f"{BRANCH}~1") == after_first


def test_on_forgejo_a_draft_is_a_pull_request_that_publish_merges(site, new_author):
    repository, draft = site.forge.repository, "cms/posts/a-draft-for-review"
    rel, before = "content/posts/a-draft-for-review.md", repository.rev(BRANCH)
    expected = new_post_file("A draft for review", "a-draft-for-review").encode("utf-8")
    editor = new_author(site)
    write_new_post(editor, "A draft for review")
    editor.save()
    assert editor.saved(rel, ref=draft) == expected  # on the draft's own branch
    assert repository.rev(BRANCH) == before  # the site's branch is untouched
    [pull] = [pr for pr in site.forge.pulls if pr["head"]["ref"] == draft]
    assert pull["state"] == "open" and [label["name"] for label in pull["labels"]] == ["decap-cms/draft"]

    editor.tab.get_by_role("button", name="Status: Draft").click()
    editor.tab.get_by_role("menuitem", name="Ready").click()
    editor.tab.get_by_text("Entry status updated").wait_for()
    assert [label["name"] for label in pull["labels"]] == ["decap-cms/pending_publish"]
    asked = []

    def confirm(dialog):
        asked.append(dialog.message)
        dialog.accept()

    editor.tab.once("dialog", confirm)
    editor.publish()
    assert editor.saved(rel) == expected  # merged into the site's branch
    assert asked == ["Are you sure you want to publish this entry?"]  # Decap's confirmation, accepted
    assert pull["merged"] and repository.git("rev-list", "--parents", "-1", BRANCH).decode().split()[1] == before
    assert repository.blob_at_ref(f"refs/heads/{draft}") is None  # the draft's branch is deleted


def test_on_forgejo_two_authors_on_one_post_the_second_gets_the_conflict_message_on_the_draft(site, new_author):
    repository, slug = site.forge.repository, "yes-were-closed-but-come-on-in"
    rel, draft = f"content/posts/{slug}.md", f"cms/posts/{slug}"
    first, second = new_author(site), new_author(site)
    first.open(f"/collections/posts/entries/{slug}")
    second.open(f"/collections/posts/entries/{slug}")  # both have the post open
    summary = first.tab.get_by_label("Summary", exact=True)
    summary.fill(summary.input_value() + " First author's words.")
    first.save()
    saved = first.saved(rel, ref=draft)  # the first author's draft, on its own branch
    assert "First author's words." in saved.decode("utf-8")
    after_first = repository.rev(f"refs/heads/{draft}")

    second.tab.get_by_label("Title", exact=True).fill("Yes, We're Closed, Second Take")
    second.save()
    second.tab.get_by_text("Someone else saved this post after you opened it").wait_for()
    assert repository.rev(f"refs/heads/{draft}") == after_first  # nothing committed over the first draft
    assert second.tab.get_by_label("Title", exact=True).input_value() == "Yes, We're Closed, Second Take"
