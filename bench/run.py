"""Build benchmark: our production build against stock Pelican and Hugo.

    .venv/bin/python -m bench.run --n 100,1000,5000 --runs 3
    .venv/bin/invoke bench -n 100,1000,5000 --runs 3      (the same)

For each N it writes a synthetic corpus (bench/corpus.py, seeded) into a
temporary folder and builds it, in the same run and on the same posts, with:

* ours:  this site as production builds it (publishconf.py, our theme, every
  plugin: typogrify, feeds, search index, social images), SITEURL and
  SUBSCRIBE_PROVIDER=none and REPLIES=none from the environment;
* dev:   the same site with the development settings (pelicanconf.py), built
  as `invoke livereload` builds it: the cold build in a new process (as
  `invoke build` before serving), the rebuilds in forks of a warm process
  that imported Pelican and the plugins once (devtools/warm_builder.py,
  started untimed, as the server starts before any save). The search index
  is rebuilt in the background after the build returns; the table's "search
  ready" column is the time until it is installed;
* stock: Pelican 4.12 with its default theme and a minimal settings file
  (what `pelican-quickstart` writes for publishing: pagination 10, Atom feeds,
  no plugins, TYPOGRIFY False);
* hugo:  Hugo from Debian with a minimal theme written here (single, list,
  taxonomy and terms templates).

The author's loop (``loop`` in --only): the servers an author keeps running,
started for real, one after the other on the same corpus: ours (``invoke
livereload``'s server function, tasks.livereload_server, on the dev build's
output and caches), then ``hugo server --renderToDisk`` twice: as an author
runs it (fast render, Hugo's default: the issue's anchor) and with
``--disableFastRender`` (every page rendered again after a save, as ours does).
For each of --edits edits of the same post (one sentence appended, with a
word of its own), the time from the saved file to the edited page on disk
holding the new word (polled every 2 ms), and for ours also to the post's
page, open in headless Chromium (Playwright, the audit's binary and flags),
showing it once the server's reload script reloaded it (polled every 5 ms;
left out if Chromium or Playwright is missing), and to the end of the build
(the server's /__dev__/status); ours waits for its background search index
between edits. Medians go beside the build table. (Hugo runs with its own
live reload off: its column is the page on disk only.)

Between two saves the author pauses 0.5 to 1.5 s: the pauses are spread
evenly over that second, in a seeded order, the same for every server.
hugo server hands its file events to a rebuild on a 500 ms ticker
(watcher/batcher.go, ``time.Tick``), so a save waits 0 to 0.5 s for it; a
fixed pause after each page would save at the same point of that tick every
time (measured at N=1000: 0.50 s median with a fixed 0.5 s pause, 0.31 s
with random pauses).

Scenarios: cold (no caches, empty output), warm (rebuild, nothing changed),
edit (rebuild after one post's text changed). Each is timed as a child
process: wall time, CPU time (user+sys, os.wait4) and peak RSS (ru_maxrss: the
largest single process, not a sum over worker processes). Stock Pelican's cold
build runs without its content cache (plain stock); its warm and edit builds
use the cache, primed by an untimed build. Hugo has no cache to keep between
runs: its warm and edit builds are full builds.

Medians of `--runs` runs go to bench/results.json (raw runs, per N, merged
with earlier N) and bench/results.md (the table README links).

``--against REV`` measures an older commit beside this checkout instead,
taking turns in one run: the cold production build, our side of the author's
loop and the test suite, old and new side by side (bench/against.py).
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import corpus
from extramile import ROOT

HERE = Path(__file__).resolve().parent  # results beside the bench, out of the installable package

RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"
SITEURL = "https://example.org/blog"
GENERATORS = ("ours", "dev", "stock", "hugo")
LOOP = "loop"  # the author's loop: ours (invoke livereload) against hugo server
SCENARIOS = ("cold", "warm", "edit")

STOCK_SETTINGS = '''\
# Stock Pelican: default theme, no plugins, what pelican-quickstart writes.
AUTHOR = "The Editors"
SITENAME = "The Extra Mile"
SITEURL = "{siteurl}"
RELATIVE_URLS = False
PATH = "content"
ARTICLE_PATHS = ["posts"]
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{{slug}}.atom.xml"
TYPOGRIFY = False
# No plugins: without this line Pelican loads every pelican.plugins.* package
# installed in the environment (our venv has several).
PLUGINS = []
DELETE_OUTPUT_DIRECTORY = True
CACHE_PATH = "cache"
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
'''

HUGO_CONFIG = '''\
baseURL = "{siteurl}/"
title = "The Extra Mile"
languageCode = "en"
theme = "minimal"
paginate = 10
rssLimit = 100
[taxonomies]
  category = "categories"
  tag = "tags"
  author = "authors"
[permalinks]
  posts = "/posts/:slug/"
'''

HUGO_LAYOUTS = {
    "_default/baseof.html": '''<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head><body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav>{{ range $name, $terms := site.Taxonomies }}<a href="{{ ($name | urlize) | relURL }}/">{{ $name }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main>
</body></html>
''',
    "_default/single.html": '''{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2 January 2006" }}{{ range .GetTerms "authors" }} · <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}{{ range .GetTerms "categories" }} · <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>{{ end }}
''',
    "_default/list.html": '''{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pag := .Paginate .Pages }}{{ range $pag.Pages }}{{ partial "card.html" . }}{{ end }}
{{ partial "pager.html" $pag }}{{ end }}
''',
    "_default/terms.html": '''{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
''',
    "index.html": '''{{ define "main" }}<h1>Latest articles</h1>
{{ $pag := .Paginate (where site.RegularPages "Section" "posts") }}{{ range $pag.Pages }}{{ partial "card.html" . }}{{ end }}
{{ partial "pager.html" $pag }}{{ end }}
''',
    "partials/card.html": '''<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Date.Format "2 January 2006" }}</p><p>{{ .Summary }}</p></article>
''',
    "partials/pager.html": '''{{ if gt .TotalPages 1 }}<nav>{{ if .HasPrev }}<a href="{{ .Prev.URL }}">Newer</a>{{ end }}
<span>Page {{ .PageNumber }} of {{ .TotalPages }}</span>{{ if .HasNext }}<a href="{{ .Next.URL }}">Older</a>{{ end }}</nav>{{ end }}
''',
}


# -- Machine and tools -------------------------------------------------------
def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def ensure_hugo():
    """The path of hugo, installing Debian's package when run as root; else None."""
    found = shutil.which("hugo")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: installing hugo from Debian (apt-get install -y hugo)", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=False,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        return shutil.which("hugo")
    print("bench: hugo is not installed; install it with `sudo apt-get install hugo` "
          "(the Hugo columns are left out)", file=sys.stderr)
    return None


# -- Corpus ----------------------------------------------------------------------
def authors():
    from pelican.settings import get_settings_from_file

    return list(get_settings_from_file(str(ROOT / "pelicanconf.py"))["AUTHORS_INFO"])


def write_sites(tmp, n, root=ROOT):
    """Write the corpus three times: ours (with the pages of the site at `root`), stock and hugo.
    Return the edited post's paths."""
    ours = tmp / "ours" / "content"
    stock = tmp / "stock" / "content"
    hugo = tmp / "hugo"
    shutil.copytree(root / "content" / "pages", ours / "pages")
    for folder in (ours / "posts", stock / "posts", hugo / "content" / "posts"):
        folder.mkdir(parents=True)
    (tmp / "stock" / "pelicanconf.py").write_text(STOCK_SETTINGS.format(siteurl=SITEURL))
    (hugo / "config.toml").write_text(HUGO_CONFIG.format(siteurl=SITEURL))
    for rel, text in HUGO_LAYOUTS.items():
        path = hugo / "themes" / "minimal" / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    words = 0
    edited = None
    for i, (slug, meta, text) in enumerate(corpus.posts(n, authors())):
        words += len(text.split())
        (ours / "posts" / f"{slug}.md").write_text(corpus.pelican_text(meta, text), encoding="utf-8")
        (stock / "posts" / f"{slug}.md").write_text(corpus.pelican_text(meta, text), encoding="utf-8")
        (hugo / "content" / "posts" / f"{slug}.md").write_text(corpus.hugo_text(meta, text), encoding="utf-8")
        if i == n // 2:
            edited = slug
    edits = [ours / "posts" / f"{edited}.md", stock / "posts" / f"{edited}.md",
             hugo / "content" / "posts" / f"{edited}.md"]
    return edits, words


def edit_posts(paths, run):
    """Change one post's text (a new last paragraph), in each generator's copy."""
    for path in paths:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"\nAn editor added this sentence in run {run}, the way an author fixes a typo.\n")


# -- Builds ------------------------------------------------------------------------
def commands(tmp, hugo_bin, overrides=(), root=ROOT, py=sys.executable, env=None):
    """Each build's command; `overrides` are more NAME=JSON settings for ours and dev (one -e:
    Pelican keeps only the last). Ours and dev build the site at `root` with the Python `py`
    (another checkout's, for --against) in the environment `env` (default ours)."""
    ours = tmp / "ours"
    stock = tmp / "stock"
    ours_env = dict(env or os.environ, SITEURL=SITEURL, SUBSCRIBE_PROVIDER="none", REPLIES="none")
    ours_env.pop("SUBSCRIBE_ACTION", None)
    builds = {
        "ours": {
            "cmd": [py, "-m", "pelican", str(ours / "content"), "-s", str(root / "publishconf.py"),
                    "-o", str(ours / "output"), "-e", f'CACHE_PATH="{ours / "cache"}"', *overrides],
            "cwd": root, "env": ours_env, "clean": [ours / "output", ours / "cache"], "output": ours / "output",
        },
        # What `invoke livereload` runs on every save: development settings,
        # output kept between builds. Same content folder as ours.
        "dev": {
            "cmd": [py, "-m", "pelican", str(ours / "content"), "-s", str(root / "pelicanconf.py"),
                    "-o", str(ours / "dev-output"), "-e", f'CACHE_PATH="{ours / "dev-cache"}"',
                    "SEARCH_INDEX_BACKGROUND=true", *overrides],
            "cwd": root, "env": ours_env, "clean": [ours / "dev-output", ours / "dev-cache"],
            "output": ours / "dev-output", "edits": "ours", "background": ours / "dev-cache" / "search-index",
        },
        "stock": {
            "cmd": [sys.executable, "-m", "pelican", "-s", str(stock / "pelicanconf.py"), "-o", str(stock / "output")],
            "cold_extra": ["-e", "CACHE_CONTENT=false", "LOAD_CONTENT_CACHE=false"],
            "cwd": stock, "env": dict(os.environ), "clean": [stock / "output", stock / "cache"],
            "output": stock / "output",
        },
    }
    if hugo_bin:
        hugo = tmp / "hugo"
        builds["hugo"] = {
            "cmd": [hugo_bin, "--quiet", "--source", str(hugo), "--destination", str(hugo / "public")],
            "cwd": hugo, "env": dict(os.environ), "clean": [hugo / "public", hugo / "resources"],
            "output": hugo / "public",
        }
    return builds


def wait_for_index(folder):
    """Seconds until a background search indexer (dev builds) has installed the newest index."""
    from extramile.plugins.search_index.search_index import wait_for_background

    started = time.perf_counter()
    wait_for_background(str(folder), timeout=600)
    return time.perf_counter() - started


def timed(cmd, cwd, env, log, background=None, builder=None):
    """Run `cmd`; return wall seconds, CPU seconds (user+sys) and peak RSS in MB of the child,
    and with `background` (a search index cache folder) the seconds until search is ready.
    With `builder` (a WarmBuilder), the build runs in a fork of its warm process."""
    if builder is not None:
        started = time.perf_counter()
        got = builder.build([str(c) for c in cmd[3:]])  # after "python -m pelican"
        wall = time.perf_counter() - started
        if got["code"] != 0:
            raise SystemExit(f"bench: build failed ({got['code']}): {' '.join(map(str, cmd))}; see {log}")
        result = {"wall": round(wall, 3), "cpu": got["cpu"], "rss_mb": got["rss_mb"]}
        if background:
            result["search_ready"] = round(wall + wait_for_index(background), 3)
        return result
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = Path(log).read_text(errors="replace")[-3000:]
        raise SystemExit(f"bench: build failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    result = {"wall": round(wall, 3), "cpu": round(usage.ru_utime + usage.ru_stime, 3),
              "rss_mb": round(usage.ru_maxrss / 1024, 1)}
    if background:  # the indexer is not our child: its CPU and memory are not counted here
        result["search_ready"] = round(wall + wait_for_index(background), 3)
    return result


# -- The author's loop ---------------------------------------------------------------
def wait_until(check, timeout, what, every=0.002):
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"bench: timed out waiting for {what}")
        time.sleep(every)


def holds(path, word):
    try:
        return word in path.read_bytes()
    except OSError:
        return False


def dev_status(url):
    with urllib.request.urlopen(f"{url}/__dev__/status", timeout=10) as response:
        return json.load(response)


def settle(source, page, label, timeout=120):
    """One untimed edit, saved again every 5 s until the page shows it: hugo server
    (0.111, N=1000) has missed saves made in the first seconds after it opened its port."""
    word = f"settle{label}".encode()
    deadline = time.perf_counter() + timeout
    while not holds(page, word):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"bench: {page} never showed a save")
        with open(source, "a", encoding="utf-8") as f:
            f.write(f"\nA first save, {word.decode()}, before the timed ones.\n")
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: holds(page, word), 5, "the first save", every=0.05)
    time.sleep(0.5)


def measure_edits(source, page, edits, label, after=None, timeout=300, idle=None):
    """Append a sentence to `source` `edits` times; seconds from each save to `page` holding it,
    and what `after(saved_at, edit, word)` returns (more timings; `word` is the sentence's own).
    `idle()` waits until the server has finished the untimed first save's work."""
    pages, more = [], []
    # Spread evenly over 0.5-1.5 s, in a seeded order: the same pauses for every
    # server, and saves at every point of hugo server's tick (module docstring).
    pauses = [0.5 + (k + 0.5) / edits for k in range(edits)]
    random.Random(0).shuffle(pauses)
    settle(source, page, label)
    if idle is not None:
        idle()
    for edit in range(1, edits + 1):
        word = f"loopword{label}{edit}".encode()
        with open(source, "a", encoding="utf-8") as f:
            f.write(f"\nThe author saved this sentence, {word.decode()}, to see it at once.\n")
        saved = time.perf_counter()
        wait_until(lambda word=word: holds(page, word), timeout, f"{page} to hold the edit")
        pages.append(round(time.perf_counter() - saved, 3))
        if after is not None:
            more.append(after(saved, edit, word.decode()))
        time.sleep(pauses[edit - 1])  # as between an author's saves
    return pages, more


@contextlib.contextmanager
def chromium_on(url):
    """A page of headless Chromium (the audit's) showing `url`; None without Chromium or Playwright."""
    from extramile.tools.chromium import CHROMIUM, headless_chromium

    try:
        import playwright  # noqa: F401
    except ImportError:
        yield None
        return
    if not os.path.exists(CHROMIUM):
        yield None
        return
    with headless_chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        yield page


def shown_at(page, word, saved, timeout=60):
    """Seconds from `saved` until `page` shows `word` (its reload script reloaded it)."""
    from playwright.sync_api import Error

    expression = f"() => document.body !== null && document.body.innerText.includes({json.dumps(word)})"
    deadline = time.perf_counter() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return round(time.perf_counter() - saved, 3)
        except Error:  # the page is reloading
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError(f"bench: the page in Chromium never showed {word}")
        time.sleep(0.005)


def start_server(cmd, cwd, env, log, port, name):
    from extramile.tools.serving import wait_for_port

    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    if not wait_for_port(port, proc, seconds=300):
        proc.kill()
        raise SystemExit(f"bench: {name} did not start; see {log.name}")
    return proc


def stop_server(proc):
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def ours_loop(tmp, dev, edits, slug, count, log, root=ROOT, py=sys.executable, label="ours"):
    """Our side of the author's loop: `invoke livereload`'s server of the site at `root`, run by
    the Python `py`, on the dev build `dev` (commands()); {"page": [...], "build": [...], "browser": [...]}."""
    from extramile.plugins.search_index.search_index import wait_for_background
    from extramile.tools.serving import free_port

    ours = tmp / "ours"
    if not (dev["output"] / "posts" / slug / "index.html").exists():  # no dev rows: build once, untimed
        timed(dev["cmd"], dev["cwd"], dev["env"], log)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    extra = ["-e", f'CACHE_PATH="{ours / "dev-cache"}"']
    script = (f"import tasks; tasks.livereload_server(output={str(dev['output'])!r}, "
              f"content={str(ours / 'content')!r}, extra={extra!r}, port={port}).serve_forever()")
    with open(log, "ab") as out:
        proc = start_server([str(py), "-c", script], root, dev["env"], out, port, "the dev server")
        try:
            base = []  # builds done before the timed saves

            def idle():
                wait_until(lambda: (lambda s: not s["building"] and not s["pending"])(dev_status(url)), 600,
                           "the first save's build to finish", every=0.01)
                wait_for_background(str(ours / "dev-cache" / "search-index"), timeout=600)
                base.append(dev_status(url)["builds"])

            with chromium_on(f"{url}/posts/{slug}/") as browser:

                def build_done(saved, edit, word):
                    shown = shown_at(browser, word, saved) if browser is not None else None
                    wait_until(lambda: (lambda s: s["builds"] >= base[0] + edit and not s["building"]
                                        and not s["pending"])(dev_status(url)), 600, "the build to finish",
                               every=0.01)
                    finished = round(time.perf_counter() - saved, 3)
                    wait_for_background(str(ours / "dev-cache" / "search-index"), timeout=600)
                    return shown, finished

                page, more = measure_edits(ours / "content" / "posts" / f"{slug}.md",
                                           dev["output"] / "posts" / slug / "index.html", edits, f"ours{count}",
                                           build_done, idle=idle)
            timings = {"page": page, "build": [finished for _, finished in more]}
            if browser is not None:
                timings["browser"] = [shown for shown, _ in more]
        finally:
            stop_server(proc)
        in_browser = (f", to its text in Chromium {statistics.median(timings['browser']):.2f} s"
                      if "browser" in timings else ", Chromium not found")
        print(f"  loop {label} : save to page {statistics.median(page):.2f} s{in_browser}, "
              f"to build done {statistics.median(timings['build']):.2f} s", flush=True)
    return timings


def author_loop(tmp, builds, edits, slug, hugo_bin, count, log):
    """The author's loop, ours then Hugo's (see the docstring); {name: {"page": [...], "build": [...]}}."""
    from extramile.tools.serving import free_port

    results = {"ours": ours_loop(tmp, builds["dev"], edits, slug, count, log)}
    with open(log, "ab") as out:
        for name, extra in (("hugo", []), ("hugo-full", ["--disableFastRender"])) if hugo_bin else ():
            hugo = tmp / "hugo"
            port = free_port()
            public = hugo / f"{name}-public"
            cmd = [hugo_bin, "server", "--renderToDisk", *extra, "--source", str(hugo),
                   "--destination", str(public), "--bind", "127.0.0.1", "--port", str(port),
                   "--baseURL", f"http://127.0.0.1:{port}/", "--disableLiveReload"]
            proc = start_server(cmd, hugo, dict(os.environ), out, port, "hugo server")
            try:
                target = public / "posts" / slug / "index.html"
                wait_until(target.exists, 300, f"{target}")
                page, _ = measure_edits(hugo / "content" / "posts" / f"{slug}.md", target, edits, f"{name}{count}",
                                        timeout=60)
                results[name] = {"page": page}
                print(f"  loop {name} : save to page {statistics.median(page):.2f} s", flush=True)
            except TimeoutError as err:
                # Seen on a loaded machine: hugo server sometimes never rebuilds after a save.
                print(f"  loop {name} : left out, {err}", flush=True)
            finally:
                stop_server(proc)
    # Stock Pelican, warm, from a save to its site model (bench/stock_model.py).
    stock_post = tmp / "stock" / "content" / "posts" / f"{slug}.md"
    got = subprocess.run([sys.executable, "-m", "bench.stock_model", str(tmp / "stock"), str(stock_post),
                          str(edits)], cwd=ROOT, capture_output=True, text=True)
    if got.returncode == 0:
        results["stock-model"] = {"model": json.loads(got.stdout)}
        print(f"  loop stock-model: save to stock Pelican's site model "
              f"{statistics.median(results['stock-model']['model']):.2f} s", flush=True)
    else:
        print(f"  loop stock-model: left out, {got.stderr.strip()[-300:]}", flush=True)
    return results


def count_files(folder):
    return sum(len(files) for _, _, files in os.walk(folder))


def bench_n(n, runs, only, hugo_bin, keep, overrides=(), loop_edits=9):
    tmp = Path(tempfile.mkdtemp(prefix=f"extramile-bench-{n}-"))
    try:
        print(f"\n== N={n}: writing the corpus into {tmp}", flush=True)
        edits, words = write_sites(tmp, n)
        every = commands(tmp, hugo_bin, overrides)
        builds = {name: b for name, b in every.items() if name in only}
        samples = {name: {s: [] for s in SCENARIOS} for name in builds}
        files = {}
        log = tmp / "build.log"
        warm = {}
        if "dev" in builds:  # livereload's warm process, started before any timed build
            from extramile.devtools.warm_builder import WarmBuilder

            warm["dev"] = WarmBuilder(ROOT / "pelicanconf.py", log=open(log, "a"),  # noqa: SIM115 - closed below
                                      env=builds["dev"]["env"], cwd=builds["dev"]["cwd"])
            warm["dev"].start()
        for run in range(1, runs + 1):
            for name, b in builds.items():
                for path in b["clean"]:
                    shutil.rmtree(path, ignore_errors=True)
                cold = timed(b["cmd"] + b.get("cold_extra", []), b["cwd"], b["env"], log, b.get("background"))
                samples[name]["cold"].append(cold)
                files[name] = count_files(b["output"])
                if "cold_extra" in b:  # stock: prime the content cache, untimed
                    timed(b["cmd"], b["cwd"], b["env"], log)
                samples[name]["warm"].append(timed(b["cmd"], b["cwd"], b["env"], log, b.get("background"),
                                                   warm.get(name)))
                edit_posts([p for p in edits if str(p).startswith(str(tmp / b.get("edits", name)) + os.sep)],
                           run)
                samples[name]["edit"].append(timed(b["cmd"], b["cwd"], b["env"], log, b.get("background"),
                                                   warm.get(name)))
                print(f"  run {run} {name:5}: " + "  ".join(
                    f"{s} {samples[name][s][-1]['wall']:.2f}s" for s in SCENARIOS), flush=True)
        for builder in warm.values():
            builder.close()
            builder.log.close()
        result = {"n": n, "runs": runs, "words": words, "files": files, "samples": samples}
        if LOOP in only:
            result["loop"] = author_loop(tmp, every, loop_edits, edits[0].stem,
                                         hugo_bin, n, log)
        return result
    finally:
        if keep:
            print(f"bench: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# -- Results -----------------------------------------------------------------------
def median(samples, key):
    return statistics.median(s[key] for s in samples)


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def table(result):
    samples = result["samples"]
    lines = [
        "| generator | build | wall (s) | CPU (s) | peak RSS (MB) | wall ÷ stock | wall ÷ Hugo full build "
        "| search ready (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    hugo_full = median(samples["hugo"]["cold"], "wall") if "hugo" in samples else None
    for name in GENERATORS:
        if name not in samples:
            continue
        for scenario in SCENARIOS:
            s = samples[name][scenario]
            wall = median(s, "wall")
            stock = median(samples["stock"][scenario], "wall") if "stock" in samples else None
            ready = f"{median(s, 'search_ready'):.2f}" if all("search_ready" in x for x in s) else "–"
            lines.append(f"| {name} | {scenario} | {wall:.2f} | {median(s, 'cpu'):.2f} | "
                         f"{median(s, 'rss_mb'):.0f} | {ratio(wall, stock)} | {ratio(wall, hugo_full)} | {ready} |")
    return "\n".join(lines)


def loop_table(result):
    loop = result.get("loop")
    if not loop:
        return ""
    hugo = statistics.median(loop["hugo"]["page"]) if "hugo" in loop else None
    lines = ["| server | save → edited page on disk (s) | ÷ hugo server | save → its new text in Chromium (s) "
             "| save → build finished (s) | edits |",
             "|---|---:|---:|---:|---:|---:|"]
    names = {"ours": "ours (`invoke livereload`)", "hugo": "`hugo server --renderToDisk` (fast render, its default)",
             "hugo-full": "`hugo server --renderToDisk --disableFastRender`",
             "stock-model": ("stock Pelican, warm fork: save → its site model, before any page "
                             "(`bench/stock_model.py`)")}
    for name, times in loop.items():
        page = statistics.median(times.get("page") or times["model"])
        build = f"{statistics.median(times['build']):.2f}" if times.get("build") else "–"
        browser = f"{statistics.median(times['browser']):.2f}" if times.get("browser") else "–"
        lines.append(f"| {names[name]} | {page:.2f} | {ratio(page, hugo)} | {browser} | {build} | "
                     f"{len(times.get('page') or times['model'])} |")
    return "\n".join(lines)


def targets(results):
    """The issue's targets, checked on the medians."""
    out = []
    r1 = results.get("1000")
    if r1 and "ours" in r1["samples"]:
        s = r1["samples"]
        if "hugo" in s:
            b = median(s["hugo"]["cold"], "wall")
            for name, what in (("ours", "production"), ("dev", "development, as livereload")):
                if name in s:
                    a = median(s[name]["edit"], "wall")
                    out.append(f"- Rebuild after editing one post ({what}), N=1000: {a:.2f} s vs Hugo's full "
                               f"build {b:.2f} s = {a / b:.2f}× (target ≤ 1.0×): **{'met' if a <= b else 'not met'}**")
        if "stock" in s:
            a, b = median(s["ours"]["cold"], "wall"), median(s["stock"]["cold"], "wall")
            out.append(f"- Cold production build, N=1000: {a:.2f} s vs stock Pelican {b:.2f} s "
                       f"= {a / b:.2f}× (target ≤ 1.0×): **{'met' if a <= b else 'not met'}**")
            a = max(median(s["ours"][sc], "rss_mb") for sc in SCENARIOS)
            b = max(median(s["stock"][sc], "rss_mb") for sc in SCENARIOS)
            out.append(f"- Peak memory, N=1000: {a:.0f} MB vs stock {b:.0f} MB = {a / b:.2f}× "
                       f"(target ≤ 2×): **{'met' if a <= 2 * b else 'not met'}**")
    for n, r in sorted(results.items(), key=lambda kv: int(kv[0])):
        loop = r.get("loop", {})
        if "ours" in loop and "hugo" in loop:
            a, b = statistics.median(loop["ours"]["page"]), statistics.median(loop["hugo"]["page"])
            out.append(f"- Author's loop, save to edited page on disk, N={n}: {a:.2f} s vs `hugo server` {b:.2f} s "
                       f"= {a / b:.2f}× (target ≤ 1.0×): **{'met' if a <= b else 'not met'}**")
            if "hugo-full" in loop:
                c = statistics.median(loop["hugo-full"]["page"])
                out.append(f"  (against `hugo server --disableFastRender`, which renders every page again: "
                           f"{c:.2f} s, {a / c:.2f}×)")
            if "stock-model" in loop:
                c = statistics.median(loop["stock-model"]["model"])
                out.append(f"  (stock Pelican alone, from the save to its site model, before any page: {c:.2f} s, "
                           f"{c / b:.2f}× `hugo server`)")
    r5 = results.get("5000")
    if r1 and r5 and "ours" in r1["samples"] and "ours" in r5["samples"]:
        for scenario in ("cold", "edit"):
            a = median(r5["samples"]["ours"][scenario], "wall")
            b = median(r1["samples"]["ours"][scenario], "wall")
            out.append(f"- Growth, {scenario} build: N=5000 {a:.2f} s ÷ N=1000 {b:.2f} s = {a / b:.2f}× "
                       f"(target ≤ 5.5×): **{'met' if a <= 5.5 * b else 'not met'}**")
    return "\n".join(out) or "- (needs N=1000 and N=5000 runs)"


def write_markdown(data):
    from bench import against

    parts = [
        "# Build benchmark",
        "",
        "Written by `bench/run.py` (`invoke bench`); numbers are medians of the runs, measured on the "
        "machine below. See the script's docstring for what each build and scenario is.",
        "",
        "- **ours**: this site's production build (publishconf.py, our theme, all plugins: typogrify, "
        "feeds, Pagefind search index, social images).",
        "- **dev**: the same site with the development settings (pelicanconf.py), as `invoke "
        "livereload` builds it (output kept, no precompressed copies): cold in a new process, rebuilds "
        "in forks of a warm process that imported Pelican and the plugins once; the search index is "
        "rebuilt in the background, and \"search ready\" is the time until it is installed.",
        "- **stock**: Pelican 4.12, default theme, no plugins, TYPOGRIFY False; cold build without "
        "the content cache, warm and edit with it.",
        "- **hugo**: Hugo from Debian with a minimal theme (single, list, taxonomy, terms templates); "
        "every Hugo build is a full build.",
        "- **cold**: empty output and no caches; **warm**: rebuild with nothing changed; **edit**: "
        "rebuild after one post's text changed. CPU is user+sys of the build and its children; peak "
        "RSS is the largest single process.",
        "",
        "## Targets (issues 7 and 16)",
        "",
        targets(data["results"]),
        "",
    ]
    for n in sorted(data["results"], key=int):
        r = data["results"][n]
        m = r["machine"]
        parts += [
            f"## N = {n}",
            "",
            f"{r['date']} · {m['nproc']} cores, {m['cpu']} · Python {m['python']}, {m['pelican']}, "
            f"{m['hugo']} · site at {m['commit']} · {r['runs']} runs · {r['words']} words in {n} posts · "
            "output files: " + ", ".join(f"{k} {v}" for k, v in r["files"].items()),
            "",
            table(r),
            "",
        ]
        if r.get("loop"):
            when = f"{r['loop_date']}, site at {r['loop_commit']}; " if r.get("loop_date") else ""
            parts += [f"Author's loop, N = {n} ({when}median of each server's edits; see `bench/run.py`):", "",
                      loop_table(r), ""]
    parts += against.markdown(data.get("against"))
    if data.get("variants"):
        parts += ["## Variants of our site", "",
                  "The same benchmark with settings changed for our builds (`bench/run.py --setting`), "
                  "e.g. `SPEEDUPS=false` to see what the speedups plugin gains.", ""]
    for label, r in sorted(data.get("variants", {}).items(), key=lambda kv: (int(kv[0].split()[0]), kv[0])):
        parts += [f"### N = {label}", "", f"{r['date']} · site at {r['machine']['commit']} · {r['runs']} runs", "",
                  table(r), ""]
    RESULTS_MD.write_text("\n".join(parts))


def machine():
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    # The results files themselves do not count: a run for N=1000 then one for
    # N=5000 measure the same code.
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--",
                            ".", ":!bench/results.json", ":!bench/results.md"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "pelican": tool_version([sys.executable, "-m", "pelican", "--version"]).join(["Pelican ", ""]),
        "hugo": " ".join(tool_version(["hugo", "version"]).split()[:2]) if shutil.which("hugo") else "no Hugo",
        "commit": commit + ("+changes" if dirty else ""),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="100,1000", help="comma-separated post counts (default 100,1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per build (default 3)")
    parser.add_argument("--only", help="what to run: ours,dev,stock,hugo builds and loop (the author's loop), "
                        "default all; with --against: cold,loop,suite (default all)")
    parser.add_argument("--edits", type=int, default=9, help="edits timed in the author's loop (default 9)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=JSON",
                        help="extra setting for our builds (ours, dev), e.g. SPEEDUPS=false; saved as a variant")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.* as they are")
    parser.add_argument("--pictures", action="store_true",
                        help="the pictures corpus instead (40 photos, ours against Hugo; bench/pictures.md)")
    parser.add_argument("--against", metavar="REV",
                        help="old against new instead: REV's build, author's loop and tests beside this checkout's "
                        "(bench/against.py)")
    args = parser.parse_args(argv)
    if args.pictures:
        return pictures_bench(args)
    if args.against:
        return against_bench(args)
    only = [g for g in (args.only or ",".join((*GENERATORS, LOOP))).split(",") if g]
    hugo_bin = ensure_hugo() if "hugo" in only or LOOP in only else None  # for the loop too: hugo server
    data = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {"results": {}}
    overrides = list(args.setting)
    for n in [int(x) for x in args.n.split(",") if x]:
        result = bench_n(n, args.runs, only, hugo_bin, args.keep, overrides, args.edits)
        result["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        result["machine"] = machine()
        print()
        print(table(result))
        if result.get("loop"):
            print()
            print(loop_table(result))
        if overrides:  # a variant of our site: its own table, not the headline numbers
            result["settings"] = args.setting
            data.setdefault("variants", {})[f"{n} with {' '.join(args.setting)}"] = result
        elif not any(result["samples"].values()) and str(n) in data["results"]:  # --only loop: the builds stay
            data["results"][str(n)].update(loop=result["loop"], loop_date=result["date"],
                                           loop_commit=result["machine"]["commit"])
        else:
            data["results"][str(n)] = result
    print()
    print(targets(data["results"]))
    if not args.no_save:
        RESULTS_JSON.write_text(json.dumps(data, indent=1) + "\n")
        write_markdown(data)
        print(f"\nbench: wrote {RESULTS_MD.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)}")


def against_bench(args):
    """`--against REV`: bench/against.py, for each N; its tables under "Old against new"."""
    from bench import against

    legs = [leg for leg in (args.only or ",".join(against.LEGS)).split(",") if leg]
    unknown = set(legs) - set(against.LEGS)
    if unknown:
        raise SystemExit(f"bench: --only with --against takes {','.join(against.LEGS)}, not {','.join(unknown)}")
    data = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {"results": {}}
    for n in [int(x) for x in args.n.split(",") if x]:
        result = against.compare(args.against, n, args.runs, legs, args.edits, args.keep)
        result["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        result["machine"] = machine()
        print()
        print(against.table(result))
        data.setdefault("against", {})[str(n)] = result
    if not args.no_save:
        RESULTS_JSON.write_text(json.dumps(data, indent=1) + "\n")
        write_markdown(data)
        print(f"\nbench: wrote {RESULTS_MD.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)}")


def pictures_bench(args):
    """`--pictures`: bench/pictures.py, its table to bench/pictures.md."""
    from bench import pictures

    result = pictures.run(runs=args.runs, hugo_bin=ensure_hugo(), keep=args.keep)
    result["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    result["machine"] = machine()
    text = pictures.table(result)
    print()
    print(text)
    if not args.no_save:
        (HERE / "pictures.json").write_text(json.dumps(result, indent=1) + "\n")
        m = result["machine"]
        (HERE / "pictures.md").write_text(
            f"# Pictures benchmark\n\n{result['date']} · {m['cpu']}, {m['nproc']} cores · {m['hugo']} · "
            f"Pillow from requirements.lock · site at {m['commit']} · {args.runs} cold run(s) each, medians\n\n"
            f"{text}\n\n`.venv/bin/python -m bench.run --pictures --runs N` "
            "(bench/pictures.py says what is measured).\n")


if __name__ == "__main__":
    main()
