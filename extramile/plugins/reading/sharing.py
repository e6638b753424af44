"""Sharing without trackers, authors' fediverse handles and "Suggest a correction".

Share links are plain addresses built here (nothing loads from another site
until the reader clicks one); the copy button and the Mastodon form are added
by theme/static/js/share.js. Why not pelican-share-post: it sends Mastodon
shares through a third-party site, needs BeautifulSoup at build time, and its
mailto link comes out double-escaped under autoescape.
"""

import re
from urllib.parse import quote

# "@user@host": a fediverse handle (AUTHORS_INFO[name]["fediverse"]).
HANDLE = re.compile(r"^@(?P<user>[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*)@(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")


def fediverse(handle):
    """(handle, profile address) of a valid handle, else None."""
    match = HANDLE.match(str(handle or "").strip())
    if not match:
        return None
    return match[0], f"https://{match['host'].lower()}/@{match['user']}"


def share_links(title, url):
    """[(label, href)] for sharing an article with `title` (plain text) at `url`."""
    text = quote(f"{title} {url}", safe="")
    return [
        ("Email", f"mailto:?subject={quote(str(title), safe='')}&body={quote(url, safe='')}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={text}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={quote(url, safe='')}"),
    ]


def edit_url(pattern, source_path):
    """EDIT_URL with {path} (the source file's path inside the content folder)."""
    if not pattern or not source_path:
        return None
    return pattern.format(path=quote(str(source_path).replace("\\", "/")))
