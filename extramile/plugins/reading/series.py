"""Series: posts with the same ``Series:`` line, in ``Series_index:`` order
(else by date; validate has checked the positions). Only published posts are
parts: a draft or scheduled post joins its series when it is published.

Each part gets ``article.series`` and ``article.series_part`` (number, count,
the parts in order); the context gets ``series_list`` [(series, parts)], like
``tags``. Each series has a page (``SERIES_SAVE_AS``), Atom and RSS feeds
(``SERIES_FEED_ATOM``/``SERIES_FEED_RSS``), and there is an index of every
series (``SERIES_INDEX_SAVE_AS``).
"""

from dataclasses import dataclass

from pelican.urlwrappers import URLWrapper

DEFAULTS = {
    "SERIES_URL": "series/{slug}/",
    "SERIES_SAVE_AS": "series/{slug}/index.html",
    "SERIES_FEED_ATOM": "feeds/series/{slug}.atom.xml",
    "SERIES_FEED_RSS": "feeds/series/{slug}.rss.xml",
    "SERIES_INDEX_URL": "series/",
    "SERIES_INDEX_SAVE_AS": "series/index.html",
}


class Series(URLWrapper):
    """A series, addressed like a tag: SERIES_URL and SERIES_SAVE_AS."""


@dataclass
class Part:
    series: Series
    number: int  # 1-based place among the published parts
    count: int
    parts: list  # every published part, in order


def position(article):
    index = str(article.metadata.get("series_index", "")).strip()
    return (int(index) if index.isdigit() else 0, article.date)


def group_series(articles, settings):
    """[(Series, [parts in order])] of the published articles, by name."""
    by_name = {}
    for article in articles:
        name = str(article.metadata.get("series", "")).strip()
        if name:
            by_name.setdefault(name, []).append(article)
    found = []
    for name in sorted(by_name, key=str.casefold):
        series = Series(name, settings)
        parts = sorted(by_name[name], key=position)
        for number, article in enumerate(parts, start=1):
            article.series = series
            article.series_part = Part(series, number, len(parts), parts)
        found.append((series, parts))
    return found


def add_series(generator):
    """article_generator_finalized: every article is read."""
    generator.context["series_list"] = group_series(generator.articles, generator.settings)


def write_series(generator, writer):
    """article_writer_finalized: each series' page and feeds, and the index."""
    settings, context = generator.settings, generator.context
    series_list = context.get("series_list") or []
    if not series_list:
        return
    template = generator.get_template("series")
    for series, parts in series_list:
        newest_first = sorted(parts, key=lambda a: a.date, reverse=True)
        for key, kind in (("SERIES_FEED_ATOM", "atom"), ("SERIES_FEED_RSS", "rss")):
            if settings.get(key):
                path = str(settings[key]).format(slug=series.slug)
                writer.write_feed(newest_first, context, path, path, feed_title=series.name, feed_type=kind)
        writer.write_file(series.save_as, template, context, series=series, articles=parts, dates=parts,
                          template_name="series", url=series.url, page_name=series.page_name,
                          all_articles=generator.articles, blog=True,
                          relative_urls=settings["RELATIVE_URLS"])
    if settings.get("SERIES_INDEX_SAVE_AS"):
        writer.write_file(settings["SERIES_INDEX_SAVE_AS"], generator.get_template("series_index"), context,
                          template_name="series_index", blog=True, relative_urls=settings["RELATIVE_URLS"])
