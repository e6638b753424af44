"""What the tests share: the real site built by plain Pelican into temporary
folders, as an author runs it, and small fixture sites. Like Pelican's own
pelican/tests/support.py: tests import what they use from here; conftest.py
holds only fixtures.

Every build is `python -m pelican ARGS` in a new interpreter, with the test's
own environment: a test of the site never goes through the development
server's warm builder (that has its own tests), and no build can see what an
earlier one left in a process.
"""

import hashlib
import json
import os
import subprocess
import sys
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


# -- Fixture content: small sites written into tmp_path ----------------------
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

