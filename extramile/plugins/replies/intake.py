"""Writing reply files: from a saved email (`invoke replies-add`) and from an
Isso server (`invoke replies-pull`). The build only ever reads the files.

Neither ever writes a reader's email address: a reply file holds the name
they signed with, the date, their website if they gave one, and the text.
"""

import email
import hashlib
import html
import json
import os
import re
import unicodedata
from datetime import timezone
from email import policy
from html.parser import HTMLParser
from urllib.parse import urlsplit

from extramile.plugins.replies.reading import MAX_NAME, MAX_WEBSITE, REPLY_ID, clean_name
from extramile.plugins.validate.validate import CONTROL_CHARACTER, check_file, iter_sources

PREFIX = re.compile(r"^\s*((re|aw|sv|fwd?|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# "On Mon, 30 Nov 2026 at 10:00, Ada <ada@example.org> wrote:" (and its two-line form)
ATTRIBUTION = re.compile(r"^(on\b.*|.*\bwrote)\s*:?\s*$", re.IGNORECASE)
STATE_FILE = ".isso-pulled.json"


class IntakeError(Exception):
    """A message or a server answer that cannot become a reply file."""


def articles(settings):
    """[(slug, title, url)] of the articles in the content folder (drafts included)."""
    found = []
    for kind, abspath, shown in iter_sources(settings, []):
        if kind != "article":
            continue
        source, _problems, _warnings = check_file(kind, abspath, shown, settings, None)
        if source and source.slug and source.meta.get("title"):
            url = settings["ARTICLE_URL"].format(slug=source.slug)
            found.append((source.slug, source.meta["title"].strip(), url))
    return sorted(found)


def normal(title):
    """A title as compared: quotes and dashes plain, case and spacing ignored."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
    return " ".join(unicodedata.normalize("NFKC", title).translate(table).casefold().split())


def articles_for_subject(subject, known):
    """The articles whose title the subject ("Re: <title>") names."""
    wanted = normal(PREFIX.sub("", subject or ""))
    exact = [a for a in known if normal(a[1]) == wanted]
    return exact or [a for a in known if wanted and normal(a[1]) in wanted]


class _Text(HTMLParser):
    """Text of an HTML email: paragraphs and line breaks kept, quoted history
    (blockquote, Gmail's and Outlook's quote blocks) and scripts left out."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    SKIP = {"blockquote", "script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping, self.stack = [], 0, []

    def handle_starttag(self, tag, attrs):
        quote = any(name == "class" and value and ("gmail_quote" in value or "moz-cite" in value)
                    for name, value in attrs) or any(name == "id" and value == "divRplyFwdMsg" for name, value in attrs)
        if tag in self.SKIP or quote or self.skipping:
            if tag not in ("br", "img", "hr", "meta", "link", "input"):
                self.stack.append(tag)
                self.skipping += 1
            return
        if tag in self.BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag in self.stack:
                while self.stack:
                    self.skipping -= 1
                    if self.stack.pop() == tag:
                        break
            return
        if tag in ("p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup):
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def without_history(text):
    """The reader's own words: no quoted lines, no "On ... wrote:" and what it
    quotes, no signature (from the "-- " line on)."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.rstrip() in ("--", "-- ", "__") or line == "-- ":
            break
        if line.lstrip().startswith(">"):
            continue
        if ATTRIBUTION.match(line.strip()) and ("wrote" in line.lower() or re.search(r"\d", line)):
            if "wrote" in line.lower():
                break
            continue  # the first line of a two-line "On <date>, <name>\n<address> wrote:"
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def plain(text):
    """Text a reply file can carry: no control characters feeds refuse."""
    return CONTROL_CHARACTER.sub("", text)


def reply_from_email(raw):
    """{name, date, text, subject, message_id} of a saved email (.eml bytes)."""
    message = email.message_from_bytes(raw, policy=policy.default)
    sender = message["From"]
    addresses = getattr(sender, "addresses", ()) if sender is not None else ()
    name = clean_name(addresses[0].display_name) if addresses else ""
    date_header = message["Date"]
    date = getattr(date_header, "datetime", None) if date_header is not None else None
    if date is None:
        raise IntakeError("the message has no readable Date header")
    if date.tzinfo is not None:
        date = date.astimezone(timezone.utc)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise IntakeError("the message has no text (neither text/plain nor text/html)")
    content = body.get_content()
    text = html_to_text(content) if body.get_content_type() == "text/html" else content
    text = plain(without_history(text))
    if not text:
        raise IntakeError("the message has no text of its own once quoted history and signature are removed")
    return {"name": name, "date": date.strftime("%Y-%m-%d %H:%M"), "text": text,
            "subject": str(message["Subject"] or ""), "message_id": str(message["Message-ID"] or "")}


def reply_file(name, date, text, website="", parent="", source=""):
    lines = [f"Author: {name}", f"Date: {date}"]
    if website:
        lines.append(f"Website: {website}")
    if parent:
        lines.append(f"In-Reply-To: {parent}")
    if source:
        lines.append(f"Source: {source}")
    return "\n".join(lines) + "\n\n" + text.strip() + "\n"


def file_id(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


# -- Isso ---------------------------------------------------------------------
def isso_comments(answer):
    """Approved comments of one thread from Isso's `GET /?uri=...&plain=1`, parents first."""
    for comment in answer.get("replies", []):
        yield comment
        yield from comment.get("replies", [])


def safe_website(value):
    website = html.unescape(value or "").strip()
    parts = urlsplit(website)
    ok = parts.scheme in ("http", "https") and parts.netloc and len(website) <= MAX_WEBSITE
    return website if ok and not any(ch.isspace() for ch in website) else ""


def isso_reply(comment, parent_stem, max_chars):
    """(file name, text of the file) or (None, why it is skipped)."""
    if comment.get("mode") != 1:
        return None, "not approved"
    created = comment["created"]
    from datetime import datetime
    date = datetime.fromtimestamp(created, timezone.utc)
    text = plain(comment.get("text") or "").strip()
    if len(text) > max_chars:
        return None, f"{len(text)} characters, over REPLY_MAX_CHARS ({max_chars}): shorten it in Isso's admin"
    # Isso stores the name HTML-escaped; the file holds it as written.
    name = clean_name(html.unescape(comment.get("author") or ""))[:MAX_NAME] or "Anonymous"
    stem = f"{date:%Y-%m-%d}-isso-{comment['id']}"
    assert REPLY_ID.fullmatch(stem)
    body = reply_file(name, f"{date:%Y-%m-%d %H:%M}", text, safe_website(comment.get("website")),
                      parent_stem or "", f"isso {comment['id']}")
    return stem + ".md", body


def sha256_text(data):
    return hashlib.sha256(data).hexdigest()


class PullState:
    """What `replies-pull` wrote, by path, with the sha256 of the bytes: a file
    whose bytes differ was changed by hand and is never overwritten; one that
    is gone was deleted by hand and is not written again. Kept beside the
    replies (content/replies/.isso-pulled.json) so it travels with them."""

    def __init__(self, root):
        self.path = os.path.join(root, STATE_FILE)
        try:
            with open(self.path, encoding="utf-8") as f:
                self.written = json.load(f)
        except FileNotFoundError:
            self.written = {}

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.written, f, indent=1, sort_keys=True)
            f.write("\n")

    def write(self, root, rel, text):
        """'new', 'updated', 'unchanged', 'changed by hand' or 'deleted by hand'."""
        path = os.path.join(root, rel)
        data = text.encode("utf-8")
        recorded = self.written.get(rel)
        if os.path.exists(path):
            with open(path, "rb") as f:
                current = f.read()
            if current == data:
                self.written[rel] = sha256_text(data)
                return "unchanged"
            if recorded != sha256_text(current):
                return "changed by hand"
            outcome = "updated"
        elif recorded:
            return "deleted by hand"
        else:
            outcome = "new"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        self.written[rel] = sha256_text(data)
        return outcome
