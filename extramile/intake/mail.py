"""A saved email (.eml) as a reply: `invoke replies-add`."""

import email
import re
from datetime import timezone
from email import policy
from html.parser import HTMLParser

from extramile.intake.files import IntakeError, plain
from extramile.plugins.replies.reading import clean_name

# "On Mon, 30 Nov 2026 at 10:00, Ada <ada@example.org> wrote:" (and its two-line form)
ATTRIBUTION = re.compile(r"^(on\b.*|.*\bwrote)\s*:?\s*$", re.IGNORECASE)


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
