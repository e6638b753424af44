"""sitemap_robots: every published page with a date it carries, none that says
noindex; robots.txt says whether crawlers are welcome."""

import datetime
import os
from types import SimpleNamespace

import pytest

from extramile.plugins.sitemap_robots import sitemap_robots


def day(n):
    return datetime.datetime(2024, 1, n)


@pytest.fixture
def build(tmp_path):
    def run(production):
        settings = {"SITEURL": "https://example.org/blog", "PRODUCTION": production}
        out = str(tmp_path)
        context = {}
        sitemap = sitemap_robots.SitemapGenerator(context, settings, "content", "theme", out)
        older = SimpleNamespace(date=day(1), status="published")
        newer = SimpleNamespace(date=day(2), modified=day(9), status="published")
        draft = SimpleNamespace(date=day(5), status="draft")
        sitemap_robots.queue_page(os.path.join(out, "posts/a/index.html"), {**context, "article": older})
        sitemap_robots.queue_page(os.path.join(out, "drafts/d/index.html"), {**context, "article": draft})
        sitemap_robots.queue_page(os.path.join(out, "index.html"), {**context, "articles": [older, newer]})
        sitemap_robots.queue_page(os.path.join(out, "404.html"), {**context, "articles": [older]})
        # A "removed" page (plugins/redirects), wherever the sitemap's own turn to write falls.
        sitemap_robots.queue_page(os.path.join(out, "posts/gone/index.html"),
                                  {**context, "articles": [older], "page_noindex": True})
        sitemap_robots.queue_page(os.path.join(out, "feeds/all.atom.xml"), context)
        sitemap.generate_output(writer=None)
        return (tmp_path / "sitemap.xml").read_text(), (tmp_path / "robots.txt").read_text()
    return run


def test_sitemap_lists_published_pages_with_their_own_dates(build):
    sitemap, _ = build(production=True)
    assert sitemap.splitlines()[2:-1] == [
        "<url><loc>https://example.org/blog/</loc><lastmod>2024-01-09T00:00:00</lastmod></url>",
        "<url><loc>https://example.org/blog/posts/a/</loc><lastmod>2024-01-01T00:00:00</lastmod></url>",
    ]


def test_robots_welcomes_crawlers_only_in_production(build):
    _, robots = build(production=True)
    assert robots == "User-agent: *\nDisallow:\n\nSitemap: https://example.org/blog/sitemap.xml\n"
    _, robots = build(production=False)
    assert "Disallow: /\n" in robots and "Sitemap" not in robots
