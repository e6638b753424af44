"""Reply files: one reply per file, `content/replies/<article-slug>/<date>-<id>.md`.

    Author: Ada Example
    Website: https://ada.example.org
    Date: 2026-11-30 14:05
    In-Reply-To: 2026-11-29-isso-3

    The text, in markdown.

``Author`` and ``Date`` are required; ``Website`` (http or https) and
``In-Reply-To`` (the file name, without ``.md``, of the reply this one answers,
in the same folder) are optional. ``Source`` (written by `invoke replies-pull`
and `invoke replies-add`) says where the reply came from and is not shown.
Every problem is a ``Problem`` with the file and line, never an exception.
"""

import os
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from extramile.plugins.validate.validate import Problem
from extramile.sources import SourceError, decode, read_date, read_header

KEYS = {"author", "website", "date", "in-reply-to", "source"}
# Directional formatting characters (U+202A-U+202E, U+2066-U+2069, marks):
# in a name they could reverse the text around it; names are shown in <bdi> too.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A reply's id (its file name) is part of the page's anchors: #reply-<id>.
REPLY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_NAME = 80
MAX_WEBSITE = 254


@dataclass
class Reply:
    """One reply as read from its file (``html`` is added by rendering)."""

    path: str  # as shown in messages: content/replies/slug/name.md
    article_slug: str
    id: str  # the file name without .md
    author: str
    date: object  # datetime
    text: str  # markdown, from the reader
    website: str = ""
    parent_id: str = ""
    source: str = ""
    lines: dict = field(default_factory=dict)
    html: str = ""
    answers: list = field(default_factory=list)
    by_author: bool = False


def clean_name(name):
    """A display name on one line, without directional overrides."""
    name = BIDI_CONTROLS.sub("", name)
    return " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in name).split())


def is_website(value):
    """An http(s) address a reply may link its author's name to."""
    parts = urlsplit(value)
    return (parts.scheme in ("http", "https") and bool(parts.netloc) and len(value) <= MAX_WEBSITE
            and not any(ch.isspace() for ch in value))


def reply_files(root):
    """(article slug, absolute path) of every reply file under `root`, sorted."""
    if not os.path.isdir(root):
        return
    for slug in sorted(os.listdir(root)):
        folder = os.path.join(root, slug)
        if slug.startswith(".") or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".md") and not name.startswith("."):
                yield slug, os.path.join(folder, name)


def read_reply(slug, abspath, shown, max_chars):
    """(Reply or None, [Problem])."""
    problems = []

    def problem(line, message):
        problems.append(Problem(shown, line, message))
        return None, problems

    if not REPLY_ID.fullmatch(os.path.basename(abspath)[:-3]):
        return problem(None, "the file name may hold only letters, digits, '.', '-' and '_' (it is the reply's "
                       "address on the page). Rename it like 2026-11-30-ada.md.")
    try:
        with open(abspath, "rb") as f:
            lines = decode(f.read()).split("\n")
    except OSError as err:
        return problem(None, f"cannot be read ({err.strerror}). Check the file's permissions.")
    except SourceError as err:
        return problem(err.line, err.message)
    header = read_header(lines)
    meta, at, body_start = header.meta, header.lines, header.body_start
    for key in [key for key in meta if key not in KEYS]:
        problem(at[key], f"unknown key {key.capitalize()!r}. A reply file has Author, Website, Date, "
                "In-Reply-To and Source, then a blank line and the text.")
    body = "\n".join(lines[body_start - 1:]).strip()
    author = clean_name(meta.get("author", ""))
    if not author:
        problem(at.get("author", 1), "no Author. Add a line 'Author: the name the reader gave'.")
    elif len(author) > MAX_NAME:
        problem(at["author"], f"the Author name has {len(author)} characters; shorten it to {MAX_NAME} or fewer.")
    date = None
    if "date" not in meta:
        problem(1, "no Date. Add a line 'Date: YYYY-MM-DD HH:MM' (UTC).")
    else:
        try:
            date = read_date(meta["date"])
        except ValueError as err:
            problem(at["date"], f"invalid Date {meta['date']!r}: {err}")
    website = meta.get("website", "")
    if website and not is_website(website):
        problem(at["website"], f"Website {website[:60]!r} is not an http(s) address. Write it as "
                "https://example.org, or delete the line.")
    if not body:
        problem(body_start, "the reply has no text. Write it after the blank line, or delete the file.")
    elif len(body) > max_chars:
        problem(body_start, f"the text has {len(body)} characters, over the limit of {max_chars} "
                "(REPLY_MAX_CHARS). Shorten it, or raise the limit in pelicanconf.py.")
    if problems:
        return None, problems
    reply = Reply(path=shown, article_slug=slug, id=os.path.basename(abspath)[:-3], author=author, date=date,
                  text=body, website=website, parent_id=meta.get("in-reply-to", ""),
                  source=meta.get("source", ""), lines=at)
    return reply, problems


def read_all(root, shown_from, max_chars):
    """([Reply], [Problem]) of every file under `root`."""
    replies, problems = [], []
    for slug, abspath in reply_files(root):
        reply, found = read_reply(slug, abspath, os.path.relpath(abspath, shown_from), max_chars)
        problems += found
        if reply:
            replies.append(reply)
    return replies, problems


def thread(replies):
    """Link answers to the reply they answer (one level: an answer to an
    answer sits under the same top reply). Returns ([top replies], [Problem])."""
    problems = []
    by_id = {r.id: r for r in replies}
    top = []
    for reply in sorted(replies, key=lambda r: (r.date, r.id)):
        if not reply.parent_id:
            top.append(reply)
            continue
        parent = by_id.get(reply.parent_id)
        seen = {reply.id}
        while parent is not None and parent.parent_id and parent.id not in seen:
            seen.add(parent.id)
            parent = by_id.get(parent.parent_id)
        if parent is None or parent.id in seen:
            problems.append(Problem(reply.path, reply.lines.get("in-reply-to"),
                                    f"In-Reply-To {reply.parent_id!r} names no reply in this folder. Write the "
                                    "file name (without .md) of the reply it answers, or delete the line."))
            continue
        parent.answers.append(reply)
    return top, problems
