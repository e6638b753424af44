"""The production editor: a build with a Forgejo git host (EDITOR_* variables)
served by real nginx from `invoke nginx-config`, opened in real Chromium.

The git host is a stand-in on 127.0.0.1 that answers what Decap asks of
Forgejo first: the OAuth2 login with PKCE (authorize, then the token, which it
gives only for the verifier whose S256 challenge it was shown), the user, the
repository, its branch and tree. Every request to any other address is
stopped and recorded, never sent."""

import base64
import hashlib
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from extramile import ROOT, testing
from extramile.tools.checkers import MissingTool
from extramile.tools.serving import Nginx, fetch, free_port
from tests.browser import StaticServer
from tests.conftest import cache_override, run_pelican

pytestmark = pytest.mark.skipif(not (ROOT / "node_modules" / "decap-cms").exists(),
                                reason="node_modules is missing: run script/bootstrap --test")
REPO, APP_ID, BRANCH = "owner/blog", "extramile-test-app", "main"


class Forge:
    """A stand-in for a Forgejo host on 127.0.0.1: the calls Decap makes first, nothing more."""

    def __init__(self):
        self.challenges, self.token, self.sites = {}, secrets.token_hex(8), set()
        self.asked = []
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if self.headers.get("Origin") in forge.sites:  # CORS for the site's pages, as a host allows
                    self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
                self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
                for name, value in headers:
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_OPTIONS(self):
                self.answer(204)

            def do_GET(self):
                url = urlsplit(self.path)
                forge.asked.append(("GET", url.path))
                if url.path == "/login/oauth/authorize":
                    query = {key: values[0] for key, values in parse_qs(url.query).items()}
                    assert query["client_id"] == APP_ID and query["code_challenge_method"] == "S256"
                    code = secrets.token_hex(8)
                    forge.challenges[code] = query["code_challenge"]
                    back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                    return self.answer(302, headers=[("Location", back)])
                if self.headers.get("Authorization") != f"token {forge.token}":
                    return self.answer(401, {"message": "token is required"})
                api = {
                    "/api/v1/user": {"login": "author", "full_name": "An Author", "email": "author@example.org",
                                     "avatar_url": f"{forge.origin}/avatars/author"},
                    f"/api/v1/repos/{REPO}": {"owner": {"login": "owner"}, "permissions": {"push": True}},
                    f"/api/v1/repos/{REPO}/branches/{BRANCH}": {"name": BRANCH, "commit": {"id": "0" * 40}},
                    f"/api/v1/repos/{REPO}/git/trees/{'0' * 40}": {"sha": "0" * 40, "tree": []},
                }
                if url.path in api:
                    return self.answer(200, api[url.path])
                if url.path == f"/api/v1/repos/{REPO}/pulls":
                    return self.answer(200, [])
                self.answer(404, {"message": "not found"})

            def do_POST(self):
                url = urlsplit(self.path)
                forge.asked.append(("POST", url.path))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/login/oauth/access_token":
                    return self.answer(404, {"message": "not found"})
                verifier = body.get("code_verifier", "").encode()
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if body.get("client_id") != APP_ID or forge.challenges.pop(body.get("code"), None) != challenge:
                    return self.answer(400, {"error": "invalid_grant"})
                self.answer(200, {"access_token": forge.token, "token_type": "bearer", "expires_in": 3600})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production build with the editor on the stand-in Forgejo, under real nginx."""
    tmp = tmp_path_factory.mktemp("editor-production")
    forge = Forge()
    port = free_port()
    forge.sites.add(f"http://127.0.0.1:{port}")
    output = tmp / "www"
    build = run_pelican(output, conf="publishconf.py", extra=cache_override(tmp / "cache"),
                        env={"SITEURL": f"http://127.0.0.1:{port}", "SUBSCRIBE_PROVIDER": "generic",
                             "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe",
                             "EDITOR_BACKEND": "forgejo", "EDITOR_REPO": REPO,
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
        tab.get_by_text("No Entries").wait_for()  # the posts folder, read from the host's tree
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
