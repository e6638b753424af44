"""Checks of the sources as a whole: one spelling per category and tag, the
parts of each series, and one source per output file."""

import os
import re

from pelican.urlwrappers import Author, Category, Tag

from extramile.plugins.reading.series import Series
from extramile.plugins.validate.problems import Problem


def names(source, key):
    if key in source.marked or not source.meta.get(key, "").strip():
        return []
    if key == "category":
        return [source.meta[key].strip()]
    return [n.strip() for n in re.split(r"[,;]" if key == "author" else ",", source.meta[key]) if n.strip()]


def published_article(source):
    return source.kind == "article" and source.meta.get("status", "published").strip().lower() == "published"


def check_spellings(sources, memo, problems):
    """Two spellings of one category or tag ("Travel", "travel") share a slug:
    Pelican silently merges them under whichever it met first."""
    for key, wrapper in (("category", Category), ("tags", Tag)):
        first = {}  # slug -> (name, file)
        for source in sources:
            for name in names(source, key):
                slug = memo.named(wrapper, name).slug
                seen = first.setdefault(slug, (name, source.path))
                if seen[0] != name:
                    label = "Category" if key == "category" else "tag"
                    problems.append(Problem(
                        source.path, source.lines[key],
                        f"{label} {name!r} is spelled {seen[0]!r} in {seen[1]}; both would share one page. "
                        "Use one spelling."))


def check_series(sources, memo, problems):
    """The published parts of each series: all numbered or none, from 1 with no gap and no duplicate;
    and a name that gives the series page an address."""
    by_name = {}
    for source in filter(published_article, sources):
        name = source.meta.get("series", "").strip()
        if name and not memo.named(Series, name).slug:
            problems.append(Problem(source.path, source.lines["series"],
                                    f"the series name {name[:40]!r} gives no web address (it has no letters "
                                    "or digits). Give the series a name with words."))
        elif name:
            by_name.setdefault(name, []).append(source)
    for name, parts in by_name.items():
        numbered = [p for p in parts if p.meta.get("series_index", "").strip().isdigit()]
        if not numbered:
            continue  # in date order
        if len(numbered) != len(parts):
            for part in parts:
                if part not in numbered:
                    problems.append(Problem(part.path, part.lines["series"],
                                            f"series {name!r} numbers its other parts with Series_index; "
                                            "give this one a 'Series_index: N' line too."))
            continue
        seen = {}
        for part in sorted(numbered, key=lambda p: p.path):
            index = int(part.meta["series_index"])
            if index in seen:
                problems.append(Problem(part.path, part.lines["series_index"],
                                        f"part {index} of series {name!r} is also {seen[index].path}. "
                                        "Give each part its own Series_index."))
            else:
                seen[index] = part
        expected = set(range(1, len(seen) + 1))
        missing = sorted(expected - set(seen))
        if missing:
            after = seen[min(i for i in seen if i > missing[0])]  # the part after the gap
            problems.append(Problem(after.path, after.lines["series_index"],
                                    f"series {name!r} has no part {missing[0]} (its published parts are "
                                    f"{', '.join(str(i) for i in sorted(seen))}). Number the parts 1, 2, 3... "
                                    "with no gap (a draft part does not count until it is published)."))


def save_as_inputs(source):
    """What decides where Pelican writes `source`: its metadata as written."""
    meta = {"title": source.meta.get("title", ""), "slug": source.slug,
            "status": source.meta.get("status", "published").strip().lower()}
    for key in ("save_as", "url", "lang", "template"):
        if source.meta.get(key):
            meta[key] = source.meta[key].strip()
    if source.kind == "article":
        meta["date"] = source.meta["date"]
        meta["category"] = source.meta["category"].strip()
    return meta


# File systems allow 255 bytes a name; leave room for Pelican's own suffixes.
MAX_NAME_BYTES = 200


def too_long(path):
    return any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in path.split("/"))


def check_output_paths(sources, settings, problems, memo):
    """Two things written to one file: the later silently replaces the other.
    And no file name too long for a file system. Returns {output file: what writes it}."""
    writers = {}  # output path -> what writes it
    for name in settings.get("DIRECT_TEMPLATES", []):
        path = settings.get(f"{name.upper()}_SAVE_AS", f"{name}.html")
        if path:
            writers[path] = f"the {name} page"
    for key, wrapper in (("category", Category), ("tags", Tag), ("author", Author)):
        save_as_of = {}  # name -> (its page's output path, a property worked out on every read; too long?)
        for source in filter(published_article, sources):
            for name in names(source, key):
                known = save_as_of.get(name)
                if known is None:
                    page_save_as = memo.named(wrapper, name).save_as
                    known = save_as_of[name] = (page_save_as, bool(page_save_as) and too_long(page_save_as))
                page_save_as, long_name = known
                if long_name:
                    problems.append(Problem(
                        source.path, source.lines[key],
                        f"the {wrapper.__name__.lower()} name {name[:40]!r}... is too long for a page "
                        f"address ({len(name)} characters). Shorten it."))
                    continue
                if page_save_as:
                    writers.setdefault(page_save_as, f"the page of {wrapper.__name__.lower()} {name!r}")
    feeds = [settings.get(k) for k in ("FEED_ATOM", "FEED_RSS", "FEED_ALL_ATOM", "FEED_ALL_RSS")]
    writers.update({feed: "a feed" for feed in feeds if feed})
    by_source = {}
    for source in sources:
        if not source.slug:
            continue  # no title: already reported
        try:
            path = memo.save_as(source.kind, save_as_inputs(source), settings)
        except Exception:
            continue
        if not path:
            continue  # not written (a draft in production)
        if too_long(path):
            problems.append(Problem(
                source.path, source.lines.get("slug") or source.lines.get("title"),
                f"the title makes an address of {len(source.slug)} characters, too long for a file "
                "name. Add a shorter 'Slug:' line."))
            continue
        path = os.path.normpath(path)
        other = by_source.get(path)
        if other and (other.kind, other.slug) == (source.kind, source.slug):
            continue  # the duplicate slug is already reported
        by_source[path] = source
        if path in writers:
            problems.append(Problem(
                source.path, source.lines.get("slug") or source.lines.get("save_as") or source.lines.get("title"),
                f"it would be written to {path}, which is also {writers[path]}. "
                "Give it another 'Slug:' (or Save_as:)."))
        else:
            writers[path] = source.path
    return writers
