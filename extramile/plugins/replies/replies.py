"""Replies: readers' answers to an article, kept as files beside the content
(reading.py) and shown under it, sanitised (rendering.py).

The build reads only the files (no network): builds stay byte-identical and
a reply can be edited or deleted by hand. `invoke replies-add` (from a saved
email) and `invoke replies-pull` (from an Isso server) write these files.

Settings: ``REPLIES``, ``REPLY_EMAIL``, ``ISSO_URL`` (config.py), ``REPLIES_PATH``
(default ``replies``), ``REPLY_MAX_CHARS``. Every article gets ``replies``
(top-level replies in date order, each with ``answers``), ``reply_count``
(all of them) and ``reply_mailto``; the templates get ``REPLIES_CONFIG``.
A bad file stops the build with file:line, before any page is written.
"""

import os

from pelican import signals

from extramile.buildcache import add_defaults
from extramile.plugins.replies.config import RepliesConfigError, mailto, replies_config
from extramile.plugins.replies.reading import read_all, thread
from extramile.plugins.replies.rendering import render
from extramile.plugins.validate.validate import Problem, report

DEFAULTS = {"REPLIES_PATH": "replies", "REPLY_MAX_CHARS": 10000}


def configure(pelican):
    """REPLIES_CONFIG, before theme_context (later in PLUGINS) makes the CSP from it."""
    settings = pelican.settings
    add_defaults(settings, DEFAULTS)
    try:
        settings["REPLIES_CONFIG"] = replies_config(settings)
    except RepliesConfigError as err:
        raise SystemExit(f"Build stopped: {err}") from None  # a message, not a traceback


def read_replies(generator):
    """Every reply file, threaded by article slug, kept on this build's articles
    generator; a bad file stops the build before anything is deleted or written."""
    settings = generator.settings
    replies, problems = read_all(os.path.join(settings["PATH"], settings["REPLIES_PATH"]),
                                 os.path.dirname(os.path.abspath(settings["PATH"])), settings["REPLY_MAX_CHARS"])
    by_article = {}
    for reply in replies:
        by_article.setdefault(reply.article_slug, []).append(reply)
    threads = {}
    for slug, found in by_article.items():
        threads[slug], unthreaded = thread(found)
        problems += unthreaded
    if problems:
        report(problems)
    for reply in replies:
        reply.html = render(reply.text)
    generator.replies = threads


def attach(generator):
    """Give each article its replies; a folder for no article stops the build."""
    threads = generator.replies
    config = generator.settings["REPLIES_CONFIG"]
    articles = [*generator.articles, *generator.translations, *generator.drafts,
                *generator.drafts_translations, *getattr(generator, "hidden_articles", [])]
    slugs = set()
    for article in articles:
        slugs.add(article.slug)
        top = threads.get(article.slug, [])
        names = {author.name for author in getattr(article, "authors", [])}
        for reply in top:
            for one in (reply, *reply.answers):
                one.by_author = one.author in names
        article.replies = top
        article.reply_count = sum(1 + len(r.answers) for r in top)
        article.reply_mailto = mailto(config["email"], article.title) if config["email"] else ""
    unknown = sorted(set(threads) - slugs)
    if unknown:
        report([Problem(threads[slug][0].path.rsplit("/", 1)[0] if threads[slug] else slug, None,
                        f"no article has the slug {slug!r}. Rename the folder to the slug of the article "
                        "these replies answer (the last part of its address), or delete it.")
                for slug in unknown])


def register():
    # initialized: theme_context, listed after this plugin, puts Isso's origin into the CSP.
    signals.initialized.connect(configure)
    # article_generator_init: before Pelican empties output/ or reads a post;
    # the threads stay on the generator, for this build only.
    signals.article_generator_init.connect(read_replies)
    # article_generator_finalized: every article is read, none is written.
    signals.article_generator_finalized.connect(attach)
