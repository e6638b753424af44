"""Feeds: what Pelican's Atom and RSS feeds lack, and a JSON Feed.

Pelican's writer makes the feeds; ours (``FeedWriter``, from ``get_writer``)
chooses their classes and completes each item from its article:

* Links in the content are absolute (feed readers show it away from the site).
* RSS items carry the summary in ``<description>``, the full article in
  ``<content:encoded>`` and the last change in ``<atom:updated>``.
* Atom and RSS reference ``FEED_STYLESHEET`` (``<?xml-stylesheet
  type="text/css"?>``): opened in a browser, a feed reads as a page. CSS, not
  XSLT, which Chromium deprecates and a CSP header would block.
* Pictures (plugins/pictures): a ``<picture>`` becomes one ``<img>`` of
  ``PICTURES_FALLBACK_WIDTH`` with an absolute URL; a post's cover is its
  item's enclosure (Atom, RSS) and ``image`` (JSON Feed).
* Entry ids (``entry_id``) survive edits of a post's title, slug, metadata and
  text: a tag URI from the site's address, the post's date and its source
  path ("posts/in-customers-we-trust.md" gives
  ``tag:example.org,2026-11-09:/blog/posts/in-customers-we-trust/``). Atom
  ``<id>``, RSS ``<guid isPermaLink="false">`` and JSON Feed ``id`` agree.
* A feed with no entries is dated 1970-01-01 (``EMPTY_FEED_DATE``), not at
  build time: two builds of one tree give the same bytes.
* ``FEED_ALL_JSON`` (e.g. ``feeds/all.json``): the whole site as a JSON Feed
  1.1 (https://www.jsonfeed.org/version/1.1/); no maintained plugin writes one.
"""

import functools
import json
import logging
import os
import posixpath
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, RssFeed, Stylesheet, get_tag_uri
from feedgenerator.django.utils.feedgenerator import SimplerXMLGenerator, rfc3339_date
from markupsafe import Markup
from pelican import signals
from pelican.utils import order_content, set_date_tzinfo
from pelican.writers import Writer

from extramile.plugins.pictures.markup import for_feed

logger = logging.getLogger(__name__)

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# The theme's stylesheet for feeds opened in a browser (a THEME_ASSETS key).
FEED_STYLESHEET = "css/feed.css"

LINK_ATTRIBUTE = re.compile(r"""(\s(?:href|src|poster)=)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)


# A post is in several feeds (all, its category's, its tags', its author's):
# its links are resolved once, not once per feed. At most 1024 texts are kept
# (a few megabytes of posts).
@functools.lru_cache(maxsize=1024)
def absolute_links(html, base):
    """Resolve every relative href/src/poster in ``html`` against ``base``."""
    if not html:
        return html
    return LINK_ATTRIBUTE.sub(lambda m: f"{m[1]}{m[2]}{urljoin(base, m[3].strip())}{m[2]}", str(html))


def plain(text):
    """Text of a title or summary: tags removed, entities decoded."""
    return Markup(str(text or "")).striptags()


def site_root(settings):
    return settings["FEED_DOMAIN"].rstrip("/") + "/"


def entry_id(settings, article):
    """The post's feed id: the same in every feed, and across edits of its title, slug and text."""
    stem = posixpath.splitext(str(article.relative_source_path).replace(os.sep, "/"))[0]
    return get_tag_uri(urljoin(site_root(settings), stem + "/"), article.date)


# The date of a feed with no entries (every post a draft or scheduled):
# feedgenerator would take the time of the build, so two builds of one tree
# would differ; the Unix epoch says "nothing published yet" and never changes.
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)


class StableEmptyDate:
    """A feed whose date is its newest entry's, or EMPTY_FEED_DATE when it has none."""

    def latest_post_date(self):
        return super().latest_post_date() if self.items else EMPTY_FEED_DATE


class RssWithContent(StableEmptyDate, Rss201rev2Feed):
    """RSS 2.0 with the full article in content:encoded and an atom:updated."""

    def rss_attributes(self):
        attributes = super().rss_attributes()
        attributes["xmlns:content"] = "http://purl.org/rss/1.0/modules/content/"
        return attributes

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"] or item["pubdate"]))
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])


class AtomWithStylesheet(StableEmptyDate, Atom1Feed):
    """Atom that writes the feed's stylesheets, as feedgenerator's RSS does."""

    def write(self, outfile, encoding):
        # Atom1Feed.write with the one call it lacks: add_stylesheets.
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        self.add_stylesheets(handler)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    add_stylesheets = RssFeed.add_stylesheets


def stylesheet_href(settings, feed_url):
    """The feed stylesheet's address relative to the feed, so it works on any host and path."""
    site_path = urlsplit(site_root(settings)).path
    feed_dir = posixpath.dirname(urlsplit(feed_url).path)
    target = settings.get("THEME_ASSETS", {}).get(
        FEED_STYLESHEET, f"{settings['THEME_STATIC_DIR']}/{FEED_STYLESHEET}")
    return posixpath.relpath(site_path + target, feed_dir)


def improve_item(settings, feed, article):
    """The feed's last item, made by Pelican from `article`: its stable id, absolute links, RSS
    content and summary, pictures for feed readers, and the cover as enclosure."""
    item = feed.items[-1]
    base, site = item["link"], settings["FEED_DOMAIN"]
    item["unique_id"] = entry_id(settings, article)
    # A tag URI is not an address: RSS readers must not open it.
    item["unique_id_is_permalink"] = False
    if isinstance(feed, Rss201rev2Feed):  # Pelican put the full content in the description
        item["content"] = absolute_links(for_feed(item["description"], site), base)
        summary = getattr(article, "summary", None)
        item["description"] = absolute_links(for_feed(summary, site), base) if summary else item["content"]
    else:
        item["content"] = absolute_links(for_feed(item["content"], site), base)
        item["description"] = absolute_links(for_feed(item["description"], site), base)
    cover = getattr(article, "cover", None)
    if cover:
        item["enclosures"] = [Enclosure(urljoin(site_root(settings), cover.feed), str(cover.feed_length),
                                        cover.feed_type)]


class FeedWriter(Writer):
    """Pelican's writer, with our feed classes and items (module docstring).

    Pelican makes each feed object and its items itself; these two of its
    methods (pelican_internals.INTERNALS) are where a writer chooses the
    class and sees the article behind each item."""

    def _create_new_feed(self, feed_type, feed_title, context):
        feed = super()._create_new_feed(feed_type, feed_title, context)
        ours = (RssWithContent if isinstance(feed, Rss201rev2Feed) else AtomWithStylesheet)(**feed.feed)
        ours.feed["language"] = context.get("DEFAULT_LANG")
        ours.feed["stylesheets"] = [Stylesheet(stylesheet_href(context, ours.feed["feed_url"]), "text/css", None)]
        return ours

    def _add_item_to_the_feed(self, feed, item):
        super()._add_item_to_the_feed(feed, item)
        improve_item(self.settings, feed, item)


def json_feed(generator):
    """The JSON Feed 1.1 document of the generator's articles."""
    settings = generator.settings
    site = site_root(settings)
    timezone = settings.get("TIMEZONE")
    articles = order_content(list(generator.articles), order_by=settings["ARTICLE_ORDER_BY"])
    items = []
    for article in articles[: settings.get("FEED_MAX_ITEMS")]:
        url = urljoin(site, article.url)
        date = set_date_tzinfo(article.date, timezone)
        item = {
            "id": entry_id(settings, article),
            "url": url,
            "title": plain(article.title),
            "content_html": absolute_links(for_feed(article.get_content(settings["SITEURL"]), site), url),
            "date_published": date.isoformat(),
            "date_modified": set_date_tzinfo(getattr(article, "modified", None) or article.date,
                                             timezone).isoformat(),
            "authors": [{"name": str(a), "url": urljoin(site, a.url)} for a in article.authors],
            "tags": [str(t) for t in getattr(article, "tags", [])],
            "language": article.lang,
        }
        if getattr(article, "summary", None):
            item["summary"] = plain(article.summary)
        if getattr(article, "cover", None):
            item["image"] = urljoin(site, article.cover.feed)
        items.append(item)
    return {
        "version": JSON_FEED_VERSION,
        "title": plain(settings["SITENAME"]),
        "home_page_url": site,
        "feed_url": urljoin(site, settings["FEED_ALL_JSON"]),
        "description": plain(settings.get("SITEDESCRIPTION") or settings.get("SITESUBTITLE") or ""),
        "language": settings.get("DEFAULT_LANG"),
        "items": items,
    }


def write_json_feed(generator, writer):
    path = generator.settings.get("FEED_ALL_JSON")
    if not path:
        return
    target = os.path.join(writer.output_path, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        json.dump(json_feed(generator), f, ensure_ascii=False, indent=1)
        f.write("\n")
    logger.info('Writing "%s"', target)


def writer_class(pelican):
    return FeedWriter


def register():
    # `get_writer`: Pelican writes every page and feed with the class returned.
    signals.get_writer.connect(writer_class)
    # `article_writer_finalized`: once per build, with the published articles
    # and the writer's output folder.
    signals.article_writer_finalized.connect(write_json_feed)
