"""Replies approved in an Isso server: `invoke replies-pull`.

Isso lets a commenter edit their comment for `max-age` after posting, and an
approved comment stays approved when edited. So what the owner approved is
kept: the pull records a digest of each comment it wrote (its text, name and
website). A comment that differs from its record, or that was edited before
its first pull, is not written ("changed after approval"); nor is one whose
name reads as an author's. The owner reads it in Isso's admin and publishes
it with `invoke replies-pull --approve ID`.
"""

import hashlib
import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from extramile.intake.files import IntakeError, check_after_article, plain, reply_file
from extramile.intake.names import author_it_reads_as, has_address
from extramile.plugins.replies.reading import MAX_NAME, REPLY_ID, clean_name, is_website

STATE_FILE = ".isso-pulled.json"


def isso_comments(answer):
    """Approved comments of one thread from Isso's `GET /?uri=...&plain=1`, parents first."""
    for comment in answer.get("replies", []):
        yield comment
        yield from comment.get("replies", [])


def safe_website(value):
    """An http(s) address without user info or an email address in it, else ""."""
    website = html.unescape(value or "").strip()
    ok = is_website(website) and "@" not in urlsplit(website).netloc and not has_address(website)
    return website if ok else ""


def digest(comment):
    """What the owner approves: the comment's text, name and website as Isso holds them."""
    approved = [comment.get("text") or "", comment.get("author") or "", comment.get("website") or ""]
    return hashlib.sha256(json.dumps(approved).encode("utf-8")).hexdigest()


def reply_stem(comment):
    """The reply file's name without .md: the day it was posted and Isso's id."""
    return f"{datetime.fromtimestamp(comment['created'], timezone.utc):%Y-%m-%d}-isso-{comment['id']}"


def isso_reply(comment, parent_stem, article, settings, approved_by_owner):
    """(file name, text of the file) or (None, why it is not written)."""
    if comment.get("mode") != 1:
        return None, "not approved"
    again = f"read it in Isso's admin, then publish it with `invoke replies-pull --approve {comment['id']}`"
    date = datetime.fromtimestamp(comment["created"], timezone.utc)
    text = plain(comment.get("text") or "").strip()
    max_chars = settings["REPLY_MAX_CHARS"]
    if len(text) > max_chars:
        return None, f"{len(text)} characters, over REPLY_MAX_CHARS ({max_chars}): shorten it in Isso's admin"
    # Isso stores the name HTML-escaped; the file holds it as written.
    name = clean_name(html.unescape(comment.get("author") or ""))[:MAX_NAME] or "Anonymous"
    if has_address(name):
        return None, ("signed with an email address, which is never published: change the name in Isso's admin, "
                      f"then run `invoke replies-pull --approve {comment['id']}`")
    author = author_it_reads_as(name, settings["AUTHORS_INFO"])
    if author and not approved_by_owner:
        return None, f"signed {name!r}, which reads as the author {author}'s name: if {author} wrote it, {again}"
    stem = reply_stem(comment)
    if not REPLY_ID.fullmatch(stem):
        return None, f"Isso gave the id {comment['id']!r}, which cannot name a file"
    try:
        check_after_article(date, article)
        body = reply_file(author or name, f"{date:%Y-%m-%d %H:%M}", text, safe_website(comment.get("website")),
                          parent_stem or "", f"isso {comment['id']}")
    except IntakeError as err:
        return None, str(err)
    return stem + ".md", body


class PullState:
    """What `replies-pull` wrote, kept beside the replies
    (content/replies/.isso-pulled.json) so it travels with them:
    `files`, by path, the sha256 of the bytes written (a file whose bytes
    differ was changed by hand and is never overwritten; one that is gone was
    deleted by hand and is not written again); `approved`, by Isso id, the
    digest of the comment as it was published."""

    def __init__(self, root):
        self.root, self.path = Path(root), Path(root) / STATE_FILE
        state = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        if "files" not in state:  # written before approvals were kept: paths only
            state = {"files": state, "approved": {}}
        self.written, self.approved = state["files"], state["approved"]

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {"files": self.written, "approved": self.approved}
        self.path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    def held(self, comment, approve):
        """Why a comment's current text needs the owner's --approve, or None."""
        key, recorded = str(comment["id"]), self.approved.get(str(comment["id"]))
        if key in approve or recorded == digest(comment):
            return None
        if recorded or comment.get("modified"):
            how = "changed after approval" if recorded else "edited after it was posted"
            return (f"{how}: not published; read it in Isso's admin, then approve again with "
                    f"`invoke replies-pull --approve {key}`")
        return None

    def write(self, rel, text, comment):
        """'new', 'updated', 'unchanged', 'changed by hand' or 'deleted by hand'."""
        path, data, recorded = self.root / rel, text.encode("utf-8"), self.written.get(rel)
        current = path.read_bytes() if path.exists() else None
        if current is None and recorded:
            return "deleted by hand"
        if current not in (None, data) and recorded != hashlib.sha256(current).hexdigest():
            return "changed by hand"
        outcome = "new" if current is None else "unchanged" if current == data else "updated"
        if outcome != "unchanged":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.written[rel] = hashlib.sha256(data).hexdigest()
        self.approved[str(comment["id"])] = digest(comment)
        return outcome


def thread(isso, url):
    """Isso's answer for the article at `url`, or None when it has no thread."""
    query = urllib.parse.urlencode({"uri": f"/{url}", "plain": "1"})
    try:
        with urllib.request.urlopen(f"{isso}/?{query}", timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise IntakeError(f"Isso at {isso} answered {err.code} for /{url}: nothing more was pulled.") from None
    except OSError as err:
        raise IntakeError(f"Isso at {isso} cannot be reached ({err}): nothing more was pulled.") from None


def pull(isso, settings, articles, replies_dir, approve=()):
    """Write the approved comments of every article; returns ({outcome: count}, [notes])."""
    replies_dir = Path(replies_dir)
    state = PullState(replies_dir)
    counts, notes = {}, []
    approve = {str(a).removeprefix("isso-") for a in approve}
    try:
        for article in articles:
            answer = thread(isso, article.url)
            stems = {}
            for comment in isso_comments(answer or {}):
                held = state.held(comment, approve) if comment.get("mode") == 1 else None
                name, text = (None, held) if held else isso_reply(
                    comment, stems.get(comment.get("parent")), article, settings, str(comment["id"]) in approve)
                if name is not None:
                    outcome = state.write(f"{article.slug}/{name}", text, comment)
                    counts[outcome] = counts.get(outcome, 0) + 1
                    if outcome in ("changed by hand", "deleted by hand"):
                        notes.append(f"  kept content/replies/{article.slug}/{name} as it is ({outcome})")
                elif text != "not approved":
                    counts["held"] = counts.get("held", 0) + 1
                    notes.append(f"  held Isso comment {comment['id']} on /{article.url}: {text}")
                # Answers name the file of the reply they answer, if there is one (a held
                # comment keeps the file of the text approved before).
                stem = reply_stem(comment)
                if (replies_dir / article.slug / f"{stem}.md").exists():
                    stems[comment["id"]] = stem
    finally:
        state.save()
    return counts, notes


def pending(isso, password):
    """How many comments wait for moderation (Isso's admin page), or None when unknown."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        data = urllib.parse.urlencode({"password": password}).encode()
        try:
            urllib.request.build_opener(NoRedirect).open(f"{isso}/login/", data=data, timeout=30)
            cookie = ""
        except urllib.error.HTTPError as err:  # the 302 that carries the session cookie
            cookie = "; ".join(h.split(";", 1)[0] for h in err.headers.get_all("Set-Cookie", []))
        request = urllib.request.Request(f"{isso}/admin/?mode=2", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            found = re.search(r"Pending \((\d+)\)", response.read().decode("utf-8", "replace"))
        return int(found[1]) if found else None
    except OSError:
        return None
