"""What an old address may be: one definition for validate, the redirects
plugin and the deploy targets.

An alias (a post's `Aliases:` line) or a GONE entry is a path on this site,
relative to the site's root and without SITEURL's own path: `/posts/old-slug/`
for https://example.org/blog/posts/old-slug/ when SITEURL is
https://example.org/blog.
"""

import contextlib
import re
from urllib.parse import urlsplit


class NotASitePath(ValueError):
    """The value names no page of this site; `leaves` says it climbs out of it."""

    def __init__(self, message, leaves=False):
        super().__init__(message)
        self.leaves = leaves


UNSAFE = re.compile(r"[\s\\<>\"'`{}|^\x00-\x1f\x7f]")
EXAMPLE = "Write the old path on this site, e.g. /posts/old-slug/"


def split_list(value):
    """The entries of a comma-separated `Aliases:` value (a list: Pelican's reading of continued lines)."""
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return [part.strip() for part in value.split(",") if part.strip()]


def site_path(value):
    """The alias as the folder or file it names, without the leading slash:
    "posts/old/" (served as posts/old/index.html) or "old.html". Raises
    NotASitePath saying what is wrong."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        raise NotASitePath(f"{value!r} is a full address, not a path on this site. {EXAMPLE} "
                           "(a redirect to another site is not an alias).")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise NotASitePath(f"{value!r} has a query or #fragment, which a host cannot redirect by. {EXAMPLE}")
    if not value.startswith("/"):
        raise NotASitePath(f"{value!r} does not start with /. {EXAMPLE}")
    if UNSAFE.search(value):
        raise NotASitePath(f"{value!r} contains a space, quote or other character that is no part of a "
                           f"path. {EXAMPLE}")
    segments = value[1:].split("/")
    if any(s in ("..", "%2e%2e", "%2E%2E") for s in segments):
        raise NotASitePath(f"{value!r} climbs with '..' out of the folder it names, and out of the site. "
                           f"{EXAMPLE}", leaves=True)
    if any(s in ("", ".") for s in segments[:-1]):
        raise NotASitePath(f"{value!r} has an empty or '.' part (//, /./). {EXAMPLE}")
    if value == "/":
        raise NotASitePath(f"{value!r} is the home page. {EXAMPLE}")
    last = segments[-1]
    if last == "" or "." in last:
        return value[1:]
    return value[1:] + "/"  # /posts/old and /posts/old/ are one page on every host


def file_of(path):
    """The file that serves a site path: "posts/old/" -> "posts/old/index.html"."""
    return path + "index.html" if path.endswith("/") else path


def valid_paths(values):
    """The site paths of those `values` that are one (validate reports the others, with their line)."""
    found = []
    for value in values:
        with contextlib.suppress(NotASitePath):
            found.append(site_path(value))
    return found
