"""Search index: Pagefind over the published articles, written by every build.

Once the articles generator has written its pages, the written HTML of each
*published* article is hard-linked into an empty folder that Pagefind (PyPI
``pagefind[bin]``) indexes whole, and the bundle goes to ``output/pagefind/``
(never a glob over output/: drafts, hidden posts and list pages stay out;
the template marks what to index with ``data-pagefind-body``). Pagefind's
ready-made UI files are not published: the theme's search.js renders results.

* Key of the cached bundle (``SEARCH_INDEX_CACHE_PATH``): the bytes of the
  articles' HTML and the Pagefind binary. Pagefind's output
  is deterministic, so a reused bundle is the bundle it would make.
* ``SEARCH_INDEX_BACKGROUND`` (``invoke livereload``): a rebuild whose articles
  changed leaves the previous index in place and, once staging sends
  ``site_ready``, starts an indexer process that swaps the new index in.
  Indexers run one at a time; one whose build is no longer the newest
  (``WANTED``) installs nothing. A folder with no index yet indexes in the
  foreground, so it is never served without search.
* No indexer outlives its owner or its time limit: it stays in the build's
  process group, ends with the process that started the build (the warm
  builder), and Pagefind ends with it (``PR_SET_PDEATHSIG``). Past
  ``SEARCH_INDEX_TIMEOUT`` seconds Pagefind is killed: the build stops
  (foreground), or ``failed.log`` in the cache folder says why and the next
  build prints it (background).
Settings: ``DEFAULTS`` below.
"""

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pelican import signals

from extramile.buildcache import add_defaults, atomic_write, link_or_copy
from extramile.processes import preexec
from extramile.staging import site_ready

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SEARCH_INDEX": True,
    "SEARCH_INDEX_DIR": "pagefind",
    "SEARCH_INDEX_CACHE_PATH": None,  # CACHE_PATH/search-index
    "SEARCH_INDEX_BACKGROUND": False,
    "SEARCH_INDEX_TIMEOUT": 300,  # seconds Pagefind may take (3 s for 1000 posts here)
    "SEARCH_INDEX_PAGEFIND": None,  # the Pagefind binary; None: the pagefind[bin] wheel's
}
# Files of Pagefind's ready-made UIs, which the theme does not use.
UNUSED_UI_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                   "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class IndexerFailed(Exception):
    """Pagefind failed or ran out of time; or (`stopped`) its owner ended."""

    def __init__(self, message, stopped=False):
        super().__init__(message)
        self.stopped = stopped


def pagefind_binary(chosen=None):
    """The Pagefind binary: `chosen` (SEARCH_INDEX_PAGEFIND), or the one the wheel pagefind-bin installed."""
    if chosen:
        return Path(chosen)
    try:
        from pagefind_bin import get_executable

        return get_executable()
    except (ImportError, FileNotFoundError) as err:
        raise SystemExit(f"Build stopped: Pagefind's binary is missing ({err}). "
                         "Install the requirements: script/bootstrap") from None


def binary_fingerprint(binary):
    # For the cache key: a stat is cheap (importlib.metadata takes 0.15 s),
    # and any reinstall changes it.
    stat = binary.stat()
    return [str(binary), stat.st_size, stat.st_mtime_ns]


def apply_defaults(pelican):
    # The search page's template reads SEARCH_INDEX_DIR.
    add_defaults(pelican.settings, DEFAULTS)
    if pelican.settings["SEARCH_INDEX_BACKGROUND"]:
        # The index is written into the served folder after the build: a staged
        # build (extramile/staging.py) must leave it there.
        pelican.settings["OUTPUT_RETENTION"] = [*pelican.settings["OUTPUT_RETENTION"],
                                                pelican.settings["SEARCH_INDEX_DIR"]]


def published_articles(generator):
    """The published articles (and their translations) of this build. Asked
    once the pages are written, not before: each `save_as` costs Pelican a
    path computation, and at N=1000 that delayed the author's edited page."""
    return [article for article in [*generator.articles, *generator.translations]
            if article.status == "published" and article.save_as]


def run_pagefind(args, timeout, owner=None):
    """Run Pagefind; raise IndexerFailed if it fails, takes over `timeout`
    seconds, or `owner` (a pidfd) ends meanwhile. Pagefind never outlives us."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=preexec(signal.SIGKILL))
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    code = proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    if time.monotonic() > deadline:
                        raise IndexerFailed(f"Pagefind did not finish within {timeout} s "
                                            "(SEARCH_INDEX_TIMEOUT) and was stopped") from None
                    if owner is not None and select.select([owner], [], [], 0)[0]:  # the owner ended
                        raise IndexerFailed("stopped: the process that started the build ended", stopped=True) from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if code != 0:
            log.seek(0)
            raise IndexerFailed("Pagefind could not build the search index:\n"
                                + log.read().decode("utf-8", "replace").strip())


def build_bundle(pages, out_dir, options, owner=None):
    """Index `pages` {path in the site: file, or its bytes} into `out_dir` with Pagefind
    (`options`: the binary, its time limit).

    The pages are hard-linked into an empty folder that Pagefind's command
    line indexes whole: it computes each result's URL from the path
    (posts/a/index.html -> /posts/a/) and indexes in parallel. (Pagefind's
    Python API sends pages one by one: 100 s for 1000 posts, against 3 s.)
    """
    tmp = out_dir + f".tmp-{os.getpid()}"
    stage = out_dir + f".pages-{os.getpid()}"
    for folder in (tmp, stage):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        for rel, source in pages.items():
            target = os.path.join(stage, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if isinstance(source, bytes):
                with open(target, "wb") as f:
                    f.write(source)
            else:
                link_or_copy(source, target)
        run_pagefind([str(pagefind_binary(options["binary"])), "--site", stage, "--output-path",
                      os.path.abspath(tmp), "--silent"], options["timeout"], owner)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for name in UNUSED_UI_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(tmp, name))
    if os.path.isdir(out_dir):  # a build running beside this one wrote it first
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.replace(tmp, out_dir)


# -- The cache folder: bundles by key, and the hand-over between builds and indexers
# A bundle's folder: the first 20 hex digits of its key (temporary folders end otherwise).
BUNDLE_NAME = re.compile(r"^[0-9a-f]{20}$")
# Files in the cache folder: the lock for installing and pruning, the lock one
# background indexer holds while it runs, the newest build's job and the last
# job finished (installed, superseded or failed), and the last failure.
LOCK, INDEXING, WANTED, DONE, FAILED = ".lock", ".indexing", "wanted", "done", "failed.log"


@contextlib.contextmanager
def locked(path):
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def cache_folder(settings):
    return settings["SEARCH_INDEX_CACHE_PATH"] or os.path.join(settings["CACHE_PATH"], "search-index")


def read_marker(cache_root, name):
    try:
        with open(os.path.join(cache_root, name), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def write_marker(cache_root, name, value):
    atomic_write(os.path.join(cache_root, name), value.encode("utf-8"))


def pages_key(pages, read, binary):
    """The cache key of an index of `pages` {path in the site: file}: their bytes and Pagefind."""
    key = hashlib.sha256(json.dumps(binary_fingerprint(binary)).encode())
    for rel in sorted(pages):
        key.update(rel.encode() + b"\0" + hashlib.sha256(read(rel)).digest())
    return key.hexdigest()[:20]


def prune(cache_root, keep):
    """Only the newest bundle is worth keeping; leftovers of stopped indexers go after an hour."""
    for name in os.listdir(cache_root):
        path = os.path.join(cache_root, name)
        if BUNDLE_NAME.match(name):
            if name != keep:
                shutil.rmtree(path, ignore_errors=True)
        elif (".tmp-" in name or ".pages-" in name) and os.path.isdir(path):
            with contextlib.suppress(OSError):
                if time.time() - os.stat(path).st_mtime > 3600:
                    shutil.rmtree(path, ignore_errors=True)


def install(cached, target):
    """Put a copy of the bundle `cached` at `target` (hard links: bundles never change)."""
    fresh = f"{target}.tmp-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(cached, fresh, copy_function=link_or_copy)
    old = f"{target}.old-{os.getpid()}"
    if os.path.isdir(target):
        os.rename(target, old)
    os.rename(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def finish_job(cache_root, job):
    """An index is installed: the last failure is over, and `job` is done."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(cache_root, FAILED))
    write_marker(cache_root, DONE, job)


def write_index(generator, writer):
    """Index the published articles' pages, which the articles generator has just written."""
    settings = generator.settings
    if not settings["SEARCH_INDEX"]:
        return
    started = time.perf_counter()
    output = writer.output_path
    pages = {a.save_as: os.path.join(output, a.save_as) for a in published_articles(generator)}
    # In the background, the index goes straight into the served folder (SITE_OUTPUT_PATH),
    # once the pages are there too (site_ready).
    background = settings["SEARCH_INDEX_BACKGROUND"]
    site = settings.get("SITE_OUTPUT_PATH", output) if background else output
    target = os.path.join(site, settings["SEARCH_INDEX_DIR"])
    options = {"binary": settings["SEARCH_INDEX_PAGEFIND"], "timeout": settings["SEARCH_INDEX_TIMEOUT"]}
    if not pages:  # Pagefind refuses an empty site; a new blog has no index yet
        shutil.rmtree(target, ignore_errors=True)
        logger.warning("search_index: no published article, so no search index")
        return

    cache_root = cache_folder(settings)
    os.makedirs(cache_root, exist_ok=True)
    key = pages_key(pages, lambda rel: Path(pages[rel]).read_bytes(), pagefind_binary(options["binary"]))
    cached = os.path.join(cache_root, key)
    failed = read_marker(cache_root, FAILED)
    if failed:
        logger.warning("search_index: the last background indexing failed; search shows the index "
                       "before it:\n%s", failed)
    with locked(os.path.join(cache_root, LOCK)):
        job = f"{os.getpid()}-{time.time_ns()}"
        # From here on, an indexer still running for an earlier build installs nothing.
        write_marker(cache_root, WANTED, job)
        reused = os.path.isdir(cached)
        if not reused and background and os.path.isdir(target):
            site_pages = {rel: os.path.join(site, rel) for rel in pages}
            # The job waits on disk for site_ready (start_pending): the served folder has these pages then.
            atomic_write(job_spec(cache_root, job), json.dumps({
                "job": job, "pages": site_pages, "cache_root": cache_root, "target": target,
                "options": options, "owner": os.getppid()}).encode())
            logger.info("search_index: %d articles changed; indexing them in the background (the "
                        "previous index serves until then)", len(pages))
            return
        if not reused:
            try:
                build_bundle(pages, cached, options)
            except IndexerFailed as err:
                raise SystemExit(f"Build stopped: {err}") from None
            prune(cache_root, key)
        install(cached, target)
        finish_job(cache_root, job)
    logger.info("search_index: %d articles %s in %.2f s", len(pages),
                "unchanged, index reused" if reused else "indexed", time.perf_counter() - started)


# -- Indexing in the background ----------------------------------------------------
def job_spec(cache_root, job):
    return os.path.join(cache_root, f".job-{job}.json")


def start_pending(pelican):
    """Once the site is in the served folder: start the indexer of this build's
    job, if write_index left one (the newest build's job is WANTED)."""
    settings = pelican.settings
    if not (settings["SEARCH_INDEX"] and settings["SEARCH_INDEX_BACKGROUND"]):
        return
    cache_root = cache_folder(settings)
    spec = job_spec(cache_root, read_marker(cache_root, WANTED))
    if os.path.exists(spec):
        start_background(spec, cache_root)


def start_background(spec, cache_root):
    """An indexer process (this file run as a script) for the job in `spec`.

    Not a session of its own: Ctrl-C in the terminal and the development
    server's process clean-up reach it. Its owner is the build's parent (the
    warm builder's zygote under `invoke livereload`): it stops when that ends."""
    with open(os.path.join(cache_root, "background.log"), "ab") as log:
        subprocess.Popen([sys.executable, "-m", __name__, spec], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log, close_fds=True)


def open_owner(pid):
    """A pidfd that becomes readable when `pid` ends; None where pidfds do not exist."""
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        raise IndexerFailed("stopped: the process that started the build had ended", stopped=True) from None
    except (AttributeError, OSError):
        return None


def run_background(spec_path):
    """In the indexer: index the articles as they are now, install the index
    if no newer build came meanwhile. SIGTERM and SIGINT stop it cleanly."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the finally blocks stop Pagefind
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    os.remove(spec_path)
    job, pages, cache_root, target = spec["job"], spec["pages"], spec["cache_root"], spec["target"]
    options = spec["options"]
    with locked(os.path.join(cache_root, INDEXING)):  # one indexer at a time
        if read_marker(cache_root, WANTED) != job:
            return  # a newer build started its own indexer, or reused an index
        try:
            owner = open_owner(spec["owner"])
            # Copies, not links: the next rebuild rewrites changed pages in place.
            # The key is that of the bytes indexed, whatever the pages are by then.
            stage = {rel: Path(path).read_bytes() for rel, path in pages.items()}
            key = pages_key(stage, stage.__getitem__, pagefind_binary(options["binary"]))
            cached = os.path.join(cache_root, key)
            if not os.path.isdir(cached):
                build_bundle(stage, cached, options, owner)
        except (IndexerFailed, SystemExit, OSError, KeyboardInterrupt) as err:
            # Pagefind failed or ran out of time, or a page vanished meanwhile: the next
            # build says so. Stopped (a signal, the owner ended): not a failure, nothing installed.
            stopped = isinstance(err, (SystemExit, KeyboardInterrupt)) or getattr(err, "stopped", False)
            if not stopped:
                write_marker(cache_root, FAILED, str(err))
            with locked(os.path.join(cache_root, LOCK)):
                if read_marker(cache_root, WANTED) == job:
                    write_marker(cache_root, DONE, job)
            return
        with locked(os.path.join(cache_root, LOCK)):
            if read_marker(cache_root, WANTED) == job:
                install(cached, target)
                prune(cache_root, key)
                finish_job(cache_root, job)


def wait_for_background(cache_root, timeout=120):
    """Wait until the newest build's indexer is done (for tests and the benchmark);
    return its failure ("" if the index was installed)."""
    deadline = time.monotonic() + timeout
    while read_marker(cache_root, DONE) != read_marker(cache_root, WANTED):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the background search indexer did not finish within {timeout} s")
        time.sleep(0.02)
    return read_marker(cache_root, FAILED)


def register():
    signals.initialized.connect(apply_defaults)
    # article_writer_finalized: the articles generator has written its pages,
    # so we index exactly what readers get (the same bytes, the same text).
    signals.article_writer_finalized.connect(write_index)
    # staging's site_ready: the pages are in the served folder for a background indexer.
    site_ready.connect(start_pending)


if __name__ == "__main__":  # the background indexer: search_index.py JOB.json
    run_background(sys.argv[1])
