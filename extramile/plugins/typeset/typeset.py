"""Typeset: typogrify inside the content cache, plain smart-quoted titles.

Pelican's own TYPOGRIFY runs after the reader cache, so every build pays for
it again, and it turns titles into HTML (``<span class="caps">``), which then
leaks into ``<title>``, meta tags, JSON-LD and feeds. This plugin instead:

* replaces the Markdown reader by one that typogrifies the body inside
  ``read()``, whose result Pelican caches, so an unchanged post costs nothing
  on the next build;
* turns titles and ``Summary:`` lines (metadata: untrusted text, never HTML;
  pelicanconf sets ``FORMATTED_FIELDS = []``) into smart-quoted plain text
  (curly quotes, dashes, ellipses as Unicode characters, no markup), escaped
  once as ``Markup``: templates print them as text, and ``striptags`` gives
  back the exact text for feeds and JSON.

Titles and summaries are typeset again on every build (Pelican makes every
post's object anew), at 60 µs each: 0.12 s for 1000 posts. With
``CACHE_CONTENT``, the plain texts of the last build are kept in
``CACHE_PATH``/typeset-plain.pickle, by their raw text.
"""

import logging
import os
import re

import smartypants
from markupsafe import Markup, escape
from pelican import signals
from pelican.readers import MarkdownReader
from typogrify.filters import typogrify

from extramile.buildcache import add_defaults, code_key, load_pickle, save_pickle

logger = logging.getLogger(__name__)

DEFAULTS = {
    "TYPESET": True,  # False: Pelican's own reader, titles as written
}

# smartypants emits these numeric entities; titles get the characters instead.
_ENTITIES = {
    "&#8216;": "\u2018",
    "&#8217;": "\u2019",
    "&#8220;": "\u201c",
    "&#8221;": "\u201d",
    "&#8211;": "\u2013",
    "&#8212;": "\u2014",
    "&#8230;": "\u2026",
}


def smart_text(text):
    """Return plain ``text`` with typographic quotes, dashes and ellipses."""
    text = str(text)
    for step in (
        smartypants.convert_dashes,
        smartypants.convert_ellipses,
        smartypants.convert_quotes,
    ):
        text = step(text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text


def plain_text(raw):
    """Metadata as safe, escaped text: what every template and feed prints."""
    return Markup(escape(smart_text(raw)))


class PlainTextMemo:
    """raw text -> plain_text(raw), kept from one build to the next.

    Key: code_key() (this module, smartypants, markupsafe: all plain_text
    runs) and each entry by its raw text, plain_text's only input."""

    def __init__(self, settings=None):
        cache = settings and settings.get("CACHE_CONTENT") and settings.get("CACHE_PATH")
        self.path = os.path.join(cache, "typeset-plain.pickle") if cache else None
        self.key = code_key() if self.path else None
        self.old = load_pickle(self.path, self.key, {}) if self.path else {}
        self.new = {}

    def plain_text(self, raw):
        text = self.new.get(raw)
        if text is None:
            text = self.old.get(raw)
            if text is None:
                text = plain_text(raw)
            self.new[raw] = text
        return text

    def save(self):
        """Keep this build's texts (only those: a changed title's old text goes)."""
        if self.path and self.new.keys() != self.old.keys():
            save_pickle(self.path, self.key, self.new)


_memo = PlainTextMemo()  # the build's; a new one when a build starts


def start_memo(pelican):
    global _memo
    add_defaults(pelican.settings, DEFAULTS)
    _memo = PlainTextMemo(pelican.settings)


def save_memo(pelican):
    _memo.save()


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
        return typogrify(mark_external_links(content)), metadata


def use_typeset_reader(readers):
    if not readers.settings["TYPESET"]:
        return
    if readers.settings.get("TYPOGRIFY"):
        logger.warning("typeset: TYPOGRIFY is on too; typogrify will run twice")
    for ext in TypesetMarkdownReader.file_extensions:
        readers.reader_classes[ext] = TypesetMarkdownReader


def set_plain_text(content):
    # After Content.__init__, so the slug was made from the raw title.
    title = getattr(content, "title", None)
    if title is not None and not isinstance(title, Markup):
        content.title = _memo.plain_text(title)
    summary = content.metadata.get("summary")
    if summary is not None and not isinstance(summary, Markup):
        # Content.summary returns this metadata value when it is present.
        content.metadata["summary"] = _memo.plain_text(summary)


def register():
    signals.initialized.connect(start_memo)
    signals.readers_init.connect(use_typeset_reader)
    signals.content_object_init.connect(set_plain_text)
    signals.finalized.connect(save_memo)
