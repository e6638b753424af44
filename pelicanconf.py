"""Development settings for The Extra Mile.

`pelican content` builds with these; `publishconf.py` imports them and changes
only what production needs. Every setting lives here once, with a line on why.
"""

import logging

# -- Site identity: one source of truth, used by templates, feeds and JSON-LD.
SITENAME = "The Extra Mile"
SITESUBTITLE = "Stories and lessons in customer service"
SITEDESCRIPTION = (
    "First-hand stories of customer service that went beyond the job "
    "description, and what business owners can learn from them."
)
DEFAULT_LANG = "en"
TIMEZONE = "UTC"

# The address `invoke serve` uses. Pages link relatively (RELATIVE_URLS), so
# the development build works from any folder; feeds and canonical links use
# SITEURL, which `-e SITEURL=...` or publishconf.py replace.
SITEURL = "http://127.0.0.1:8000"
RELATIVE_URLS = True

# -- Authors: described once. A post's `Author:` must name one of these
# (the validation plugin rejects unknown names instead of inventing a page).
AUTHORS_INFO = {
    "The Editors": {
        "bio": (
            "The editorial byline of The Extra Mile. Articles under this name were "
            "collected from the web, where their original authors are not named; "
            "the editors restored their text and published them here. The byline "
            "marks who prepared the article, not who wrote it."
        ),
        "links": [],
    },
    "Cynthia Kay": {
        "bio": (
            "Cynthia Kay is the author of the book Small Business for Big Thinkers "
            "(Career Press, 2013), which she mentions in her article here."
        ),
        "links": [],
    },
    "Ron Kaufman": {
        "bio": (
            "Ron Kaufman is the author of the \u201cUplifting Service\u201d books "
            "and founder of Uplifting Service, as his copyright statement says. "
            "His article is reprinted with permission."
        ),
        "links": [("RonKaufman.com", "https://www.ronkaufman.com/")],
    },
}

# -- Content layout: posts and pages in their own folders.
PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
# Pictures for posts: plugins/pictures publishes their variants, not these files
# (PICTURES_PUBLISH_ORIGINALS = True would copy them as they are, EXIF and all).
STATIC_PATHS = ["images"]
DEFAULT_DATE_FORMAT = "%-d %B %Y"
DEFAULT_DATE = None  # a post without a date is an error, not "now"
# A post dated in the future is scheduled: a draft until that date, so
# development shows it under Drafts (marked Scheduled) and production leaves it out.
# "Now" is extramile.clock.now() (plugins/schedule), so EXTRAMILE_NOW can move it.
WITH_FUTURE_DATES = False

# -- Clean URLs ("/posts/slug/"), which any static host serves as index.html.
ARTICLE_URL = "posts/{slug}/"
ARTICLE_SAVE_AS = "posts/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
# Index pages of all categories, tags and authors, and the archives by date.
# The *_URL values are ours (Pelican has none for direct templates).
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
NOTFOUND_SAVE_AS = "404.html"
# The search page (plugins/search_index writes its index): the header's form
# sends `?q=words` here.
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
DIRECT_TEMPLATES = ["index", "categories", "tags", "authors", "archives", "notfound", "search"]

# -- Reading and sharing (extramile/plugins/reading): a post's `Series:` line
# puts it in a series, listed at series/{slug}/ with its own feeds
# (SERIES_URL, SERIES_SAVE_AS, SERIES_FEED_ATOM, SERIES_FEED_RSS,
# SERIES_INDEX_URL, SERIES_INDEX_SAVE_AS: the plugin's defaults). An article
# with CONTENTS_MIN_SECTIONS section headings or more shows its contents.
CONTENTS_MIN_SECTIONS = 3
# "Suggest a correction" under each article: the address of its source file,
# {path} being the file's path inside content/, e.g.
# "https://github.com/OWNER/REPO/edit/main/content/{path}". None: no link.
EDIT_URL = None

# -- Old addresses (plugins/redirects): a post's `Aliases: /posts/old-slug/`
# line keeps its old paths leading to it. GONE lists the paths removed on
# purpose ("/posts/slug/", from the site's root): they answer 410 where the
# host can (nginx, _redirects) and show "This article was removed" elsewhere,
# and `invoke publish` lets their pages disappear.
GONE = []
# The manifest of the last deploy (.extramile-manifest.json, a copy of the host's):
# validate then reports a published page this build drops, with its Aliases: line
# (a warning here, an error in production builds and with LAST_DEPLOY_STRICT,
# which `invoke check` sets). Empty: `invoke build`, `check` and `livereload` use
# the copy the last `invoke publish` kept in .cache/deployed/, if there is one
# (`invoke check --deployed SITEURL` fetches the live site's instead).
LAST_DEPLOY_MANIFEST = ""
LAST_DEPLOY_STRICT = False
# Whose `_redirects` rules the build writes: "netlify" (301! and 410!) or
# "cloudflare" (301; Cloudflare Pages has no 410 and ignores "!"): docs/links.md.
REDIRECTS_HOST = "netlify"

# -- Lists: a short home page, pages numbered with clean URLs.
DEFAULT_PAGINATION = 4
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# -- Feeds: Atom and RSS with full content, site-wide and per category, tag
# and author. Their links are absolute: Pelican sets FEED_DOMAIN to SITEURL.
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/category/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{slug}.rss.xml"
AUTHOR_FEED_ATOM = "feeds/author/{slug}.atom.xml"
AUTHOR_FEED_RSS = "feeds/author/{slug}.rss.xml"
TRANSLATION_FEED_ATOM = None
RSS_FEED_SUMMARY_ONLY = False
# JSON Feed 1.1 of the whole site (plugins/feeds, which also gives RSS items
# content:encoded and every feed a stylesheet for people who open it).
FEED_ALL_JSON = "feeds/all.json"

# -- Markdown: "extra" gives tables, footnotes, attribute lists and markdown
# inside HTML blocks; "toc" gives headings stable ids to link to.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

# -- Typography: Pelican's own TYPOGRIFY runs outside the content cache and
# turns titles into HTML. Our `typeset` plugin applies typogrify to bodies and
# summaries inside the cached reader, and keeps titles plain (smart) text.
TYPOGRIFY = False
TYPESET = True
# Summary: lines are plain text like titles (escaped, never HTML); this also
# spares Pelican a second Markdown parse per post.
FORMATTED_FIELDS = []

# -- Templates: autoescape, so titles, tags and names are always text. Only
# bodies and summaries (written in markdown by our authors) are marked safe.
THEME = "theme"
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}

# -- Plugins: maintained ones from PyPI, and ours in the extramile package,
# all by import name (script/bootstrap installs the package). The order of this
# list is the order of work: Pelican calls each signal's receivers in the order
# the plugins connected them (pelican/plugins/signals.py, OrderedSet), and
# signals come in the build's order: initialized, get_generators, the
# generators' *_init, reading (content_object_init), *_finalized,
# all_generators_finalized, writing (content_written, *_writer_finalized; then
# the generate_output of generators plugins add), finalized. Each plugin
# keeps its build's state on the build's own objects (a generator, the
# settings of that build), never in its module, and names its signals below.
PLUGINS = [
    # get_generators, before any generator loads its cache: removes a cache file its last
    # save did not finish (a slower build, not a crash); *_generator_finalized: notes the saves.
    "extramile.plugins.safe_cache",
    # initialized: takes the "is it scheduled?" decision from Pelican; get_generators,
    # before validate uses it: the run's one "now" (extramile.clock, EXTRAMILE_NOW in tests).
    "extramile.plugins.schedule",
    # get_generators: stops the build on content to fix, before Pelican deletes,
    # reads or writes anything; before pictures and replies, so its problems come first.
    "extramile.plugins.validate",
    "extramile.plugins.subscribe",  # initialized: SUBSCRIBE, before theme_context puts its origin in the CSP
    # initialized: REPLIES_CONFIG (Isso's origin for the CSP, so before theme_context);
    # article_generator_init: reads content/replies/; article_generator_finalized: attaches them.
    "extramile.plugins.replies",
    # initialized: the CSP, fingerprinted asset names, the palette; generator_init:
    # asset() and jsonld() for templates; finalized: the fingerprinted copies.
    "extramile.plugins.theme_context",
    "extramile.plugins.typeset",  # readers_init: its Markdown reader; content_object_init: plain titles
    # get_generators: a PicturesGenerator that checks and encodes every picture (docs/writing.md),
    # then links the variants after the pages are written; all_generators_finalized: <picture> markup.
    "extramile.plugins.pictures",
    "extramile.plugins.feeds",  # get_writer: its FeedWriter (Atom, RSS); article_writer_finalized: JSON Feed
    "extramile.plugins.reading",  # contents, section links, series, sharing (docs/writing.md)
    "pelican.plugins.neighbors",
    "pelican.plugins.related_posts",  # article_generator_finalized
    # all_generators_finalized, after related_posts: drops the empty tags it makes for draft-only tags.
    "extramile.plugins.drafts",
    "pelican.plugins.readtime",
    # article_writer_finalized: the Pagefind index of the article pages as written.
    "extramile.plugins.search_index",
    # initialized: the site-wide card's path; article_generator_finalized: each
    # article's (after typeset made its title); article_writer_finalized: draws them.
    "extramile.plugins.social_images",
    "extramile.plugins.sitemap_robots",  # content_written: every page; its generator writes sitemap.xml
    # all_generators_finalized: refresh pages at each Aliases: path (not through the writer, so the
    # sitemap lists only new addresses) and _redirects; get_generators: the theme's "removed" page
    # at each GONE path (through the writer, with page_noindex: sitemap_robots leaves it out).
    "extramile.plugins.redirects",
    # after every plugin that changes content: parallel reading and rendering, keyed caches (docs/performance.md)
    "extramile.plugins.speedups",
    "extramile.plugins.editor",  # get_generators: /admin/, the browser editor (docs/editor.md)
]
# publishconf.py adds host_headers (finalized, after every plugin above wrote
# its files) and precompress (granular-signals' "compress", after finalized).
# plugins/pictures checks every picture's alt text itself, with file:line, and
# accepts an empty one marked {: .decorative }: Pelican's own warning would
# repeat it for those on purpose.
LOG_FILTER = [(logging.WARNING, "Empty alt attribute for image %s in %s")]
RELATED_POSTS_MAX = 3
READTIME_WPM = 230

# -- Email subscriptions (plugins/subscribe): in development the form posts to
# the local receiver that `invoke serve` starts; publishconf.py reads the real
# provider from the environment.
SUBSCRIBE_PROVIDER = "local"
SUBSCRIBE_ACTION = "http://127.0.0.1:8001/subscribe"

# -- Replies (plugins/replies): readers' answers are files in content/replies/
# <article-slug>/, shown under the article. REPLIES: email (a mailto link to
# REPLY_EMAIL), isso (a form posting to the Isso server at ISSO_URL, the email
# link without JavaScript) or none. In development the form posts to the local
# Isso that `invoke serve` starts on 127.0.0.1:8002; example.org is reserved
# for examples (RFC 2606), so a development build names no real mailbox.
REPLIES = "isso"
REPLY_EMAIL = "replies@example.org"
ISSO_URL = "http://127.0.0.1:8002"
REPLIES_PATH = "replies"
# Longest reply text, in characters (Isso accepts up to 65535).
REPLY_MAX_CHARS = 10000

# -- Content-Security-Policy: defined once. The theme sends it as a <meta> tag
# and the deploy files (_headers, nginx) as a header. theme_context adds the
# inline script's hash to script-src and the newsletter provider's origin to
# form-action; plugins needing more (search: 'wasm-unsafe-eval') extend it here.
CSP = {
    "default-src": ["'self'"],
    # 'wasm-unsafe-eval' lets the search page's Pagefind compile its
    # WebAssembly (it allows no JavaScript eval). Site-wide, so the <meta> and
    # the header policy are one; pages other than /search/ load no wasm.
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    # Header only: browsers ignore frame-ancestors in a <meta> policy.
    "frame-ancestors": ["'none'"],
}
REFERRER_POLICY = "strict-origin-when-cross-origin"

# -- Development: no search-engine indexing of previews.
PRODUCTION = False
# `invoke livereload` adds its reload script to the pages it serves as a
# same-origin file (devtools/dev_pages.py): the CSP needs nothing for it.

# -- Builds: every build renders every page from its own data (no page is
# reused); what is kept between builds is keyed by all it depends on (docs/performance.md,
# "What is cached"). The content cache keeps each post's Markdown and
# typogrify output, by the sha256 of its file; plugins/speedups empties it
# when a setting or the code changes.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CHECK_MODIFIED_METHOD = "sha256"
CACHE_PATH = ".cache/pelican"
# A kept output folder (DELETE_OUTPUT_DIRECTORY = False) is built through a
# fresh one and then made equal to it: no page of a deleted post survives, a
# failed build changes nothing, unchanged files keep their time (extramile/staging.py).
PELICAN_CLASS = "extramile.StagedPelican"
# Uncompressed: gzip level 9 made saving the content cache take 0.4 s of every
# rebuild at 1000 posts (0.017 s uncompressed), for 6.6 MB of disk instead of 1.8.
GZIP_CACHE = False
# Keep output/ between builds in development (livereload); `invoke build` builds
# into a fresh folder and swaps it in.
DELETE_OUTPUT_DIRECTORY = False
