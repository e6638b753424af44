"""Scheduled posts by the site's one clock (extramile.clock.now).

With ``WITH_FUTURE_DATES = False`` Pelican makes a post dated after "now" a
draft, but reads "now" from the machine's clock itself. This plugin takes that
decision over, with extramile.clock.now(), so EXTRAMILE_NOW moves it for the
build, for `invoke publish --if-due` and for tests alike: on ``initialized``
it turns Pelican's own check off; each run of the build (``get_generators``,
again for every run of ``pelican --autoreload``) reads "now" once; and for
every article it makes a post dated after now a draft (``article.scheduled``
is then True).

``SCHEDULE_REPORT`` (a file path, default unset): after reading the articles
the build writes there, as JSON, the scheduled posts (title, date, source
file), soonest first; `invoke publish` reads it to say when the next is due.
"""

import datetime
import json
import logging
import os

from pelican import signals
from pelican.contents import Article

from extramile import clock
from extramile.buildcache import add_defaults, atomic_write

logger = logging.getLogger(__name__)
DEFAULTS = {"SCHEDULE_REPORT": ""}
# The build's one "now", read once when it starts, on a settings dict whose
# future-dated posts this plugin holds back. A run setting (buildcache.RUN_SETTINGS): no cache key has it.
HELD_BACK = "SCHEDULE_NOW"


def take_over(pelican):
    settings = pelican.settings
    add_defaults(settings, DEFAULTS)
    if not settings.get("WITH_FUTURE_DATES", True):
        settings["WITH_FUTURE_DATES"] = True  # Pelican's own check (machine clock) off...
        settings[HELD_BACK] = clock.now()  # ...ours on


def read_now(pelican):
    """One "now" for the whole run (listed before validate, which uses it at this signal too)."""
    if pelican.settings.get(HELD_BACK):
        pelican.settings[HELD_BACK] = clock.now()


def is_scheduled(date, settings):
    """Whether a post dated `date` is held back (a draft until then) in a build with these settings."""
    if settings.get(HELD_BACK):
        return clock.is_after_now(date, settings[HELD_BACK])
    if settings.get("WITH_FUTURE_DATES", True):
        return False
    return clock.is_after_now(date, datetime.datetime.now(datetime.UTC))  # Pelican's own clock


def hold_back(content):
    if not isinstance(content, Article) or not content.settings.get(HELD_BACK):
        return
    date = getattr(content, "date", None)
    scheduled = date is not None and is_scheduled(date, content.settings)
    content.scheduled = scheduled
    if scheduled:
        content.status = "draft"


def report(generator):
    settings = generator.settings
    if not settings.get(HELD_BACK):
        return
    scheduled = sorted((a for a in [*generator.drafts, *generator.drafts_translations]
                        if getattr(a, "scheduled", False)), key=lambda a: (a.date, a.source_path))
    for article in scheduled:
        logger.info("schedule: %r is scheduled for %s", article.title, article.date.isoformat())
    if settings.get("SCHEDULE_REPORT"):
        entries = [{"title": a.title, "date": a.date.isoformat(),
                    "source": os.path.relpath(a.source_path, settings["PATH"])} for a in scheduled]
        atomic_write(settings["SCHEDULE_REPORT"],
                     json.dumps({"now": settings[HELD_BACK].isoformat(), "scheduled": entries}, indent=1).encode())


def register():
    signals.initialized.connect(take_over)
    signals.get_generators.connect(read_now)
    signals.content_object_init.connect(hold_back)
    signals.article_generator_finalized.connect(report)
