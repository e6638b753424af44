"""Typeset: typogrify inside the content cache, plain smart-quoted titles.

Pelican's own TYPOGRIFY runs after the reader cache (every build pays for it
again) and turns titles into HTML that leaks into ``<title>``, meta tags,
JSON-LD and feeds. Instead, the Markdown reader here typogrifies the body
inside ``read()``, which Pelican caches, and turns titles and ``Summary:``
lines (untrusted text, never HTML: ``FORMATTED_FIELDS = []``) into
smart-quoted plain text, escaped once as ``Markup``; ``striptags`` gives back
the exact text for feeds and JSON. The slug is still made from the raw title,
which ``content_object_init`` then replaces.
"""

import logging
import re

import smartypants
from markupsafe import Markup, escape
from pelican import signals
from pelican.readers import MarkdownReader
from typogrify.filters import typogrify

logger = logging.getLogger(__name__)


# smartypants emits these numeric entities; titles get the characters instead.
_ENTITIES = {"&#8216;": "\u2018", "&#8217;": "\u2019", "&#8220;": "\u201c", "&#8221;": "\u201d",
             "&#8211;": "\u2013", "&#8212;": "\u2014", "&#8230;": "\u2026"}


def smart_text(text):
    """Return plain ``text`` with typographic quotes, dashes and ellipses."""
    text = str(text)
    for step in (smartypants.convert_dashes, smartypants.convert_ellipses, smartypants.convert_quotes):
        text = step(text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text


def plain_text(raw):
    """Metadata as safe, escaped text: what every template and feed prints."""
    return Markup(escape(smart_text(raw)))


# The metadata key the reader keeps the typeset title under (cached with the post).
TYPESET_TITLE = "typeset_title"


# An <a> to another site whose tag has no rel attribute yet.
_EXTERNAL_LINK = re.compile(r'<a (?![^>]*\brel=)([^>]*\bhref="https?://)')


def mark_external_links(html):
    """Give links to other sites rel="noopener" (no window.opener for them)."""
    return _EXTERNAL_LINK.sub(r'<a rel="noopener" \1', html)


class TypesetMarkdownReader(MarkdownReader):
    """Markdown reader whose cached output is already typogrified, with
    external links marked."""

    def read(self, source_path):
        content, metadata = super().read(source_path)
        if "title" in metadata:
            metadata[TYPESET_TITLE] = plain_text(metadata["title"])
        if "summary" in metadata:  # Content.summary returns this metadata value when it is present
            metadata["summary"] = plain_text(metadata["summary"])
        return typogrify(mark_external_links(content)), metadata


def use_typeset_reader(readers):
    if not readers.settings.get("TYPESET", True):  # False: Pelican's own reader, titles as written
        return
    if readers.settings.get("TYPOGRIFY"):
        logger.warning("typeset: TYPOGRIFY is on too; typogrify will run twice")
    for ext in TypesetMarkdownReader.file_extensions:
        readers.reader_classes[ext] = TypesetMarkdownReader


def set_typeset_title(content):
    # After Content.__init__, so the slug was made from the raw title.
    title = content.metadata.get(TYPESET_TITLE)
    if title is not None:
        content.title = title


def register():
    signals.readers_init.connect(use_typeset_reader)
    signals.content_object_init.connect(set_typeset_title)
