"""Sitemap and robots: ``sitemap.xml`` lists every public page, ``robots.txt``
points crawlers to it.

Every HTML page Pelican writes is listed, with absolute URLs from ``SITEURL``
and a ``lastmod``, except drafts and hidden content (their status is not
``published``) and the pages in ``SITEMAP_EXCLUDE`` (by default the 404 page
and the search page, which say ``noindex``).

``lastmod`` is a date the content carries, never the build's clock, so the
same site gives the same bytes: an article's or page's ``Modified`` or
``Date``; for a list (category, tag, author, archive, home) the newest article
it lists; for a page without a date (About), the newest article of the site.

Why not ``pelican-sitemap``: it dates every list page with ``datetime.now()``,
so no two builds are byte-identical and the date tells crawlers nothing.

``robots.txt``: in production it allows everything and names the sitemap's
absolute URL; other builds disallow everything (they also say ``noindex``).
Crawlers read robots.txt only at a host's root: a site under a sub-path
should add the ``Sitemap:`` line to the root's robots.txt (see README).
"""

import logging
import os
from urllib.parse import quote
from xml.sax.saxutils import escape

from pelican import signals

logger = logging.getLogger(__name__)

# path of each written page -> its lastmod (a datetime)
_pages = {}


# id(list) -> (list, newest date): every page of a paginated list (the home
# page, a tag, a category) passes the same whole list; without this, each of
# them went through it again, which grew as pages x articles (3 s at N=5000).
_newest = {}


def newest(articles):
    if not articles:
        return None
    known = _newest.get(id(articles))
    if known is not None and known[0] is articles:
        return known[1]
    dates = [getattr(a, "modified", None) or a.date for a in articles]
    value = max(dates) if dates else None
    _newest[id(articles)] = (articles, value)
    return value


def queue_page(path, context):
    if not path.endswith(".html"):
        return
    obj = context.get("article") or context.get("page")
    if obj is not None and getattr(obj, "status", "published") != "published":
        return  # drafts and hidden content are never listed
    own = (getattr(obj, "modified", None) or getattr(obj, "date", None)) if obj else None
    listed = context.get("dates") if obj is None else None
    _pages[os.path.normpath(path)] = own or newest(listed) or newest(context.get("articles"))


def excluded_paths(settings):
    return set(settings.get("SITEMAP_EXCLUDE") or [
        settings.get("NOTFOUND_SAVE_AS", "404.html"),
        settings.get("SEARCH_SAVE_AS", "search/index.html"),
    ])


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


def write_files(pelican):
    settings = pelican.settings
    siteurl = settings["SITEURL"].rstrip("/")
    skip = {os.path.normpath(p) for p in excluded_paths(settings)}
    entries = {}
    for path, lastmod in _pages.items():
        rel = os.path.relpath(path, pelican.output_path)
        if rel in skip or rel.startswith(".."):
            continue
        entries[page_url(siteurl, rel)] = lastmod
    _pages.clear()  # `pelican --autoreload` builds again in this process
    _newest.clear()
    with open(os.path.join(pelican.output_path, "sitemap.xml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(sitemap_xml(sorted(entries.items())))
    with open(os.path.join(pelican.output_path, "robots.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(robots_txt(settings, f"{siteurl}/sitemap.xml"))
    logger.info("sitemap_robots: %d pages in sitemap.xml", len(entries))


def register():
    # content_written: every page Pelican writes, with the context it used.
    signals.content_written.connect(queue_page)
    # finalized: all pages are written.
    signals.finalized.connect(write_files)
