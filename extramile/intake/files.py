"""Reply files as the intake tasks write them, and the article a reply answers.

Neither task ever writes a reader's email address: a reply file holds the name
they signed with, the date, their website if they gave one, and the text.
"""

import hashlib
import re
import unicodedata
from datetime import timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

from extramile.intake.names import has_address, without_addresses
from extramile.plugins.validate.validate import check_file, iter_sources
from extramile.sources import CONTROL_CHARACTER, read_date

PREFIX = re.compile(r"^\s*((re|aw|sv|fwd?|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


class IntakeError(Exception):
    """A message or a server answer that cannot become a reply file."""


class Article(NamedTuple):
    slug: str
    title: str
    url: str
    date: object  # aware datetime, or None when the header has none the build would accept


def article_date(value, settings):
    """An article's Date header (in the site's TIMEZONE) as an aware datetime, or None."""
    try:
        date = read_date(value)  # what validate accepts; dateutil would guess at "December 6th"
    except ValueError:
        return None
    return date.replace(tzinfo=ZoneInfo(settings.get("TIMEZONE") or "UTC"))


def articles(settings):
    """[Article] in the content folder (drafts included)."""
    found = []
    for kind, abspath, shown in iter_sources(settings, []):
        if kind != "article":
            continue
        source, _problems, _warnings = check_file(kind, abspath, shown, settings, None)
        if source and source.slug and source.meta.get("title"):
            url = settings["ARTICLE_URL"].format(slug=source.slug)
            found.append(Article(source.slug, source.meta["title"].strip(), url,
                                 article_date(source.meta.get("date", ""), settings)))
    return sorted(found)


def check_after_article(date, article):
    """A reply dated before its article answers something else: IntakeError."""
    if article.date is not None and date < article.date:
        raise IntakeError(f"the reply is dated {date:%Y-%m-%d %H:%M} UTC, before the article "
                          f"{article.title!r} ({article.date.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC): "
                          "it answers another article, or its date is wrong")


def normal(title):
    """A title as compared: quotes and dashes plain, case and spacing ignored."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
    return " ".join(unicodedata.normalize("NFKC", title).translate(table).casefold().split())


def articles_for_subject(subject, known):
    """The articles whose title the subject ("Re: <title>") names."""
    wanted = normal(PREFIX.sub("", subject or ""))
    exact = [a for a in known if normal(a[1]) == wanted]
    return exact or [a for a in known if wanted and normal(a[1]) in wanted]


def reply_file(name, date, text, website="", parent="", source=""):
    """The reply file's text. The last guard before anything is written: no
    email address in the name or website (IntakeError), none in the text
    (each becomes "(address removed)")."""
    if has_address(name) or has_address(website):
        raise IntakeError(f"the name or website holds an email address ({name!r}), which is never published")
    text = without_addresses(text)
    lines = [f"Author: {name}", f"Date: {date}"]
    lines += [f"{key}: {value}" for key, value in (("Website", website), ("In-Reply-To", parent), ("Source", source))
              if value]
    return "\n".join(lines) + "\n\n" + text.strip() + "\n"


def file_id(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def plain(text):
    """Text a reply file can carry: no control characters feeds refuse."""
    return CONTROL_CHARACTER.sub("", text)
