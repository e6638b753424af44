"""A saved email (.eml) as a reply: `invoke replies-add`.

Any message, however malformed or hostile, gives a reply or an IntakeError
with one line saying why: sizes and nesting are capped before the message is
parsed further, and HTML goes through nh3 (Ammonia, linear time) before it is
read as text.
"""

import email
import email.errors
import email.message
import re
from datetime import datetime, timedelta, timezone
from email import policy
from html.parser import HTMLParser

import nh3

from extramile.intake.files import IntakeError, plain
from extramile.intake.names import has_address, without_addresses
from extramile.plugins.replies.reading import clean_name

MAX_RAW = 5 * 2**20  # bytes of the saved message, attachments included
MAX_HTML = 2**20  # characters of an HTML part
MAX_DEPTH, MAX_PARTS = 8, 200  # multipart nesting and parts, checked before anything walks them
# The email parser itself recurses once per nested multipart: each declares a
# boundary, so their number is capped in the raw bytes, before parsing.
MAX_BOUNDARIES = 50
BOUNDARY = re.compile(rb"boundary\s*=", re.IGNORECASE)
CLOCK_SKEW = timedelta(days=1)  # a sender's clock ahead by less is taken as now
# What the email library raises on malformed input (unknown charsets are LookupErrors).
UNREADABLE = (ValueError, LookupError, TypeError, AttributeError, IndexError, KeyError, RecursionError,
              OverflowError, email.errors.MessageError)

WROTE = r"(wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|skrev|kirjoitti|napisał|escreveu)"
# "On Mon, 30 Nov 2026 at 10:00, Ada <ada@example.org> wrote:" and its translations; its two-line
# form puts the address and "wrote:" on the second line.
ATTRIBUTION_START = re.compile(r"\s*(on|am|le|el|il|op|den|em|w dniu)\b", re.IGNORECASE)
ATTRIBUTION_END = re.compile(rf"(.*\b{WROTE}|{ATTRIBUTION_START.pattern}.*\b{WROTE}\b.*)\s*:\s*$", re.IGNORECASE)
# Outlook's history: a line of underscores, "-----Original Message-----", "----- Forwarded message -----".
SEPARATOR = re.compile(r"\s*(_{8,}|={8,}|-{3,}\s*\w[^-]*?\s*-{3,})\s*")
# Outlook's quoted header block: From: then Sent:/Date:/To:/Subject: (bold in HTML: *From:*).
BLOCK_FROM = re.compile(r"\s*\**(from|von|de|da|van|från)\s*:", re.IGNORECASE)
BLOCK_NEXT = re.compile(r"\s*\**(sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|à|objet|enviado|"
                        r"para|asunto)\s*:", re.IGNORECASE)


def one_line(err):
    return " ".join(str(err).split())[:160] or type(err).__name__


class _Text(HTMLParser):
    """Text of HTML that nh3 made well-formed (quotes in <blockquote>, scripts
    and styles already gone): paragraphs and line breaks kept, Gmail's and
    Thunderbird's quote blocks left out, and everything from Outlook's reply
    header on."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    QUOTE_CLASSES = ("gmail_quote", "moz-cite")
    HISTORY_IDS = ("divRplyFwdMsg", "appendonsend")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.done = [], False
        self.stack = []  # the open tags of a quote block being left out

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") in self.HISTORY_IDS or tag == "hr":
            self.done = True
        quote = any(name in (attrs.get("class") or "") for name in self.QUOTE_CLASSES)
        if self.stack or quote:
            if tag != "br":
                self.stack.append(tag)
            return
        if tag in self.BLOCKS and not self.done:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass
        elif not self.stack and tag in ("p", "div", "li", "tr") and not self.done:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.stack and not self.done:
            self.parts.append(data)


def html_to_text(markup):
    if len(markup) > MAX_HTML:
        raise IntakeError(f"the HTML text is {len(markup):,} characters, over {MAX_HTML:,}: not a reply")
    tidy = nh3.clean(markup, tags=_Text.BLOCKS | {"hr", "span"}, attributes={"*": {"class", "id"}},
                     clean_content_tags={"blockquote", "script", "style", "head", "title"}, link_rel=None)
    parser = _Text()
    parser.feed(tidy)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def without_history(text):
    """The reader's own words: no quoted lines, no "On ... wrote:" and what it
    quotes, no Outlook history (separator line or From:/Sent: block), no
    signature (from the "-- " line on)."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept = []
    for number, line in enumerate(lines):
        if line.rstrip() in ("--", "__") or SEPARATOR.fullmatch(line):
            break
        if BLOCK_FROM.match(line) and any(BLOCK_NEXT.match(after) for after in lines[number + 1:number + 4]):
            break
        if ATTRIBUTION_END.match(line):
            while kept and not kept[-1].strip():
                kept.pop()
            if kept and ATTRIBUTION_START.match(kept[-1]) and not ATTRIBUTION_START.match(line) \
                    and not re.search(WROTE, kept[-1], re.IGNORECASE):
                kept.pop()  # the first line of the two-line form
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _header(message, name, required=True):
    try:
        return message[name]
    except UNREADABLE as err:
        if required:
            raise IntakeError(f"the {name} header cannot be read ({one_line(err)})") from None
        return None


def _check_structure(message):
    """Nesting and part counts, walked without recursion (the library's own walk recurses)."""
    stack, parts = [(message, 1)], 0
    while stack:
        part, depth = stack.pop()
        parts += 1
        if depth > MAX_DEPTH or parts > MAX_PARTS:
            raise IntakeError(f"the message nests parts more than {MAX_DEPTH} deep or has over {MAX_PARTS} parts: "
                              "not a reply")
        if part.is_multipart():
            payload = part.get_payload()
            stack += [(p, depth + 1) for p in payload if isinstance(p, email.message.Message)]


def _sender_name(message):
    """The From header's display name, or "" when it has none or it is an address."""
    sender = _header(message, "From")
    addresses = getattr(sender, "addresses", ()) if sender is not None else ()
    name = clean_name(addresses[0].display_name or "") if addresses else ""
    return "" if has_address(name) else name


def _date(message, now):
    header = _header(message, "Date")
    date = getattr(header, "datetime", None) if header is not None else None
    if date is None:
        raise IntakeError("the message has no readable Date header")
    date = date.astimezone(timezone.utc) if date.tzinfo else date.replace(tzinfo=timezone.utc)
    if date > now + CLOCK_SKEW:
        raise IntakeError(f"the Date header says {date:%Y-%m-%d %H:%M} UTC, in the future: not a real reply date")
    return min(date, now)


def _text(message):
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise IntakeError("the message has no text (neither text/plain nor text/html)")
    try:
        content = body.get_content()
    except LookupError:
        raise IntakeError(f"the text is in an unknown character set ({body.get_content_charset()!r})") from None
    if not isinstance(content, str):
        raise IntakeError("the message's text part holds no text")
    return html_to_text(content) if body.get_content_type() == "text/html" else content


def reply_from_email(raw, max_chars, now=None):
    """{name, date, text, subject, message_id} of a saved email (.eml bytes),
    or IntakeError. `name` is "" when the sender gave none (an address is none);
    email addresses in the text are replaced by "(address removed)"."""
    if len(raw) > MAX_RAW:
        raise IntakeError(f"the message is {len(raw) / 2**20:.1f} MB, over {MAX_RAW // 2**20} MB: "
                          "save it without its attachments")
    if len(BOUNDARY.findall(raw)) > MAX_BOUNDARIES:
        raise IntakeError(f"the message declares over {MAX_BOUNDARIES} multipart boundaries: not a reply")
    now = now or datetime.now(timezone.utc)
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        _check_structure(message)
        name, date = _sender_name(message), _date(message, now)
        text = _text(message)
        subject, message_id = _header(message, "Subject", False), _header(message, "Message-ID", False)
    except UNREADABLE as err:
        raise IntakeError(f"the message cannot be read as an email ({one_line(err)})") from None
    text = without_addresses(plain(without_history(text)))
    if not text:
        raise IntakeError("the message has no text of its own once quoted history and signature are removed")
    if len(text) > max_chars:
        raise IntakeError(f"the reply has {len(text):,} characters, over REPLY_MAX_CHARS ({max_chars:,}): "
                          "not written")
    return {"name": name, "date": date.strftime("%Y-%m-%d %H:%M"), "text": text,
            "subject": plain(str(subject or "")), "message_id": str(message_id or "")}
