"""`invoke livereload` in real Chromium: saving a post rebuilds the site and the
open page refreshes by itself, under the site's CSP (no violation)."""

import shutil
import subprocess
import sys
import time

import pytest
from conftest import ROOT, cache_override, run_pelican

from extramile.tools.serving import free_port, wait_for_port

POST = "posts/in-customers-we-trust.md"



@pytest.fixture
def live(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output, cache = tmp_path / "output", cache_override(tmp_path / "cache")
    assert run_pelican(output, content=content, extra=cache).returncode == 0
    port = free_port()
    script = (f"import tasks; tasks.livereload_server(output={str(output)!r}, content={str(content)!r}, "
              f"extra={cache!r}).serve(host='127.0.0.1', port={port}, root={str(output)!r})")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert wait_for_port(port, proc), "the server did not start"
    yield f"http://127.0.0.1:{port}", content, output
    proc.terminate()
    proc.wait(timeout=10)
    # Rebuilds index search in a detached process (SEARCH_INDEX_BACKGROUND): let it finish too.
    from extramile.plugins.search_index.search_index import wait_for_background

    wait_for_background(tmp_path / "cache" / "search-index", timeout=60)


def wait_for(page, expression, timeout):
    """Poll from Python: Playwright's wait_for_function evaluates strings, which the CSP forbids."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(expression):
                return
        except Error:  # the page is reloading
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}")


def test_save_rebuilds_and_refreshes_the_open_page(live, page):
    url, content, output = live
    page.goto(f"{url}/posts/in-customers-we-trust/")
    # livereload.js loaded (its loader runs under the CSP) and connected.
    wait_for(page, "() => !!(window.LiveReload && window.LiveReload.connector "
                   "&& window.LiveReload.connector._connectionDesired)", 10)
    page.evaluate("window.beforeSave = true")
    time.sleep(1)  # one poll of the watcher, so the edit is seen as new

    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace(
        "Title: In Customers We Trust", "Title: In Customers We Trust, Edited"), encoding="utf-8")
    saved = time.monotonic()
    wait_for(page, "() => !!document.querySelector('h1') && "
                   "document.querySelector('h1').textContent.includes('Edited')", 30)
    seconds = time.monotonic() - saved
    print(f"\nsave to refreshed page: {seconds:.1f} s")
    assert page.evaluate("window.beforeSave") is None  # a real reload, not a stale page
    assert "Edited" in (output / "posts/in-customers-we-trust/index.html").read_text(encoding="utf-8")
    assert [e for e in page.errors if "Content Security Policy" in e or "Refused" in e] == []
    assert page.errors == []


def test_livereload_script_hash_matches_the_injected_script(live):
    """pelicanconf.py's LIVERELOAD_SCRIPT_HASH is the hash of what livereload injects."""
    import base64
    import hashlib
    import re
    import urllib.request

    url, _, _ = live
    html = urllib.request.urlopen(f"{url}/", timeout=10).read().decode()
    scripts = re.findall(r'<script type="text/javascript">(.*?)</script>', html)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    from pelican.settings import get_settings_from_file

    assert get_settings_from_file(str(ROOT / "pelicanconf.py"))["LIVERELOAD_SCRIPT_HASH"] == f"'sha256-{digest}'"
    assert f"'sha256-{digest}'" in html.replace("&#39;", "'")  # in the page's policy
