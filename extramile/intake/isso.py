"""Replies approved in an Isso server: `invoke replies-pull`."""

import hashlib
import html
import json
import os
from datetime import datetime, timezone
from urllib.parse import urlsplit

from extramile.intake.files import plain, reply_file
from extramile.plugins.replies.reading import MAX_NAME, MAX_WEBSITE, REPLY_ID, clean_name

STATE_FILE = ".isso-pulled.json"


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
