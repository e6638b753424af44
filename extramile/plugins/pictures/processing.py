"""Turning one source picture into its published variants (Pillow only).

Pure functions of (source bytes, the settings that shape the output, this
code): the same input always gives the same bytes. Run in worker processes,
one picture a job; nothing here knows about Pelican.

What a published file never carries: EXIF (GPS, camera, maker notes), XMP,
IPTC or comments. Pillow writes only what it is handed at save(), and we hand
it pixels and the ICC colour profile (colours, not personal data). The EXIF
orientation is applied to the pixels first, so nothing shows sideways.
"""

import contextlib
import io
import json
import logging
import multiprocessing
import os
import shutil
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from extramile.buildcache import atomic_write

logger = logging.getLogger(__name__)

# What Pillow can write for each format we publish, and the file suffix.
SUFFIX = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
# Raster formats accepted as sources (Pillow's names).
SOURCE_FORMATS = {"JPEG", "PNG", "WEBP", "AVIF", "GIF", "TIFF", "BMP", "MPO"}


class PictureError(Exception):
    """A source the build cannot publish; the message says how to fix it."""


def write(path, data):
    """A cache file, whole or not at all, readable by the web server (published
    by hard link: mkstemp's 0600 would hide it from nginx's user)."""
    atomic_write(path, data)
    os.chmod(path, 0o644)


def variant_widths(width, widths):
    """The configured widths narrower than the picture, plus the picture's own
    width when it is narrower than the largest: never upscaled."""
    chosen = {w for w in widths if w <= width}
    if width < max(widths):
        chosen.add(width)
    return sorted(chosen)


def too_many_pixels(max_pixels):
    """Why a picture over PICTURES_MAX_PIXELS is refused (the build's and the editor's words)."""
    return f"the picture has more than {max_pixels:,} pixels (PICTURES_MAX_PIXELS). Scale it down before adding it."


def open_source(path, max_pixels):
    """The picture, opened and checked (not yet decoded), or PictureError."""
    if path.lower().endswith((".svg", ".svgz")):
        raise PictureError("SVG pictures are refused (an SVG can carry scripts and remote references); "
                           "export it as a PNG and link that.")
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's decompression-bomb guard, set explicitly
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except FileNotFoundError:
        raise PictureError("the file does not exist. Check the path (relative to the post, or "
                           "'{static}/images/...' from the content folder).") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError(too_many_pixels(max_pixels)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise PictureError(f"this is not a picture Pillow can read ({err.__class__.__name__}). "
                           "Save it as JPEG or PNG.") from None
    if image.format not in SOURCE_FORMATS:
        raise PictureError(f"{image.format} pictures are not accepted. Save it as JPEG or PNG.")
    if image.width * image.height > max_pixels:
        raise PictureError(f"the picture has {image.width}x{image.height} pixels, more than "
                           f"{max_pixels:,} (PICTURES_MAX_PIXELS). Scale it down before adding it.")
    return image


def load_pixels(path, max_pixels, largest_width):
    """The upright pixels, decoded at the smallest JPEG scale that still covers
    `largest_width` (draft mode: a 4000 px photo decodes at 2000 px for 1600)."""
    image = open_source(path, max_pixels)
    orientation = image.getexif().get(0x0112, 1)
    if image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK"):
        # Draft sizes are in the stored orientation: swap for a rotated photo.
        sideways = orientation in (5, 6, 7, 8)
        scale = largest_width / (image.height if sideways else image.width)
        if scale < 1:
            image.draft("RGB", (int(image.width * scale) + 1, int(image.height * scale) + 1))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as err:
        raise PictureError(f"the picture is damaged or cut short ({err}). Export it again.") from None
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if alpha:
        image = image.convert("RGBA")
        if image.getextrema()[3][0] == 255:  # an alpha channel nothing uses
            image, alpha = image.convert("RGB"), False
    elif image.mode != "RGB":
        image = image.convert("RGB")
    return image, alpha, icc


def encode(image, fmt, quality, spec, icc):
    """One variant's bytes; no metadata but the colour profile. One thread
    each: pictures are encoded in one process per core already."""
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, **extra)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=spec["webp_method"], **extra)
    elif fmt == "avif":
        image.save(out, "AVIF", quality=quality, speed=spec["avif_speed"], max_threads=1, **extra)
    elif fmt == "png":
        image.save(out, "PNG", optimize=False, compress_level=6, **extra)
    else:
        raise ValueError(fmt)
    return out.getvalue()


def resized(image, width):
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def make_variants(source, folder, spec):
    """Write every variant of `source` into the cache `folder`, then meta.json
    (written last: a folder without it is incomplete and made again).

    spec: widths, formats (modern ones), quality {format: q}, avif_speed,
    webp_method, max_pixels, social ([w, h] or None). Returns the meta dict."""
    meta_path = os.path.join(folder, "meta.json")
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        if not spec["social"] or os.path.exists(os.path.join(folder, "social.jpg")):
            return meta
    except (OSError, ValueError):
        meta = None
    image, alpha, icc = load_pixels(source, spec["max_pixels"], max(spec["widths"]))
    if spec["social"] and not os.path.exists(os.path.join(folder, "social.jpg")):
        # Cropped around the centre to fill the link previews' size (1200x630).
        crop = ImageOps.fit(image.convert("RGB") if alpha else image, tuple(spec["social"]),
                            Image.Resampling.LANCZOS, centering=(0.5, 0.4))
        write(os.path.join(folder, "social.jpg"), encode(crop, "jpeg", spec["quality"]["jpeg"], spec, icc))
    if meta is not None:
        return meta
    fallback = "png" if alpha else "jpeg"
    formats = [f for f in spec["formats"] if f != fallback] + [fallback]
    widths = variant_widths(image.width, spec["widths"])
    variant = image
    for width in reversed(widths):
        # Each width from the one above it: fewer pixels to read (a third less
        # time than each from the decoded picture), Lanczos all the way.
        variant = resized(variant, width)
        for fmt in formats:
            write(os.path.join(folder, f"{width}.{SUFFIX[fmt]}"),
                  encode(variant, fmt, spec["quality"].get(fmt, 75), spec, icc))
    meta = {"width": image.width, "height": image.height, "alpha": alpha, "fallback": fallback,
            "formats": formats, "widths": widths}
    write(meta_path, json.dumps(meta, sort_keys=True).encode())
    return meta


def make_variants_job(job):
    """Worker entry: (source, folder, spec) -> (meta, None) or (None, message)."""
    source, folder, spec = job
    try:
        return make_variants(source, folder, spec), None
    except PictureError as err:
        return None, str(err)
    except MemoryError:
        return None, "the picture is too large to decode here. Scale it down before adding it."


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


def cache_root(settings):
    return settings["PICTURES_CACHE_PATH"] or os.path.join(settings["CACHE_PATH"], "pictures")


def encode_all(records, settings):
    """Make every record's variants (cached ones cost a file read); returns
    {path: message} for sources that cannot be encoded."""
    root = cache_root(settings)
    base = {"widths": list(settings["PICTURES_WIDTHS"]), "formats": list(settings["PICTURES_FORMATS"]),
            "quality": dict(settings["PICTURES_QUALITY"]), "avif_speed": settings["PICTURES_AVIF_SPEED"],
            "webp_method": settings["PICTURES_WEBP_METHOD"], "max_pixels": settings["PICTURES_MAX_PIXELS"]}
    jobs = [(record.source, os.path.join(root, record.key),
             {**base, "social": list(settings["PICTURES_SOCIAL_SIZE"]) if record.social else None})
            for record in records]
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
