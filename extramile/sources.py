"""One reading of a source as its author wrote it.

``scan(text)`` returns a ``Scan``: the metadata header (each key's value and
line), the pictures (``![alt](src "title")``, ``![alt][label]`` with its
``[label]: src`` definition, ``<img>`` tags and the ``Cover:`` line), the
internal links (``{filename}``, ``{static}``, ``{attach}``) and the
``FILL-IN`` markers, each with its line. The validate, pictures and replies
plugins read sources through it; Python-Markdown reads them once more for the
HTML. ``decode`` turns a file's bytes into the text all of them read, and
``read_date`` the ``Date:`` and ``Modified:`` values they hold.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")
# What `invoke new-post` writes where the author still has a value to fill in.
FILL_IN = "FILL-IN"
# Python-Markdown's meta syntax: "Key: value", continued by indented lines.
META_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
META_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
# Characters XML 1.0 forbids (so no feed can carry them); tab and newlines are fine.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
INTERNAL_LINK = re.compile(r"\{(?:filename|static|attach)\}(?P<target>[^\s)\"'#?<>]+)")
# ![alt](target "title"){: attrs}  -- target may be <...>; title in "" or ''.
MD_IMAGE = re.compile(r"""!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(\s*(?P<src><[^>]*>|[^\s)]+)"""
                      r"""(?:\s+(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'))?\s*\)(?P<attrs>\{:?[^}]*\})?""")
# ![alt][label], ![alt][] and ![label]: pictures whose target is a definition
# "[label]: target" elsewhere in the file (labels ignore case and spacing).
MD_REF_IMAGE = re.compile(r"""!\[(?P<alt>(?:\\.|[^\]\\])*)\](?:\[(?P<label>[^\]]*)\])?(?![(\[])"""
                          r"""(?P<attrs>\{:?[^}]*\})?""")
MD_DEFINITION = re.compile(r"""^[ ]{0,3}\[(?P<label>[^\]]+)\]:\s*(?P<src><[^>]*>|\S+)"""
                           r"""(?:\s+(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|\((?P<pq>[^)]*)\)))?""")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
IMG = re.compile(r"<img\b[^>]*>", re.I)
ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
DECORATIVE = "decorative"  # the class of a picture screen readers skip (its alt is empty on purpose)
# The dates an author may write, in UTC (docs/writing.md): one spelling of each
# moment, none that a reader of the file could take for another day or hour.
DATE_FORMATS = {"YYYY-MM-DD": "%Y-%m-%d", "YYYY-MM-DD HH:MM": "%Y-%m-%d %H:%M",
                "YYYY-MM-DD HH:MM:SS": "%Y-%m-%d %H:%M:%S"}
DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?")


def attributes(tag):
    """The attributes of one <img ...> tag, values unescaped, in order."""
    inner = tag[4:].rstrip(">").rstrip("/")
    return {name.lower(): html.unescape(dq or sq or bare) for name, dq, sq, bare in ATTR.findall(inner)}


def classes(attrs):
    return attrs.get("class", "").split()


def is_decorative(attrs):
    return DECORATIVE in classes(attrs)


class SourceError(ValueError):
    """Bytes that are not a text source, with the line where that shows."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line, self.message = line, message


def decode(raw):
    """The text of a source's bytes with "\\n" newlines, or SourceError."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SourceError(raw.count(b"\n", 0, err.start) + 1, f"the file is not UTF-8 (byte "
                          f"0x{raw[err.start]:02x}). Save it as UTF-8 in your editor.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL_CHARACTER.search(text)
    if bad:
        raise SourceError(text.count("\n", 0, bad.start()) + 1, f"the file contains the invisible control "
                          f"character U+{ord(bad.group()):04X}, which feeds cannot carry. Delete it "
                          "(often pasted from another program).")
    return text


def read_date(text):
    """The naive UTC datetime a Date or Modified value stands for, or ValueError
    saying why not and how to write it (to follow "invalid Date '...': ").
    dateutil, Pelican's parser, guesses instead: to it "06/12/2026" is 12 June
    and "December 6th" midnight of the current year's 6 December."""
    value = text.strip()
    written = "YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]"
    if not value:
        raise ValueError(f"no date after the colon. Write it as {written}, in UTC.")
    if DATE_SHAPE.fullmatch(value):
        shape = next(shape for shape in DATE_FORMATS if len(shape) == len(value))
        try:
            return datetime.strptime(value, DATE_FORMATS[shape])
        except ValueError:
            raise ValueError(f"no such day or time. Write a real one, as {shape}.") from None
    try:  # ISO 8601 with a "T" or an offset: say which UTC time it is.
        moment = datetime.fromisoformat(value) if re.match(r"\d{4}-\d{2}-\d{2}T", value) else None
    except ValueError:
        moment = None
    if moment is not None:
        if moment.utcoffset() is not None:
            moment = (moment - moment.utcoffset()).replace(tzinfo=None)
        utc = moment.strftime("%Y-%m-%d %H:%M" + (":%S" if moment.second else ""))
        raise ValueError(f"dates are written in UTC, as {written}. Write {utc!r}.")
    if "/" in value:
        raise ValueError(f"day/month or month/day? Write it as {written}, in UTC (e.g. 2026-12-06 18:27).")
    raise ValueError(f"not a date the site reads. Write it as {written}, in UTC (e.g. 2026-12-06 18:27).")


@dataclass
class Picture:
    """A picture as its author wrote it."""

    line: int
    src: str
    alt: str
    title: str = ""
    decorative: bool = False
    cover: bool = False


@dataclass
class Scan:
    meta: dict = field(default_factory=dict)  # lower-case key -> value (a repeated key's values joined by ", ")
    lines: dict = field(default_factory=dict)  # key -> the line it is on
    body_start: int = 1
    header_end: int = 0  # the header's last line (0: the file has no header)
    pictures: list = field(default_factory=list)
    links: list = field(default_factory=list)  # (line, the link as written, its target)
    markers: list = field(default_factory=list)  # (line, the marked key, or "" in the text)


def read_header(lines):
    """A Scan of the header alone: meta, lines and body_start."""
    scan = Scan()
    key = None
    for number, line in enumerate(lines, start=1):
        match = META_LINE.match(line)
        more = META_MORE.match(line) if key and not match else None
        if match:
            scan.header_end = number
            key = match["key"].lower()
            value = match["value"].strip()
            if key in scan.meta:
                scan.meta[key] += ", " + value
            else:
                scan.meta[key], scan.lines[key] = value, number
        elif more and line.strip():
            scan.header_end = number
            scan.meta[key] = (scan.meta[key] + " " + more["value"].strip()).strip()
        else:  # a blank line ends the header; any other starts the body
            scan.body_start = number + 1 if not line.strip() else number
            return scan
    scan.body_start = len(lines) + 1
    return scan


def label_key(label):
    return " ".join(label.lower().split())


def _picture(number, image, src, title):
    alt = re.sub(r"\\(.)", r"\1", image["alt"]).strip()
    decorative = bool(image["attrs"] and re.search(r"\.decorative\b", image["attrs"]))
    return Picture(number, src, alt, title or "", decorative)


def find_pictures(lines, first):
    """Every picture in the body (lines from number `first` on), outside code."""
    found, references, definitions = [], [], {}
    fence = None
    for number, line in enumerate(lines[first - 1:], start=first):
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        if line.startswith(("    ", "\t")) and not line.strip().startswith(("![", "<img")):
            continue  # indented code
        code_free = re.sub(r"`[^`]*`", "", line)
        definition = MD_DEFINITION.match(code_free)
        if definition:
            title = definition["dq"] or definition["sq"] or definition["pq"]
            definitions.setdefault(label_key(definition["label"]), (definition["src"], title))
            continue
        for image in MD_IMAGE.finditer(code_free):
            found.append(_picture(number, image, image["src"], image["dq"] or image["sq"]))
        references += [(number, image) for image in MD_REF_IMAGE.finditer(MD_IMAGE.sub("", code_free))]
        for tag in IMG.finditer(code_free):
            attrs = attributes(tag.group(0))
            found.append(Picture(number, attrs.get("src", ""), attrs.get("alt", "").strip(),
                                 attrs.get("title", ""), is_decorative(attrs)))
    for number, image in references:  # a label with no definition is text, not a picture
        target = definitions.get(label_key(image["label"] or image["alt"]))
        if target:
            found.append(_picture(number, image, *target))
    return found


def scan(text):
    """The Scan of one source's text."""
    lines = text.split("\n")
    found = read_header(lines)
    # Plain substring tests first: most posts have no picture and no link.
    if "![" in text or "<img" in text.lower():
        found.pictures = find_pictures(lines, found.body_start)
    cover = found.meta.get("cover")
    if cover and FILL_IN not in cover:  # a marked one is an unfilled field, not a picture
        found.pictures.append(Picture(found.lines["cover"], cover, found.meta.get("cover_alt", ""), cover=True))
    if "{" in text:
        found.links = [(number, match.group(0), match["target"]) for number, line in enumerate(lines, start=1)
                       for match in INTERNAL_LINK.finditer(line)]
    if FILL_IN in text:
        found.markers = sorted([(found.lines[key], key) for key, value in found.meta.items() if FILL_IN in value]
                               + [(number, "") for number, line in enumerate(lines[found.body_start - 1:],
                                                                             start=found.body_start)
                                  if FILL_IN in line])
    return found
