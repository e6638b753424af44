"""Search index: Pagefind over the published articles, written by every build.

The plain ``pelican`` command produces the index (so ``invoke build``,
``livereload``, ``invoke production`` and CI all do): when Pelican has written
the site, this plugin feeds the written HTML of each *published* article to
Pagefind (PyPI ``pagefind[bin]``, whose wheel ships the binary) and writes the
bundle to ``output/pagefind/``. The search page's script loads it from there.

* What is indexed: only published articles, fed one by one (not a folder
  glob), so drafts, hidden posts, pages and list pages never reach it. Inside
  an article, the template marks the text with ``data-pagefind-body`` and the
  byline and footer with ``data-pagefind-ignore``.
* Repeated builds: the bundle is keyed by the bytes of the articles' HTML, the
  Pagefind version and our options. An unchanged site copies the bundle from
  ``SEARCH_INDEX_CACHE_PATH`` instead of indexing again. Pagefind's output is
  deterministic, so both paths give the same bytes.
* Pagefind's prebuilt UI bundles are removed: the theme renders results itself
  with ``pagefind.js`` (the UI needs inline styles, which our CSP forbids).

Settings: ``SEARCH_INDEX`` (True), ``SEARCH_INDEX_DIR`` ("pagefind"),
``SEARCH_INDEX_CACHE_PATH`` (``CACHE_PATH``/search-index).
"""

import asyncio
import hashlib
import json
import logging
import os
import shutil
import time
from importlib.metadata import version

from pelican import signals

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SEARCH_INDEX": True,
    "SEARCH_INDEX_DIR": "pagefind",
    "SEARCH_INDEX_CACHE_PATH": None,  # CACHE_PATH/search-index
}
# Pagefind options (see IndexConfig in pagefind.index); part of the cache key.
PAGEFIND_CONFIG = {}
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


async def _run_pagefind(records, out_dir):
    from pagefind.index import PagefindIndex

    async with PagefindIndex(config=dict(PAGEFIND_CONFIG, output_path=out_dir)) as index:
        for url, html in records:
            await index.add_html_file(content=html, url=url)


def build_bundle(records, out_dir):
    """Index `records` [(url, html)] into `out_dir` with Pagefind."""
    tmp = out_dir + f".tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        asyncio.run(_run_pagefind(records, os.path.abspath(tmp)))
    except Exception as err:  # the binary is missing, crashed, or refused the input
        shutil.rmtree(tmp, ignore_errors=True)
        raise SystemExit(f"Build stopped: the search index could not be built ({err}). "
                         "Reinstall the requirements (pagefind[bin]) and build again.")
    for name in UNUSED_UI_FILES:
        path = os.path.join(tmp, name)
        if os.path.exists(path):
            os.remove(path)
    os.replace(tmp, out_dir)


def write_index(pelican):
    settings = pelican.settings
    if not setting(settings, "SEARCH_INDEX"):
        return
    started = time.perf_counter()
    records = []
    key = hashlib.sha256(json.dumps([version("pagefind"), PAGEFIND_CONFIG]).encode())
    for article in sorted(_published, key=lambda a: a.url):
        path = os.path.join(pelican.output_path, article.save_as)
        with open(path, "rb") as f:
            html = f.read()
        # Pagefind computes result URLs from this; the search page adds the
        # site's base path, so one index works at a root and under a sub-path.
        url = "/" + article.url
        key.update(url.encode() + b"\0" + hashlib.sha256(html).digest())
        records.append((url, html.decode("utf-8")))

    cache_root = setting(settings, "SEARCH_INDEX_CACHE_PATH") or os.path.join(settings["CACHE_PATH"], "search-index")
    os.makedirs(cache_root, exist_ok=True)
    cached = os.path.join(cache_root, key.hexdigest()[:20])
    reused = os.path.isdir(cached)
    if not reused:
        build_bundle(records, cached)
        # Only the newest bundle is worth keeping.
        for name in os.listdir(cache_root):
            if name != os.path.basename(cached):
                shutil.rmtree(os.path.join(cache_root, name), ignore_errors=True)

    target = os.path.join(pelican.output_path, setting(settings, "SEARCH_INDEX_DIR"))
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(cached, target)
    logger.info("search_index: %d articles %s in %.2f s", len(records),
                "unchanged, index reused" if reused else "indexed", time.perf_counter() - started)


def register():
    signals.initialized.connect(apply_defaults)
    # all_generators_finalized: every article has been read, drafts are known.
    signals.all_generators_finalized.connect(remember_articles)
    # finalized: the article pages are on disk, so we index exactly what
    # readers get (the same bytes, the same text).
    signals.finalized.connect(write_index)
