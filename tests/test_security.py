"""Policies that keep readers safe: the Content-Security-Policy holds on every
page in real Chromium, links to other sites cannot reach back, and nothing
from outside the content folder is published."""

import os
import stat
import subprocess
from urllib.parse import urlsplit

import pytest
from browser import RECORD_VIOLATIONS
from invoke import Exit
from support import PROD_ENV, PROD_SITEURL, cache_override, make_content, post, run_pelican, snapshot, task_context

import tasks
from extramile.devtools import isso_server
from extramile.tools.serving import free_port, wait_for_port


def html_pages(site):
    return sorted(p.relative_to(site.output).as_posix() for p in site.output.rglob("*.html"))


def test_policy_forbids_inline_code_objects_and_other_origins(prod_site):
    meta = prod_site.soup("index.html").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    policy = dict(d.strip().split(" ", 1) for d in meta["content"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in meta["content"] and "'unsafe-eval'" not in meta["content"]
    assert "'sha256-" in policy["script-src"]
    # The newsletter provider may receive the form, nothing else.
    assert policy["form-action"] == "'self' https://newsletter.example.net"
    referrer = prod_site.soup("index.html").find("meta", attrs={"name": "referrer"})
    assert referrer["content"] == "strict-origin-when-cross-origin"


def test_no_csp_violation_on_any_page(served_site, page):
    page.add_init_script(RECORD_VIOLATIONS)
    pages = html_pages(served_site)
    assert len(pages) > 25
    for rel in pages:
        url = f"{served_site.url}/{rel.removesuffix('index.html')}"
        page.goto(url, wait_until="load")
        assert page.evaluate("window.__cspViolations") == [], url
    assert not [e for e in page.errors if "Content Security Policy" in e]


def test_links_to_other_sites_have_noopener(prod_site):
    site_host = urlsplit(PROD_SITEURL).netloc
    checked = 0
    for rel in html_pages(prod_site):
        for a in prod_site.soup(rel).find_all("a", href=True):
            url = urlsplit(a["href"])
            if url.scheme in ("http", "https") and url.netloc != site_host:
                assert "noopener" in a.get("rel", []), (rel, a)
                checked += 1
    assert checked > 0


SECRET = "marker-secret-0b9d41"


def test_links_out_of_the_content_folder_stop_every_build_before_anything_is_written(tmp_path):
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text(SECRET)
    (outside / "folder" / "key.txt").write_text(SECRET)
    content = make_content(tmp_path / "site", {"posts/good.md": post(title="Good", extra="Summary: Good.\n")})
    links = {"images/env.txt": "/proc/self/environ", "images/passwd.txt": "/etc/passwd",
             "images/linked": str(outside / "folder"), "images/deep/er/secret.png": str(outside / "secret.txt"),
             "posts/stolen.md": str(outside / "secret.txt")}
    for rel, target in links.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, content / rel)
    (content / "images/inside.png").symlink_to("../posts/good.md")  # inside: allowed, not reported

    # Plain Pelican, as an author types it, with a secret in its environment.
    plain = run_pelican(tmp_path / "plain", conf="publishconf.py", content=content,
                        env={**PROD_ENV, "EXTRAMILE_SECRET": SECRET}, extra=cache_override(tmp_path / "cache"))
    assert plain.returncode == 1 and "Traceback" not in plain.log, plain.log
    assert f"Build stopped: {len(links)} problems to fix, nothing was written." in plain.log
    for rel in links:
        assert f"content/{rel}: a link to " in plain.log
    assert not (tmp_path / "plain").exists()

    # The tasks (`invoke build`, `production`, `publish`): the last good site stays as it was.
    output = tmp_path / "output"
    output.mkdir()
    (output / "index.html").write_text("the last good site")
    before = snapshot(output)
    for conf in (tasks.DEV_CONF, tasks.PROD_CONF):
        with pytest.raises(Exit):
            tasks.build_into_place(task_context(), conf, output=output, content=content, env=PROD_ENV,
                                   extra=cache_override(tmp_path / "cache"))
        assert snapshot(output) == before
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()
              and outside not in p.parents and SECRET.encode() in p.read_bytes()]
    assert leaked == []


def test_the_local_isso_keeps_its_password_and_readers_addresses_to_its_owner(tmp_path, monkeypatch):
    monkeypatch.delenv("ISSO_ADMIN_PASSWORD", raising=False)
    folder = tmp_path / "isso"
    folder.mkdir(mode=0o755)
    (folder / "comments.db").write_bytes(b"")  # left world-readable by an earlier version
    (folder / "comments.db").chmod(0o644)
    port = free_port()
    isso = isso_server.start(folder, port, ["http://127.0.0.1:9"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port(port, isso, seconds=60), "Isso did not start"
    finally:
        isso.terminate()
        isso.wait(timeout=20)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert {"isso.cfg", "comments.db", "admin-password"} <= modes.keys()
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
