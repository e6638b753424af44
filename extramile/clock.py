"""The one clock the site reads: the build decides with it which posts are
scheduled (dated after now), and `invoke publish --if-due` says with it when
the next one is due.

EXTRAMILE_NOW, when set, is "now" (ISO 8601, e.g. 2026-12-01T09:00:00+00:00;
without an offset it is UTC), so tests and an author checking a schedule can
move the clock without waiting.
"""

import datetime
import os

VARIABLE = "EXTRAMILE_NOW"


def now(environ=os.environ):
    """The current time, timezone-aware (UTC unless EXTRAMILE_NOW says otherwise)."""
    text = environ.get(VARIABLE, "").strip()
    if not text:
        return datetime.datetime.now(datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{VARIABLE}={text!r} is not a time: write it as 2026-12-01T09:00:00+00:00 "
                         "(ISO 8601), or unset it to use the real clock.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def is_after_now(date, moment):
    """Whether `date` (as Pelican reads it: aware, or naive local time) lies after `moment`."""
    if date.tzinfo is None:
        return date > moment.astimezone().replace(tzinfo=None)
    return date > moment
