"""A deploy never silently drops a page.

The manifest on the host lists the posts and pages it serves (their title,
slug, date and source, from the build's PAGES_REPORT: plugins/redirects). A
new build must still have a file at each of their paths: the page itself, a
refresh page of an `Aliases:` line that names the old path, or the "removed"
page of a GONE path. Otherwise the publish stops before touching the host and
names the source that most likely moved, with the `Aliases:` line to add.
"""

import json
from pathlib import Path


def alias_of(path):
    """The old address of an output file, as an `Aliases:` line names it."""
    return "/" + (path[: -len("index.html")] if path.endswith("/index.html") or path == "index.html" else path)


def read_report(path):
    """{output file: its page's title, slug, date, source, aliases} of a build's PAGES_REPORT."""
    return json.loads(Path(path).read_text(encoding="utf-8")) if Path(path).is_file() else {}


def likely_source(old, pages):
    """The new page most like the old one (same source file, slug, title or date), with why; or (None, "")."""
    best, score, why = None, 0, ""
    for page in pages.values():
        same = [(4, "source file", page["source"] == old.get("source")), (3, "slug", page["slug"] == old.get("slug")),
                (2, "title", page["title"] == old.get("title")), (1, "date", bool(old.get("date"))
                                                                    and page["date"] == old.get("date"))]
        points = sum(weight for weight, _, hit in same if hit)
        if points > score:
            best, score, why = page, points, ", ".join(name for _, name, hit in same if hit)
    return best, why


def dropped(deployed, built, pages):
    """Lines saying which pages on the host the build in `built` (a manifest) would drop; [] if none."""
    if deployed is None:
        return []
    lines = []
    for path, old in sorted(deployed.get("pages", {}).items()):
        if path in built["files"]:
            continue
        alias = alias_of(path)
        lines.append(f"{alias} ({old.get('title', '')!r}, {old.get('date', '')}) is on the host but not in this build.")
        source, why = likely_source(old, pages)
        if source is not None:
            written = source.get("aliases", "")
            line = f"Aliases: {written}, {alias}" if written else f"Aliases: {alias}"
            lines.append(f"  Most likely moved to {source['source']} (same {why}): add this line to its header:")
            lines.append(f"      {line}")
        lines.append(f"  If it was removed on purpose, add {alias!r} to GONE in pelicanconf.py.")
    return lines
