"""The manifest each publish leaves on the target (docs/deploying.md): the SHA-256
of every file of the build it deployed and of the target's settings that change
what is served. It is written last, so a deploy that stopped half-way leaves the
old manifest and the next run deploys again; its bytes depend only on the build
and the settings (no time stamp), so an unchanged site sends nothing.
"""

import hashlib
import json
import re
from pathlib import Path

from extramile.buildcache import sha256_file

NAME = ".extramile-manifest.json"
FORMAT = 1


def of(output, target, config, pages=None):
    """The manifest of the build in `output` as `target` would deploy it with `config`;
    with `pages` (the build's PAGES_REPORT, deploy/moves.py), the title, slug, date
    and source of each post and page, so the next publish can tell where one went."""
    files = {p.relative_to(output).as_posix(): sha256_file(p)
             for p in sorted(Path(output).rglob("*")) if p.is_file()}
    served = {name: config[name] for name in getattr(target, "SERVED_SETTINGS", ())}
    settings = hashlib.sha256(json.dumps(served, sort_keys=True).encode()).hexdigest()
    manifest = {"format": FORMAT, "target": target.__name__.rsplit(".", 1)[-1], "settings": settings, "files": files}
    if pages:
        manifest["pages"] = {path: {key: page[key] for key in ("title", "slug", "date", "source")}
                             for path, page in pages.items() if path in files}
    return manifest


def dumps(manifest):
    return (json.dumps(manifest, indent=0, sort_keys=True) + "\n").encode()


def loads(data):
    """The manifest in `data`, or None if it is not one (an older format, a damaged file, or
    anything else a web address may answer: it is read from the deployed site too)."""
    try:
        manifest = json.loads(data)
    except ValueError:
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    files, pages = manifest.get("files"), manifest.get("pages", {})
    if not (isinstance(files, dict) and all(isinstance(v, str) for v in files.values())
            and isinstance(pages, dict) and all(isinstance(page, dict) for page in pages.values())):
        return None
    return manifest


def pattern_of(save_as):
    """A regular expression for the files a *_SAVE_AS setting names ("posts/{slug}/index.html"),
    its {slug} captured; any other field ({date:%Y}, {category}) is one path segment or part of one."""
    parts = re.split(r"(\{[^}]*\})", save_as)
    first = parts.index("{slug}")
    return re.compile("".join("(?P<slug>[^/]+)" if i == first else "[^/]+" if part.startswith("{")
                              else re.escape(part) for i, part in enumerate(parts)) + r"\Z")


def pages_of(deployed, settings):
    """{output file: title, slug, date, source} of the posts and pages `deployed` (a manifest)
    lists. A manifest written before it listed them (no "pages"): each file it lists that the
    settings' ARTICLE_SAVE_AS or PAGE_SAVE_AS names, with the slug read from its path."""
    if deployed is None:
        return {}
    if "pages" in deployed:
        return deployed["pages"]
    patterns = [pattern_of(settings[name]) for name in ("ARTICLE_SAVE_AS", "PAGE_SAVE_AS")
                if "{slug}" in (settings.get(name) or "")]
    pages = {}
    for path in deployed["files"]:
        found = next((match for match in (p.match(path) for p in patterns) if match), None)
        if found:
            pages[path] = {"title": "", "slug": found["slug"], "date": "", "source": ""}
    return pages


def differences(old, new):
    """Short lines saying how `new` differs from `old` (None: nothing deployed yet)."""
    if old is None:
        return [f"no manifest on the target: {len(new['files'])} files to deploy"]
    lines = []
    if old.get("settings") != new["settings"] or old.get("target") != new["target"]:
        lines.append("the target's settings changed")
    return lines + changes(old.get("files", {}), new["files"])


def changes(before, after):
    """A line per file new, changed or deleted from `before` to `after` ({path: digest})."""
    return ([f"new      {p}" for p in after if p not in before]
            + [f"changed  {p}" for p in after if p in before and before[p] != after[p]]
            + [f"deleted  {p}" for p in before if p not in after])


def say_changes(where, lines, dry_run):
    """Print what a deploy to `where` changed, or would change (`dry_run`)."""
    verb = "would change" if dry_run else "changed"
    print(f"{where}: {len(lines)} {verb}" if lines else f"{where}: nothing to change.")
    for line in lines:
        print("  " + line)


def new_articles(output, deployed, settings):
    """A line for each article of the build in `output` whose page the host
    lacks (the post that just went live), with its title and address, from the
    build's JSON Feed; none when nothing was deployed yet (then all are new)."""
    feed = Path(output) / settings.get("FEED_ALL_JSON", "")
    if deployed is None or not settings.get("FEED_ALL_JSON") or not feed.is_file():
        return []
    site = settings["SITEURL"].rstrip("/") + "/"
    lines = []
    for item in json.loads(feed.read_text(encoding="utf-8")).get("items", []):
        url = item.get("url", "")
        page = url[len(site):]
        page = page + "index.html" if page.endswith("/") or not page else page
        if url.startswith(site) and page not in deployed.get("files", {}):
            lines.append(f"new article: {item.get('title', '')!r} at {url}")
    return lines
