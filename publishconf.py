"""Production settings: development settings plus what publishing changes.

The public address comes from the environment, so the same code deploys to any
host, at a domain's root or under a sub-path:

    SITEURL=https://example.org/blog pelican content -s publishconf.py

(`-e SITEURL='"..."'` works too.) The `validate` plugin stops a production
build that has no absolute SITEURL, before anything is written.
"""

import os

from extramile.plugins.editor import git_host
from pelicanconf import *

SITEURL = os.environ.get("SITEURL", "").rstrip("/")
RELATIVE_URLS = False

# The newsletter provider: see plugins/subscribe for each provider's contract.
# SUBSCRIBE_PROVIDER: buttondown, mailchimp, kit, generic, or none (feeds only;
# no provider at all is an error). SUBSCRIBE_ACTION: the Buttondown username,
# the Mailchimp embedded form's action URL, the Kit form id, or the generic
# URL. The subscribe plugin checks both and stops the build with a message.
SUBSCRIBE_PROVIDER = os.environ.get("SUBSCRIBE_PROVIDER", "")
SUBSCRIBE_ACTION = os.environ.get("SUBSCRIBE_ACTION", "")

# Replies (plugins/replies): REPLIES = email (needs REPLY_EMAIL), isso (needs
# ISSO_URL, the Isso server's public address, and REPLY_EMAIL for readers
# without JavaScript) or none; not set is an error that stops the build.
REPLIES = os.environ.get("REPLIES", "")
REPLY_EMAIL = os.environ.get("REPLY_EMAIL", "")
ISSO_URL = os.environ.get("ISSO_URL", "")

# The browser editor at /admin/ (plugins/editor; docs/editor.md, "In production"):
# EDITOR_BACKEND = github, forgejo or gitea (not set: no editor), EDITOR_REPO =
# owner/name, EDITOR_BRANCH (main); forgejo and gitea: EDITOR_API_ROOT (the host's
# https://.../api/v1) and EDITOR_APP_ID (its OAuth2 application's client id); github:
# EDITOR_AUTH_URL (the OAuth provider; default Netlify's). Never a token: they are
# all public. A malformed one stops the build with a line naming it.
EDITOR_BACKEND = git_host.from_environment(os.environ)

# Production pages may be indexed by search engines; previews say noindex.
PRODUCTION = True

# Drafts (and future-dated posts, which Pelican treats as drafts) are never
# published: no page, no feed entry, no sitemap or search entry.
DRAFT_SAVE_AS = ""
DRAFT_URL = ""
DRAFT_PAGE_SAVE_AS = ""
DRAFT_PAGE_URL = ""
WITH_FUTURE_DATES = False

# A separate cache: cached objects carry the settings they were read with.
CACHE_PATH = ".cache/pelican-publish"

# Start from an empty folder so no stale page survives a removed post.
DELETE_OUTPUT_DIRECTORY = True

# Hosts: `_headers` for Netlify and Cloudflare Pages, generated from the CSP
# and REFERRER_POLICY settings (plugins/host_headers); `invoke nginx-config`
# turns the same file into an nginx server block.
HOST_HEADERS_FILE = "_headers"
# HTTPS only, for a year, on this host and its subdomains. Drop
# "; includeSubDomains" (or set "") if the domain has subdomains without HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# Precompressed copies (pelican-precompress): page.html.gz next to page.html
# for hosts that serve them (nginx `gzip_static on`). zlib writes no timestamp,
# so builds stay byte-identical. Brotli is off: the plugin always uses quality
# 11, which costs seconds per thousand pages; zstd and zopfli are not installed.
PLUGINS = [*PLUGINS, "extramile.plugins.host_headers", "pelican.plugins.precompress"]
PRECOMPRESS_GZIP = True
PRECOMPRESS_BROTLI = False
PRECOMPRESS_ZOPFLI = False
PRECOMPRESS_ZSTANDARD = False
# Each production build starts from an empty folder: a .gz there was put back by
# plugins/speedups from its cache (same bytes, same settings), so precompress may skip it.
PRECOMPRESS_OVERWRITE = False
