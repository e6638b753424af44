"""HTTP headers of the built site, defined once for every host: the S3
uploader, the generated _headers file (Netlify, Cloudflare Pages) and the
generated nginx configuration all read these.

Caching: files whose name carries their content hash (style.3f9a1c2b7e.css,
Pagefind's index chunks) never change, so browsers keep them a year without
asking; pages, feeds and other files that keep their name are revalidated on
every visit (cheap with ETag/Last-Modified) so a new post shows at once.
"""

import mimetypes
import re

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
# Images and other files that keep their name: a day, then ask again.
DAY = "public, max-age=86400"

# style.<10 hex>.css (plugins/theme_context); Pagefind's en_<hash>.pf_* chunks.
FINGERPRINTED = re.compile(r"(\.[0-9a-f]{10}\.[A-Za-z0-9]+|_[0-9a-f]{7,}\.pf_[a-z]+)$")

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".rss.xml": "application/rss+xml; charset=utf-8",
    ".xsl": "application/xslt+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".woff2": "font/woff2",
}


def content_type(path):
    name = path.rsplit("/", 1)[-1].lower()
    for suffix in sorted(TYPES, key=len, reverse=True):  # ".atom.xml" before ".xml"
        if name.endswith(suffix):
            return TYPES[suffix]
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(path):
    if FINGERPRINTED.search(path):
        return IMMUTABLE
    kind = content_type(path)
    if kind.startswith("text/") or "xml" in kind or "json" in kind:
        return REVALIDATE
    return DAY


def security_headers(settings):
    """The headers every response carries, from the settings (one source)."""
    headers = {
        "Content-Security-Policy": settings["CSP_HEADER"],
        "Referrer-Policy": settings["REFERRER_POLICY"],
        "X-Content-Type-Options": "nosniff",
        "Strict-Transport-Security": settings.get("STRICT_TRANSPORT_SECURITY", ""),
    }
    return {name: value for name, value in headers.items() if value}
