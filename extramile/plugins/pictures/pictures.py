"""Pictures: an author writes ``![alt](images/photo.jpg "Caption")``; readers
get a ``<picture>`` with AVIF and WebP sources and a JPEG (PNG when the
picture has transparency) fallback in several widths, never upscaled, with
width and height, lazy loading except the page's first picture or cover, no
EXIF/GPS/XMP in any published file, and the original not published.

How a build goes:

1. ``get_generators`` (before Pelican empties output/): every markdown source is
   scanned for pictures (``![...](...)``, ``![...][ref]``, ``<img>``, ``Cover:``). Missing alt
   text, a missing file, an SVG, a remote picture, something that is not a
   picture, a damaged file or one over ``PICTURES_MAX_PIXELS`` stops the build
   with ``file:line: problem. How to fix it.``, before anything is written.
   Every picture is then encoded (on all cores) into the cache, unless there.
2. ``all_generators_finalized`` (everything read, nothing written): each
   post's ``<img>`` tags become ``<picture>`` markup; a titled picture alone
   in its paragraph becomes ``<figure>`` with ``<figcaption>``. Done per build
   on the read HTML, never inside the content cache: an edited picture file is
   always picked up. A post's ``Cover:`` becomes ``article.cover``.
3. ``finalized``: the variants this build uses are hard-linked from the cache
   into output/``PICTURES_DIR``.

Decorative pictures: an empty alt is accepted only when marked
``![](images/rule.png){: .decorative }`` (attr_list, enabled by markdown
"extra"), or ``<img alt="" class="decorative">`` in HTML; screen readers then
skip it. Any other picture without alt text stops the build.

Cache (``CACHE_PATH/pictures/<key>/``): key = SHA-256 of the source's bytes,
the settings that shape variants (``SHAPING``) and ``code_key()`` (Pillow's
and this code's version): nothing else goes into a variant, so a variant is
a pure function of its key; ``meta.json`` is written last, so a half-made
folder is made again. A source's sha256 is remembered by its file_stamp.

Settings (defaults in DEFAULTS): ``PICTURES`` (True), ``PICTURES_WIDTHS``,
``PICTURES_FORMATS`` (modern formats besides the fallback), ``PICTURES_QUALITY``,
``PICTURES_AVIF_SPEED``, ``PICTURES_WEBP_METHOD``, ``PICTURES_MAX_PIXELS``, ``PICTURES_SIZES`` (the
reading column, from theme/static/css/style.css), ``PICTURES_CARD_SIZES``,
``PICTURES_FALLBACK_WIDTH`` (the <img src> and feeds' width),
``PICTURES_SOCIAL_SIZE``, ``PICTURES_DIR``, ``PICTURES_CACHE_PATH``,
``PICTURES_PUBLISH_ORIGINALS`` (False), ``PICTURES_WORKERS`` (None: all cores),
``PICTURES_CACHE_MAX_AGE`` (days unused variants are kept).
"""

import contextlib
import hashlib
import logging
import multiprocessing
import os
import re
import shutil
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import unquote

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator

from extramile.buildcache import (
    add_defaults,
    code_key,
    file_stamp,
    has_plugin,
    link_or_copy,
    load_pickle,
    save_pickle,
    settings_key,
    sha256_file,
)
from extramile.plugins.validate.validate import Problem, check_once, report

from . import markup
from .processing import MIME, SUFFIX, PictureError, make_variants_job, open_source

logger = logging.getLogger(__name__)

DEFAULTS = {
    "PICTURES": True,
    "PICTURES_WIDTHS": [480, 800, 1200, 1600],
    "PICTURES_FORMATS": ["avif", "webp"],
    "PICTURES_QUALITY": {"avif": 60, "webp": 75, "jpeg": 75},
    # libavif speed 9: 2.5x faster than 8 for the same quality setting (0.11 s
    # against 0.28 s for a 1600 px photo), files no larger.
    "PICTURES_AVIF_SPEED": 9,
    # WebP serves only browsers without AVIF: method 2 is 2.4x faster than the
    # default 4 (0.09 s against 0.21 s for a 1600 px photo) for files 7% larger.
    "PICTURES_WEBP_METHOD": 2,
    "PICTURES_MAX_PIXELS": 50_000_000,  # a 50-megapixel photo; Pillow's own default is 89 MP
    # .site-main is 38rem wide with 1rem padding each side (style.css).
    "PICTURES_SIZES": "(min-width: 38rem) 36rem, calc(100vw - 2rem)",
    "PICTURES_CARD_SIZES": "6rem",  # .post-card__cover
    "PICTURES_FALLBACK_WIDTH": 800,
    "PICTURES_SOCIAL_SIZE": [1200, 630],
    "PICTURES_DIR": "pictures",
    "PICTURES_CACHE_PATH": None,  # CACHE_PATH/pictures
    "PICTURES_PUBLISH_ORIGINALS": False,
    "PICTURES_WORKERS": None,
    # Days a cached picture's variants are kept after the last build that used
    # them (an edited or removed picture leaves its old ones behind).
    "PICTURES_CACHE_MAX_AGE": 30,
}
# The settings a variant's bytes depend on (its cache key).
SHAPING = ["PICTURES_WIDTHS", "PICTURES_FORMATS", "PICTURES_QUALITY", "PICTURES_AVIF_SPEED", "PICTURES_WEBP_METHOD",
           "PICTURES_MAX_PIXELS", "PICTURES_SOCIAL_SIZE"]
FILL_IN = "FILL-IN"  # what `invoke new-post` writes where the author has a value to fill in
RASTER = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".tif", ".tiff", ".bmp", ".heic")
MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")

# ![alt](target "title"){: attrs}  -- target may be <...>; title in "" or ''.
MD_IMAGE = re.compile(r"""!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(\s*(?P<src><[^>]*>|[^\s)]+)"""
                      r"""(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)(?P<attrs>\{:?[^}]*\})?""")
# ![alt][label], ![alt][] and ![label]: pictures whose target is a definition
# "[label]: target" elsewhere in the file (labels ignore case and spacing).
MD_REF_IMAGE = re.compile(r"""!\[(?P<alt>(?:\\.|[^\]\\])*)\](?:\[(?P<label>[^\]]*)\])?(?![(\[])"""
                          r"""(?P<attrs>\{:?[^}]*\})?""")
MD_DEFINITION = re.compile(r"""^[ ]{0,3}\[(?P<label>[^\]]+)\]:\s*(?P<src><[^>]*>|\S+)""")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
LINK_PREFIX = re.compile(r"^[{|](static|attach|filename)[}|]")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


@dataclass
class Record:
    """One source picture: where its variants are and what they are."""

    source: str
    key: str
    name: str  # output file names start with it
    width: int = 0
    height: int = 0
    widths: list = field(default_factory=list)
    formats: list = field(default_factory=list)
    fallback: str = "jpeg"
    social: bool = False
    used: bool = False

    def url(self, width, fmt):
        # NAME-WIDTH.KEY10.EXT: fingerprinted like the theme's files (deploy/headers.py
        # FINGERPRINTED), so hosts may cache them for a year: new bytes, new name.
        return f"{self.name}-{width}.{self.key[:10]}.{SUFFIX[fmt]}"

    def mime(self, fmt):
        return MIME[fmt]

    @property
    def display_size(self):
        """width/height attributes: the upright original's, whose ratio is exact
        (a variant's height is rounded; CSS max-width keeps it in the column)."""
        return self.width, self.height

    @property
    def fallback_width(self):
        return max([w for w in self.widths if w <= self.target_width] or [min(self.widths)])

    target_width = 800

    @property
    def social_url(self):
        return f"{self.name}-social.{self.key[:10]}.jpg"

    def files(self):
        """(cache file name, output name) of every variant."""
        pairs = [(f"{w}.{SUFFIX[f]}", self.url(w, f)) for w in self.widths for f in self.formats]
        if self.social:
            pairs.append(("social.jpg", self.social_url))
        return pairs


class State:
    """This build's pictures: by absolute source path."""

    def __init__(self):
        self.records = {}
        self.settings = None
        self.code = None
        self.unkeyed = False  # no code_key: variants are made for this build only
        self.hashes = {}  # path -> (file_stamp, sha256), see source_hash
        self.used_hashes = {}

    def reset(self, settings):
        self.__init__()
        self.settings = settings


_state = State()


def setting(name):
    return _state.settings[name]


def cache_root(settings):
    return settings["PICTURES_CACHE_PATH"] or os.path.join(settings["CACHE_PATH"], "pictures")


def spec(settings):
    return {"widths": list(settings["PICTURES_WIDTHS"]), "formats": list(settings["PICTURES_FORMATS"]),
            "quality": dict(settings["PICTURES_QUALITY"]), "avif_speed": settings["PICTURES_AVIF_SPEED"],
            "webp_method": settings["PICTURES_WEBP_METHOD"],
            "max_pixels": settings["PICTURES_MAX_PIXELS"]}


def output_name(path, settings):
    stem = re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(path))[0].lower()).strip("-") or "picture"
    return f"{settings['PICTURES_DIR']}/{stem}"


# -- Finding pictures in the sources -----------------------------------------
@dataclass
class Use:
    """A picture as an author wrote it."""

    path: str  # the markdown file, as shown in messages
    line: int
    src: str
    alt: str | None
    decorative: bool
    cover: bool = False


def resolve(src, source_path, content_root):
    """The file a picture's target names, or a PictureError saying why none."""
    target = src.strip("<>").strip()
    prefixed = LINK_PREFIX.match(target)
    if prefixed:
        target = target[prefixed.end():]
    elif REMOTE.match(target):
        raise PictureError("pictures must be files in the content folder (a page may load nothing from "
                           "another site). Download it into content/images/ and link that.")
    target = unquote(target.split("#")[0].split("?")[0])
    root = os.path.realpath(content_root)
    if target.startswith("/"):
        candidates = [os.path.join(root, target.lstrip("/"))]
    else:
        candidates = [os.path.join(os.path.dirname(source_path), target), os.path.join(root, target)]
    candidates = [os.path.realpath(c) for c in candidates]
    for candidate in candidates:
        if os.path.commonpath([root, candidate]) != root:
            raise PictureError("the picture is outside the content folder. Move it into content/images/.")
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise PictureError(f"{target} does not exist (looked in {', '.join(os.path.relpath(c) for c in candidates)}). "
                       "Check the name, or write '{static}/images/NAME' for content/images/NAME.")


def label_key(label):
    return " ".join(label.lower().split())


def image_use(shown, number, alt, src, attrs):
    alt = re.sub(r"\\(.)", r"\1", alt).strip()
    decorative = bool(attrs and re.search(r"\.decorative\b", attrs))
    return Use(shown, number, src, alt, decorative)


def may_have_pictures(text):
    """False for a source with no picture (most posts): not scanned line by line.
    Plain substring tests: the regular expression took 0.1 s for 1000 posts."""
    lowered = text.lower()
    return "![" in text or "<img" in lowered or "cover:" in lowered


def scan_text(text, shown):
    """Every picture in one markdown file: Cover metadata, ![..](..),
    ![..][ref] with its definition, <img>."""
    if not may_have_pictures(text):
        return []
    uses, references, definitions = [], [], {}
    lines = text.split("\n")
    in_header, fence = True, None
    meta = {}
    for number, line in enumerate(lines, start=1):
        if in_header:
            match = re.match(r"^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)$", line)
            if match:
                meta[match.group(1).lower()] = (match.group(2).strip(), number)
                continue
            in_header = False
        found = FENCE.match(line)
        if fence:
            if found and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence):
                fence = None
            continue
        if found:
            fence = found.group(1)
            continue
        if line.startswith(("    ", "\t")) and not line.strip().startswith(("![", "<img")):
            continue
        code_free = re.sub(r"`[^`]*`", "", line)
        definition = MD_DEFINITION.match(code_free)
        if definition:
            definitions.setdefault(label_key(definition.group("label")), definition.group("src"))
            continue
        for image in MD_IMAGE.finditer(code_free):
            uses.append(image_use(shown, number, image.group("alt"), image.group("src"), image.group("attrs")))
        for image in MD_REF_IMAGE.finditer(MD_IMAGE.sub("", code_free)):
            references.append((number, image))
        for tag in markup.IMG.finditer(code_free):
            attrs = markup.attributes(tag.group(0))
            uses.append(Use(shown, number, attrs.get("src", ""), attrs.get("alt", "").strip(),
                            markup.is_decorative(attrs)))
    for number, image in references:  # a label with no definition is text, not a picture
        src = definitions.get(label_key(image.group("label") or image.group("alt")))
        if src:
            uses.append(image_use(shown, number, image.group("alt"), src, image.group("attrs")))
    if "cover" in meta and FILL_IN not in meta["cover"][0]:  # a marked one is the validate plugin's
        value, number = meta["cover"]
        alt = meta.get("cover_alt", ("", number))[0]
        uses.append(Use(shown, number, value, alt, False, cover=True))
    return uses


def sources(settings):
    root = settings["PATH"]
    for folder in [*settings.get("ARTICLE_PATHS", []), *settings.get("PAGE_PATHS", [])]:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.lower().endswith(MARKDOWN_EXTENSIONS):
                    yield os.path.join(dirpath, name)


def check_use(use, abspath, settings, problems):
    """The resolved file of one use, or None after recording the problem."""
    what = "the cover" if use.cover else "a picture"
    if use.cover and not use.alt:
        problems.append(Problem(use.path, use.line, "the cover has no text alternative. Add a line "
                                "'Cover_alt: what the picture shows' below 'Cover:'."))
    elif not use.cover and not use.alt and not use.decorative:
        problems.append(Problem(use.path, use.line, f"{what} ({use.src}) has no alt text. Describe it: "
                                "![what it shows](...), or mark a purely decorative one "
                                "![](...){: .decorative }."))
    try:
        path = resolve(use.src, abspath, settings["PATH"])
        open_source(path, settings["PICTURES_MAX_PIXELS"]).close()
        return path
    except PictureError as err:
        problems.append(Problem(use.path, use.line, f"{what} ({use.src}): {err}"))
        return None


# -- Encoding -----------------------------------------------------------------
def source_hash(path):
    """The sha256 of a picture, remembered from the last build while its
    file_stamp (inode, size, mtime and ctime, which no program can set back)
    is the same: hashing a gigabyte of photos on every rebuild costs seconds."""
    stamp = file_stamp(path)
    known = _state.hashes.get(path)
    if stamp is None or known is None or known[0] != stamp:
        known = _state.hashes[path] = (stamp, sha256_file(path))
    _state.used_hashes[path] = known
    return known[1]


def record_for(path, settings, social=False):
    record = _state.records.get(path)
    if record is None:
        digest = hashlib.sha256()
        digest.update(source_hash(path).encode())
        digest.update(settings_key(settings, SHAPING).encode())
        digest.update(_state.code.encode())
        key = digest.hexdigest()
        record = _state.records[path] = Record(path, key, output_name(path, settings))
        record.target_width = settings["PICTURES_FALLBACK_WIDTH"]
    record.social = record.social or social
    return record


def encode_all(records, settings):
    """Make every record's variants (cached ones cost a file read); returns
    {path: message} for sources that cannot be encoded."""
    root = cache_root(settings)
    base = spec(settings)
    jobs = []
    for record in records:
        job_spec = {**base, "social": list(settings["PICTURES_SOCIAL_SIZE"]) if record.social else None}
        jobs.append((record.source, os.path.join(root, record.key), job_spec))
    started = time.perf_counter()
    workers = settings["PICTURES_WORKERS"] or os.cpu_count() or 1
    if len(jobs) > 1 and workers > 1:
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
            results = list(pool.map(make_variants_job, jobs))
    else:
        results = [make_variants_job(job) for job in jobs]
    failed = {}
    for record, (meta, error) in zip(records, results, strict=True):
        if error:
            failed[record.source] = error
            continue
        record.width, record.height = meta["width"], meta["height"]
        record.widths, record.formats, record.fallback = meta["widths"], meta["formats"], meta["fallback"]
    logger.info("pictures: %d pictures ready in %.2f s", len(records), time.perf_counter() - started)
    return failed


def prepare(pelican):
    """Check and encode every picture the sources name, before anything is written."""
    settings = pelican.settings
    add_defaults(settings, DEFAULTS)
    _state.reset(settings)
    if not settings["PICTURES"]:
        return
    settings.setdefault("JINJA_FILTERS", {})["pictures"] = pictures_filter
    if has_plugin(settings, "extramile.plugins.validate"):
        check_once(settings)  # every problem validate finds comes first, in one list
    # No code key (the code changed after this process loaded it): the variants
    # made now are this build's alone, under a key no other build works out,
    # and they leave the cache once linked (link_outputs).
    _state.code = code_key()
    _state.unkeyed = _state.code is None
    if _state.unkeyed:
        _state.code = f"this build only: {uuid.uuid4()}"
    _state.hashes = load_pickle(os.path.join(cache_root(settings), "hashes.pickle"), "v1", {})
    _state.used_hashes = {}
    problems, uses_of = [], {}
    for abspath in sources(settings):
        try:
            with open(abspath, encoding="utf-8-sig") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue  # the validate plugin reports unreadable sources
        if not may_have_pictures(text):
            continue  # most posts; and not even the path to show (relpath: 15 ms for 1000 posts)
        for use in scan_text(text, os.path.relpath(abspath)):
            path = check_use(use, abspath, settings, problems)
            if path:
                uses_of.setdefault(path, []).append(use)
    # Encoded even when other problems stop this build (the variants are needed
    # by the next one), so a damaged file is in the same list as the rest.
    records = [record_for(path, settings, social=any(u.cover for u in uses)) for path, uses in uses_of.items()]
    failed = encode_all(records, settings)
    problems += [Problem(use.path, use.line, f"{'the cover' if use.cover else 'a picture'} ({use.src}): {message}")
                 for path, message in failed.items() for use in uses_of[path]]
    if problems:
        report(sorted(problems, key=lambda problem: (problem.path, problem.line or 0)))


def on_demand(path, settings, social=False):
    """A record for a picture the source scan did not see (a reference-style link)."""
    record = record_for(path, settings, social)
    if not record.widths or (social and not os.path.exists(os.path.join(cache_root(settings), record.key,
                                                                         "social.jpg"))):
        failed = encode_all([record], settings)
        if failed:
            raise PictureError(failed[path])
    return record


# -- Markup ---------------------------------------------------------------------
def contents(generators):
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            names = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts",
                     "drafts_translations")
        elif isinstance(generator, PagesGenerator):
            names = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages",
                     "draft_translations")
        else:
            continue
        seen = set()
        for name in names:
            for content in getattr(generator, name, []):
                if id(content) not in seen:
                    seen.add(id(content))
                    yield content


def line_of(source_path, needle):
    try:
        with open(source_path, encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if needle and needle in line:
                    return number
    except OSError:
        pass
    return None


def rewrite(content, settings, problems):
    """The content's <img> tags as <picture>, titled lone ones as figures."""
    text = markup.figures(content._content or "")
    eager = [not getattr(content, "cover", None)]

    def replace(match):
        attrs = markup.attributes(match.group(0))
        src = attrs.get("src", "")
        if not src or src.startswith("data:") or markup.TOKEN in src:
            return match.group(0)
        shown = os.path.relpath(content.source_path)
        alt = attrs.get("alt", "").strip()
        if not alt and not markup.is_decorative(attrs):
            problems.append(Problem(shown, line_of(content.source_path, src), f"a picture ({src}) has no alt text. "
                                    "Describe it, or mark it ![](...){: .decorative }."))
            return match.group(0)
        try:
            record = on_demand(resolve(src, content.source_path, settings["PATH"]), settings)
        except PictureError as err:
            problems.append(Problem(shown, line_of(content.source_path, src), f"a picture ({src}): {err}"))
            return match.group(0)
        record.used = record.used or bool(content.save_as)
        css = " ".join(c for c in markup.classes(attrs) if c != markup.DECORATIVE) or None
        html_ = markup.picture(record, alt, settings["PICTURES_SIZES"], eager=eager[0], css_class=css)
        eager[0] = False
        return html_

    content._content = markup.IMG.sub(replace, text)


@dataclass
class Cover:
    """What templates and feeds use of a post's cover (URLs carry markup.TOKEN
    where a page puts its SITEURL; `social`/`feed` are paths from the site root)."""

    html: str
    card_html: str
    alt: str
    social: str
    social_size: tuple
    feed: str
    feed_size: tuple
    feed_length: int
    feed_type: str


def add_cover(content, settings, problems):
    value = content.metadata.get("cover")
    if not value or FILL_IN in str(value):  # a draft's unfilled marker (invoke new-post)
        return
    alt = str(content.metadata.get("cover_alt", "")).strip()
    shown = os.path.relpath(content.source_path)
    try:
        record = on_demand(resolve(str(value), content.source_path, settings["PATH"]), settings, social=True)
    except PictureError as err:
        problems.append(Problem(shown, line_of(content.source_path, "Cover:"), f"the cover ({value}): {err}"))
        return
    record.used = record.used or bool(content.save_as)
    width = record.fallback_width
    height = round(record.height * width / record.width)
    fallback = os.path.join(cache_root(settings), record.key, f"{width}.{SUFFIX[record.fallback]}")
    content.cover = Cover(
        html=markup.picture(record, alt, settings["PICTURES_SIZES"], eager=True, css_class="cover__img"),
        card_html=markup.picture(record, alt, settings["PICTURES_CARD_SIZES"]),
        alt=alt, social=record.social_url, social_size=tuple(settings["PICTURES_SOCIAL_SIZE"]),
        feed=record.url(width, record.fallback), feed_size=(width, height),
        feed_length=os.path.getsize(fallback), feed_type=MIME[record.fallback])


def rewrite_all(generators):
    settings = _state.settings
    if not settings or not settings["PICTURES"]:
        return
    problems = []
    for content in contents(generators):
        content.cover = None
        add_cover(content, settings, problems)
        rewrite(content, settings, problems)
    if problems:
        report(problems)
    if not settings["PICTURES_PUBLISH_ORIGINALS"]:
        for generator in generators:
            if isinstance(generator, StaticGenerator):
                kept = [s for s in generator.staticfiles if not s.source_path.lower().endswith(RASTER)]
                generator.staticfiles = generator.context["staticfiles"] = kept


@pass_context
def pictures_filter(context, text):
    """{{ article.content|pictures }}: variant URLs for this page."""
    return Markup(markup.on_page(str(text), context.get("SITEURL", "")))



def link_outputs(pelican):
    settings = _state.settings
    if not settings or not settings["PICTURES"]:
        return
    root = cache_root(settings)
    made = set()
    count = 0
    for record in _state.records.values():
        if not record.used:
            continue
        for cached, name in record.files():
            target = os.path.join(pelican.output_path, name)
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            link_or_copy(os.path.join(root, record.key, cached), target)
            count += 1
    if _state.unkeyed:
        for record in _state.records.values():
            shutil.rmtree(os.path.join(root, record.key), ignore_errors=True)
    save_pickle(os.path.join(root, "hashes.pickle"), "v1", _state.used_hashes)
    pruned = prune_cache(root, {record.key for record in _state.records.values()},
                         settings["PICTURES_CACHE_MAX_AGE"])
    logger.info("pictures: %d variant files in %s; %d unused cache folders removed", count,
                settings["PICTURES_DIR"], pruned)


def prune_cache(root, keys, max_age_days, now=None):
    """Stamp the folders of `keys` as used now; remove other variant folders
    no build has used for `max_age_days` (a folder being written is recent).
    Removing only costs a later build the encoding: the cache fails closed."""
    now = time.time() if now is None else now
    for key in keys:
        with contextlib.suppress(FileNotFoundError):
            os.utime(os.path.join(root, key), (now, now))
    pruned = 0
    limit = now - max_age_days * 86400
    with os.scandir(root) as entries:
        for entry in entries:
            if (entry.is_dir(follow_symlinks=False) and entry.name not in keys
                    and entry.stat(follow_symlinks=False).st_mtime < limit):
                shutil.rmtree(entry.path, ignore_errors=True)
                pruned += 1
    return pruned


def feed_image(article):
    """(absolute-from-root path, length, type) of an article's cover for feeds, or None."""
    cover = getattr(article, "cover", None)
    return (cover.feed, cover.feed_length, cover.feed_type) if cover else None


def for_feed(text, siteurl):
    return markup.for_feed(text, siteurl)


def register():
    # get_generators: every `initialized` receiver has completed the settings;
    # no generator (so no Jinja environment) exists yet, nothing is written.
    signals.get_generators.connect(prepare)
    signals.all_generators_finalized.connect(rewrite_all)
    signals.finalized.connect(link_outputs)

