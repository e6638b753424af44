"""Editor: the browser editor at /admin/ (Decap CMS; docs/editor.md says why).

Every build with the editor writes, under ``EDITOR_PATH`` (``admin/``):

* ``index.html``: says ``noindex`` and carries its own Content-Security-Policy
  (``EDITOR_CSP`` plus the backend's origin), not the site's: no reader's page
  links to it or loads its scripts.
* ``decap-cms-<hash>/``: the CMS bundle as npm installed it (``package-lock.json``
  pins it), copied from ``node_modules``: never a CDN.
* ``format.<hash>.js``: our file format (``format.js`` beside this module);
  ``preview.<hash>.js``: the preview pane in the theme's own stylesheet;
  ``slug.<hash>.js``: a new post's slug, made from its title as `invoke new-post`
  makes it (extramile/slugs.py gives it the rule);
  ``checks.<hash>.js``: what validate would refuse (a picture or cover
  without alt text, no tag, a slug another post has) is refused before
  anything is written, in the build's own words; so are a save over someone
  else's newer save, and an upload that is not a picture or has more than
  PICTURES_MAX_PIXELS pixels. Its data (the JSON block ``#editor-site``) comes
  from this build.
* ``config.yml``: the CMS configuration, made from the site's own definitions
  on every build (authors from ``AUTHORS_INFO``, the categories and tags the
  posts use), so no hand-kept copy can drift. It is JSON, which YAML reads.

Development builds point the CMS at ``decap-server`` on 127.0.0.1
(``EDITOR_LOCAL_BACKEND``; ``extramile/devtools/editor_backend.py`` runs it);
production builds at the git host in ``EDITOR_BACKEND`` (publishconf.py reads
it from the environment: ``git_host.py``), with Decap's editorial workflow where
the host has one, and without one they write no editor. ``EDITOR_CSP_HEADER``
is the page's policy as the hosts send it for /admin/ (plugins/host_headers).

A generator (``get_generators``), so its ``generate_context`` runs after the
articles are read and its state lives in the generator of one build.

The bundle (6.5 MB) is named by its content, so a development build that keeps
its output folder (extramile/staging.py) copies it once into the served folder,
which keeps ``EDITOR_PATH`` (``OUTPUT_RETENTION``): copying and comparing it on
every rebuild took 30 to 100 ms of the author's loop.
"""

import hashlib
import json
import logging
import os
import shutil
from html import escape

from pelican import signals

from extramile import ROOT
from extramile.buildcache import add_defaults
from extramile.plugins.editor import git_host
from extramile.plugins.theme_context.theme_context import HEADER_ONLY_DIRECTIVES

logger = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT_JS = os.path.join(HERE, "format.js")
PREVIEW_JS = os.path.join(HERE, "preview.js")  # the preview in the theme's stylesheet
CHECKS_JS = os.path.join(HERE, "checks.js")  # refuses a save validate would refuse
SLUG_JS = os.path.join(HERE, "slug.js")  # a new post's slug, as new-post makes it
FORMAT_NAME = "pelican-md"  # what format.js registers
BUNDLE_DIR = ROOT / "node_modules" / "decap-cms" / "dist"
BUNDLE_MAIN = "decap-cms.js"

DEFAULTS = {
    "EDITOR_PATH": "admin",
    # decap-server's address in development (the port editor_backend.py binds).
    "EDITOR_LOCAL_BACKEND": "http://127.0.0.1:8081/api/v1",
    # Production: Decap's `backend` block, e.g. {"name": "github", "repo": "owner/blog",
    # "branch": "main"} (publishconf.py makes it from EDITOR_* variables, git_host.py);
    # None writes no editor in production.
    "EDITOR_BACKEND": None,
    # The editor page's own policy; the backend's origins are added (git_host.origins).
    # Chromium's violation reports on /admin/ showed what Decap needs beyond 'self':
    # 'unsafe-eval' (its config check compiles JSON schemas with ajv, which uses
    # new Function), inline styles (emotion inserts <style> elements) and
    # data:/blob: pictures, and fetches of blob: (an uploaded picture, read back to
    # keep it in the draft). No reader's page has this policy.
    "EDITOR_CSP": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "blob:"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],  # in the hosts' header only: a <meta> cannot carry it
    },
}

# Post fields, in the order `invoke new-post` writes them; the rules are validate's
# (plugins/validate: Title, Date, Author, Category and at least one tag are required;
# plugins/pictures: a cover needs its Cover_alt).
DATE_FORMAT = "YYYY-MM-DD HH:mm"  # validate accepts YYYY-MM-DD or YYYY-MM-DD HH:MM


def sha10(data):
    return hashlib.sha256(data).hexdigest()[:10]


def bundle_files():
    """The bundle's files the browser may load: the main script, its chunks, wasm, license."""
    names = sorted(os.listdir(BUNDLE_DIR))
    return [n for n in names if n == BUNDLE_MAIN or n == BUNDLE_MAIN + ".LICENSE.txt"
            or (n.endswith("." + BUNDLE_MAIN) and n.split(".", 1)[0].isdigit()) or n.endswith(".wasm")]


def chosen_backend(settings):
    """Decap's backend block for this build, or None: no editor."""
    if settings.get("PRODUCTION"):
        backend = settings["EDITOR_BACKEND"]
        return dict(backend) if backend else None
    return {"name": "proxy", "proxy_url": settings["EDITOR_LOCAL_BACKEND"]}


def policy(settings, backend, header=False):
    """EDITOR_CSP plus the backend's origins; the <meta> version leaves out header-only directives."""
    directives = {name: list(values) for name, values in settings["EDITOR_CSP"].items()
                  if header or name not in HEADER_ONLY_DIRECTIVES}
    for name, origins in git_host.origins(backend).items():
        directives.setdefault(name, ["'self'"]).extend(origins)
    return "; ".join(f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items())


def post_fields(authors, categories, tags):
    return [
        {"name": "title", "label": "Title", "widget": "string"},
        {"name": "date", "label": "Date", "widget": "datetime", "format": DATE_FORMAT,
         "date_format": "YYYY-MM-DD", "time_format": "HH:mm", "picker_utc": True},
        {"name": "author", "label": "Author", "widget": "select", "options": authors},
        {"name": "category", "label": "Category", "widget": "select", "options": categories},
        # At least one tag in all, from the list or new (checks.js, in validate's words).
        {"name": "tags", "label": "Tags", "widget": "select", "multiple": True, "required": False,
         "options": tags, "hint": "At least one, from this list or new ones below."},
        {"name": "new_tags", "label": "New tags", "widget": "string", "required": False,
         "hint": "Tags not in the list above, separated by commas."},
        {"name": "summary", "label": "Summary", "widget": "text",
         "hint": "One or two sentences that say what the article is about."},
        {"name": "status", "label": "Status", "widget": "select", "default": "draft",
         "options": ["draft", "published"]},
        {"name": "cover", "label": "Cover", "widget": "image", "required": False,
         "hint": "Optional: a photo shown above the article and in link previews."},
        {"name": "cover_alt", "label": "Cover_alt", "widget": "string", "required": False,
         "hint": "Required with a cover: what the cover shows, for readers who cannot see it."},
        {"name": "series", "label": "Series", "widget": "string", "required": False},
        # Raw markdown only: the rich-text mode would rewrite the whole body on save.
        {"name": "body", "label": "Text", "widget": "markdown", "modes": ["raw"]},
    ]


def no_tags_message(settings):
    """validate's words for a post without tags (the file the form would write has no Tags line)."""
    from extramile.plugins.validate.validate import Source, check_source

    meta = {"title": "T", "date": "2026-01-01", "category": "C", "author": next(iter(settings["AUTHORS_INFO"]), "")}
    problems = []
    check_source(Source(path="", kind="article", meta=meta), settings, problems)
    (message,) = [problem.message for problem in problems if "Tags" in problem.message]
    return message


def site_data(settings, taken, backend):
    """What checks.js needs from the build (the page's #editor-site)."""
    from extramile.plugins.pictures.processing import SOURCE_FORMATS, too_many_pixels
    from extramile.slugs import browser_rule

    # Where checks.js re-reads a post before saving over it: decap-server's API, or
    # the git host's contents API (on a post's draft branch first, where drafts are pull requests).
    reread = None
    if backend.get("name") == "proxy":
        reread = {"kind": "proxy", "url": backend["proxy_url"], "branch": backend.get("branch", "master")}
    elif backend.get("name") in ("github", "gitea", "forgejo"):  # the same contents API on each
        api_root = backend.get("api_root", git_host.GITHUB_API)
        reread = {"kind": "contents", "url": f"{api_root}/repos/{backend['repo']}/contents/",
                  "branch": backend["branch"],
                  "drafts": None if backend["name"] in git_host.WITHOUT_WORKFLOW else git_host.DRAFT_BRANCHES}
    return {
        "messages": {**alt_messages(settings), "tags": no_tags_message(settings),
                     "pixels": too_many_pixels(settings["PICTURES_MAX_PIXELS"])},
        "slug": browser_rule(settings),
        "taken": taken,
        "pictures": {"formats": sorted(SOURCE_FORMATS - {"MPO"}),  # an MPO starts as a JPEG does
                     "max_pixels": settings["PICTURES_MAX_PIXELS"]},
        "backend": reread,
    }


def alt_messages(settings):
    """plugins/pictures' messages for a cover and a picture without alt text,
    the picture's address left as {src} (checks.js fills it in)."""
    from extramile.plugins.pictures.pictures import check_use
    from extramile.sources import Picture

    messages = {}
    for key, use in (("cover", Picture(1, "{src}", "", cover=True)), ("picture", Picture(1, "{src}", ""))):
        problems = []
        check_use("", use, os.path.join(settings["PATH"], "{src}.md"), settings, problems)
        messages[key] = problems[0].message  # then the missing file's, which the upload settles
    return messages


class EditorGenerator:
    """Makes /admin/ for one build: what the posts use is read in
    generate_context, the files are written in generate_output."""

    def __init__(self, context, settings, path, theme, output_path, **kwargs):
        self.context = context
        self.settings = settings
        self.output_path = output_path
        self.categories = []
        self.tags = []
        self.posts = []  # every post, draft and hidden one (generate_context)

    def generate_context(self):
        posts = [*self.context.get("articles", []), *self.context.get("drafts", []),
                 *self.context.get("hidden_articles", [])]
        self.categories = sorted({str(post.category) for post in posts if getattr(post, "category", None)},
                                 key=str.casefold)
        self.tags = sorted({str(tag) for post in posts for tag in getattr(post, "tags", None) or []},
                           key=str.casefold)
        self.posts = posts

    def taken_slugs(self):
        """{slug: validate's words for a new post that takes it}. Worked out in
        generate_output, after the edited page is written (speedups' RENDER_FIRST):
        a path and a message per post, 10 ms of the author's loop at 1000 posts."""
        from extramile.plugins.validate.validate import slug_taken

        taken = {}
        root = os.path.dirname(os.path.normpath(self.settings["PATH"]))
        for post in sorted(self.posts, key=lambda post: post.source_path):  # the first has it, as validate says
            if post.slug and post.slug not in taken:
                taken[post.slug] = slug_taken(post.slug, os.path.relpath(post.source_path, root))
        return taken

    def config(self, backend):
        # Paths as decap-server sees them: from the site's root, the folder holding content/.
        content = os.path.basename(os.path.normpath(self.settings["PATH"]))
        posts_folder = os.path.join(content, self.settings["ARTICLE_PATHS"][0])
        return {
            "backend": backend,
            **(git_host.publish_mode(backend) if self.settings.get("PRODUCTION") else {}),
            "media_folder": os.path.join(content, "images"),
            "public_folder": "images",
            "collections": [{
                "name": "posts", "label": "Posts", "label_singular": "Post",
                "folder": posts_folder, "extension": "md", "format": FORMAT_NAME,
                # A new post's file is named by the Slug checks.js gives it, as new-post names it.
                "create": True, "slug": "{{fields.slug}}", "summary": "{{title}}",
                "fields": post_fields(list(self.settings.get("AUTHORS_INFO", {})), self.categories, self.tags),
            }],
        }

    def theme_asset(self, name):
        """A theme file's address from /admin/ (plugins/theme_context's fingerprinted name), or ""."""
        url = (self.settings.get("THEME_ASSETS") or {}).get(name)
        return f"../{url}" if url else ""

    def icon(self):
        url = self.theme_asset("favicon.svg")
        return f'\n<link rel="icon" href="{escape(url)}" type="image/svg+xml">' if url else ""

    @staticmethod
    def copy_script(folder, path):
        """Copy one of our scripts into `folder`, named by its content; return the name."""
        with open(path, "rb") as f:
            data = f.read()
        stem = os.path.splitext(os.path.basename(path))[0]
        name = f"{stem}.{sha10(data)}.js"
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        return name

    def copy_bundle(self):
        """Copy the CMS bundle into a folder named by its hash; return that name.
        A kept output folder already holding it is left alone."""
        bundle = f"decap-cms-{sha10((BUNDLE_DIR / BUNDLE_MAIN).read_bytes())}"
        kept = self.settings["EDITOR_PATH"] in self.settings["OUTPUT_RETENTION"]
        root = self.settings.get("SITE_OUTPUT_PATH", self.output_path) if kept else self.output_path
        admin = os.path.join(root, self.settings["EDITOR_PATH"])
        target = os.path.join(admin, bundle)
        if os.path.isdir(target):
            return bundle  # complete: it is moved into place only once written
        partial = os.path.join(admin, f".{bundle}-partial")
        shutil.rmtree(partial, ignore_errors=True)
        os.makedirs(partial)
        for name in bundle_files():
            shutil.copyfile(BUNDLE_DIR / name, os.path.join(partial, name))
        for old in os.listdir(admin):  # an earlier version's bundle
            if old.startswith("decap-cms-") and old != bundle:
                shutil.rmtree(os.path.join(admin, old), ignore_errors=True)
        os.rename(partial, target)
        return bundle

    def generate_output(self, writer):
        backend = chosen_backend(self.settings)
        if backend is None:
            logger.info("editor: no EDITOR_BACKEND in production, so no /admin/ editor")
            return
        if not os.path.exists(BUNDLE_DIR / BUNDLE_MAIN):
            if self.settings.get("PRODUCTION"):  # asked for by EDITOR_BACKEND: never publish without it
                raise SystemExit(f"Build stopped: EDITOR_BACKEND is set but {BUNDLE_DIR / BUNDLE_MAIN} is missing: "
                                 "run `npm ci` (or unset EDITOR_BACKEND to publish without the editor).")
            logger.warning("editor: %s is missing, so no /admin/ editor: run `npm ci`", BUNDLE_DIR / BUNDLE_MAIN)
            return
        folder = os.path.join(self.output_path, self.settings["EDITOR_PATH"])
        os.makedirs(folder, exist_ok=True)
        bundle = self.copy_bundle()
        format_name, preview_name, slug_name, checks_name = (
            self.copy_script(folder, path) for path in (FORMAT_JS, PREVIEW_JS, SLUG_JS, CHECKS_JS))
        with open(os.path.join(folder, "config.yml"), "w", encoding="utf-8") as f:
            json.dump(self.config(backend), f, indent=1, ensure_ascii=False)
            f.write("\n")
        page = PAGE.format(
            lang=escape(self.settings.get("DEFAULT_LANG", "en")),
            csp=escape(policy(self.settings, backend), quote=False).replace('"', "&quot;"),
            title=escape(f"Editor · {self.settings.get('SITENAME', '')}"),
            bundle=f"{bundle}/{BUNDLE_MAIN}", format=format_name, icon=self.icon(),
            preview=preview_name, style=escape(self.theme_asset("css/style.css")),
            slug=slug_name, checks=checks_name,
            # JSON in a data block: "<" written as \u003c, so no text in it can end the element.
            site=json.dumps(site_data(self.settings, self.taken_slugs(), backend), ensure_ascii=False).replace("<", "\\u003c"))
        with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as f:
            f.write(page)


PAGE = """\
<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{title}</title>
<link href="config.yml" type="text/yaml" rel="cms-config-url">{icon}
</head>
<body>
<script src="{bundle}"></script>
<script src="{format}"></script>
<script src="{preview}" data-style="{style}"></script>
<script src="{slug}"></script>
<script type="application/json" id="editor-site">{site}</script>
<script src="{checks}"></script>
</body>
</html>
"""


def configure(pelican):
    settings = pelican.settings
    add_defaults(settings, DEFAULTS)
    if not settings.get("DELETE_OUTPUT_DIRECTORY"):
        # A kept output folder keeps the bundle between builds (module docstring).
        settings["OUTPUT_RETENTION"] = [*settings["OUTPUT_RETENTION"], settings["EDITOR_PATH"]]
    backend = chosen_backend(settings)
    settings["EDITOR_CSP_HEADER"] = policy(settings, backend, header=True) if backend else ""


def get_generators(pelican):
    return EditorGenerator


def register():
    signals.initialized.connect(configure)
    signals.get_generators.connect(get_generators)
