"""Social images: a 1200x630 PNG per article for og:image and twitter:image
(title, author and site name in the theme's light colours, read from
style.css through theme_context's palette), a site-wide card for every other
page, and a square logo for JSON-LD's publisher. A title is wrapped and shrunk
until it fits, and past the smallest size cut with an ellipsis.

Keyed by content: an image's name carries the hash of all it is drawn from
(image_key), the PNGs are kept in ``SOCIAL_IMAGES_CACHE_PATH``, and the same
key always gives the same bytes. New images are drawn on all cores.

The font is Source Sans Pro from the pinned PyPI wheel ``font-source-sans-pro``
(SIL OFL): the same bytes on every OS without root, where a system font would
differ per machine and Pillow's own has one weight and few glyphs. Characters
outside its Latin, Greek and Cyrillic glyphs are drawn as boxes.

The templates get ``article.social_image``, ``SOCIAL_IMAGE_SITE`` and
``SOCIAL_IMAGE_LOGO``: paths relative to the site's root.
"""

import hashlib
import io
import json
import logging
import os
import re
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import font_source_sans_pro
import PIL
from pelican import signals
from PIL import Image, ImageColor, ImageDraw, ImageFont

from extramile.buildcache import add_defaults, atomic_write, link_all
from extramile.plugins.theme_context.palette import PaletteError, colour, theme_palette

logger = logging.getLogger(__name__)

DEFAULTS = {"SOCIAL_IMAGES": True, "SOCIAL_IMAGES_DIR": "social",
            "SOCIAL_IMAGES_CACHE_PATH": None}  # None: CACHE_PATH/social-images

# Bump when the drawing changes: every image gets a new key.
DESIGN_VERSION = 2
WIDTH, HEIGHT = 1200, 630
LOGO_SIZE = 512
MARGIN = 80
# What each colour of a card is: a token of the theme's light palette (style.css).
COLOUR_TOKENS = {"bg": "--color-bg", "text": "--color-text", "muted": "--color-text-muted",
                 "accent": "--color-accent", "accent_contrast": "--color-accent-contrast",
                 "border": "--color-border"}
FONT_DIR = font_source_sans_pro.font_directory
FONT_BOLD = os.path.join(FONT_DIR, "SourceSansPro-Bold.ttf")
FONT_SEMIBOLD = os.path.join(FONT_DIR, "SourceSansPro-Semibold.ttf")
FONT_REGULAR = os.path.join(FONT_DIR, "SourceSansPro-Regular.ttf")
# Title sizes tried from large to small; the title box's height.
TITLE_SIZES = range(76, 39, -4)
TITLE_TOP, TITLE_BOTTOM = 190, 500
LINE_HEIGHT = 1.14

@lru_cache(maxsize=None)
def design_fingerprint():
    """What besides the text decides an image's bytes."""
    digest = hashlib.sha256()
    for path in (FONT_BOLD, FONT_SEMIBOLD, FONT_REGULAR):
        digest.update(Path(path).read_bytes())
    digest.update(json.dumps([DESIGN_VERSION, PIL.__version__, WIDTH, HEIGHT]).encode())
    return digest.hexdigest()


def card_colours(settings):
    """{"bg": value, ...}: the light values of the theme's colour tokens
    (COLOUR_TOKENS). They travel in every image's fields, so its key covers them."""
    try:
        tokens = theme_palette(settings["THEME"])
        return {name: colour(tokens, token) for name, token in COLOUR_TOKENS.items()}
    except PaletteError as err:
        raise SystemExit(f"Build stopped: social_images: {err}") from None  # a message, not a traceback


def image_key(kind, fields):
    raw = json.dumps([design_fingerprint(), kind, fields], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:16]


def plain(text):
    """Printable one-line text: titles are escaped Markup, striptags gives it back."""
    text = text.striptags() if hasattr(text, "striptags") else str(text)
    # isprintable() is False exactly when a character other than " " is in a
    # C or Z category: most titles skip the character-by-character pass.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


# -- Drawing ---------------------------------------------------------------
@lru_cache(maxsize=None)
def font(path, size):
    return ImageFont.truetype(path, size)


def wrap(text, face, width):
    """Greedy word wrap; a word wider than the line is split by characters."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while face.getlength(word) > width:
            cut = max(1, next(i for i in range(len(word), 0, -1) if face.getlength(word[:i]) <= width))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def fit_title(text, width, height):
    """The largest size at which the wrapped title fits; else cut the smallest."""
    for size in TITLE_SIZES:
        face = font(FONT_BOLD, size)
        lines = wrap(text, face, width)
        if len(lines) * size * LINE_HEIGHT <= height:
            return face, size, lines
    max_lines = int(height // (size * LINE_HEIGHT))
    kept = lines[:max_lines]
    last = kept[-1]
    while last and face.getlength(last + "…") > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return face, size, kept


@lru_cache(maxsize=None)
def draw_mark(size, accent, accent_contrast):
    """The site's mark (theme/static/favicon.svg), drawn 4x and scaled down."""
    scale = size * 4 / 32
    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    d.rounded_rectangle((0, 0, 32 * scale - 1, 32 * scale - 1), radius=8 * scale, fill=accent)
    stroke = round(3 * scale)
    for points in (((7, 16), (22, 16)), ((17, 10), (23, 16), (17, 22))):
        xy = [(x * scale, y * scale) for x, y in points]
        d.line(xy, fill=accent_contrast, width=stroke, joint="curve")
        for x, y in xy:  # round caps
            r = stroke / 2
            d.ellipse((x - r, y - r, x + r, y + r), fill=accent_contrast)
    r = 1.6 * scale
    d.ellipse((26 * scale - r, 16 * scale - r, 26 * scale + r, 16 * scale + r), fill=accent_contrast)
    return big.resize((size, size), Image.LANCZOS)


def render_card(title, byline, sitename, colours):
    image = Image.new("RGB", (WIDTH, HEIGHT), colours["bg"])
    d = ImageDraw.Draw(image)
    # Brand row: mark and site name.
    mark = draw_mark(64, colours["accent"], colours["accent_contrast"])
    image.paste(mark, (MARGIN, 64), mark)
    d.text((MARGIN + 64 + 20, 64 + 32), sitename, font=font(FONT_SEMIBOLD, 36), fill=colours["text"], anchor="lm")
    # Title, vertically centred in its box.
    face, size, lines = fit_title(title, WIDTH - 2 * MARGIN, TITLE_BOTTOM - TITLE_TOP)
    step = size * LINE_HEIGHT
    y = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - step * len(lines)) / 2
    for line in lines:
        d.text((MARGIN, y + step / 2), line, font=face, fill=colours["text"], anchor="lm")
        y += step
    # Byline above the accent band.
    if byline:
        by_face = font(FONT_REGULAR, 34)
        by_lines = wrap(byline, by_face, WIDTH - 2 * MARGIN)
        d.text((MARGIN, 548), by_lines[0], font=by_face, fill=colours["muted"], anchor="ls")
    d.line((MARGIN, 180, WIDTH - MARGIN, 180), fill=colours["border"], width=2)
    d.rectangle((0, HEIGHT - 14, WIDTH, HEIGHT), fill=colours["accent"])
    return image


def render(kind, fields):
    colours = fields["colours"]
    if kind == "logo":
        image = Image.new("RGB", (LOGO_SIZE, LOGO_SIZE), colours["bg"])
        mark = draw_mark(LOGO_SIZE, colours["accent"], colours["accent_contrast"])
        image.paste(mark, (0, 0), mark)
    else:
        image = render_card(**fields)
    # Every pixel is a blend of two theme colours (anti-aliased text on a flat
    # background), so a fixed palette of those blends loses nothing visible
    # and makes files 2.5x smaller and fast to write: about 8 ms an image in
    # all, against 20 ms with an adaptive palette. Pillow writes no date: the
    # same input gives the same bytes.
    return image.quantize(palette=palette(**colours), dither=Image.Dither.NONE)


@lru_cache(maxsize=None)
def palette(bg, text, muted, accent, accent_contrast, border):
    """The blends of the colours the card uses, in steps."""
    def blend(a, b, steps):
        a, b = ImageColor.getrgb(a), ImageColor.getrgb(b)
        return [tuple(round(a[i] + (b[i] - a[i]) * k / (steps - 1)) for i in range(3)) for k in range(steps)]

    colours = [*blend(bg, text, 32), *blend(bg, muted, 16), *blend(accent, accent_contrast, 8),
               *blend(bg, accent, 4), *blend(bg, border, 4)]
    flat = [c for rgb in dict.fromkeys(colours) for c in rgb]
    image = Image.new("P", (1, 1))
    image.putpalette(flat)
    return image


def render_to(path, kind, fields):
    png = io.BytesIO()
    render(kind, fields).save(png, format="PNG", compress_level=3)
    atomic_write(path, png.getvalue())
    return path


# -- Pelican ---------------------------------------------------------------
def add_job(jobs, settings, kind, name, fields):
    key = image_key(kind, fields)
    rel = f"{settings['SOCIAL_IMAGES_DIR']}/{name}-{key}.png"
    jobs[rel] = (key, kind, fields)
    return rel


def site_jobs(settings):
    """{output path: (key, kind, fields)} of the site-wide card and the logo."""
    jobs = {}
    sitename = plain(settings["SITENAME"])
    colours = card_colours(settings)
    add_job(jobs, settings, "card", "site", {"title": plain(settings.get("SITESUBTITLE") or sitename), "byline": "",
                                             "sitename": sitename, "colours": colours})
    add_job(jobs, settings, "logo", "logo", {"colours": colours})
    return jobs


def plan_site_images(pelican):
    """Name the site-wide card and the logo before any template is rendered."""
    settings = pelican.settings
    add_defaults(settings, DEFAULTS)
    if settings["SOCIAL_IMAGES"]:
        settings["SOCIAL_IMAGE_SITE"], settings["SOCIAL_IMAGE_LOGO"] = site_jobs(settings)  # the card's path, the logo's


def plan_article_images(generator):
    """Give every article that is written (drafts too) its card's path; the
    jobs stay on this build's articles generator."""
    settings = generator.settings
    generator.social_images = jobs = {}
    if not settings["SOCIAL_IMAGES"]:
        return
    sitename = plain(settings["SITENAME"])
    colours = card_colours(settings)
    for article in [*generator.articles, *generator.translations, *generator.hidden_articles,
                    *generator.hidden_translations, *generator.drafts, *generator.drafts_translations]:
        if not article.save_as:
            continue
        authors = ", ".join(plain(a.name) for a in getattr(article, "authors", []))
        fields = {"title": plain(article.title), "byline": f"By {authors}" if authors else "", "sitename": sitename,
                  "colours": colours}
        article.social_image = add_job(jobs, settings, "card", article.slug, fields)


def write_images(generator, writer):
    settings = generator.settings
    if not settings["SOCIAL_IMAGES"]:
        return
    jobs_by_path = {**site_jobs(settings), **generator.social_images}
    started = time.perf_counter()
    # Key: an image's name is the hash of all it is drawn from (image_key:
    # its text, the design, the fonts' bytes, Pillow's version).
    cache = settings["SOCIAL_IMAGES_CACHE_PATH"] or os.path.join(settings["CACHE_PATH"], "social-images")
    os.makedirs(cache, exist_ok=True)
    missing = {key: (kind, fields) for key, kind, fields in jobs_by_path.values()
               if not os.path.exists(os.path.join(cache, key + ".png"))}
    jobs = [(os.path.join(cache, key + ".png"), kind, fields) for key, (kind, fields) in sorted(missing.items())]
    if len(jobs) > 8 and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor() as pool:
            list(pool.map(render_to, *zip(*jobs, strict=True), chunksize=8))
    else:
        for job in jobs:
            render_to(*job)
    link_all((os.path.join(cache, key + ".png"), os.path.join(generator.output_path, rel))
             for rel, (key, _, _) in jobs_by_path.items())
    # Forget images no article uses any more (an edited title, a removed post).
    used = {key + ".png" for key, _, _ in jobs_by_path.values()}
    for name in os.listdir(cache):
        if name.endswith(".png") and name not in used:
            os.remove(os.path.join(cache, name))
    logger.info("social_images: %d images, %d drawn, in %.2f s", len(jobs_by_path), len(jobs),
                time.perf_counter() - started)


def register():
    # initialized: the site-wide paths become settings, which every template sees.
    signals.initialized.connect(plan_site_images)
    # article_generator_finalized: all articles are read, none is written yet.
    signals.article_generator_finalized.connect(plan_article_images)
    # article_writer_finalized: after Pelican emptied the output folder and
    # wrote the articles; the jobs are on the articles generator it passes.
    signals.article_writer_finalized.connect(write_images)
