"""Sitemap and robots: ``sitemap.xml`` lists every published HTML page but
those in ``SITEMAP_EXCLUDE`` (the 404 and search pages, which say ``noindex``)
and those written with ``page_noindex`` in their context (the "removed" pages of
GONE paths: plugins/redirects), and ``robots.txt`` points crawlers to it in production (other builds disallow
everything).

``lastmod`` is a date the content carries, never the build's clock, so the
same site gives the same bytes: a page's ``Modified`` or ``Date``, a list's
newest article, else the site's newest. That is why not ``pelican-sitemap``,
which dates every list page with ``datetime.now()``.
"""

import logging
import os
from urllib.parse import quote
from xml.sax.saxutils import escape

from pelican import signals

logger = logging.getLogger(__name__)

# The key under which this build's SitemapGenerator sits in Pelican's context,
# which every written page's context is a copy of.
CONTEXT_KEY = "sitemap_robots"


class SitemapGenerator:
    """This build's pages and their lastmod. Pelican makes one per build
    (``get_generators``) and runs its generate_output after its own
    generators wrote every page."""

    def __init__(self, context, settings, path, theme, output_path, *args, **kwargs):
        self.context, self.settings, self.output_path = context, settings, output_path
        self.pages = {}  # path of each written page -> its lastmod (a datetime)
        # id(list) -> (list, newest date): every page of a paginated list (the home
        # page, a tag, a category) passes the same whole list; without this, each of
        # them went through it again, which grew as pages x articles (3 s at N=5000).
        self.newest_of = {}
        context[CONTEXT_KEY] = self

    def newest(self, articles):
        if not articles:
            return None
        known = self.newest_of.get(id(articles))
        if known is None or known[0] is not articles:
            dates = [getattr(a, "modified", None) or a.date for a in articles]
            known = self.newest_of[id(articles)] = (articles, max(dates) if dates else None)
        return known[1]

    def add(self, path, context):
        if context.get("page_noindex"):
            return  # a page for no search engine (plugins/redirects' "removed" pages)
        obj = context.get("article") or context.get("page")
        if obj is not None and getattr(obj, "status", "published") != "published":
            return  # drafts and hidden content are never listed
        own = (getattr(obj, "modified", None) or getattr(obj, "date", None)) if obj else None
        listed = context.get("dates") if obj is None else None
        self.pages[os.path.normpath(path)] = own or self.newest(listed) or self.newest(context.get("articles"))

    def generate_output(self, writer):
        settings, output_path = self.settings, self.output_path
        siteurl = settings["SITEURL"].rstrip("/")
        skip = {os.path.normpath(p) for p in settings.get("SITEMAP_EXCLUDE") or [
            settings.get("NOTFOUND_SAVE_AS", "404.html"), settings.get("SEARCH_SAVE_AS", "search/index.html")]}
        entries = {}
        for path, lastmod in self.pages.items():
            rel = os.path.relpath(path, output_path)
            if rel in skip or rel.startswith(".."):
                continue
            entries[page_url(siteurl, rel)] = lastmod
        with open(os.path.join(output_path, "sitemap.xml"), "w", encoding="utf-8", newline="\n") as f:
            f.write(sitemap_xml(sorted(entries.items())))
        with open(os.path.join(output_path, "robots.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(robots_txt(settings, f"{siteurl}/sitemap.xml"))
        logger.info("sitemap_robots: %d pages in sitemap.xml", len(entries))


def queue_page(path, context):
    sitemap = context.get(CONTEXT_KEY)
    if sitemap is not None and path.endswith(".html"):
        sitemap.add(path, context)


def page_url(siteurl, rel):
    path = rel.replace(os.sep, "/")
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return f"{siteurl}/{quote(path)}"


def sitemap_xml(entries):
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in entries:
        lines.append(f"<url><loc>{escape(loc)}</loc>"
                     + (f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else "") + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(settings, sitemap_url):
    if settings.get("PRODUCTION"):
        return f"User-agent: *\nDisallow:\n\nSitemap: {sitemap_url}\n"
    return "# A preview build: not for search engines.\nUser-agent: *\nDisallow: /\n"


def sitemap_generator(pelican):
    return SitemapGenerator


def register():
    # get_generators: a SitemapGenerator per build, which writes the files.
    signals.get_generators.connect(sitemap_generator)
    # content_written: every page Pelican writes, with the context it used.
    signals.content_written.connect(queue_page)
