"""Checks of the `Aliases:` lines and the GONE setting: each old path is a path
on this site (plugins/redirects/paths.py), names no page the build writes, and
is claimed once. With LAST_DEPLOY_MANIFEST (the manifest a publish left on the
host, deploy/manifest.py), a published page whose path this build would drop
is reported with the `Aliases:` line to add (deploy/moves.py says it the same
way when `invoke publish` stops)."""

from pathlib import Path

from extramile.deploy import manifest, moves
from extramile.plugins.redirects.paths import NotASitePath, file_of, site_path, split_list
from extramile.plugins.validate.problems import Dropped, Problem


def check_aliases(sources, settings, writers, problems):
    """`writers`: {output file: what writes it} from check_output_paths."""
    claimed = {}  # output file -> (what claims it as an old path)

    def claim(path, owner, where, line):
        written = writers.get(file_of(path))
        if written is not None:
            whose = "this page's own address" if written == where else f"the address of {written}"
            problems.append(Problem(where, line, f"the old path /{path} is {whose}, which exists: a redirect "
                                    f"there would hide it. Remove it from {owner}."))
        elif file_of(path) in claimed:
            problems.append(Problem(where, line, f"the old path /{path} is also claimed by {claimed[file_of(path)]}; "
                                    f"one old address leads to one page. Remove it from one of them."))
        else:
            claimed[file_of(path)] = where if owner != "GONE" else "GONE in pelicanconf.py"

    for source in sources:
        if "aliases" not in source.meta:
            continue
        line = source.lines["aliases"]
        for alias in split_list(source.meta["aliases"]):
            try:
                path = site_path(alias)
            except NotASitePath as err:
                what = "leaves the site" if err.leaves else "is not a path on this site"
                problems.append(Problem(source.path, line, f"the alias {what}: {err}"))
                continue
            claim(path, "its Aliases: line", source.path, line)
    for value in settings.get("GONE") or []:
        try:
            path = site_path(str(value))
        except NotASitePath as err:
            problems.append(Problem("pelicanconf.py", None, f"GONE: {err}"))
            continue
        claim(path, "GONE", "pelicanconf.py", None)
    return claimed


def as_page(source):
    """A Source as deploy/moves.py compares pages."""
    return {"source": source.path, "slug": source.slug, "title": source.meta.get("title", "").strip(),
            "date": source.meta.get("date", "").strip()[:10], "aliases": source.meta.get("aliases", "").strip()}


def check_published(sources, settings, writers, claimed, problems, warnings):
    """Each page of the last deploy that this build drops: an error in a production build
    (publishconf.py) or with LAST_DEPLOY_STRICT (`invoke check`), else a warning (the
    development preview still builds)."""
    path = settings.get("LAST_DEPLOY_MANIFEST")
    deployed = manifest.loads(Path(path).read_bytes()) if path and Path(path).is_file() else None
    if not deployed:
        return
    pages = {source.path: as_page(source) for source in sources}
    # The sources whose own page the last deploy did not have: a renamed one among them.
    new = {where for output, where in writers.items() if where in pages and output not in deployed["files"]}
    found = problems if settings.get("PRODUCTION") or settings.get("LAST_DEPLOY_STRICT") else warnings
    for old_path, old in sorted(manifest.pages_of(deployed, settings).items()):
        if old_path in writers or old_path in claimed:
            continue
        alias = moves.alias_of(old_path)
        page, _why = moves.likely_source(old, pages, new)
        if page is None:
            title = f" ({old['title']!r})" if old.get("title") else ""
            found.append(Dropped("pelicanconf.py", None, f"{alias}{title} is published but no source makes it "
                                 "now. If it was removed on purpose, add it to GONE."))
            continue
        source = next(s for s in sources if s.path == page["source"])
        line = f"Aliases: {page['aliases']}, {alias}" if page["aliases"] else f"Aliases: {alias}"
        found.append(Dropped(source.path, source.lines.get("aliases") or source.lines.get("title"),
                             f"its published address {alias} would disappear (the slug or category changed?). "
                             f"Add the line '{line}' to its header, so the old address leads here."))
