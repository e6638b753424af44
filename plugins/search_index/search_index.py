"""Search index: Pagefind over the published articles, written by every build.

The plain ``pelican`` command produces the index (so ``invoke build``,
``livereload``, ``invoke production`` and CI all do): when Pelican has written
the site, this plugin feeds the written HTML of each *published* article to
Pagefind (PyPI ``pagefind[bin]``, whose wheel ships the binary) and writes the
bundle to ``output/pagefind/``. The search page's script loads it from there.

* What is indexed: only published articles. Their pages are hard-linked
  into an empty folder that Pagefind indexes (never a glob over output/), so
  drafts, hidden posts, pages and list pages never reach it. Inside an
  article, the template marks the text with ``data-pagefind-body`` and the
  byline and footer with ``data-pagefind-ignore``.
* Repeated builds: the bundle is keyed by the bytes of the articles' HTML, the
  Pagefind binary and our options. An unchanged site copies the bundle from
  ``SEARCH_INDEX_CACHE_PATH`` instead of indexing again. Pagefind's output is
  deterministic, so both paths give the same bytes. There is no incremental
  indexing: one edited article indexes all again (about 3 s for 1000 posts).
* Pagefind's ready-made UI bundles (about 400 KB) are not published: the
  theme's search.js queries ``pagefind.js`` and renders the results itself,
  as plain text nodes styled by our tokens.

Settings: ``SEARCH_INDEX`` (True), ``SEARCH_INDEX_DIR`` ("pagefind"),
``SEARCH_INDEX_CACHE_PATH`` (``CACHE_PATH``/search-index).
"""

import hashlib
import json
import logging
import os
import shutil
import subprocess
import time

from pelican import signals

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SEARCH_INDEX": True,
    "SEARCH_INDEX_DIR": "pagefind",
    "SEARCH_INDEX_CACHE_PATH": None,  # CACHE_PATH/search-index
}
# Extra options for Pagefind's command line; part of the cache key.
PAGEFIND_ARGS = []
# Files of Pagefind's ready-made UIs, which the theme does not use.
UNUSED_UI_FILES = (
    "pagefind-ui.js", "pagefind-ui.css",
    "pagefind-modular-ui.js", "pagefind-modular-ui.css",
    "pagefind-component-ui.js", "pagefind-component-ui.css",
    "pagefind-highlight.js",
)

# The articles of the current build, set once all generators have read them.
_published = []


def setting(settings, name):
    return settings.get(name, DEFAULTS[name])


def link_or_copy(source, target):
    """Hard-link: the cache's files are never changed in place, and a link
    costs no copying (1000 posts' bundle: 1000 files). Copy across disks."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def pagefind_binary():
    """The Pagefind binary that the wheel pagefind-bin installed."""
    try:
        from pagefind_bin import get_executable

        return get_executable()
    except (ImportError, FileNotFoundError) as err:
        raise SystemExit(f"Build stopped: Pagefind's binary is missing ({err}). "
                         "Install the requirements: .venv/bin/pip install -r requirements.txt")


def binary_fingerprint(binary):
    # For the cache key: a stat is cheap (importlib.metadata takes 0.15 s),
    # and any reinstall changes it.
    stat = binary.stat()
    return [str(binary), stat.st_size, stat.st_mtime_ns]


def apply_defaults(pelican):
    # The search page's template reads SEARCH_INDEX_DIR.
    for name, value in DEFAULTS.items():
        pelican.settings.setdefault(name, value)


def remember_articles(generators):
    """Keep the published articles (and their translations) of this build."""
    _published.clear()
    for generator in generators:
        for article in [*getattr(generator, "articles", ()), *getattr(generator, "translations", ())]:
            if article.status == "published" and article.save_as:
                _published.append(article)


def build_bundle(pages, out_dir):
    """Index `pages` {path in the site: file} into `out_dir` with Pagefind.

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
            link_or_copy(source, target)
        run = subprocess.run([str(pagefind_binary()), "--site", stage, "--output-path", os.path.abspath(tmp),
                              "--silent", *PAGEFIND_ARGS], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit("Build stopped: Pagefind could not build the search index:\n"
                             + (run.stderr or run.stdout).strip())
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for name in UNUSED_UI_FILES:
        path = os.path.join(tmp, name)
        if os.path.exists(path):
            os.remove(path)
    if os.path.isdir(out_dir):  # a build running beside this one wrote it first
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.replace(tmp, out_dir)


def write_index(pelican):
    settings = pelican.settings
    if not setting(settings, "SEARCH_INDEX"):
        return
    started = time.perf_counter()
    pages = {}
    key = hashlib.sha256(json.dumps([binary_fingerprint(pagefind_binary()), PAGEFIND_ARGS]).encode())
    for article in sorted(_published, key=lambda a: a.save_as):
        path = os.path.join(pelican.output_path, article.save_as)
        with open(path, "rb") as f:
            key.update(article.save_as.encode() + b"\0" + hashlib.sha256(f.read()).digest())
        pages[article.save_as] = path

    target = os.path.join(pelican.output_path, setting(settings, "SEARCH_INDEX_DIR"))
    if not pages:  # Pagefind refuses an empty site; a new blog has no index yet
        shutil.rmtree(target, ignore_errors=True)
        logger.warning("search_index: no published article, so no search index")
        return

    cache_root = setting(settings, "SEARCH_INDEX_CACHE_PATH") or os.path.join(settings["CACHE_PATH"], "search-index")
    os.makedirs(cache_root, exist_ok=True)
    cached = os.path.join(cache_root, key.hexdigest()[:20])
    reused = os.path.isdir(cached)
    if not reused:
        build_bundle(pages, cached)
        # Only the newest bundle is worth keeping.
        for name in os.listdir(cache_root):
            if name != os.path.basename(cached):
                shutil.rmtree(os.path.join(cache_root, name), ignore_errors=True)

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(cached, target, copy_function=link_or_copy)
    logger.info("search_index: %d articles %s in %.2f s", len(pages),
                "unchanged, index reused" if reused else "indexed", time.perf_counter() - started)


def register():
    signals.initialized.connect(apply_defaults)
    # all_generators_finalized: every article has been read, drafts are known.
    signals.all_generators_finalized.connect(remember_articles)
    # finalized: the article pages are on disk, so we index exactly what
    # readers get (the same bytes, the same text).
    signals.finalized.connect(write_index)
