"""Speedups: the same site, built faster. Nothing kept here can make a page wrong.

Every build renders every page and feed from its own data. What is kept
between builds is each a pure function of its key:

* Read posts (Pelican's content cache, ``CACHE_PATH/*-Readers``): Markdown and
  typogrify output per source file, under the file's ``CHECK_MODIFIED_METHOD``
  stamp (sha256 in pelicanconf.py). Pelican does not key it by settings or
  code, so the whole cache is emptied when ``content_key`` changes: every
  setting but ``RUN_SETTINGS``, and ``code_key()`` (installed packages, this
  package's source, any other loaded plugin). Our readers read only the source.
* Compiled templates (``CACHE_PATH/jinja/<key>``): Jinja checks each source's
  checksum; the folder is keyed by the code and ``JINJA_ENVIRONMENT``.
* Compressed copies (``CACHE_PATH/gzip/<key>/<sha256>.gz``): a function of the
  file's bytes (the name), the ``PRECOMPRESS_*`` settings and the code.

What it speeds up:

* Reading: the sources the content cache lacks are read on every core by the
  generator's own reader and stored under the stamp taken before reading (a
  save in between is read again next time); Pelican then finds them cached,
  and stamps no source again.
* Rendering: the articles generator's pages are shared with one forked helper
  (``SplitWriter``): both run the same code from the same state and each
  renders every other page. Every signal runs in the main process; it is done
  only when each receiver of the signals sent around a write is known not to
  change later pages (``SPLIT_SAFE_RECEIVERS``). A failed helper fails the build.
* ``RENDER_FIRST`` (set by the development server): the pages of these source
  files are written into the served folder (``SITE_OUTPUT_PATH``) before any
  other, so the edited page reloads while the rest is built.

Relied on (versions pinned in requirements.lock): ``Readers.read_file`` and
``CachingGenerator`` look in their ``FileStampDataCacher`` (``_cache``,
``_filestamp_func``) before reading; ``article_generator_init`` and
``page_generator_init`` come after that cache is loaded, before any read;
``get_generators`` after every ``initialized`` receiver, before any cache is
loaded; ``generator_init`` before a template is loaded (``bytecode_cache`` may
be set); ``get_writer`` once all is read, before any output; ``render_first``
passes ``write_file`` what the generators' ``generate_articles``,
``generate_drafts`` and ``generate_output`` pass; ``Writer._open_w`` keeps
``_written_files`` and ``_overridden_files``; ``generate_output`` calls
``generate_feeds`` then ``generate_pages``; pelican-granular-signals sends
``minify``, ``compress`` and ``deploy`` around pelican-precompress, which keeps
an existing ``.gz`` when ``PRECOMPRESS_OVERWRITE`` is False. No class or
module is patched; on this build's own objects two attributes are set: the
readers' and generators' ``_filestamp_func`` (the stamps ``prefill`` took) and
the articles generator's ``generate_pages`` (``share_pages``).

Settings: ``SPEEDUPS`` (True; False: plain Pelican, same bytes),
``SPEEDUPS_MIN_FILES`` (16: below, reading and rendering stay in one process),
``SPEEDUPS_WORKERS`` (None: one per core), ``SPEEDUPS_RENDER`` (True),
``RENDER_FIRST`` (source paths; empty).
"""

import contextlib
import hashlib
import io
import logging
import multiprocessing
import os
import shutil
import sys
import time
import weakref
from itertools import chain

import blinker
import jinja2
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.readers import _filter_discardable_metadata
from pelican.urlwrappers import URLWrapper
from pelican.utils import file_suffix
from pelican.writers import Writer

from extramile.buildcache import (
    add_defaults,
    atomic_write,
    code_key,
    link_or_copy,
    settings_key,
    stable_text,
)

logger = logging.getLogger(__name__)

DEFAULTS = {"SPEEDUPS": True, "SPEEDUPS_MIN_FILES": 16, "SPEEDUPS_WORKERS": None, "SPEEDUPS_RENDER": True,
            "RENDER_FIRST": []}

# Forking a running Pelican is safe on Linux only (macOS' system libraries
# are not fork-safe; Windows has no fork).
FORK_IS_SAFE = sys.platform.startswith("linux")


def on(settings):
    return settings.get("SPEEDUPS", True)


def start(pelican):
    add_defaults(pelican.settings, DEFAULTS)


def hashed(*parts):
    return None if None in parts else hashlib.sha256("\0".join(parts).encode()).hexdigest()


def keyed_folder(settings, kind, key):
    """CACHE_PATH/kind/key, with the folders of other keys removed."""
    root = os.path.join(settings["CACHE_PATH"], kind)
    if os.path.isdir(root):
        for name in os.listdir(root):
            if name != key:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    folder = os.path.join(root, key)
    os.makedirs(folder, exist_ok=True)
    return folder


# -- The content cache, keyed by settings and code ---------------------------
def content_key(settings):
    return hashed(settings_key(settings), code_key())


def guard_content_cache(pelican):
    """Empty Pelican's content cache when what it was read with changed."""
    settings = pelican.settings
    if not (settings.get("CACHE_CONTENT") or settings.get("LOAD_CONTENT_CACHE")):
        return
    key = content_key(settings)
    folder = settings["CACHE_PATH"]
    stamp = os.path.join(folder, "content-key")
    if key is None:  # a setting without a stable text, or code changed since it was loaded
        logger.warning("speedups: %s; every source is read again", "the code changed after this process loaded it"
                       if code_key() is None else "a setting has no stable value to key the content cache by")
        settings["LOAD_CONTENT_CACHE"] = settings["CACHE_CONTENT"] = False
        return
    try:
        with open(stamp, encoding="utf-8") as f:
            if f.read() == key:
                return
    except OSError:
        pass
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.endswith(("Generator", "Generator-Readers")):  # Pelican's cache files
                os.remove(os.path.join(folder, name))
    atomic_write(stamp, key.encode())


# -- Parallel reading ----------------------------------------------------------
_readers = None  # the Readers object being filled; forked workers inherit it


def _wrappers(metadata):
    """Category, tags and authors: they hold the settings dict."""
    for value in metadata.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, URLWrapper):
                yield item


def _read(path):
    """In a worker: what Readers.read_file would cache for `path`, or None on error."""
    try:
        content, metadata = _readers.readers[file_suffix(path)].read(path)
    except Exception:  # Pelican reads it again and reports the error
        return path, None
    metadata = _filter_discardable_metadata(metadata)
    # Not the settings: each object would carry its own pickled copy. The
    # parent gives them back the one settings dict a sequential read uses.
    for wrapper in _wrappers(metadata):
        wrapper.settings = None
    return path, (content, metadata)


def workers(settings):
    if settings["SPEEDUPS_WORKERS"]:
        return int(settings["SPEEDUPS_WORKERS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def stamps(generator, paths, excludes):
    """{path: stamp} of each source, taken before any is read (a save in
    between leaves the new text under the old stamp: read again next time)."""
    readers = generator.readers
    found = {}
    for rel in sorted(generator.get_files(paths, exclude=excludes)):
        path = os.path.abspath(os.path.join(generator.path, rel))
        if file_suffix(path) in readers.readers:
            found[path] = readers._get_file_stamp(path)
    return found


def prefill(generator):
    """Read every source the content cache lacks, on every core when there are many."""
    global _readers
    settings, readers = generator.settings, generator.readers
    # With TYPOGRIFY, Pelican changes smartypants' global defaults while it
    # reads; a worker forked before that would not see the change.
    if not on(settings) or settings.get("TYPOGRIFY") or not hasattr(readers, "_filestamp_func"):
        return
    kind = "ARTICLE" if isinstance(generator, ArticlesGenerator) else "PAGE"
    taken = stamps(generator, settings[f"{kind}_PATHS"], settings[f"{kind}_EXCLUDES"])
    todo = [path for path, stamp in taken.items() if readers._cache.get(path, (None,))[0] != stamp]
    # Pelican stamps each source again before its cache lookups: these stamps
    # serve the readers' lookup; the generator's own cache is unused (reader layer).
    stamp = readers._filestamp_func
    readers._filestamp_func = lambda path: taken.pop(path, None) or stamp(path)
    if settings["CONTENT_CACHING_LAYER"] == "reader" and not generator._cache:
        generator._filestamp_func = lambda path: None
    count, started = workers(settings), time.perf_counter()
    _readers = readers
    try:
        if FORK_IS_SAFE and count >= 2 and len(todo) >= settings["SPEEDUPS_MIN_FILES"]:
            with multiprocessing.get_context("fork").Pool(count) as pool:
                results = pool.map(_read, todo, chunksize=max(1, min(32, len(todo) // (count * 4))))
        else:
            count, results = 1, [_read(path) for path in todo]
    finally:
        _readers = None
    read = [(path, data) for path, data in results if data is not None]  # Pelican reports the others
    for path, data in read:
        for wrapper in _wrappers(data[1]):
            wrapper.settings = readers.settings
        # What FileStampDataCacher.cache_data stores: read_file looks here first.
        readers._cache[path] = (taken[path], data)
    if todo:
        logger.info("speedups: read %d of %d files on %d cores in %.2f s", len(read), len(todo), count,
                    time.perf_counter() - started)


# -- Compiled templates --------------------------------------------------------
def template_cache(generator):
    settings = generator.settings
    if not on(settings) or not settings.get("CACHE_CONTENT") or generator.env.bytecode_cache is not None:
        return
    key = hashed(code_key(), stable_text(settings.get("JINJA_ENVIRONMENT")))
    if key is not None:
        generator.env.bytecode_cache = jinja2.FileSystemBytecodeCache(keyed_folder(settings, "jinja", key))


# -- Render first ----------------------------------------------------------------
class _AtomicText(io.StringIO):
    """A page written whole through a temporary file: a browser never reads half of it."""

    def __init__(self, path, encoding):
        super().__init__()
        self.path, self.text_encoding = path, encoding

    def close(self):
        if not self.closed:
            atomic_write(self.path, self.getvalue().encode(self.text_encoding))
        super().close()


class _FirstWriter(Writer):
    def _open_w(self, filename, encoding, override=False):
        return _AtomicText(filename, encoding)


_generators = []


def keep_generators(generators):
    _generators[:] = generators


def render_first(pelican):
    """Write the pages of RENDER_FIRST's sources into the served folder now."""
    settings = pelican.settings
    wanted = {os.path.abspath(path) for path in settings.get("RENDER_FIRST") or ()}
    if not wanted:
        return
    started = time.perf_counter()
    writer = _FirstWriter(settings.get("SITE_OUTPUT_PATH", settings["OUTPUT_PATH"]), settings=settings)
    relative = settings["RELATIVE_URLS"]
    written = 0
    for generator in _generators:
        context = generator.context
        siteurl = context.get("localsiteurl")
        if isinstance(generator, ArticlesGenerator):
            jobs = [(article, {"article": article, "category": getattr(article, "category", None), "blog": True})
                    for article in chain(generator.translations, generator.articles,
                                         generator.hidden_translations, generator.hidden_articles)]
            jobs += [(draft, {"article": draft, "category": draft.category, "blog": True,
                              "all_articles": generator.articles})
                     for draft in chain(generator.drafts_translations, generator.drafts)]
        elif isinstance(generator, PagesGenerator):
            jobs = [(page, {"page": page})
                    for page in chain(generator.translations, generator.pages, generator.hidden_translations,
                                      generator.hidden_pages, generator.draft_translations, generator.draft_pages)]
        else:
            continue
        for content, kwargs in jobs:
            if os.path.abspath(content.source_path) not in wanted or not content.save_as:
                continue
            # Its pages are written again by the build itself; no plugin hears of this copy.
            with signals.content_written.muted():
                writer.write_file(content.save_as, generator.get_template(content.template), context,
                                  relative_urls=relative, override_output=hasattr(content, "override_save_as"),
                                  url=content.url, **kwargs)
            written += 1
        context["localsiteurl"] = siteurl  # write_file sets it for the page it wrote
    logger.info("speedups: wrote %d first pages in %.2f s", written, time.perf_counter() - started)


# -- Parallel rendering ------------------------------------------------------------
# Receivers of the signals sent around a page's write that change nothing a
# later page shows (module.function): the helper can do without them.
SPLIT_SAFE_RECEIVERS = {"extramile.plugins.sitemap_robots.sitemap_robots.queue_page"}
SPLIT_SIGNALS = (signals.content_written, signals.feed_written, signals.article_generator_write_article)


class _NoTemplate:
    """What the process that skips a page renders instead: nothing."""

    @staticmethod
    def render(*args, **kwargs):
        return ""


class SplitWriter(Writer):
    """Pelican's writer. While `split` is on, this process renders and writes
    only its share of the pages: every other one (`role` 0: the main process,
    1: the helper); for the others it does all the rest of what Pelican does."""

    split, role, jobs, skipping = False, 0, 0, False

    def write_file(self, name, template, context, *args, **kwargs):
        if self.split:
            self.jobs += 1
            self.skipping = self.jobs % 2 != self.role
            if self.skipping:
                template = _NoTemplate
        return super().write_file(name, template, context, *args, **kwargs)

    def _open_w(self, filename, encoding, override=False):
        if not (self.split and self.skipping):
            return super()._open_w(filename, encoding, override)
        # Writer._open_w's bookkeeping, without the file the other process writes.
        if filename not in self._overridden_files:
            if filename in self._written_files and not override:
                raise RuntimeError(f"{filename} is written twice")
            if override:
                self._overridden_files.add(filename)
            self._written_files.add(filename)
        return io.StringIO()


def unsafe_receiver():
    """The first receiver the helper could not do without, or None."""
    for signal in SPLIT_SIGNALS:
        for receiver in signal.receivers.values():
            receiver = receiver() if isinstance(receiver, weakref.ref) else receiver
            name = f"{getattr(receiver, '__module__', '')}.{getattr(receiver, '__qualname__', receiver)}"
            if name not in SPLIT_SAFE_RECEIVERS:
                return name
    return None


def share_pages(generator):
    """Share the articles generator's pages with a forked helper (SplitWriter)."""
    settings = generator.settings
    if not (settings["SPEEDUPS_RENDER"] and FORK_IS_SAFE) or workers(settings) < 2:
        return
    if len(generator.articles) < settings["SPEEDUPS_MIN_FILES"]:
        return
    unsafe = unsafe_receiver()
    if unsafe:
        logger.info("speedups: pages render in one process: %s may depend on every page being written", unsafe)
        return
    pages = generator.generate_pages

    def generate_pages(writer):
        if not isinstance(writer, SplitWriter):
            return pages(writer)
        started = time.perf_counter()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        writer.split, writer.role, writer.jobs = True, int(pid == 0), 0
        if pid == 0:  # the helper: its pages only; it hears nothing sent after a write
            for signal in SPLIT_SIGNALS[:2]:
                signal.receivers.clear()
            code = 1
            try:
                pages(writer)
                code = 0
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        try:
            pages(writer)
        finally:
            writer.split = False
            _, status = os.waitpid(pid, 0)
        if status:
            raise RuntimeError("speedups: the helper process failed to render its pages (see above)")
        logger.info("speedups: rendered %d pages on 2 cores in %.2f s", writer.jobs, time.perf_counter() - started)

    # This build's generator only: its generate_output calls generate_pages after the feeds.
    generator.generate_pages = generate_pages


def start_output(pelican):
    """Everything is read; before any output: the first pages, the shared ones,
    and Pelican's writer class (SplitWriter writes what Writer writes)."""
    if not on(pelican.settings):
        return None
    render_first(pelican)
    for generator in _generators:
        if isinstance(generator, ArticlesGenerator):
            share_pages(generator)
    return SplitWriter


# -- Compressed copies -----------------------------------------------------------
_gzip_sources = {}  # output file -> SHA-256 of its bytes, for the files precompress will see


def gzip_cache(settings):
    """The keyed cache folder, when precompress writes gzip only (its zopfli also writes .gz)."""
    if (not on(settings) or not settings.get("CACHE_CONTENT") or settings.get("PRECOMPRESS_OVERWRITE")
            or not settings.get("PRECOMPRESS_GZIP", True) or settings.get("PRECOMPRESS_ZOPFLI", True)):
        return None
    options = {name: value for name, value in settings.items() if name.startswith("PRECOMPRESS_")}
    key = hashed(code_key(), stable_text(options))
    return keyed_folder(settings, "gzip", key) if key else None


def put_back_gzip(pelican):
    """Before precompress: the .gz of every file whose bytes were compressed before."""
    _gzip_sources.clear()
    cache = gzip_cache(pelican.settings)
    if not cache:
        return
    from pelican.plugins import precompress

    started = time.perf_counter()
    options = precompress.get_settings(pelican)
    reused = 0
    for path in precompress.get_paths_to_compress(options):
        data = path.read_bytes()
        if options["PRECOMPRESS_MIN_SIZE"] and len(data) < options["PRECOMPRESS_MIN_SIZE"]:
            continue
        digest = _gzip_sources[str(path)] = hashlib.sha256(data).hexdigest()
        cached = os.path.join(cache, digest + ".gz")
        if os.path.exists(cached) and not os.path.exists(f"{path}.gz"):
            link_or_copy(cached, f"{path}.gz")
            reused += 1
    logger.info("speedups: %d of %d compressed copies reused in %.2f s", reused, len(_gzip_sources),
                time.perf_counter() - started)


def keep_gzip(pelican):
    """After precompress: keep this build's .gz copies, and only those."""
    cache = gzip_cache(pelican.settings)
    if not cache:
        return
    used = set()
    for path, digest in _gzip_sources.items():
        name = digest + ".gz"
        if os.path.exists(f"{path}.gz"):  # precompress skips files it cannot make smaller
            used.add(name)
            if not os.path.exists(os.path.join(cache, name)):
                link_or_copy(f"{path}.gz", os.path.join(cache, name))
    for name in set(os.listdir(cache)) - used:
        with contextlib.suppress(OSError):
            os.remove(os.path.join(cache, name))
    _gzip_sources.clear()


def register():
    signals.initialized.connect(start)
    # After every initialized receiver (settings final), before any generator loads its cache.
    signals.get_generators.connect(guard_content_cache)
    signals.generator_init.connect(template_cache)
    # Each generator's readers and loaded cache exist; nothing is read yet.
    signals.article_generator_init.connect(prefill)
    signals.page_generator_init.connect(prefill)
    signals.all_generators_finalized.connect(keep_generators)
    # Everything is read and every plugin has added its data; nothing is written yet.
    signals.get_writer.connect(start_output)
    # pelican-granular-signals sends these around precompress's `compress`.
    blinker.signal("minify").connect(put_back_gzip)
    blinker.signal("deploy").connect(keep_gzip)
