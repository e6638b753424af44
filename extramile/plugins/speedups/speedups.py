"""Speedups: the same site, built faster. Nothing kept here can make a page wrong.

What is kept between builds (Pelican's content cache, compiled templates, compressed
copies) is each a pure function of its key; the keys are in docs/performance.md's
table of caches. Pelican does not key its content cache by settings or code, so
``guard_content_cache`` empties it when either changes.

What runs faster: sources the cache lacks are read on every core; every other
article page is rendered by a forked helper (``SplitPages``); ``RENDER_FIRST``
(set by the development server) writes the edited sources' pages into the
served folder before the rest. Pelican's private parts used here are listed in
extramile/pelican_internals.py; each signal's role is noted at ``register()``.

Settings: ``DEFAULTS`` below (docs/performance.md).
"""

import contextlib
import fcntl
import io
import logging
import os
import pickle
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
    CLOCK_GRAIN_NS,
    add_defaults,
    atomic_write,
    changed_since,
    code_key,
    file_stamp,
    hashed,
    keyed_folder,
    settings_key,
    stable_text,
)
from extramile.pelican_internals import generator_cache_files, pelican_cache_files
from extramile.plugins.speedups.compressed import keep_gzip, put_back_gzip

logger = logging.getLogger(__name__)

DEFAULTS = {"SPEEDUPS": True, "SPEEDUPS_MIN_FILES": 16, "SPEEDUPS_WORKERS": None, "SPEEDUPS_RENDER": True,
            "RENDER_FIRST": ()}

# Forking a running Pelican is safe on Linux only (macOS' system libraries
# are not fork-safe; Windows has no fork).
FORK_IS_SAFE = sys.platform.startswith("linux")


def on(settings):
    return settings.get("SPEEDUPS", True)


def start(pelican):
    add_defaults(pelican.settings, DEFAULTS)


def workers(settings):
    if settings["SPEEDUPS_WORKERS"]:
        return int(settings["SPEEDUPS_WORKERS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# -- The content cache, keyed by settings and code ---------------------------
def guard_content_cache(pelican):
    """Empty Pelican's content cache when what it was read with changed."""
    settings = pelican.settings
    if not (settings.get("CACHE_CONTENT") or settings.get("LOAD_CONTENT_CACHE")):
        return
    code = code_key()
    key = hashed(settings_key(settings), code)
    folder = settings["CACHE_PATH"]
    stamp = os.path.join(folder, "content-key")
    if key is None:  # a setting without a stable text, or code changed since it was loaded
        logger.warning("speedups: %s; every source is read again", "the code changed after this process loaded it"
                       if code is None else "a setting has no stable value to key the content cache by")
        settings["LOAD_CONTENT_CACHE"] = settings["CACHE_CONTENT"] = False
        return
    try:
        with open(stamp, encoding="utf-8") as f:
            if f.read() == key:
                return
    except OSError:
        pass
    for name in pelican_cache_files(folder):
        os.remove(os.path.join(folder, name))
    atomic_write(stamp, key.encode())


# -- Parallel reading ----------------------------------------------------------
def _wrappers(metadata):
    """Category, tags and authors: they hold the settings dict."""
    for value in metadata.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, URLWrapper):
                yield item


def _read(readers, path):
    """In a worker: what Readers.read_file would cache for `path`, or None on error."""
    try:
        content, metadata = readers.readers[file_suffix(path)].read(path)
    except Exception:  # Pelican reads it again and reports the error
        return None
    metadata = _filter_discardable_metadata(metadata)
    # Not the settings: each object would carry its own pickled copy. The
    # parent gives them back the one settings dict a sequential read uses.
    for wrapper in _wrappers(metadata):
        wrapper.settings = None
    return content, metadata


def forked(work):
    """Run `work()` in a forked process, which then leaves without running any of
    this process's exit handlers (1 if `work` raised); its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            work()
            code = 0
        finally:
            logging.shutdown()
            os._exit(code)
    return pid


def in_forks(work, items, count):
    """{item: work(item)}, the items shared among `count` forked processes. The
    items of a process that failed are left out (the caller does them itself)."""
    children = []
    for share in range(count):
        read_end, write_end = os.pipe()

        def send(share=share, write_end=write_end, read_end=read_end):
            os.close(read_end)
            with open(write_end, "wb") as out:
                pickle.dump({item: work(item) for item in items[share::count]}, out, pickle.HIGHEST_PROTOCOL)

        pid = forked(send)
        os.close(write_end)
        children.append((pid, read_end))
    results = {}
    for pid, read_end in children:
        with open(read_end, "rb") as f, contextlib.suppress(EOFError, pickle.UnpicklingError):
            results.update(pickle.load(f))
        os.waitpid(pid, 0)
    return results


def sources(generator, paths, excludes):
    """The absolute paths of the sources the generator's readers read."""
    readers = generator.readers
    found = (os.path.abspath(os.path.join(generator.path, rel))
             for rel in sorted(generator.get_files(paths, exclude=excludes)))
    return [path for path in found if file_suffix(path) in readers.readers]


def maybe_unread(generator, paths):
    """The sources the content cache may lack: not in it, or changed (ctime) since it was
    saved. Only decides whether reading is shared; Pelican checks every source's stamp itself.
    A stat each, where stamping every source (sha256) cost 13 ms a build at 1000 posts."""
    cache = generator.readers._cache
    try:
        saved = os.stat(os.path.join(generator.settings["CACHE_PATH"], generator_cache_files(generator)[1])).st_mtime_ns
    except OSError:
        return paths
    since = saved - CLOCK_GRAIN_NS
    return [path for path in paths if path not in cache or changed_since(file_stamp(path), since)]


def prefill(generator):
    """Read every source the content cache lacks, on every core when there are many."""
    settings, readers = generator.settings, generator.readers
    # Pelican looks in its readers' cache only at the reader layer. With TYPOGRIFY
    # it changes smartypants' defaults while it reads: a worker would miss that.
    if (not on(settings) or settings.get("TYPOGRIFY") or not settings["CACHE_CONTENT"]
            or settings["CONTENT_CACHING_LAYER"] != "reader"):
        return
    kind = "ARTICLE" if isinstance(generator, ArticlesGenerator) else "PAGE"
    count, started = workers(settings), time.perf_counter()
    enough = lambda paths: FORK_IS_SAFE and count >= 2 and len(paths) >= settings["SPEEDUPS_MIN_FILES"]  # noqa: E731
    candidates = maybe_unread(generator, sources(generator, settings[f"{kind}_PATHS"], settings[f"{kind}_EXCLUDES"]))
    if not enough(candidates):
        return  # Pelican reads them, as it would without this plugin
    # Stamps taken before any is read (a save in between leaves the new text under the old stamp).
    taken = {path: readers._get_file_stamp(path) for path in candidates}
    todo = [path for path, stamp in taken.items() if readers._cache.get(path, (None,))[0] != stamp]
    if not enough(todo):
        return
    read = {path: data for path, data in in_forks(lambda path: _read(readers, path), todo, count).items()
            if data is not None}  # Pelican reads and reports the others
    for path, data in read.items():
        for wrapper in _wrappers(data[1]):
            wrapper.settings = readers.settings
        # What FileStampDataCacher.cache_data stores: read_file looks here first.
        readers._cache[path] = (taken[path], data)
    logger.info("speedups: read %d of %d files on %d cores in %.2f s", len(read), len(todo), count,
                time.perf_counter() - started)


# -- Compiled templates --------------------------------------------------------
def prepare_templates(generator):
    """Before any template is loaded: the keyed bytecode cache, and the articles'
    template class when they are shared with a helper (SplitTemplate)."""
    settings, env = generator.settings, generator.env
    if (isinstance(generator, ArticlesGenerator) and on(settings) and settings["SPEEDUPS_RENDER"]
            and FORK_IS_SAFE and workers(settings) >= 2):
        env.template_class = SplitTemplate
        env.extend(speedups_split=SplitPages(generator))
    if not on(settings) or not settings.get("CACHE_CONTENT") or env.bytecode_cache is not None:
        return
    # One cache object for the build's generators, kept in their shared context (made anew
    # by each build): code_key() reads and hashes every source, 5 ms a call, once per generator before.
    if BYTECODE_CACHE not in generator.context:
        key = hashed(code_key(), stable_text(settings.get("JINJA_ENVIRONMENT")))
        generator.context[BYTECODE_CACHE] = (jinja2.FileSystemBytecodeCache(keyed_folder(settings, "jinja", key))
                                             if key is not None else None)
    env.bytecode_cache = generator.context[BYTECODE_CACHE]


BYTECODE_CACHE = "speedups_bytecode_cache"  # the build's context: its generators' compiled templates


# -- Pages written as generate_articles and the pages generator write them ----
def content_jobs(generator):
    """(content, keyword arguments) of each content object's page the generator writes,
    as its generate_articles, generate_drafts and generate_output pass them to write_file."""
    if isinstance(generator, ArticlesGenerator):
        return [(article, {"article": article, "category": getattr(article, "category", None), "blog": True})
                for article in chain(generator.translations, generator.articles,
                                     generator.hidden_translations, generator.hidden_articles)] + [
            (draft, {"article": draft, "category": draft.category, "blog": True, "all_articles": generator.articles})
            for draft in chain(generator.drafts_translations, generator.drafts)]
    if isinstance(generator, PagesGenerator):
        return [(page, {"page": page}) for page in chain(
            generator.translations, generator.pages, generator.hidden_translations, generator.hidden_pages,
            generator.draft_translations, generator.draft_pages)]
    return []


def write_jobs(writer, generator, jobs):
    """Write the jobs' pages as the generator would; no plugin hears of them."""
    with signals.content_written.muted():
        for content, kwargs in jobs:
            writer.write_file(content.save_as, generator.get_template(content.template), generator.context,
                              relative_urls=generator.settings["RELATIVE_URLS"],
                              override_output=hasattr(content, "override_save_as"), url=content.url, **kwargs)


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


def render_first(generators):
    """Write the pages of RENDER_FIRST's sources into the served folder now,
    once every plugin before this one in PLUGINS has seen the whole site."""
    settings = generators[0].settings
    wanted = {os.path.abspath(path) for path in settings.get("RENDER_FIRST") or ()}
    if not (wanted and on(settings)):
        return
    started = time.perf_counter()
    writer = _FirstWriter(settings.get("SITE_OUTPUT_PATH", settings["OUTPUT_PATH"]), settings=settings)
    written = 0
    for generator in generators:
        jobs = [(content, kwargs) for content, kwargs in content_jobs(generator)
                if os.path.abspath(content.source_path) in wanted and content.save_as]
        siteurl = generator.context.get("localsiteurl")
        write_jobs(writer, generator, jobs)  # the build writes these pages again
        generator.context["localsiteurl"] = siteurl  # write_file sets it for the page it wrote
        written += len(jobs)
    logger.info("speedups: wrote %d first pages in %.2f s", written, time.perf_counter() - started)


# -- Parallel rendering ------------------------------------------------------------
# Receivers of the signals sent around a page's write that change nothing a
# later page shows (module.function): the helper runs without them.
SPLIT_SAFE_RECEIVERS = frozenset({"extramile.plugins.sitemap_robots.sitemap_robots.queue_page",
                                  "extramile.plugins.speedups.speedups.share_pages"})
SPLIT_SIGNALS = (signals.content_written, signals.article_generator_write_article)


def unsafe_receiver():
    """The first receiver the helper could not do without, or None."""
    for signal in SPLIT_SIGNALS:
        for receiver in signal.receivers.values():
            receiver = receiver() if isinstance(receiver, weakref.ref) else receiver
            name = f"{getattr(receiver, '__module__', '')}.{getattr(receiver, '__qualname__', receiver)}"
            if name not in SPLIT_SAFE_RECEIVERS:
                return name
    return None


class _NullWriter(Writer):
    """Pelican's writer, writing no file: the helper's pages go to the main process."""

    def _open_w(self, filename, encoding, override=False):
        return io.StringIO()


class SplitPages:
    """One build's sharing of the articles generator's pages with a forked helper
    (kept on its Jinja environment as ``speedups_split``). Both run the same
    generate_pages; of its renders, the main process does the even ones and the
    helper the odd ones, sent back through a pipe in order; the main process
    writes every page and sends every signal, as Pelican alone would."""

    def __init__(self, generator):
        self.generator, self.decided, self.in_helper = generator, False, False
        self.helper = self.pipe = self.began = None
        self.renders = 0

    def start(self):
        """At the first article's write, before any page is rendered."""
        generator = self.generator
        read_end, write_end = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # room for a few pages: the helper runs ahead
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)

        def help():
            os.close(read_end)
            self.in_helper, self.pipe = True, open(write_end, "wb")  # noqa: SIM115 - closed by the exit
            with signals.article_generator_write_article.muted(), signals.content_written.muted():
                generator.generate_pages(_NullWriter(generator.output_path, settings=generator.settings))
            pickle.dump(None, self.pipe)
            self.pipe.flush()

        self.helper = forked(help)
        os.close(write_end)
        self.pipe, self.began = open(read_end, "rb"), time.perf_counter()  # noqa: SIM115 - closed in finish

    def render(self, render, page):
        """The text of the page `page` (output_file) that `render()` would give."""
        odd = self.renders % 2
        self.renders += 1
        if self.in_helper:
            if odd:
                pickle.dump((page, render()), self.pipe, pickle.HIGHEST_PROTOCOL)
            return ""
        if not odd:
            return render()
        got = self.receive()
        if got is None:  # past the helper's generate_pages
            self.finish()
            return render()
        if got[0] != page:
            raise RuntimeError(f"speedups: the helper rendered {got[0]} where this process renders {page}")
        return got[1]

    def receive(self):
        try:
            return pickle.load(self.pipe)
        except (EOFError, pickle.UnpicklingError):
            self.finish()
            raise RuntimeError("speedups: the helper process failed to render its pages (see above)") from None

    def finish(self):
        pid, self.helper = self.helper, None
        self.pipe.close()
        _, status = os.waitpid(pid, 0)
        if status:
            raise RuntimeError("speedups: the helper process failed to render its pages (see above)")
        logger.info("speedups: rendered %d pages on 2 cores in %.2f s", self.renders,
                    time.perf_counter() - self.began)


class SplitTemplate(jinja2.Template):
    """The articles generator's templates, rendered by one of two processes."""

    def render(self, *args, **kwargs):
        split = self.environment.speedups_split
        if split.helper is None and not split.in_helper:
            return super().render(*args, **kwargs)
        page = (args[0] if args else kwargs).get("output_file")
        return split.render(lambda: super(SplitTemplate, self).render(*args, **kwargs), page)


def share_pages(generator, content):
    """At the first article's write: start the helper if the build allows."""
    split = getattr(generator.env, "speedups_split", None)
    if split is None or split.decided:
        return
    split.decided = True
    if len(generator.articles) < generator.settings["SPEEDUPS_MIN_FILES"]:
        return
    unsafe = unsafe_receiver()
    if unsafe:
        logger.info("speedups: pages render in one process: %s may change later pages", unsafe)
        return
    split.start()


def join_helper(generator, writer):
    """Once generate_pages is done: the helper's last pages, and its end."""
    split = getattr(generator.env, "speedups_split", None)
    while split is not None and split.helper is not None:
        if split.receive() is None:
            split.finish()


def register():
    signals.initialized.connect(start)
    # After every initialized receiver (settings final), before any generator loads its cache.
    signals.get_generators.connect(guard_content_cache)
    # Before any template is loaded.
    signals.generator_init.connect(prepare_templates)
    # Each generator's readers and loaded cache exist; nothing is read yet.
    signals.article_generator_init.connect(prefill)
    signals.page_generator_init.connect(prefill)
    # Everything is read and every plugin before this one has added its data.
    signals.all_generators_finalized.connect(render_first)
    signals.article_generator_write_article.connect(share_pages)
    # After generate_pages; receivers before this one in PLUGINS see every page written.
    signals.article_writer_finalized.connect(join_helper)
    # pelican-granular-signals sends these around precompress's `compress`.
    blinker.signal("minify").connect(put_back_gzip)
    blinker.signal("deploy").connect(keep_gzip)
