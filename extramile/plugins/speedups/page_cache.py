"""Remembered pages: a page is rendered again only when something it read changed.

Rendering every page again is most of a rebuild after one post was edited. While a
page renders, this module notes what the template read: the names it looked up in
its context (``articles_page``, ``SITEURL``, ``tags`` ...) and each attribute it
read on an article or page (``article.title``, ``a.summary`` in a loop, the
``date`` that ``|sort(attribute='date')`` compares). The next build works out
the same reads on its own objects and hashes their values; if the hash is the one
of last time, the template would read exactly the same values, so it would write
exactly the same bytes: the page is taken from ``CACHE_PATH``/pages instead of
rendered. The first render of a page, and every render after a change to
something it read, records again.

Values are hashed by what they are, not where they live: text with its type
(``Markup`` is not ``str``), dates with their time zone, lists in order, a tag,
category or author by its name and slug, an article or page by its source file
(its attributes count only where the template read them). Every key also holds
the theme's template sources, the Jinja filters' code, every setting, and the
versions of Pelican, Jinja and this module. A value this module cannot hash
reliably (an object whose only description is its address in memory, a method
of an article) makes the page uncacheable: it is rendered every time.

Nothing changes for templates: the hooks are Jinja's own lookup functions
(``Environment.getattr`` and ``getitem``, ``Context.resolve_or_missing``),
and they only note a name while a page renders. ``tests/test_speedups.py``
edits a post's text, title, tags and date, adds and deletes posts, changes a
template and a setting, and compares every file with a build from nothing.

Untouched files. A rebuild into a kept output folder (``invoke livereload``)
notes each output file's inode, size and modification time once it holds a page.
If a remembered page's file still has exactly those, it still holds the
page's bytes: the page is neither read from the cache nor compared with the
file (the writer's file gets ``UNCHANGED``, and writes nothing). A file
changed or removed since is checked and written as before. Pelican's writer
is the only caller of ``Template.render`` with an ``output_file`` in its
context, and it passes the text only to its file.
"""

import contextlib
import datetime
import functools
import hashlib
import io
import logging
import os
import pickle
import tempfile
import time
import types
from itertools import repeat

import jinja2
import jinja2.runtime
import pelican
from pelican import signals
from pelican import writers as pelican_writers
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from pelican.utils import sanitised_join
from pelican.writers import Writer

logger = logging.getLogger(__name__)

# Bump when the hashing below changes what it covers, or the index's form.
# 2: pages that read alike share their reads' tuples (a 6x smaller index).
# 3: keys hold values only.
VERSION = "3"

# Jinja's own functions, before any plugin wraps them.
JINJA_RENDER = jinja2.Template.render
WRITE_FEED = Writer.write_feed
_getattr = jinja2.Environment.getattr
_getitem = jinja2.Environment.getitem
_resolve_or_missing = jinja2.runtime.Context.resolve_or_missing


# Settings left out of every key. OUTPUT_PATH: `invoke build` renders into a new
# folder each time; no page shows where it is written (a template that looks
# the name up has it in its own key). SEARCH_INDEX_BACKGROUND: when the search
# index is written, which `invoke livereload` changes after its first build.
NOT_HASHED = {"OUTPUT_PATH", "SEARCH_INDEX_BACKGROUND"}


class Unchanged(str):
    """What a remembered page or feed renders to when its output file still
    holds exactly the bytes it would get: the writer's file sees this and
    neither reads nor writes anything."""


UNCHANGED = Unchanged()


class Uncacheable(Exception):
    """A value with no reliable hash: the page that read it is always rendered."""


class Reads:
    """What one render looked up: context names, and attributes per content object."""

    __slots__ = ("attrs", "names")

    def __init__(self):
        self.names = set()
        self.attrs = {}  # source path -> set of attribute names

    def frozen(self):
        return (tuple(sorted(self.names)),
                tuple((path, tuple(sorted(names))) for path, names in sorted(self.attrs.items())))


# Noted as a name when a template read an object no build can find again.
UNCACHEABLE = "\0uncacheable"
# What a page sees for a name neither its context nor its template's globals hold.
MISSING = object()

_reads = None  # the Reads of the render in progress, if any


def _note(obj, attribute):
    reads = _reads
    if reads is not None and isinstance(obj, Content) and isinstance(attribute, str):
        path = obj.source_path
        if path is None:
            reads.names.add(UNCACHEABLE)
        else:
            reads.attrs.setdefault(path, set()).add(attribute)


def getattr_noting(self, obj, attribute):
    _note(obj, attribute)
    return _getattr(self, obj, attribute)


def getitem_noting(self, obj, argument):
    _note(obj, argument)
    return _getitem(self, obj, argument)


def resolve_noting(self, key):
    reads = _reads
    if reads is not None:
        reads.names.add(key)
    return _resolve_or_missing(self, key)


jinja2.Environment.getattr = getattr_noting
jinja2.Environment.getitem = getitem_noting
jinja2.runtime.Context.resolve_or_missing = resolve_noting


def render_noting(render, template, args, kwargs):
    """Render (with `render`, Jinja's or a stand-in) and return (html, frozen reads)."""
    global _reads
    outer, _reads = _reads, Reads()
    try:
        html = render(template, *args, **kwargs)
        return html, _reads.frozen()
    finally:
        _reads = outer


# -- Hashing values ------------------------------------------------------------
class Encoder:
    """A stable text for a value, the same in every build for the same value."""

    def __init__(self):
        # id -> (object, text) for containers and objects, kept alive so an id is never reused
        self.memo = {}

    def text(self, value):
        parts = []
        self.encode(value, parts, set())
        return "\x1f".join(parts)

    def encode(self, value, out, active):
        if value is None or value is True or value is False:
            out.append(repr(value))
            return
        kind = type(value)
        if kind in (int, float):
            out.append(f"{kind.__name__}:{value!r}")
            return
        if isinstance(value, str):  # str, Markup: the type decides escaping
            out.append(f"{kind.__name__}:{len(value)}:{value}")
            return
        if isinstance(value, Content):
            if value.source_path is None:
                raise Uncacheable(f"{kind.__name__} without a source file")
            out.append(f"content:{value.source_path}")
            return
        if isinstance(value, URLWrapper):
            out.append(f"{kind.__name__}:{value.name}:{value.slug}")
            return
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            out.append(f"{kind.__name__}:{value.isoformat()}:{getattr(value, 'tzinfo', None)!s}")
            return
        if isinstance(value, jinja2.Undefined):
            out.append(f"undefined:{value._undefined_name}")
            return
        if isinstance(value, bytes):
            out.append(f"bytes:{hashlib.sha1(value).hexdigest()}")
            return
        key = id(value)
        known = self.memo.get(key)
        if known is not None:
            out.append(known[1])
            return
        if key in active:
            raise Uncacheable(f"a {kind.__name__} that contains itself")
        active.add(key)
        inner = []
        try:
            self.encode_container(value, kind, inner, active)
        finally:
            active.discard(key)
        text = "\x1e".join(inner)
        if len(text) > 256:  # long texts go in as a hash
            text = "h:" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        self.memo[key] = (value, text)
        out.append(text)

    def encode_container(self, value, kind, out, active):
        out.append(f"{kind.__module__}.{kind.__qualname__}")
        if isinstance(value, (list, tuple)):
            out.append(str(len(value)))
            for item in value:
                self.encode(item, out, active)
        elif isinstance(value, dict):
            for name, item in value.items():
                self.encode(name, out, active)
                self.encode(item, out, active)
        elif isinstance(value, (set, frozenset)):
            items = []
            for item in value:
                parts = []
                self.encode(item, parts, active)
                items.append("\x1f".join(parts))
            out.extend(sorted(items))
        elif isinstance(value, types.FunctionType):
            self.encode_function(value, out, active)
        elif isinstance(value, functools.partial):
            self.encode([value.func, value.args, value.keywords], out, active)
        elif isinstance(value, types.BuiltinFunctionType):  # also a C method bound to its object
            out.append(value.__qualname__)
            if not isinstance(value.__self__, (types.ModuleType, type(None))):
                self.encode(value.__self__, out, active)
        elif isinstance(value, (type, types.ModuleType)):
            out.append(getattr(value, "__qualname__", getattr(value, "__name__", "")))
        elif isinstance(value, types.MethodType):
            if isinstance(value.__self__, Content):
                raise Uncacheable(f"method {value.__func__.__qualname__} of an article or page")
            self.encode(value.__self__, out, active)
            self.encode_function(value.__func__, out, active)
        elif hasattr(value, "__dict__"):
            # Pelican's paginator pages, feed and plugin objects: their state. The
            # settings they carry are in every key already.
            for name, item in vars(value).items():
                if name != "settings":
                    out.append(name)
                    self.encode(item, out, active)
        else:
            text = repr(value)
            if " at 0x" in text:
                raise Uncacheable(f"a {kind.__name__} known only by its address")
            out.append(text)

    def encode_function(self, function, out, active):
        code = getattr(function, "__code__", None)
        if code is None:
            out.append(getattr(function, "__qualname__", repr(function)))
            return
        out.append(f"{function.__module__}.{function.__qualname__}")
        out.append(hashlib.sha1(code.co_code).hexdigest())
        self.encode(tuple(c for c in code.co_consts if not isinstance(c, types.CodeType)), out, active)
        for cell in function.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # a cell not filled yet
                raise Uncacheable(f"{function.__qualname__} with an empty closure cell") from None
            self.encode(contents, out, active)
        self.encode(function.__defaults__, out, active)


# An article's state in a feed's key: not the shared context, the settings
# (in every key) or the speedups plugin's URL memo.
ITEM_STATE_SKIPPED = {"_context", "settings", "_speedups_urls"}


# -- The cache --------------------------------------------------------------------
class PageCache:
    """Pages of the last build: output file -> (template, reads, key); HTML under the key."""

    def __init__(self, settings, contents):
        self.folder = os.path.join(settings["CACHE_PATH"], "pages")
        self.index_path = os.path.join(self.folder, "index.pickle")
        self.index = self.load()
        self.new_index = {}
        self.output_path = settings["OUTPUT_PATH"]
        self.feed_max_items = settings.get("FEED_MAX_ITEMS")  # None: every article
        # Output file -> (key, stat) once the file holds the page of that key;
        # a file whose stat is still the same holds those bytes still.
        self.written = self.index.pop("\0written", {})
        self.new_written = {}
        self.writing = {}  # output file -> the key of the page on its way to it
        self.by_path = {c.source_path: c for c in contents if c.source_path}
        self.encoder = Encoder()
        self.attr_texts = {}  # (path, attribute, localsiteurl) -> text
        self.group_texts = {}  # ((path, attributes), localsiteurl) -> their texts
        self.value_texts = {id(MISSING): "\0missing"}  # id of a context value -> text
        self.alive = [MISSING]  # the values of value_texts
        self.globals = {}  # id of a template -> (template, its globals as one dict)
        self.checked_names = set()  # names tuples without UNCACHEABLE
        self.environments = {}  # id(environment) -> hash of its templates and filters
        self.descriptors = {}  # (class, attribute) -> whether the class defines it as a data descriptor
        self.shared_reads = {}  # see `shared`
        self.settings_text = self.settings_hash(settings)
        self.hits = self.misses = self.uncacheable = self.untouched = 0

    def load(self):
        try:
            with open(self.index_path, "rb") as f:
                index = pickle.load(f)
            if index.get("\0version") == VERSION:
                return index
        except FileNotFoundError:
            pass
        except Exception as err:
            logger.warning("speedups: the page cache was unreadable (%s); rendering every page", err)
        return {}

    def settings_hash(self, settings):
        encoder = Encoder()
        parts = [f"pelican {pelican.__version__}", f"jinja {jinja2.__version__}", VERSION]
        for name in sorted(settings):
            if name in NOT_HASHED:
                continue
            try:
                parts.append(f"{name}={encoder.text(settings[name])}")
            except Uncacheable:
                # Not read by templates (objects such as a logging filter); their
                # identity differs in every build.
                parts.append(f"{name}=?")
        return hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def environment_hash(self, environment):
        known = self.environments.get(id(environment))
        if known:
            return known[1]
        encoder = Encoder()
        parts = []
        for name in sorted(environment.list_templates()):
            source, _, _ = environment.loader.get_source(environment, name)
            parts.append(f"{name}:{hashlib.sha1(source.encode('utf-8')).hexdigest()}")
        for table in (environment.filters, environment.tests):
            for name in sorted(table):
                try:
                    parts.append(f"{name}:{encoder.text(table[name])}")
                except Uncacheable:
                    parts.append(f"{name}:?{id(table[name])}")
        for option in ("autoescape", "trim_blocks", "lstrip_blocks", "keep_trailing_newline",
                       "newline_sequence", "finalize", "extensions"):
            parts.append(f"{option}={getattr(environment, option, None)!r}")
        digest = hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        self.environments[id(environment)] = (environment, digest)
        return digest

    def key(self, template, context, reads):
        """The hash of everything `reads` says the template looked at, or None.

        Only values go in: a key is compared with the one worked out from the
        same reads in the last build, so which name or attribute each value
        belongs to is fixed by the reads."""
        names, attrs = reads
        parts = [VERSION, self.settings_text, self.environment_hash(template.environment), template.name,
                 str(context.get("output_file"))]
        try:
            parts.append(self.names_text(template, context, names))
            localsiteurl = context.get("localsiteurl")
            for group in attrs:
                text = self.group_texts.get((group, localsiteurl))
                if text is None:
                    text = self.group_text(template.environment, group, localsiteurl)
                    if text is None:
                        return None  # an article or page that is gone
                parts.append(text)
        except Uncacheable as err:
            logger.debug("speedups: %s is rendered every time: %s", context.get("output_file"), err)
            return None
        return hashlib.blake2b("\x1d".join(parts).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def names_text(self, template, context, names):
        """The values of the context `names` as the template sees them: the
        page's context over the template's globals; a missing name as such."""
        if names not in self.checked_names:
            if UNCACHEABLE in names:
                raise Uncacheable("it read an article or page that has no source file")
            self.checked_names.add(names)
        known = self.globals.get(id(template))
        if known is None:
            known = self.globals[id(template)] = (template, dict(template.globals))
        seen = {**known[1], **context}
        values = list(map(seen.get, names, repeat(MISSING)))
        # Most names hold the same object on every page (settings, lists).
        texts = list(map(self.value_texts.get, map(id, values)))
        if None in texts:
            for i, text in enumerate(texts):
                if text is None:
                    value = values[i]
                    texts[i] = self.value_texts[id(value)] = self.encoder.text(value)
                    self.alive.append(value)  # so that its id is not given to another object
        return "\x1e".join(texts)

    def group_text(self, environment, group, localsiteurl):
        """The values of the attributes `group` names, of the article or page at its path."""
        path, attributes = group
        content = self.by_path.get(path)
        if content is None:
            return None
        fields = content.__dict__
        texts = []
        for attribute in attributes:
            # A property (content, summary) may depend on the page's
            # localsiteurl; a plain instance attribute's value cannot.
            if attribute in fields and not self.is_descriptor(type(content), attribute):
                memo = (path, attribute, None)
            else:
                memo = (path, attribute, localsiteurl)
            text = self.attr_texts.get(memo)
            if text is None:
                text = self.attr_texts[memo] = self.encoder.text(_getattr(environment, content, attribute))
            texts.append(text)
        text = self.group_texts[(group, localsiteurl)] = "\x1e".join(texts)
        return text

    def is_descriptor(self, cls, attribute):
        """Whether `cls` defines `attribute` as a data descriptor (a property), which wins over the instance's value."""
        known = self.descriptors.get((cls, attribute))
        if known is None:
            known = self.descriptors[(cls, attribute)] = hasattr(type(getattr(cls, attribute, None)), "__set__")
        return known

    @staticmethod
    def cacheable(context):
        return isinstance(context, dict) and isinstance(context.get("output_file"), str)

    def lookup(self, template, context):
        """The HTML this page had last time, if nothing it reads has changed."""
        return self.reuse_key(template, context, self.remembered_key(template, context))

    def remembered_entry(self, template, context):
        """The last build's (template name, reads, key) of this page, if the same template made it."""
        entry = self.index.get(context["output_file"])
        return entry if entry is not None and entry[0] == template.name else None

    def remembered_key(self, template, context):
        """The remembered page's key if nothing it read has changed since, else None."""
        entry = self.remembered_entry(template, context)
        if entry is None:
            return None
        key = self.key(template, context, entry[1])
        return key if key is not None and key == entry[2] else None

    def reuse_key(self, template, context, key):
        """The HTML remembered under `key` (see `remembered_key`), or None."""
        entry = self.remembered_entry(template, context)
        if key is None or entry is None or entry[2] != key:
            return None
        return self.reuse(context["output_file"], entry)

    def unchanged(self, name, key):
        """Whether output file `name` holds the page of `key` (it stands as written then)."""
        path = sanitised_join(self.output_path, name)
        known = self.written.get(path)
        if known is not None and known[0] == key and known[1] == file_stamp(path):
            self.new_written[path] = known
            self.untouched += 1
            return True
        self.writing[path] = key
        return False

    def will_write(self, name, key):
        self.writing[sanitised_join(self.output_path, name)] = key

    def was_written(self, path):
        """The writer has made output file `path` hold the page on its way to it."""
        key = self.writing.pop(path, None)
        stamp = file_stamp(path) if key is not None else None
        if stamp is not None:
            self.new_written[path] = (key, stamp)

    def reuse(self, name, entry):
        """The text remembered for `entry` (None if it is gone); kept for the next build.
        UNCHANGED if the output file holds that text already."""
        output_file = name[1] if isinstance(name, tuple) else name  # ("feed", path) for a feed
        if self.unchanged(output_file, entry[2]):
            self.new_index[name] = entry
            self.hits += 1
            return UNCHANGED
        try:
            with open(os.path.join(self.folder, entry[2] + ".html"), encoding="utf-8", newline="") as f:
                text = f.read()
        except OSError:
            return None
        self.new_index[name] = entry
        self.hits += 1
        return text

    def store(self, template, context, html, reads, key=None):
        """Remember a rendered page (`key`: its key for `reads`, if worked out already)."""
        self.misses += 1
        if key is None:
            key = self.key(template, context, reads)
        if key is None:
            self.uncacheable += 1
            return
        self.write_entry(key, html)
        self.new_index[context["output_file"]] = (template.name, self.shared(reads), key)
        self.will_write(context["output_file"], key)

    def shared(self, reads):
        """`reads`, made of the tuples other pages' reads already use. Most pages
        read alike (the same names; an article's title and URL on many lists):
        the index's pickle then holds each tuple once, and loads and saves in
        a fifth of the time."""
        table = self.shared_reads
        names, attrs = reads
        attrs = tuple(table.setdefault(item, item) for item in attrs)  # (source path, attribute names)
        reads = (table.setdefault(names, names), attrs)
        return table.setdefault(reads, reads)

    # Feeds: Pelican's Writer.write_feed reads the first FEED_MAX_ITEMS
    # articles' own fields (text, summary, dates, authors, tags, URLs) and the
    # site's settings; our feeds plugin adds nothing else. A feed's key is all
    # of that.
    def item_text(self, item, siteurl):
        memo = (item.source_path, "\0feed item", siteurl)
        text = self.attr_texts.get(memo)
        if text is None:
            state = {name: value for name, value in vars(item).items() if name not in ITEM_STATE_SKIPPED}
            text = self.attr_texts[memo] = self.encoder.text(
                [state, item.get_content(siteurl), item.summary, item.url, item.save_as])
        return text

    def feed_key(self, elements, context, path, url, feed_type, feed_title):
        siteurl = context.get("SITEURL")
        parts = [VERSION, self.settings_text, str(path), str(url), str(feed_type), str(feed_title), str(siteurl)]
        try:
            for item in elements[:self.feed_max_items]:
                if not isinstance(item, Content) or item.source_path is None:
                    return None
                parts.append(self.item_text(item, siteurl))
        except Uncacheable:
            return None
        return hashlib.blake2b("\x1d".join(parts).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def remembers_feed_at(self, path):
        return ("feed", path) in self.index

    def remembers_feed(self, path, key):
        entry = self.index.get(("feed", path))
        return key is not None and entry is not None and entry[2] == key

    def lookup_feed(self, path, key):
        if not self.remembers_feed(path, key):
            return None
        return self.reuse(("feed", path), self.index[("feed", path)])

    def store_feed(self, path, key, text):
        self.misses += 1
        if key is None:
            self.uncacheable += 1
            return
        self.write_entry(key, text)
        self.new_index[("feed", path)] = ("feed", None, key)
        self.will_write(path, key)

    def write_entry(self, key, text):
        os.makedirs(self.folder, exist_ok=True)
        path = os.path.join(self.folder, key + ".html")
        if not os.path.exists(path):
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.replace(tmp, path)

    def save(self):
        """Keep this build's pages for the next one; forget the others."""
        index = dict(self.new_index)
        used = {entry[2] + ".html" for entry in index.values()}
        index["\0version"] = VERSION
        index["\0written"] = self.new_written
        os.makedirs(self.folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.index_path)
        for name in os.listdir(self.folder):
            if name.endswith(".html") and name not in used:
                os.remove(os.path.join(self.folder, name))


active = None  # the PageCache of the build in progress


def file_stamp(path):
    """What changes whenever a file's bytes do (None: no such file). Not the change
    time: hard links to the file (the search index's staging folder) change that too."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def render(template, *args, **kwargs):
    """jinja2.Template.render while a build writes its pages."""
    cache = active
    context = args[0] if len(args) == 1 and not kwargs else None
    if cache is None or not PageCache.cacheable(context):
        return JINJA_RENDER(template, *args, **kwargs)
    html = cache.lookup(template, context)
    if html is None:
        html, reads = render_noting(JINJA_RENDER, template, args, kwargs)
        cache.store(template, context, html, reads)
    return html


# -- Unchanged files stay untouched ---------------------------------------------------
class SameBytesFile(io.StringIO):
    """Pelican's writer opens each output file with ``open(name, "w")``. This
    keeps the text and, on close, writes it only if the file on disk differs:
    a rebuild into a kept output folder (``invoke livereload``) rewrites the
    few pages that changed, not all of them (each write of a page costs far
    more than reading it back)."""

    def __init__(self, filename, encoding):
        super().__init__()
        self.filename = filename
        self.target_encoding = encoding
        self.unchanged = False

    def write(self, text):
        if text is UNCHANGED:  # the file holds this page's bytes already
            self.unchanged = True
            return 0
        return super().write(text)

    def close(self):
        if self.closed:
            return
        data = self.getvalue().encode(self.target_encoding)
        super().close()
        if self.unchanged and not data:
            return
        try:
            with open(self.filename, "rb") as f:
                same = f.read(len(data) + 1) == data
        except OSError:
            same = False
        if not same:
            with open(self.filename, "wb") as f:
                f.write(data)
        if active is not None:
            active.was_written(self.filename)


def writer_open(filename, mode="r", *args, encoding=None, **kwargs):
    """`open` as pelican.writers sees it while a build writes its pages."""
    if mode == "w" and not args and not kwargs and filename != os.devnull:
        return SameBytesFile(filename, encoding or "utf-8")
    return open(filename, mode, *args, encoding=encoding, **kwargs)


def feed_text(writer, args):
    """What Writer.write_feed would write, in memory (feed_generated receivers run)."""
    buffer = io.StringIO()
    open_w = writer._open_w
    writer._open_w = lambda *a, **k: contextlib.nullcontext(buffer)
    try:
        WRITE_FEED(writer, *args)
    finally:
        writer._open_w = open_w
    return buffer.getvalue()


def write_feed_text(writer, path, text, override_output, context):
    """What Writer.write_feed does with a feed, from its text."""
    complete_path = sanitised_join(writer.output_path, path)
    os.makedirs(os.path.dirname(complete_path), exist_ok=True)
    with writer._open_w(complete_path, "utf-8", override_output) as fp:
        fp.write(text)
    logging.getLogger("pelican.writers").info('Writing "%s"', complete_path)
    signals.feed_written.send(complete_path, context=context, feed=None)


def write_feed(writer, elements, context, path=None, url=None, feed_type="atom", override_output=False,
               feed_title=None):
    """Writer.write_feed while a build writes its pages."""
    args = (elements, context, path, url, feed_type, override_output, feed_title)
    cache = active
    if cache is None or not path:
        return WRITE_FEED(writer, *args)
    key = cache.feed_key(elements, context, path, url, feed_type, feed_title)
    text = cache.lookup_feed(path, key)
    if text is None:
        text = feed_text(writer, args)
        cache.store_feed(path, key, text)
    write_feed_text(writer, path, text, override_output, context)


def start(settings, contents):
    global active
    started = time.perf_counter()
    active = PageCache(settings, contents)
    jinja2.Template.render = render
    Writer.write_feed = write_feed
    pelican_writers.open = writer_open
    logger.debug("speedups: page cache loaded in %.2f s", time.perf_counter() - started)


def finish():
    global active
    cache, active = active, None
    if jinja2.Template.render is render:
        jinja2.Template.render = JINJA_RENDER
    if Writer.write_feed is write_feed:
        Writer.write_feed = WRITE_FEED
    pelican_writers.__dict__.pop("open", None)
    if cache is None:
        return
    cache.save()
    logger.info("speedups: %d pages reused, %d rendered (%d uncacheable); %d files untouched", cache.hits,
                cache.misses, cache.uncacheable, cache.untouched)
