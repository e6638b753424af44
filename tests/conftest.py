"""Shared fixtures: the real site, built by plain Pelican into temporary folders."""

import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from invoke import Config, Context, Result, UnexpectedExit

ROOT = Path(__file__).resolve().parent.parent
# The shared checkers live in tools/ (used by `invoke audit` too).
PROD_SITEURL = "https://example.org/blog"
# A production build must say how readers reply (plugins/replies): every
# production build here replies by email unless a test sets otherwise.
REPLIES_ENV = {"REPLIES": "email", "REPLY_EMAIL": "replies@example.org"}


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


# Builds run as `python -m pelican ARGS` would, in a fork of one warm process
# that has imported Pelican and the plugins (extramile/devtools/warm_builder.py,
# what `invoke livereload` uses): each build is as fresh as a new process, a
# second sooner. fresh=True (or EXTRAMILE_TEST_FRESH=1 for all) starts a new
# interpreter instead: tests comparing two builds' bytes use it, so that each
# build gets its own hash seed, as two real runs would.
_warm = []


def warm_builder():
    if not _warm:
        from extramile.devtools.warm_builder import WarmBuilder

        # Each build gets its own environment; the zygote's must not hold the
        # terminal's size, which Pelican's console would keep for every build.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        _warm.append(WarmBuilder(ROOT / "publishconf.py", cwd=ROOT, env=env))
    return _warm[0]


@pytest.fixture(autouse=True)
def _settings_modules_kept():
    """Pelican's get_settings_from_file registers each settings file in
    sys.modules by its name, so a test loading a fixture `pelicanconf.py` would
    otherwise be what `from pelicanconf import *` finds in every later test."""
    saved = {name: sys.modules.get(name) for name in ("pelicanconf", "publishconf")}
    yield
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


@pytest.fixture(scope="session", autouse=True)
def _stop_the_warm_builder():
    yield
    if _warm:
        _warm[0].close()


class WarmContext(Context):
    """An invoke Context as tasks get it (no reading of pytest's stdin), whose
    `python -m pelican ...` commands run through the warm builder above, with
    the environment invoke would give them; any other command runs as usual."""

    PELICAN = [sys.executable, "-m", "pelican"]

    def __init__(self):
        super().__init__(config=Config(overrides={"run": {"in_stream": False}}))

    def run(self, command, **kwargs):
        args = shlex.split(command)
        if args[:3] != self.PELICAN or os.environ.get("EXTRAMILE_TEST_FRESH"):
            return super().run(command, **kwargs)
        environment = {**({} if kwargs.get("replace_env") else os.environ), **(kwargs.get("env") or {})}
        with tempfile.NamedTemporaryFile(prefix="pelican-", suffix=".log") as log:
            code = warm_builder().build(args[3:], env=environment, log_path=log.name)["code"]
            printed = Path(log.name).read_text(encoding="utf-8", errors="replace")
        sys.stdout.write(printed)  # what invoke would have streamed
        result = Result(stdout=printed, command=command, exited=code)
        if code and not kwargs.get("warn"):
            raise UnexpectedExit(result)
        return result


def run_pelican(output, conf="pelicanconf.py", content=None, env=None, extra=(), fresh=False):
    """Run the plain `pelican` command the way an author would."""
    assert list(extra).count("-e") <= 1, "Pelican keeps only the last -e: pass all settings in one"
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("SITEURL", "SUBSCRIBE_PROVIDER", "SUBSCRIBE_ACTION", "ISSO_URL")}
    environment.update(REPLIES_ENV)
    environment.update(env or {})
    args = [str(content or ROOT / "content"), "-s", str(ROOT / conf), "-o", str(output), *extra]
    if fresh or os.environ.get("EXTRAMILE_TEST_FRESH"):
        proc = subprocess.run([sys.executable, "-m", "pelican", *args], cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=300)
        return Build(Path(output), proc.returncode, proc.stdout + proc.stderr)
    with tempfile.NamedTemporaryFile(prefix="pelican-", suffix=".log") as log:
        code = warm_builder().build(args, env=environment, log_path=log.name)["code"]
        return Build(Path(output), code, Path(log.name).read_text(encoding="utf-8", errors="replace"))


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


@pytest.fixture(scope="session")
def dev_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev")
    build = run_pelican(tmp / "output", extra=cache_override(tmp / "cache"))
    assert build.returncode == 0, build.log
    return build


@pytest.fixture(scope="session")
def prod_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod")
    build = run_pelican(
        tmp / "output",
        conf="publishconf.py",
        env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "generic",
             "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"},
        extra=cache_override(tmp / "cache"),
    )
    assert build.returncode == 0, build.log
    return build


# -- Served production builds, for the browser tests -------------------------
from browser import StaticServer, browser_without_profile, chromium, no_js_page, page, playwright_driver  # noqa: E402,F401


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


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """The production site served at the root of http://127.0.0.1:PORT."""
    build = serve_production_site(tmp_path_factory.mktemp("served"))
    yield build
    build.server.stop()


@pytest.fixture(scope="session")
def served_subpath_site(tmp_path_factory):
    """The production site served under http://127.0.0.1:PORT/blog."""
    build = serve_production_site(tmp_path_factory.mktemp("served-sub"), prefix="/blog")
    yield build
    build.server.stop()
