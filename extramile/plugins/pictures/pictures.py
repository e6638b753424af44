"""Pictures: each ``![alt](images/photo.jpg "Caption")`` becomes a ``<picture>``
with AVIF, WebP and a JPEG/PNG fallback in several widths (what authors get,
and the settings: docs/writing.md "Pictures").

A build's pictures live in its ``PicturesGenerator`` (``get_generators``):

1. Made before output/ is emptied: the pictures of every source
   (``extramile.sources.scan``) are checked and encoded (on all cores) into
   the cache; a problem stops the build before anything is written.
2. ``all_generators_finalized``: each post's ``<img>`` tags become
   ``<picture>`` (or ``<figure>``) markup, per build on the read HTML, never
   inside the content cache, so an edited picture file is always picked up.
3. Its ``generate_output``: the variants this build uses are hard-linked from
   the cache into output/``PICTURES_DIR``.

Cache (``CACHE_PATH/pictures/<key>/``): key = SHA-256 of the source's bytes,
the settings that shape variants (``SHAPING``) and ``code_key()``: nothing
else goes into a variant; ``meta.json`` is written last, so a half-made
folder is made again.

Relied on in Pelican (test_pictures checks it): a content's HTML is kept in
``content._content``, from which ``content.content`` is made.
"""

import hashlib
import logging
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from urllib.parse import unquote

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals
from pelican.generators import StaticGenerator

from extramile.buildcache import (
    add_defaults,
    code_key,
    file_stamp,
    link_all,
    load_pickle,
    save_pickle,
    settings_key,
    sha256_file,
)
from extramile.plugins.validate.validate import Problem, iter_sources, report
from extramile.sources import FILL_IN, scan

from . import markup
from .processing import MIME, SUFFIX, PictureError, Record, cache_root, encode_all, open_source, prune_cache

logger = logging.getLogger(__name__)

DEFAULTS = {
    "PICTURES": True,  # False: no picture is checked, encoded or rewritten
    "PICTURES_WIDTHS": [480, 800, 1200, 1600],
    "PICTURES_FORMATS": ["avif", "webp"],  # besides the JPEG or PNG fallback
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
    "PICTURES_FALLBACK_WIDTH": 800,  # the <img src> and the feeds' picture
    "PICTURES_SOCIAL_SIZE": [1200, 630],
    "PICTURES_DIR": "pictures",
    "PICTURES_CACHE_PATH": None,  # CACHE_PATH/pictures
    "PICTURES_PUBLISH_ORIGINALS": False,  # True copies content/images as they are, EXIF and all
    "PICTURES_WORKERS": None,  # processes that encode; None: one per core
    # Days a cached picture's variants are kept after the last build that used
    # them (an edited or removed picture leaves its old ones behind).
    "PICTURES_CACHE_MAX_AGE": 30,
}
# The settings a variant's bytes depend on (its cache key).
SHAPING = ["PICTURES_WIDTHS", "PICTURES_FORMATS", "PICTURES_QUALITY", "PICTURES_AVIF_SPEED", "PICTURES_WEBP_METHOD",
           "PICTURES_MAX_PIXELS", "PICTURES_SOCIAL_SIZE"]
RASTER = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".tif", ".tiff", ".bmp", ".heic")
LINK_PREFIX = re.compile(r"^[{|](static|attach|filename)[}|]")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def output_name(path, settings):
    stem = re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(path))[0].lower()).strip("-") or "picture"
    return f"{settings['PICTURES_DIR']}/{stem}"


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


def may_have_pictures(text):
    """False for a source with no picture (most posts): not scanned at all.
    Plain substring tests: a regular expression took 0.1 s for 1000 posts."""
    lowered = text.lower()
    return "![" in text or "<img" in lowered or "cover:" in lowered


def check_use(shown, use, abspath, settings, problems):
    """The resolved file of one picture, or None after recording the problem."""
    what = "the cover" if use.cover else "a picture"
    if use.cover and not use.alt:
        problems.append(Problem(shown, use.line, "the cover has no text alternative. Add a line "
                                "'Cover_alt: what the picture shows' below 'Cover:'."))
    elif not use.cover and not use.alt and not use.decorative:
        problems.append(Problem(shown, use.line, f"{what} ({use.src}) has no alt text. Describe it: "
                                "![what it shows](...), or mark a purely decorative one "
                                "![](...){: .decorative }."))
    try:
        path = resolve(use.src, abspath, settings["PATH"])
        open_source(path, settings["PICTURES_MAX_PIXELS"]).close()
        return path
    except PictureError as err:
        problems.append(Problem(shown, use.line, f"{what} ({use.src}): {err}"))
        return None


def line_of(source_path, needle):
    try:
        with open(source_path, encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if needle and needle in line:
                    return number
    except OSError:
        pass
    return None


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


class PicturesGenerator:
    """This build's pictures, by absolute source path. Pelican makes one per
    build (``get_generators``), so nothing is shared between builds."""

    def __init__(self, context, settings, path, theme, output_path, *args, **kwargs):
        self.context, self.settings, self.output_path = context, settings, output_path
        self.records = {}
        # No code key (the code changed after this process loaded it): the variants
        # made now are this build's alone, under a key no other build works out,
        # and they leave the cache once linked (generate_output).
        self.code = code_key()
        self.unkeyed = self.code is None
        if self.unkeyed:
            self.code = f"this build only: {uuid.uuid4()}"
        self.hashes = load_pickle(os.path.join(cache_root(settings), "hashes.pickle"), "v1", {})
        self.used_hashes = {}
        self.prepare()

    def source_hash(self, path):
        """The sha256 of a picture, remembered from the last build while its
        file_stamp (inode, size, mtime and ctime, which no program can set back)
        is the same: hashing a gigabyte of photos on every rebuild costs seconds."""
        stamp = file_stamp(path)
        known = self.hashes.get(path)
        if stamp is None or known is None or known[0] != stamp:
            known = self.hashes[path] = (stamp, sha256_file(path))
        self.used_hashes[path] = known
        return known[1]

    def record_for(self, path, social=False):
        record = self.records.get(path)
        if record is None:
            key = hashlib.sha256((self.source_hash(path) + settings_key(self.settings, SHAPING)
                                  + self.code).encode()).hexdigest()
            record = self.records[path] = Record(path, key, output_name(path, self.settings))
            record.target_width = self.settings["PICTURES_FALLBACK_WIDTH"]
        record.social = record.social or social
        return record

    def prepare(self):
        """Check and encode every picture the sources name, before anything is written."""
        settings = self.settings
        problems, uses_of = [], {}
        for _, abspath, shown in iter_sources(settings, []):  # validate reports what is wrong with folders
            try:
                with open(abspath, encoding="utf-8-sig") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue  # the validate plugin reports unreadable sources
            if not may_have_pictures(text):
                continue  # most posts
            for use in scan(text).pictures:
                path = check_use(shown, use, abspath, settings, problems)
                if path:
                    uses_of.setdefault(path, []).append((shown, use))
        # Encoded even when other problems stop this build (the variants are needed
        # by the next one), so a damaged file is in the same list as the rest.
        records = [self.record_for(path, social=any(u.cover for _, u in uses)) for path, uses in uses_of.items()]
        failed = encode_all(records, settings)
        problems += [Problem(shown, use.line, f"{'the cover' if use.cover else 'a picture'} ({use.src}): {message}")
                     for path, message in failed.items() for shown, use in uses_of[path]]
        if problems:
            report(sorted(problems, key=lambda problem: (problem.path, problem.line or 0)))

    def used_by(self, content, src, what, problems, needle, social=False):
        """The record of a picture `content` uses, encoded now if the source scan did not
        see it; or None after recording the problem on the source line holding `needle`."""
        try:
            path = resolve(src, content.source_path, self.settings["PATH"])
            record = self.record_for(path, social)
            social_missing = social and not os.path.exists(os.path.join(cache_root(self.settings), record.key,
                                                                        "social.jpg"))
            if not record.widths or social_missing:
                failed = encode_all([record], self.settings)
                if failed:
                    raise PictureError(failed[path])
        except PictureError as err:
            problems.append(Problem(os.path.relpath(content.source_path), line_of(content.source_path, needle),
                                    f"{what} ({src}): {err}"))
            return None
        record.used = record.used or bool(content.save_as)
        return record

    def rewrite(self, content, problems):
        """The content's <img> tags as <picture>, titled lone ones as figures."""
        settings = self.settings
        text = markup.figures(content._content or "")
        eager = [not getattr(content, "cover", None)]

        def replace(match):
            attrs = markup.attributes(match.group(0))
            src = attrs.get("src", "")
            if not src or src.startswith("data:") or markup.TOKEN in src:
                return match.group(0)
            alt = attrs.get("alt", "").strip()
            if not alt and not markup.is_decorative(attrs):
                problems.append(Problem(os.path.relpath(content.source_path), line_of(content.source_path, src), f"a picture ({src}) has no alt "
                                        "text. Describe it, or mark it ![](...){: .decorative }."))
                return match.group(0)
            record = self.used_by(content, src, "a picture", problems, src)
            if record is None:
                return match.group(0)
            css = " ".join(c for c in markup.classes(attrs) if c != markup.DECORATIVE) or None
            html_ = markup.picture(record, alt, settings["PICTURES_SIZES"], eager=eager[0], css_class=css)
            eager[0] = False
            return html_

        content._content = markup.IMG.sub(replace, text)

    def add_cover(self, content, problems):
        settings = self.settings
        value = content.metadata.get("cover")
        if not value or FILL_IN in str(value):  # a draft's unfilled marker (invoke new-post)
            return
        alt = str(content.metadata.get("cover_alt", "")).strip()
        record = self.used_by(content, str(value), "the cover", problems, "Cover:", social=True)
        if record is None:
            return
        width = record.fallback_width
        height = round(record.height * width / record.width)
        fallback = os.path.join(cache_root(settings), record.key, f"{width}.{SUFFIX[record.fallback]}")
        content.cover = Cover(
            html=markup.picture(record, alt, settings["PICTURES_SIZES"], eager=True, css_class="cover__img"),
            card_html=markup.picture(record, alt, settings["PICTURES_CARD_SIZES"]),
            alt=alt, social=record.social_url, social_size=tuple(settings["PICTURES_SOCIAL_SIZE"]),
            feed=record.url(width, record.fallback), feed_size=(width, height),
            feed_length=os.path.getsize(fallback), feed_type=MIME[record.fallback])

    def rewrite_all(self, generators):
        problems = []
        # Every article and page read, whatever its status (None: a file Pelican could not read).
        for content in filter(None, self.context["generated_content"].values()):
            content.cover = None
            self.add_cover(content, problems)
            self.rewrite(content, problems)
        if problems:
            report(problems)
        if not self.settings["PICTURES_PUBLISH_ORIGINALS"]:
            for generator in generators:
                if isinstance(generator, StaticGenerator):
                    kept = [s for s in generator.staticfiles if not s.source_path.lower().endswith(RASTER)]
                    generator.staticfiles = generator.context["staticfiles"] = kept

    def generate_output(self, writer):
        """Link the variants this build uses into output/PICTURES_DIR."""
        root = cache_root(self.settings)
        pairs = [(os.path.join(root, record.key, cached), os.path.join(self.output_path, name))
                 for record in self.records.values() if record.used for cached, name in record.files()]
        link_all(pairs)
        if self.unkeyed:
            for record in self.records.values():
                shutil.rmtree(os.path.join(root, record.key), ignore_errors=True)
        save_pickle(os.path.join(root, "hashes.pickle"), "v1", self.used_hashes)
        pruned = prune_cache(root, {record.key for record in self.records.values()},
                             self.settings["PICTURES_CACHE_MAX_AGE"])
        logger.info("pictures: %d variant files in %s; %d unused cache folders removed", len(pairs),
                    self.settings["PICTURES_DIR"], pruned)


@pass_context
def pictures_filter(context, text):
    """{{ article.content|pictures }}: variant URLs for this page."""
    return Markup(markup.on_page(str(text), context.get("SITEURL", "")))


def configure(pelican):
    add_defaults(pelican.settings, DEFAULTS)
    if pelican.settings["PICTURES"]:
        pelican.settings.setdefault("JINJA_FILTERS", {})["pictures"] = pictures_filter


def pictures_generator(pelican):
    return PicturesGenerator if pelican.settings["PICTURES"] else None


def rewrite_all(generators):
    for generator in generators:
        if isinstance(generator, PicturesGenerator):
            generator.rewrite_all(generators)


def register():
    # initialized: the defaults, and the filter before any template environment is made.
    signals.initialized.connect(configure)
    # get_generators: the build's PicturesGenerator is made with Pelican's own
    # generators, before Pelican empties output/; Pelican runs its
    # generate_output after theirs, once the pages are written.
    signals.get_generators.connect(pictures_generator)
    # all_generators_finalized: everything read, nothing written.
    signals.all_generators_finalized.connect(rewrite_all)
