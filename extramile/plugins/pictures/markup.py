"""The HTML side of pictures: finding <img> tags in a post's HTML, turning a
lone titled one into a <figure>, writing <picture> markup, and the plain
<img> feeds get. Text in, text out; no file is read here.

URLs of variants are written as ``TOKEN/pictures/...``: a page replaces TOKEN
with its own SITEURL (the ``pictures`` Jinja filter; relative in development),
a feed with the absolute one. Pelican's own ``{static}`` links cannot carry a
srcset (it rewrites single-URL attributes only), hence the token.
"""

import html
import re

from extramile.sources import DECORATIVE, IMG, attributes, classes, is_decorative  # noqa: F401

from .processing import MIME

TOKEN = "@pictures@"
# Markdown's output for a picture alone in its paragraph.
LONE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>", re.I)
PICTURE = re.compile(r"<picture\b[^>]*>.*?</picture>", re.I | re.S)


def figures(text):
    """A titled picture alone in its paragraph becomes a captioned figure."""
    def replace(match):
        attrs = attributes(match.group(1))
        title = attrs.get("title", "").strip()
        if not title:
            return match.group(0)
        return f'<figure>{match.group(1)}<figcaption>{html.escape(title, quote=False)}</figcaption></figure>'
    return LONE.sub(replace, text)


def esc(value):
    return html.escape(str(value), quote=True)


def srcset(record, fmt):
    return ", ".join(f"{TOKEN}/{record.url(width, fmt)} {width}w" for width in record.widths)


def picture(record, alt, sizes, eager=False, css_class=None):
    """<picture> with a source per modern format and the JPEG/PNG <img>."""
    parts = ["<picture>"]
    for fmt in record.formats:
        if fmt == record.fallback:
            continue
        parts.append(f'<source type="{MIME[fmt]}" srcset="{esc(srcset(record, fmt))}" sizes="{esc(sizes)}">')
    # The upright original's size, whose ratio is exact (a variant's height is
    # rounded; CSS max-width keeps it in the column).
    width, height = record.width, record.height
    # The page's first picture is its LCP: fetched first, decoded at once.
    loading = 'fetchpriority="high"' if eager else 'loading="lazy" decoding="async"'
    class_attr = f' class="{esc(css_class)}"' if css_class else ""
    parts.append(
        f'<img src="{TOKEN}/{record.url(record.fallback_width, record.fallback)}" '
        f'srcset="{esc(srcset(record, record.fallback))}" sizes="{esc(sizes)}" '
        f'width="{width}" height="{height}" alt="{esc(alt)}"{class_attr} {loading}></picture>')
    return "".join(parts)


def on_page(text, siteurl):
    """Variant URLs for a page whose SITEURL is `siteurl`."""
    return text.replace(TOKEN, siteurl or ".") if TOKEN in text else text


def plain_img(match):
    """A <picture> as the one <img> feed readers show (no srcset, no sources)."""
    tag = IMG.search(match.group(0))
    if not tag:
        return ""
    attrs = attributes(tag.group(0))
    # width and height of the fallback file itself (its name ends in -WIDTH.KEY.ext).
    width = re.search(r"-(\d+)\.[0-9a-f]+\.\w+$", attrs.get("src", ""))
    if width and attrs.get("width", "").isdigit() and attrs.get("height", "").isdigit():
        shown = int(width.group(1))
        attrs["height"] = str(max(1, round(int(attrs["height"]) * shown / int(attrs["width"]))))
        attrs["width"] = str(shown)
    keep = {k: attrs[k] for k in ("src", "width", "height", "alt") if k in attrs}
    return "<img " + " ".join(f'{k}="{esc(v)}"' for k, v in keep.items()) + ">"


def for_feed(text, siteurl):
    """Feed HTML: every <picture> a plain <img> of the fallback width, absolute URLs."""
    if not text or TOKEN not in text:
        return text
    return on_page(PICTURE.sub(plain_img, text), siteurl.rstrip("/"))
