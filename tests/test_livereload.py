"""`invoke livereload` (devtools/dev_server.py) for real: a save rebuilds the
site at once, each open page in Chromium reloads when its own file changed
(and only then), under the site's CSP; saves during a build make one more
build; and stopping the server mid-index leaves no process behind."""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from livereload_support import connected, start_server, status, stop_server, wait_for, wait_for_builds
from support import ROOT, cache_override, run_pelican
from waiting import LIMIT, proc_children, wait_until

from extramile.processes import alive, descendants
from tasks import SETTINGS

POST = "posts/in-customers-we-trust.md"
POST_URL = "/posts/in-customers-we-trust/"
OTHER = "posts/yes-were-closed-but-come-on-in.md"


def gated(cache, gate, **settings):
    """Pelican `-e` settings for builds that wait at the gate (tests/build_gate.py) until the test opens it."""
    return cache_override(cache, PLUGINS=json.dumps([*SETTINGS["PLUGINS"], "build_gate"]),
                          PLUGIN_PATHS=json.dumps([str(ROOT / "tests")]), BUILD_GATE=json.dumps(str(gate)),
                          **settings)


@pytest.fixture
def live(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output, cache = tmp_path / "output", cache_override(tmp_path / "cache")
    assert run_pelican(output, content=content, extra=cache).returncode == 0
    proc, url = start_server(tmp_path, content, output, cache)
    yield url, content, output
    assert stop_server(proc) == 0


def test_save_reloads_the_edited_page_and_only_pages_whose_file_changed(live, page, chromium):
    url, content, output = live
    page.goto(f"{url}{POST_URL}")
    other = chromium.new_page()
    other_errors = []
    other.on("console", lambda msg: other_errors.append(msg.text) if msg.type == "error" else None)
    other.goto(f"{url}/{OTHER.replace('.md', '/')}")
    for count, tab in enumerate((page, other), start=1):
        connected(tab, url, count)
        tab.evaluate("window.beforeSave = true")
    other_file = output / OTHER.replace(".md", "/index.html")
    other_before = other_file.read_bytes()

    post = content / POST
    post.write_text(post.read_text(encoding="utf-8") + "\nA wombat sentence, added by the test.\n",
                    encoding="utf-8")
    saved = time.monotonic()
    wait_for(page, "() => document.body.textContent.includes('A wombat sentence')")
    print(f"\nsave to reloaded page: {time.monotonic() - saved:.2f} s")
    assert page.evaluate("window.beforeSave") is None  # a real reload, not a stale page
    wait_for_builds(url, 1)
    # The other post's file did not change, so its tab was left alone.
    assert other_file.read_bytes() == other_before
    assert other.evaluate("window.beforeSave") is True
    assert page.errors == [] and other_errors == []  # no CSP violation, no failed request
    other.close()


def files_fetched(output, page):
    """{file in output/: whether it exists} for every src and srcset of `page` (its path in output/)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((output / page).read_bytes(), "html.parser")
    urls = [tag["src"] for tag in soup.find_all(src=True)]
    urls += [c.split()[0] for tag in soup.find_all(srcset=True) for c in tag["srcset"].split(",") if c.strip()]
    base = f"http://site/{page}"
    found = {}
    for url in urls:
        parts = urlsplit(urljoin(base, url))
        if parts.netloc == "site":
            path = unquote(parts.path).lstrip("/")
            found[path] = (output / path).is_file()
    return found


def test_a_page_is_announced_only_once_the_pictures_it_shows_exist(live):
    """A new picture in the edited post: from the moment the server names the
    page to the open pages, every file it fetches is on disk (the picture's
    variants are made after the page is first written)."""
    from PIL import Image

    url, content, output = live
    page = POST_URL.strip("/") + "/index.html"
    announced, listening = queue.SimpleQueue(), threading.Event()

    def listen():  # what dev-reload.js hears; the files are looked at as each event arrives
        with urllib.request.urlopen(f"{url}/__dev__/events", timeout=120) as events:
            for line in events:
                listening.set()
                if line.startswith(b"data: ") and page in json.loads(line[6:]):
                    announced.put((files_fetched(output, page), (output / page).read_text(encoding="utf-8")))

    threading.Thread(target=listen, daemon=True).start()
    assert listening.wait(30)
    (content / "images").mkdir(exist_ok=True)
    post = content / POST
    for attempt in range(4):
        name = f"new-picture-{attempt}"
        Image.effect_noise((1600, 1000), 60).convert("RGB").save(content / "images" / f"{name}.jpg", quality=90)
        post.write_text(post.read_text(encoding="utf-8") + f"\n![A new picture]({{static}}/images/{name}.jpg)\n",
                        encoding="utf-8")
        while True:  # the first announcement of the page that shows it
            fetched, text = announced.get(timeout=120)
            if f"pictures/{name}-" in text:
                break
        assert any(f"pictures/{name}-800." in path for path in fetched), sorted(fetched)
        assert all(fetched.values()), f"announced before it existed: {[p for p, ok in fetched.items() if not ok]}"
        wait_for_builds(url, attempt + 1)


def test_a_failed_build_shows_its_problems_on_every_open_page_until_a_build_passes(live, page, chromium):
    """Like Hugo's server: the author sees why the page did not change, where
    they are looking (file:line and how to fix), under the site's CSP."""
    url, content, _ = live
    page.goto(f"{url}{POST_URL}")
    connected(page, url, 1)
    post = content / POST
    good = post.read_text(encoding="utf-8")
    post.write_text(good.replace("Author: Ron Kaufman", "Author: Nobody Known"), encoding="utf-8")
    overlay = "() => document.querySelector('.dev-problems')?.textContent || ''"
    wait_for(page, f"() => ({overlay})().includes('{POST}:4')")
    shown = page.evaluate(overlay)
    assert "unknown author 'Nobody Known'" in shown and "AUTHORS_INFO" in shown, shown  # how to fix
    # Styled by the same-origin stylesheet (no inline style, which the CSP blocks); the script
    # adds the stylesheet with the first overlay, so wait for it to load rather than race it.
    wait_for(page, "() => getComputedStyle(document.querySelector('.dev-problems')).position === 'fixed'")
    assert page.evaluate("() => document.querySelector('.dev-problems [style]')") is None
    # A page opened while the build is broken shows the problems too.
    other = chromium.new_page()
    other.goto(f"{url}/")
    wait_for(other, f"() => ({overlay})().includes('{POST}:4')")
    post.write_text(good, encoding="utf-8")
    for tab in (page, other):
        wait_for(tab, "() => !document.querySelector('.dev-problems')")
    # The pages are told before the status counts the build: wait for it, do not race it.
    wait_until(lambda: status(url)["last"]["code"] == 0, "the passing build in the status")
    assert page.errors == []  # no CSP violation, no failed request
    other.close()


def test_the_script_is_served_not_built(live):
    """Pages on disk are what any build writes; the server adds one same-origin script."""
    url, _, output = live
    with urllib.request.urlopen(f"{url}{POST_URL}", timeout=10) as response:
        served = response.read().decode()
        assert response.headers["Cache-Control"] == "no-store"
    on_disk = (output / POST_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "/__dev__/reload.js" not in on_disk
    assert served.replace('<script src="/__dev__/reload.js" defer></script>', "") == on_disk
    assert served.index("/__dev__/reload.js") < served.index("</head>")


def test_saves_during_a_build_make_exactly_one_more_build(tmp_path):
    """The first build is held at its start (tests/build_gate.py) while two more
    files are saved: however fast or slow the machine, they come during it."""
    content, output, gate = tmp_path / "content", tmp_path / "output", tmp_path / "gate"
    shutil.copytree(ROOT / "content", content)
    gate.mkdir()
    assert run_pelican(output, content=content, extra=cache_override(tmp_path / "cache")).returncode == 0
    proc, url = start_server(tmp_path, content, output, gated(tmp_path / "cache", gate))
    try:
        post, other = content / POST, content / OTHER
        post.write_text(post.read_text(encoding="utf-8") + "\nNumbatone.\n", encoding="utf-8")
        wait_until(lambda: list(gate.glob("started-*")), "the save's build to start")
        # Two saves of two files while the first build runs: one build follows, with both.
        other.write_text(other.read_text(encoding="utf-8") + "\nNumbattwo.\n", encoding="utf-8")
        post.write_text(post.read_text(encoding="utf-8") + "\nNumbatthree.\n", encoding="utf-8")
        both = sorted([str(post.resolve()), str(other.resolve())])
        wait_until(lambda: status(url)["pending"] == both, "both saves to wait for the next build")
        assert status(url)["building"] and status(url)["builds"] == 0
        (gate / "open").touch()
        done = wait_for_builds(url, 2)
        # Nothing builds or waits to: no save is left to make a third build.
        assert done["builds"] == 2, done
        assert done["last"]["code"] == 0
        assert sorted(done["last"]["render_first"]) == both
        assert "Numbatthree" in (output / POST_URL.strip("/") / "index.html").read_text(encoding="utf-8")
        assert "Numbattwo" in (output / OTHER.replace(".md", "/index.html")).read_text(encoding="utf-8")
    finally:
        (gate / "open").touch()
        assert stop_server(proc) == 0


def test_many_builds_leave_no_zombie(tmp_path):
    """Each build's search indexer outlives it and is adopted by the server,
    which must collect it when it ends (30 saves left 30 zombies)."""
    from extramile.plugins.search_index.search_index import wait_for_background

    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(ROOT / "content", content)
    cache = cache_override(tmp_path / "cache")
    assert run_pelican(output, content=content, extra=cache).returncode == 0
    proc, url = start_server(tmp_path, content, output, cache)
    try:
        post = content / POST
        for build in range(1, 13):
            post.write_text(post.read_text(encoding="utf-8") + f"\nA numbat, number {build}.\n", encoding="utf-8")
            wait_for_builds(url, build)
            # This build's indexer has done its work (it ends right after).
            assert wait_for_background(tmp_path / "cache" / "search-index", timeout=LIMIT) == ""
        # Every indexer ended; none is left a zombie (state Z) under the server.
        wait_until(lambda: "Z" not in proc_children(proc.pid).values(), "the ended indexers to be collected",
                   limit=60)
    finally:
        assert stop_server(proc) == 0


SLOW_PAGEFIND = """#!{python}
# A stand-in for Pagefind that never finishes: the test stops the server meanwhile.
import time
time.sleep(600)
"""


def leftovers(tmp_path):
    """Processes whose command line mentions the test's folder."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        text = cmdline(pid).replace(b"\0", b" ").decode(errors="replace")
        if str(tmp_path) in text and alive(int(pid)):
            found.append(f"{pid}: {text}")
    return found


def test_ctrl_c_stops_a_server_started_with_sigint_ignored(tmp_path):
    """Python keeps an inherited ignored SIGINT (a test runner, nohup): the server
    installs its own handler, so Ctrl-C still stops it and everything below it."""
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(ROOT / "content", content)
    proc, _ = start_server(tmp_path, content, output, cache_override(tmp_path / "cache"),
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    below = descendants(proc.pid)
    try:
        assert stop_server(proc) == 0
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert below and [p for p in below if alive(p)] == []  # the server waited for them to end


def test_stopping_the_server_mid_index_leaves_no_process(tmp_path):
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(ROOT / "content", content)
    assert run_pelican(output, content=content, extra=cache_override(tmp_path / "cache")).returncode == 0
    slow = tmp_path / "slow-pagefind"
    slow.write_text(SLOW_PAGEFIND.format(python=sys.executable))
    slow.chmod(0o755)
    # Another Pagefind: the index must be made again, in the background (the output has one).
    proc, url = start_server(tmp_path, content, output,
                             cache_override(tmp_path / "cache", SEARCH_INDEX_PAGEFIND=json.dumps(str(slow))))
    try:
        post = content / POST
        post.write_text(post.read_text(encoding="utf-8") + "\nA quokka.\n", encoding="utf-8")
        wait_for_builds(url, 1)
        wait_until(lambda: any(b"slow-pagefind" in cmdline(p) for p in descendants(proc.pid)),
                   "the indexer to start Pagefind")
        below = descendants(proc.pid)  # the warm builder, the indexer and its Pagefind
        assert len(below) >= 3, [cmdline(p) for p in below]
    finally:
        assert stop_server(proc) == 0
    assert leftovers(tmp_path) + [str(p) for p in below if alive(p)] == []  # the server waited for them


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""
