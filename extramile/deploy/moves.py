"""A deploy never silently drops a page (docs/deploying.md): each post and page
the host's manifest lists must still have a file at its path (the page, an
`Aliases:` refresh page or a GONE page), or the publish stops before touching
the host and names the source that most likely moved, with the line to add.
"""

import json
from pathlib import Path

from . import manifest


def alias_of(path):
    """The old address of an output file, as an `Aliases:` line names it."""
    return "/" + (path[: -len("index.html")] if path.endswith("/index.html") or path == "index.html" else path)


def read_report(path):
    """{output file: its page's title, slug, date, source, aliases} of a build's PAGES_REPORT."""
    return json.loads(Path(path).read_text(encoding="utf-8")) if Path(path).is_file() else {}


def likely_source(old, pages, new=frozenset()):
    """The new page most like the old one (same source file, slug, title or date; else one of
    `new`, the keys of pages new since the deploy), with why; or (None, "")."""
    best, score, why = None, 0, ""
    for key, page in pages.items():
        same = [(4, "source file", bool(old.get("source")) and page["source"] == old.get("source")),
                (3, "slug", page["slug"] == old.get("slug")),
                (2, "title", bool(old.get("title")) and page["title"] == old.get("title")),
                (1, "date", bool(old.get("date")) and page["date"] == old.get("date"))]
        points = sum(weight for weight, _, hit in same if hit)
        if points:
            reason = "same " + ", ".join(name for _, name, hit in same if hit)
        elif key in new:
            points, reason = 0.5, "a page new since that deploy"
        if points > score:
            best, score, why = page, points, reason
    return best, why


def dropped(deployed, built, pages, settings):
    """Lines saying which pages on the host the build in `built` (a manifest) would drop; [] if none."""
    if deployed is None:
        return []
    lines = []
    new = {path for path in pages if path not in deployed["files"]}
    for path, old in sorted(manifest.pages_of(deployed, settings).items()):
        if path in built["files"]:
            continue
        alias = alias_of(path)
        what = ", ".join(part for part in (old.get("title") and repr(old["title"]), old.get("date")) if part)
        lines.append(f"{alias}{f' ({what})' if what else ''} is on the host but not in this build.")
        source, why = likely_source(old, pages, new)
        if source is not None:
            written = source.get("aliases", "")
            line = f"Aliases: {written}, {alias}" if written else f"Aliases: {alias}"
            lines.append(f"  Most likely moved to {source['source']} ({why}): add this line to its header:")
            lines.append(f"      {line}")
        lines.append(f"  If it was removed on purpose, add {alias!r} to GONE in pelicanconf.py.")
    return lines
