"""Validate: stop the build, before anything is written, on content an author
must fix, and say where and how.

Every markdown file under the article and page folders is read as bytes and
checked on its own (encoding, metadata, links), then the set is checked as a
whole (duplicate slugs and output paths). All problems are reported in one run
as ``file:line: problem. How to fix it.`` and the build exits with status 1,
without a Python traceback (``SystemExit`` is not caught by Pelican's main).

Posts made by ``invoke new-post`` carry ``FILL-IN`` markers where the author
has a value to write. A draft may keep them (a warning is printed, so the
preview still builds); once ``Status`` is no longer ``draft``, every marker
left is an error, so a half-filled post cannot be published.

It also checks production settings: an absolute ``SITEURL``.
"""

import os
import re
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pelican import signals

from extramile.plugins.reading.sections import CONTENTS_OFF, CONTENTS_ON
from extramile.plugins.reading.sharing import HANDLE
from extramile.plugins.redirects.redirects import HOSTS as REDIRECT_HOSTS
from extramile.plugins.validate import confinement
from extramile.plugins.validate.aliases import check_aliases, check_published
from extramile.plugins.validate.memo import Memo
from extramile.plugins.validate.problems import DROPPED_HEADING, Dropped, Problem, report
from extramile.plugins.validate.whole import check_output_paths, check_series, check_spellings
from extramile.slugs import slug_of_title
from extramile.sources import FILL_IN, MARKDOWN_EXTENSIONS, SourceError, decode, read_date, scan

STATUSES = {"published", "draft", "hidden"}
MARKABLE = {"author", "category", "tags", "summary"}


@dataclass
class Source:
    """A markdown file's metadata as written, with the line of each key."""

    path: str
    kind: str  # "article" or "page"
    meta: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    marked: set = field(default_factory=set)  # keys whose FILL-IN marker is reported already
    links: list = field(default_factory=list)  # (line, link as written, the file it names)
    slug: str = ""


def read_text(path, raw, problems):
    """Return the file's text, or None after recording why it cannot be read."""
    if not raw.strip():
        problems.append(Problem(path, None, "the file is empty. Add a metadata header "
                                "(Title:, Date:, ...) and the text, or delete it."))
    elif b"\x00" in raw:
        problems.append(Problem(path, None, "this is a binary file, not markdown. "
                                "Move it out of the content folder or rename it."))
    else:
        try:
            return decode(raw)
        except SourceError as err:
            problems.append(Problem(path, err.line, err.message))
    return None


def check_markers(source, markers, problems, warnings):
    """FILL-IN markers: a warning in a draft, an error in anything published.

    Returns the metadata keys still marked, whose other checks are skipped
    (a marked Author is not an unknown author, it is an unfilled one)."""
    draft = source.meta.get("status", "").strip().lower() == "draft"
    for line, key in markers:
        what = f"{key.capitalize()} is not filled in yet" if key else "the text is not written yet"
        if draft:
            warnings.append(Problem(source.path, line, f"{what} ({FILL_IN} marker); "
                                    "fine in a draft, fill it in before publishing."))
        else:
            problems.append(Problem(source.path, line, f"{what}: replace the {FILL_IN} marker "
                                    "with the real text, or keep 'Status: draft' until it is ready."))
    # Pelican itself must still read the title, date, slug and status.
    return {key for _, key in markers} & MARKABLE


def check_source(source, settings, problems, marked=frozenset()):
    meta, at = source.meta, source.lines
    first = at.get("title", 1)

    def need(key, how):
        if key in marked:
            return False
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
        need("date", "Add a line 'Date: YYYY-MM-DD' (or 'YYYY-MM-DD HH:MM').")
    check_dates(source, problems)
    if source.kind == "article":
        check_reading_meta(source, problems)
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
        if (need("tags", "Add a line 'Tags: first tag, second tag' (at least one).")
                and not [t for t in meta["tags"].split(",") if t.strip()]):
            problems.append(Problem(source.path, at["tags"], "no tags. Give at least one tag."))


def check_dates(source, problems):
    """Date and Modified (posts and pages): written one of the site's ways (read_date),
    and Modified not earlier than Date. An empty Date is `need`'s to report."""
    meta, at = source.meta, source.lines
    dates = {}
    for key in ("date", "modified"):
        if key not in meta or (key == "date" and source.kind == "article" and not meta[key].strip()):
            continue
        try:
            dates[key] = read_date(meta[key])
        except ValueError as err:
            problems.append(Problem(source.path, at[key], f"invalid {key.capitalize()} {meta[key].strip()!r}: {err}"))
    if len(dates) == 2 and dates["modified"] < dates["date"]:
        problems.append(Problem(source.path, at["modified"],
                                f"Modified {meta['modified'].strip()!r} is earlier than Date "
                                f"{meta['date'].strip()!r}. Modified is the date of the last change: "
                                "correct it, or remove the line."))


def check_summary(source, header_end, problems, warnings):
    """A post that is not a draft has a Summary: without one, its card on the home
    page shows the whole text, pictures included, and search engines a caption."""
    if source.kind != "article" or source.meta.get("summary", "").strip() or "summary" in source.marked:
        return
    what = ("missing Summary. Add a line 'Summary: one or two sentences that say what the post is about' "
            "at the end of the header, before the blank line: it is the post's text on the home page "
            "and in search results")
    if source.meta.get("status", "").strip().lower() == "draft":
        warnings.append(Problem(source.path, header_end + 1, f"{what} (fine in a draft)."))
    else:
        problems.append(Problem(source.path, header_end + 1, f"{what}."))


def check_reading_meta(source, problems):
    """Series_index and Contents (plugins/reading)."""
    meta, at = source.meta, source.lines
    index = meta.get("series_index", "").strip()
    if "series_index" in meta and not (index.isdigit() and int(index) >= 1):
        problems.append(Problem(source.path, at["series_index"],
                                f"Series_index {index!r} is not a whole number from 1. Write the post's "
                                "place in its series (1, 2, 3...), or remove the line to order by date."))
    elif "series_index" in meta and not meta.get("series", "").strip():
        problems.append(Problem(source.path, at["series_index"],
                                "Series_index without a Series line. Add 'Series: Name of the series'."))
    contents = meta.get("contents", "").strip().lower()
    if "contents" in meta and contents not in CONTENTS_ON | CONTENTS_OFF:
        problems.append(Problem(source.path, at["contents"],
                                f"Contents {meta['contents']!r}: write 'Contents: yes' to show the table of "
                                "contents or 'Contents: no' to hide it (or remove the line)."))


def resolve_links(links, abspath, settings):
    """[(line, link as written, the file it names)] for each {filename}-style link."""
    return [(line, written, os.path.join(settings["PATH"], target.lstrip("/")) if target.startswith("/")
             else os.path.join(os.path.dirname(abspath), target)) for line, written, target in links]


def check_links(source, problems):
    """Links to files that do not exist (checked on every build: another file may be gone)."""
    for line, written, resolved in source.links:
        if not os.path.exists(resolved):
            problems.append(Problem(
                source.path, line,
                f"link to {written!r}, but no such file exists in content/. "
                "Fix the path (relative to this file, or starting with / for content/)."))


def slug_taken(slug, other):
    """A post (or page) whose slug `other` (a file, as shown) already has: the
    build's words, and the editor's (plugins/editor)."""
    return f"the slug {slug!r} is already used by {other}. Give one of them a different Title or a 'Slug:' line."


def iter_sources(settings, problems):
    root = settings["PATH"]
    shown = lambda path: os.path.relpath(path, os.path.dirname(root))  # noqa: E731 - "content/posts/x.md"
    for kind, folders in (("article", settings["ARTICLE_PATHS"]), ("page", settings["PAGE_PATHS"])):
        for folder in folders:
            top = os.path.join(root, folder)
            seen = set()
            for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
                real = os.path.realpath(dirpath)
                seen.add(real)
                for name in sorted(dirnames):
                    path = os.path.join(dirpath, name)
                    target = os.path.realpath(path)
                    # A link to this folder or one above it would be walked forever.
                    if target in seen or real == target or real.startswith(target + os.sep):
                        problems.append(Problem(shown(path), None, "this folder links back to a folder above "
                                                "it (a symlink loop). Remove the link."))
                        dirnames.remove(name)
                    elif name.lower().endswith(MARKDOWN_EXTENSIONS):
                        problems.append(Problem(shown(path), None, "a folder is named like a post. "
                                                "Rename it, or move the post out of it."))
                dirnames.sort()
                folder = shown(dirpath)  # once a folder, not once a file: relpath is slow
                for name in sorted(filenames):
                    if not name.lower().endswith(MARKDOWN_EXTENSIONS):
                        continue
                    yield kind, os.path.join(dirpath, name), os.path.join(folder, name) if folder != os.curdir else name


def check_file(kind, abspath, shown, settings, memo):
    """One file on its own: (its Source, or None; problems; warnings)."""
    problems, warnings = [], []
    try:
        with open(abspath, "rb") as f:
            text = read_text(shown, f.read(), problems)
    except OSError as err:
        problems.append(Problem(shown, None, f"cannot be read ({err.strerror}). Check the file."))
        return None, problems, warnings
    if text is None:
        return None, problems, warnings
    found = scan(text)
    source = Source(path=shown, kind=kind, meta=found.meta, lines=found.lines)
    source.marked = check_markers(source, found.markers, problems, warnings)
    check_source(source, settings, problems, source.marked)
    check_summary(source, found.header_end, problems, warnings)
    source.links = resolve_links(found.links, abspath, settings)
    written = found.meta.get("slug")
    source.slug = written.strip() if written else slug_of_title(found.meta.get("title", ""), settings)
    return source, problems, warnings


def validate_content(settings, warnings=None):
    """Return the list of problems in the content folder."""
    problems = []
    warnings = [] if warnings is None else warnings
    slugs = {}
    sources = []
    memo = Memo(settings)
    for kind, abspath, shown in iter_sources(settings, problems):
        source, found, warned = memo.file_checks(check_file, kind, abspath, shown, settings)
        problems += found
        warnings += warned
        if source is None:
            continue
        check_links(source, problems)
        sources.append(source)
        slug = source.slug
        if not slug and source.meta.get("title", "").strip():
            problems.append(Problem(shown, source.lines.get("slug") or source.lines["title"],
                                    f"the title {source.meta['title'].strip()[:40]!r} gives no web address "
                                    "(it has no letters or digits). Add a line 'Slug: words-of-the-address'."))
        if slug:
            key = (kind, slug)
            if key in slugs:
                problems.append(Problem(shown, source.lines.get("slug") or source.lines.get("title"),
                                        slug_taken(slug, slugs[key])))
            else:
                slugs[key] = shown
    check_spellings(sources, memo, problems)
    check_series(sources, memo, problems)
    writers = check_output_paths(sources, settings, problems, memo)
    claimed = check_aliases(sources, settings, writers, problems)
    check_published(sources, settings, writers, claimed, problems, warnings)
    memo.save()
    return problems


def check_settings(settings):
    problems = []
    host = settings.get("REDIRECTS_HOST", "netlify")
    if host not in REDIRECT_HOSTS:
        problems.append(Problem("pelicanconf.py", None, f"REDIRECTS_HOST is {str(host)[:40]!r}: set it to "
                                f"{' or '.join(map(repr, REDIRECT_HOSTS))}, the host whose _redirects rules "
                                "the build writes."))
    for name, info in (settings.get("AUTHORS_INFO") or {}).items():
        handle = (info or {}).get("fediverse")
        if handle is not None and not HANDLE.match(str(handle).strip()):
            problems.append(Problem("pelicanconf.py", None,
                                    f"AUTHORS_INFO[{name!r}]['fediverse'] is {str(handle)[:60]!r}, not a fediverse "
                                    "handle. Write it as '@user@example.social', or remove it."))
    if settings.get("PRODUCTION"):
        url = settings.get("SITEURL", "")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(Problem("publishconf.py", None,
                                    f"SITEURL is {url!r}, but a production build needs the site's absolute "
                                    "address. Set it: SITEURL=https://example.org (or https://example.org/blog)."))
    return problems


def run_checks(settings):
    if not settings.get("VALIDATE", True):  # False skips every check (a build of content known to be good)
        return
    warnings = []
    # Links out of the content folder first, alone: no other check reads (or walks) what they lead to.
    problems = confinement.problems(settings, Problem) or check_settings(settings) + validate_content(settings, warnings)
    # Printed plainly (not through Pelican's logger, which wraps lines) so
    # each stays one "file:line: ..." an editor can jump to.
    for heading, listed in (("To fix before publishing (fine for previews):",
                             [w for w in warnings if not isinstance(w, Dropped)]),
                            (DROPPED_HEADING, [w for w in warnings if isinstance(w, Dropped)])):
        if listed:
            print(heading, file=sys.stderr)
            print("\n".join(f"  {w}" for w in listed), file=sys.stderr)
    if problems:
        report(problems)


def check_build(pelican):
    run_checks(pelican.settings)


def register():
    # get_generators: every `initialized` receiver has completed the settings
    # (the memo's key), and Pelican has not yet deleted, read or written
    # anything. Listed before pictures and replies: its problems come first.
    signals.get_generators.connect(check_build)
