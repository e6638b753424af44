"""Validate: stop the build, before anything is written, on content an author
must fix, and say where and how.

Every markdown file under the article and page folders is read as bytes and
checked on its own (encoding, metadata, links), then the set is checked as a
whole (duplicate slugs and output paths). All problems are reported in one run
as ``file:line: problem. How to fix it.`` and the build exits with status 1,
without a Python traceback (``SystemExit`` is not caught by Pelican's main).

It also checks production settings: an absolute ``SITEURL``.
"""

import logging
import os
import re
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pelican import signals
from pelican.utils import get_date, slugify

logger = logging.getLogger(__name__)

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")
STATUSES = {"published", "draft", "hidden"}
# Python-Markdown's meta syntax: "Key: value", continued by indented lines.
META_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
META_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
INTERNAL_LINK = re.compile(r"\{(?:filename|static|attach)\}(?P<target>[^\s)\"'#?<>]+)")


@dataclass
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Source:
    """A markdown file's metadata as written, with the line of each key."""

    path: str
    kind: str  # "article" or "page"
    meta: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    body_start: int = 1
    text: str = ""


def decode(path, raw, problems):
    """Return the file's text, or None after recording why it cannot be read."""
    if not raw.strip():
        problems.append(Problem(path, None, "the file is empty. Add a metadata header "
                                "(Title:, Date:, ...) and the text, or delete it."))
        return None
    if b"\x00" in raw:
        problems.append(Problem(path, None, "this is a binary file, not markdown. "
                                "Move it out of the content folder or rename it."))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        problems.append(Problem(path, line, f"the file is not UTF-8 (byte 0x{raw[err.start]:02x}). "
                                "Save it as UTF-8 in your editor."))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_header(source):
    key = None
    lines = source.text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            source.body_start = number + 1
            return
        match = META_LINE.match(line)
        if match:
            key = match["key"].lower()
            if key in source.meta:
                source.meta[key] += ", " + match["value"].strip()
            else:
                source.meta[key] = match["value"].strip()
                source.lines[key] = number
            continue
        more = META_MORE.match(line)
        if more and key:
            source.meta[key] = (source.meta[key] + " " + more["value"].strip()).strip()
            continue
        # First line that is not metadata: the body starts here.
        source.body_start = number
        return
    source.body_start = len(lines) + 1


def check_source(source, settings, problems):
    meta, at = source.meta, source.lines
    first = at.get("title", 1)

    def need(key, how):
        if not meta.get(key, "").strip():
            problems.append(Problem(source.path, at.get(key, first),
                                    f"{'empty' if key in meta else 'missing'} {key.capitalize()}. {how}"))
            return False
        return True

    need("title", "Add a line 'Title: Your title' at the top of the file.")
    status = meta.get("status", "published").strip().lower()
    if status not in STATUSES:
        problems.append(Problem(source.path, at.get("status"),
                                f"unknown Status {meta['status']!r}. Use published, draft or hidden."))
    if source.kind == "article":
        if need("date", "Add a line 'Date: YYYY-MM-DD' (or 'YYYY-MM-DD HH:MM')."):
            try:
                get_date(meta["date"])
            except (ValueError, OverflowError):
                problems.append(Problem(source.path, at["date"],
                                        f"invalid Date {meta['date']!r}. Write it as YYYY-MM-DD or YYYY-MM-DD HH:MM."))
        if "modified" in meta and meta["modified"].strip():
            try:
                get_date(meta["modified"])
            except (ValueError, OverflowError):
                problems.append(Problem(source.path, at["modified"],
                                        f"invalid Modified {meta['modified']!r}. Write it as YYYY-MM-DD."))
        need("category", "Add a line 'Category: ...' naming one category.")
        authors = settings.get("AUTHORS_INFO", {})
        if need("author", f"Add a line 'Author: ...' with one of: {', '.join(authors)}."):
            for name in re.split(r"[,;]", meta["author"]):
                name = name.strip()
                if name and name not in authors:
                    problems.append(Problem(
                        source.path, at["author"],
                        f"unknown author {name!r}. Use one of: {', '.join(authors)}; "
                        "or describe the new author in AUTHORS_INFO in pelicanconf.py."))
        if need("tags", "Add a line 'Tags: first tag, second tag' (at least one)."):
            if not [t for t in meta["tags"].split(",") if t.strip()]:
                problems.append(Problem(source.path, at["tags"], "no tags. Give at least one tag."))
    check_links(source, settings, problems)


def check_links(source, settings, problems):
    content_root = settings["PATH"]
    base = os.path.dirname(source.abspath)
    for offset, line in enumerate(source.text.split("\n")):
        for match in INTERNAL_LINK.finditer(line):
            target = match["target"]
            if target.startswith("/"):
                resolved = os.path.join(content_root, target.lstrip("/"))
            else:
                resolved = os.path.join(base, target)
            if not os.path.exists(resolved):
                problems.append(Problem(
                    source.path, offset + 1,
                    f"link to {match.group(0)!r}, but no such file exists in content/. "
                    "Fix the path (relative to this file, or starting with / for content/)."))


def slug_of(source, settings):
    if source.meta.get("slug"):
        return source.meta["slug"].strip()
    return slugify(
        source.meta.get("title", ""),
        regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
        preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
        use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
    )


def iter_sources(settings, problems):
    root = settings["PATH"]
    for kind, folders in (("article", settings["ARTICLE_PATHS"]), ("page", settings["PAGE_PATHS"])):
        for folder in folders:
            top = os.path.join(root, folder)
            seen = set()
            for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
                real = os.path.realpath(dirpath)
                if real in seen:
                    problems.append(Problem(os.path.relpath(dirpath, root), None,
                                            "this folder links back to a folder above it (a symlink loop). Remove the link."))
                    dirnames[:] = []
                    continue
                seen.add(real)
                for name in sorted(dirnames):
                    if name.lower().endswith(MARKDOWN_EXTENSIONS):
                        problems.append(Problem(os.path.relpath(os.path.join(dirpath, name), root), None,
                                                "a folder is named like a post. Rename it, or move the post out of it."))
                dirnames.sort()
                for name in sorted(filenames):
                    if not name.lower().endswith(MARKDOWN_EXTENSIONS):
                        continue
                    abspath = os.path.join(dirpath, name)
                    yield kind, abspath, os.path.relpath(abspath, os.path.dirname(root))


def validate_content(settings):
    """Return the list of problems in the content folder."""
    problems = []
    slugs = {}
    for kind, abspath, shown in iter_sources(settings, problems):
        try:
            with open(abspath, "rb") as f:
                raw = f.read()
        except OSError as err:
            problems.append(Problem(shown, None, f"cannot be read ({err.strerror}). Check the file."))
            continue
        text = decode(shown, raw, problems)
        if text is None:
            continue
        source = Source(path=shown, kind=kind, text=text)
        source.abspath = abspath
        parse_header(source)
        check_source(source, settings, problems)
        slug = slug_of(source, settings)
        if slug:
            key = (kind, slug)
            if key in slugs:
                problems.append(Problem(shown, source.lines.get("slug") or source.lines.get("title"),
                                        f"the slug {slug!r} is already used by {slugs[key]}. "
                                        "Give one of them a different Title or a 'Slug:' line."))
            else:
                slugs[key] = shown
    return problems


def check_settings(settings):
    problems = []
    if settings.get("PRODUCTION"):
        url = settings.get("SITEURL", "")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(Problem("publishconf.py", None,
                                    f"SITEURL is {url!r}, but a production build needs the site's absolute "
                                    "address. Set it: SITEURL=https://example.org (or https://example.org/blog)."))
    return problems


def report(problems):
    """Print every problem and stop the build with status 1."""
    count = len(problems)
    lines = [f"Build stopped: {count} problem{'s' if count != 1 else ''} to fix, nothing was written."]
    lines += [f"  {p}" for p in problems]
    print("\n".join(lines), file=sys.stderr)
    raise SystemExit(1)


def run_checks(pelican):
    settings = pelican.settings
    if not settings.get("VALIDATE", True):
        return
    problems = check_settings(settings) + validate_content(settings)
    if problems:
        report(problems)


def register():
    # `initialized` comes before Pelican deletes or writes anything.
    signals.initialized.connect(run_checks)
