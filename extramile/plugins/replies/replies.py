"""Replies: readers' answers to an article, kept as files beside the content
(reading.py) and shown under it, sanitised (rendering.py).

The build reads only the files (no network): builds stay byte-identical and
a reply can be edited or deleted by hand. `invoke replies add` (from a saved
email) and `invoke replies pull` (from an Isso server) write these files.

Settings: ``REPLIES``, ``REPLY_EMAIL``, ``ISSO_URL`` (config.py);
``REPLIES_PATH`` (the folder under PATH, default ``replies``) and
``REPLY_MAX_CHARS`` (longest reply text). Every article gets ``replies``
(top-level replies in date order, each with ``answers``), ``reply_count``
(all of them) and ``reply_mailto``; the templates get ``REPLIES_CONFIG``.
A bad file stops the build with file:line, before any page is written.
"""

import os

from pelican import signals

from extramile.plugins.replies.config import RepliesConfigError, mailto, replies_config
from extramile.plugins.replies.reading import read_all, thread
from extramile.plugins.replies.rendering import render
from extramile.plugins.validate.validate import Problem, report

DEFAULTS = {"REPLIES_PATH": "replies", "REPLY_MAX_CHARS": 10000}


def replies_root(settings):
    return os.path.join(settings["PATH"], settings.get("REPLIES_PATH", DEFAULTS["REPLIES_PATH"]))


def configure(pelican):
    settings = pelican.settings
    for name, value in DEFAULTS.items():
        settings.setdefault(name, value)
    try:
        settings["REPLIES_CONFIG"] = replies_config(settings)
    except RepliesConfigError as err:
        raise SystemExit(f"Build stopped: {err}") from None  # a message, not a traceback
    root = replies_root(settings)
    replies, problems = read_all(root, os.path.dirname(os.path.abspath(settings["PATH"])),
                                 settings["REPLY_MAX_CHARS"])
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
    pelican.replies = threads


def attach(generator):
    """Give each article its replies; a folder for no article stops the build."""
    if _current["settings"] is not generator.settings:
        return
    threads = _current["threads"]
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


# The replies of the build being run, by its settings object (the generators
# get the same one). Not a setting: settings are part of the content cache's key.
_current = {"settings": None, "threads": None}


def keep(pelican):
    configure(pelican)
    _current.update(settings=pelican.settings, threads=pelican.replies)


def register():
    # `initialized`: before anything is read or written. (theme_context, which
    # needs REPLIES_CONFIG for the CSP, works it out itself if it runs first.)
    signals.initialized.connect(keep)
    # After the content cache is saved, before any page is written.
    signals.article_generator_finalized.connect(attach)
