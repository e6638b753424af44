"""Speedups: the same site, built faster. Every file stays byte-identical.

Parallel reading. Pelican reads (Markdown, then typogrify in our `typeset`
reader) one file after the other on one core: in a cold build, the largest
share of Pelican's own work. When a generator is created, this plugin
finds the sources its reader cache does not hold (all of them in a cold
build, the edited ones after an edit), reads them with the generator's own
reader in forked worker processes on every core, and puts the results into
that cache. Pelican's loop then finds them there exactly as if a previous
build had cached them: same reader, same settings, same (content, metadata),
so the same bytes (``tests/test_speedups.py`` builds the site both ways and
compares every file). A file a worker cannot read is left to Pelican, which
reports it as usual.

Parallel rendering. Pelican then writes every feed and renders every
article, list, tag, category, author and archive page, one after the other.
When the articles generator starts its output, this plugin forks one helper
process, which runs the very same sequence of writes from the very same
state, but does only its share of the jobs (template renders and feeds) and
writes nothing: its memory is thrown away. The helper takes a job while it is
far enough ahead of the main process, and otherwise leaves it (see
``RenderSplit.helper_takes``), so the share follows what the jobs cost. The
main process does the jobs left to it, takes the helper's HTML and feed XML
for the rest from a pipe, and writes every file and sends every signal
itself, in Pelican's order (for a feed the helper made, ``feed_generated``
receivers ran in the helper, as they only change the feed object, and
``feed_written`` gets ``feed=None``). Each handed-over result is checked
(same position, template or feed, output file); on any mismatch or if the
helper dies, the main process does the job itself, so the result never
depends on the helper. Log messages emitted while the helper rendered are
replayed in the main process.

Remembered pages and feeds (``page_cache.py``). A rebuild renders a page
or feed again only when something it read changed since the build that
rendered it; the others come from ``CACHE_PATH``/pages. With parallel
rendering, whoever does a job also works out its key (most of a rebuild
after one edit); remembered feeds are always the main process's jobs, as
their keys read the articles in their own way. Output files whose bytes did
not change are not rewritten.

Remembered URLs. ``article.url`` and ``save_as`` are worked out from the
settings and metadata on every access (about 0.1 ms each); list pages, feeds
and plugins ask for them tens of thousands of times. Once every generator
has finished and output begins, no URL can change any more, so each content
object remembers its answers from then on.

Compiled templates. Each generator compiles the theme's templates again on
every build; with a Jinja bytecode cache in ``CACHE_PATH``/jinja, a rebuild
loads them instead (Jinja checks each template's source checksum).

Compressed copies. Production builds start from an empty folder, so
pelican-precompress gzips every page again (level 9: seconds for a thousand
posts). Before it runs (granular signal ``minify``), this plugin puts back
the ``.gz`` it made in an earlier build for each file whose bytes are the
same (kept in ``CACHE_PATH``/gzip under the SHA-256 of the file), and hands
precompress only the other files (it would pipe each file's bytes to a worker
just to find its copy right). After it ran (``deploy``), the new copies join
the cache.

Settings: ``SPEEDUPS`` (True; False gives the plain sequential path),
``SPEEDUPS_MIN_FILES`` (16: fewer uncached files are read in-process, where
starting workers would cost more than it saves), ``SPEEDUPS_WORKERS`` (None:
one per available core), ``SPEEDUPS_RENDER`` (True: parallel rendering, when
there are at least two cores and ``SPEEDUPS_MIN_FILES`` articles),
``SPEEDUPS_PAGES`` (True: remembered pages and feeds, when ``CACHE_CONTENT``
is on).
"""

import fcntl
import hashlib
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import time

import blinker
import jinja2
from pelican import signals
from pelican.contents import Content
from pelican.generators import ArticlesGenerator
from pelican.readers import _filter_discardable_metadata
from pelican.urlwrappers import URLWrapper
from pelican.utils import file_suffix
from pelican.writers import Writer

from . import page_cache

logger = logging.getLogger(__name__)

DEFAULTS = {"SPEEDUPS": True, "SPEEDUPS_MIN_FILES": 16, "SPEEDUPS_WORKERS": None, "SPEEDUPS_RENDER": True,
            "SPEEDUPS_PAGES": True}

# Parallel reading and rendering fork the running Pelican. Linux only: macOS's system libraries
# are not safe to use in a forked child, and Windows has no fork.
FORK_IS_SAFE = sys.platform.startswith("linux")

# The Readers object of the generator being prefilled; forked workers inherit it.
_readers = None


def setting(settings, name):
    return settings.get(name, DEFAULTS[name])


def workers(settings):
    count = setting(settings, "SPEEDUPS_WORKERS")
    if count:
        return int(count)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


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
    except Exception:
        return path, None
    metadata = _filter_discardable_metadata(metadata)
    # Not the settings: each object would carry its own pickled copy. The
    # parent gives them back the one settings dict a sequential read uses.
    for wrapper in _wrappers(metadata):
        wrapper.settings = None
    return path, (content, metadata)


def uncached_sources(generator, paths, excludes):
    readers = generator.readers
    found = []
    for rel in sorted(generator.get_files(paths, exclude=excludes)):
        path = os.path.abspath(os.path.join(generator.path, rel))
        if file_suffix(path) not in readers.readers:
            continue
        content, _ = readers.get_cached_data(path, (None, None))
        if content is None:
            found.append(path)
    return found


def prefill(generator, paths, excludes):
    global _readers
    settings = generator.settings
    readers = generator.readers
    if not setting(settings, "SPEEDUPS") or settings.get("TYPOGRIFY"):
        # With TYPOGRIFY, Pelican changes smartypants' global defaults while it
        # reads; a worker forked before that would not see the change.
        return
    if not FORK_IS_SAFE or not hasattr(readers, "_get_file_stamp"):
        return
    count = workers(settings)
    todo = uncached_sources(generator, paths, excludes)
    if count < 2 or len(todo) < setting(settings, "SPEEDUPS_MIN_FILES"):
        return
    started = time.perf_counter()
    _readers = readers
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            results = pool.map(_read, todo, chunksize=max(1, min(32, len(todo) // (count * 4))))
    finally:
        _readers = None
    done = 0
    for path, data in results:
        if data is None:
            continue
        for wrapper in _wrappers(data[1]):
            wrapper.settings = readers.settings
        # What FileStampDataCacher.cache_data stores, whatever the caching
        # policy: read_file looks here first.
        readers._cache[path] = (readers._get_file_stamp(path), data)
        done += 1
    logger.info("speedups: read %d of %d files on %d cores in %.2f s", done, len(todo), count,
                time.perf_counter() - started)


def prefill_articles(generator):
    prefill(generator, generator.settings["ARTICLE_PATHS"], generator.settings["ARTICLE_EXCLUDES"])


def prefill_pages(generator):
    prefill(generator, generator.settings["PAGE_PATHS"], generator.settings["PAGE_EXCLUDES"])


# -- Parallel rendering ------------------------------------------------------
class _Capture(logging.Handler):
    """In the helper: keep the log records of the render in progress."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        record.msg, record.args = record.getMessage(), None
        record.exc_info = record.exc_text = None
        self.records.append(record)


# 1 MiB, Linux's default limit for an unprivileged pipe (/proc/sys/fs/pipe-max-size).
PIPE_SIZE = 1 << 20
# How many jobs ahead of the main process the helper must be to take one (see
# RenderSplit.helper_takes), and what it sends for a job it leaves.
HELPER_LEAD = 16
LEFT = "left"


class _NullFile:
    """Where the helper's writer writes: nowhere."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, text):
        return len(text)


class RenderSplit:
    """Share a run of jobs (Template.render and Writer.write_feed calls) between
    this process and a forked helper.

    Both processes run the same code from the same state, so they meet the
    same jobs in the same order. The helper decides whose each job is (see
    `helper_takes`) and says so through a pipe, in order: its result, or that
    it left the job to the main process. A job's owner does all of it: works
    out the page cache's key and, if that changed, renders. The main process
    checks each message's key (position, kind, template or feed, output
    file), and writes every file.
    """

    def __init__(self, writer=None):
        self.index = -1  # jobs met so far
        # The job the main process is at, for the helper to see how far ahead it is.
        self.main_at = multiprocessing.RawValue("q", -1)
        self.helpers_jobs = 0  # in the main process: results taken from the helper
        self.helper = None  # pid, in the main process
        self.inbox = None   # read end of the pipe, in the main process
        self.outbox = None  # write end, in the helper
        self.writer = writer
        # Put back afterwards: the page cache's, or Pelican's and Jinja's own.
        self.previous_render = jinja2.Template.render
        self.previous_write_feed = Writer.write_feed

    def start(self):
        split = self

        def render(template, *args, **kwargs):
            return split.render(template, *args, **kwargs)

        def write_feed(writer, *args, **kwargs):
            return split.write_feed(writer, *args, **kwargs)

        jinja2.Template.render = render
        Writer.write_feed = write_feed
        self.fork()
        return self

    def fork(self):
        """From here on, both processes meet the same jobs and share them."""
        read, write = os.pipe()
        try:  # room for dozens of pages, so neither process waits for the other at every page
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except (AttributeError, OSError):
            pass
        pid = os.fork()
        if pid == 0:  # the helper: the same writes, but nothing reaches the disk
            os.close(read)
            self.outbox = os.fdopen(write, "wb")
            self.capture = _Capture()
            logging.getLogger().handlers = [self.capture]
            # Nothing the helper does after a render leaves it, so it skips what
            # Pelican's writer does then: no file, no content_written receivers
            # (the sitemap's list of pages is the main process's), no "Writing" lines.
            if self.writer is not None:
                self.writer._open_w = lambda *args, **kwargs: _NullFile()
            signals.content_written.receivers.clear()  # this process's copy of the signal only
            logging.getLogger("pelican.writers").setLevel(logging.WARNING)
        else:
            os.close(write)
            self.helper = pid
            self.inbox = os.fdopen(read, "rb")

    def restore(self):
        jinja2.Template.render = self.previous_render
        Writer.write_feed = self.previous_write_feed

    def helper_takes(self):
        """In the helper: whether it takes the job it is at.

        Only while it is at least `HELPER_LEAD` jobs ahead of the main
        process. The main process writes every file, so without jobs of its
        own it would soon wait on the helper; left the jobs that come while
        the helper is close, it does those, and the helper gets ahead again.
        So the work splits evenly whatever it is made of: a rebuild after one
        edit (mostly working out keys) at 1000 posts or at 5000, as well as a
        build from nothing (mostly rendering).

        Feeds the page cache remembers are the main process's from the start
        (they come first): their keys hold the texts of the newest articles
        in full, which the pages' keys mostly do not, so each process works
        out one kind of text. Measured at 1000 posts, that beats sharing
        them too (a rebuild after one edit: 1.45 s against 1.49 s)."""
        return self.index - self.main_at.value >= HELPER_LEAD

    def give(self, key, compute):
        """In the helper: do a job and send its result (None if it failed)."""
        self.capture.records = []
        try:
            result = compute()
        except Exception:
            result = None
        self.send((key, result, self.capture.records))

    def leave(self, key):
        """In the helper: tell the main process that the job is its own."""
        self.send((key, LEFT, ()))

    def send(self, message):
        # Flushed at once: the main process may be waiting for it, and
        # `helper_takes` counts on it seeing each message as soon as it is sent.
        pickle.dump(message, self.outbox, protocol=pickle.HIGHEST_PROTOCOL)
        self.outbox.flush()

    def take(self, key):
        """In the main process: the helper's result for `key`, or None (then do it here)."""
        if self.inbox is None:
            return None
        self.main_at.value = self.index
        try:
            got, result, records = pickle.load(self.inbox)
        except (EOFError, OSError, pickle.UnpicklingError):
            got, result, records = None, None, []
        if got == key and result == LEFT:
            return None
        if got != key or result is None:
            self.stop_helper()  # out of step, failed or gone: do the rest here
            return None
        self.helpers_jobs += 1
        for record in records:  # through the logger's filters, as if logged here
            logging.getLogger(record.name).log(record.levelno, record.msg)
        return result

    def render(self, template, *args, **kwargs):
        context = args[0] if len(args) == 1 and not kwargs else None
        cache = page_cache.active if page_cache.PageCache.cacheable(context) else None
        self.index += 1
        key = (self.index, "render", template.name, (context or kwargs).get("output_file"))
        if self.outbox:
            if self.helper_takes():
                self.give(key, lambda: self.page_result(cache, template, args, kwargs))
            else:
                self.leave(key)
            return ""
        result = self.take(key)
        if result is None:  # left to this process, or the helper's failed
            result = self.page_result(cache, template, args, kwargs)
        if result[0] == "hit":  # the page cache's own key for it
            html = cache.reuse_key(template, context, result[1])
            if html is not None:
                return html
            result = self.page_result(None, template, args, kwargs)  # gone from the cache since
        _, html, reads, page_key = result
        if cache is not None:
            cache.store(template, context, html, reads, page_key)
        return html

    @staticmethod
    def page_result(cache, template, args, kwargs):
        """("hit", key) for a remembered page whose reads are unchanged, else
        ("page", html, reads, key): the work of one page, wherever it is done."""
        if cache is not None:
            key = cache.remembered_key(template, args[0])
            if key is not None:
                return ("hit", key)
        html, reads = page_cache.render_noting(page_cache.JINJA_RENDER, template, args, kwargs)
        return ("page", html, reads, cache.key(template, args[0], reads) if cache is not None else None)

    def write_feed(self, writer, elements, context, path=None, url=None, feed_type="atom",
                   override_output=False, feed_title=None):
        args = (elements, context, path, url, feed_type, override_output, feed_title)
        if not path:  # Pelican returns the feed object: not a job
            return None if self.outbox else page_cache.WRITE_FEED(writer, *args)
        cache = page_cache.active
        self.index += 1
        key = (self.index, "feed", path, feed_type)
        # A remembered feed is always the main process's (no message): see helper_takes.
        remembered = cache is not None and cache.remembers_feed_at(path)
        if self.outbox:
            if not remembered:
                if self.helper_takes():
                    self.give(key, lambda: self.feed_result(cache, writer, args))
                else:
                    self.leave(key)
            return None
        if remembered:
            self.main_at.value = self.index
            result = None
        else:
            result = self.take(key)
        if result is None:  # left to this process, or the helper's failed
            result = self.feed_result(cache, writer, args)
        kind, feed_key, text = result
        if kind == "hit":
            text = cache.lookup_feed(path, feed_key)
            if text is None:  # gone from the cache since
                text = page_cache.feed_text(writer, args)
                cache.store_feed(path, feed_key, text)
        elif cache is not None:
            cache.store_feed(path, feed_key, text)
        page_cache.write_feed_text(writer, path, text, override_output, context)
        return None

    @staticmethod
    def feed_result(cache, writer, args):
        """("hit", key, None) for a remembered feed whose articles are unchanged,
        else ("feed", key, text)."""
        elements, context, path, url, feed_type, _, feed_title = args
        feed_key = None
        if cache is not None:
            feed_key = cache.feed_key(elements, context, path, url, feed_type, feed_title)
            if cache.remembers_feed(path, feed_key):
                return ("hit", feed_key, None)
        return ("feed", feed_key, page_cache.feed_text(writer, args))

    def stop_helper(self):
        if self.helper is not None:
            try:
                os.kill(self.helper, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.helper, 0)
            self.helper = None
        if self.inbox is not None:
            self.inbox.close()
            self.inbox = None

    def finish(self):
        self.restore()
        if self.outbox:  # the helper: done, leave without cleanup handlers or cache saves
            try:
                self.outbox.close()
            finally:
                os._exit(0)
        if self.inbox is not None:
            leftover = self.inbox.read(1)
            self.inbox.close()
            self.inbox = None
            _, status = os.waitpid(self.helper, 0)
            self.helper = None
            if leftover or status:
                logger.warning("speedups: the render helper was out of step; pages were rendered here")
        self.stop_helper()


def parallel_pages(generator):
    """Render the articles generator's feeds and pages on two cores."""
    settings = generator.settings
    if not (setting(settings, "SPEEDUPS") and setting(settings, "SPEEDUPS_RENDER")):
        return
    if not FORK_IS_SAFE or workers(settings) < 2:
        return
    if len(generator.articles) < setting(settings, "SPEEDUPS_MIN_FILES"):
        return
    feeds, pages = generator.generate_feeds, generator.generate_pages

    def generate_pages(writer):
        started = time.perf_counter()
        split = RenderSplit(writer).start()
        try:
            feeds(writer)
            pages(writer)
        except BaseException:
            if split.outbox:
                os._exit(1)
            split.stop_helper()
            split.restore()
            raise
        split.finish()
        logger.info("speedups: shared %d pages and feeds between 2 cores (the helper did %d) in %.2f s",
                    split.index + 1, split.helpers_jobs, time.perf_counter() - started)

    # ArticlesGenerator.generate_output calls generate_feeds, then
    # generate_pages: both now run, in that order, inside one split.
    generator.generate_feeds = lambda writer: None
    generator.generate_pages = generate_pages


# -- Remembered relative paths -------------------------------------------------
_get_relative_source_path = Content.get_relative_source_path
_relative_paths = None  # during a build: (content folder, source path) -> path relative to the folder


def get_relative_source_path(self, source_path=None):
    """Content.get_relative_source_path, worked out once per file: every URL
    and output path asks for it (five times per post while reading, at 13 µs
    of os.path work each)."""
    memo = _relative_paths
    path = source_path or self.source_path
    if memo is None or path is None:
        return _get_relative_source_path(self, source_path)
    key = (self.settings["PATH"], path)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _get_relative_source_path(self, source_path)
    return found


def remember_relative_paths(pelican):
    """A new memo for each build (a path is relative to the working folder)."""
    global _relative_paths
    if setting(pelican.settings, "SPEEDUPS"):
        _relative_paths = {}
        Content.get_relative_source_path = get_relative_source_path
    else:
        _relative_paths = None


# -- Remembered URLs ---------------------------------------------------------
_get_url_setting = Content.get_url_setting


def get_url_setting(self, key):
    memo = self.__dict__.get("_speedups_urls")
    if memo is None:
        return _get_url_setting(self, key)
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = _get_url_setting(self, key)
        return value


CONTENT_LISTS = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts",
                 "drafts_translations", "pages", "hidden_pages", "draft_pages", "draft_translations")


def remember_urls(pelican):
    """Sent just before output: from here on, a content object's URLs are fixed."""
    settings = pelican.settings
    if not setting(settings, "SPEEDUPS"):
        return
    Content.get_url_setting = get_url_setting
    contents = []
    for generator in _generators:
        for name in CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                content._speedups_urls = {}
                contents.append(content)
    _generators.clear()
    if setting(settings, "SPEEDUPS_PAGES") and settings.get("CACHE_CONTENT"):
        page_cache.start(settings, contents)


def save_pages(pelican):
    page_cache.finish()


_generators = []


def parallel_rendering(generators):
    _generators[:] = generators
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            parallel_pages(generator)


def template_cache(pelican):
    settings = pelican.settings
    if not setting(settings, "SPEEDUPS") or not settings.get("CACHE_CONTENT"):
        return
    environment = settings.get("JINJA_ENVIRONMENT") or {}
    if "bytecode_cache" in environment:
        return
    folder = os.path.join(settings["CACHE_PATH"], "jinja")
    os.makedirs(folder, exist_ok=True)
    settings["JINJA_ENVIRONMENT"] = {**environment, "bytecode_cache": jinja2.FileSystemBytecodeCache(folder)}


# -- Compressed copies -------------------------------------------------------
# output file -> SHA-256 of its bytes, for the files precompress will compress
_gzip_sources = {}


def gzip_cache(pelican):
    """The cache folder, when precompress writes gzip only (its zopfli also writes .gz)."""
    settings = pelican.settings
    if not setting(settings, "SPEEDUPS") or not settings.get("CACHE_CONTENT"):
        return None
    if "pelican.plugins.precompress" not in sys.modules or not blinker.signal("compress").receivers:
        return None
    if not settings.get("PRECOMPRESS_GZIP", True) or settings.get("PRECOMPRESS_ZOPFLI", True):
        return None
    folder = os.path.join(settings["CACHE_PATH"], "gzip")
    os.makedirs(folder, exist_ok=True)
    return folder


def link_or_copy(source, target):
    """A hard link costs no copying. Safe here: precompress replaces a wrong
    copy by unlinking it first, and nothing writes into a .gz in place."""
    tmp = f"{target}.tmp-{os.getpid()}"
    try:
        os.link(source, tmp)
    except OSError:  # another file system, or no hard links
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def put_back_gzip(pelican):
    _gzip_sources.clear()
    cache = gzip_cache(pelican)
    if not cache:
        return
    from pelican.plugins import precompress

    started = time.perf_counter()
    options = precompress.get_settings(pelican)
    put_back = set()
    for path in precompress.get_paths_to_compress(options):
        data = path.read_bytes()
        if options["PRECOMPRESS_MIN_SIZE"] and len(data) < options["PRECOMPRESS_MIN_SIZE"]:
            continue
        digest = hashlib.sha256(data).hexdigest()
        _gzip_sources[str(path)] = digest
        cached = os.path.join(cache, digest + ".gz")
        target = f"{path}.gz"
        if os.path.exists(cached) and not os.path.exists(target):
            link_or_copy(cached, target)
            put_back.add(str(path))
    logger.info("speedups: %d of %d compressed copies reused in %.2f s", len(put_back), len(_gzip_sources),
                time.perf_counter() - started)
    skip_compressed(precompress, put_back)


def skip_compressed(precompress, put_back):
    """Hand precompress only the files whose copy was not just put back.

    It would skip those after checking them (PRECOMPRESS_OVERWRITE: it
    decompresses the copy and compares), but only once the file's bytes
    crossed a process pipe: about 1.5 s of a production rebuild at 1000 posts
    for nothing. A put-back copy is right by construction: it was made from
    bytes with the same SHA-256.
    """
    every_path = precompress.get_paths_to_compress

    def paths_to_compress(settings):
        for path in every_path(settings):
            if str(path) not in put_back:
                yield path

    paths_to_compress.every_path = every_path
    precompress.get_paths_to_compress = paths_to_compress


def keep_gzip(pelican):
    precompress = sys.modules.get("pelican.plugins.precompress")
    if precompress is not None and hasattr(precompress.get_paths_to_compress, "every_path"):
        precompress.get_paths_to_compress = precompress.get_paths_to_compress.every_path
    cache = gzip_cache(pelican)
    if not cache or not _gzip_sources:
        return
    used = set()
    for path, digest in _gzip_sources.items():
        cached = os.path.join(cache, digest + ".gz")
        if os.path.exists(f"{path}.gz"):  # precompress skips files it cannot make smaller
            used.add(digest + ".gz")
            if not os.path.exists(cached):
                link_or_copy(f"{path}.gz", cached)
    for name in os.listdir(cache):
        if name.endswith(".gz") and name not in used:
            os.remove(os.path.join(cache, name))
    _gzip_sources.clear()


def register():
    # pelican-granular-signals sends these around precompress's `compress`.
    blinker.signal("minify").connect(put_back_gzip)
    blinker.signal("deploy").connect(keep_gzip)
    # initialized: before the generators make their Jinja environments.
    signals.initialized.connect(template_cache)
    signals.initialized.connect(remember_relative_paths)
    # Sent at the end of each generator's __init__: its readers (with our
    # typeset reader) and its loaded cache exist, nothing is read yet.
    signals.article_generator_init.connect(prefill_articles)
    signals.page_generator_init.connect(prefill_pages)
    # Every article is read and every plugin has added its data (neighbors,
    # related posts, social images); nothing is written yet.
    signals.all_generators_finalized.connect(parallel_rendering)
    # get_writer: sent after Pelican refreshed intersite links, before any output.
    signals.get_writer.connect(remember_urls)
    # Every page is written: keep them for the next build.
    signals.finalized.connect(save_pages)
