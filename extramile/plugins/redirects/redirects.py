"""Redirects: every old address of a post or page keeps leading to it.

A source's `Aliases:` line lists its old paths (plugins/redirects/paths.py
says what one may be; validate checks them, with file and line). For each,
this plugin writes a refresh page at the old path (`<alias>/index.html`): a
`<meta http-equiv="refresh">` to the new page, its canonical link, `noindex`
and a plain link, with no script or style (any host, no JavaScript, the CSP).
Each path in the GONE setting gets the theme's "This article was removed" page
(templates/removed.html, `noindex`), rendered by RemovedPages, a generator of
each build, through Pelican's writer: the site's stylesheet, header and links,
at the domain's root, under a sub-path and with RELATIVE_URLS. `_redirects`
(Netlify, Cloudflare Pages: REDIRECTS_HOST) says the same with real statuses,
a 410 whose body is that page; `invoke nginx-config` and the S3 target read it
(deploy/nginx.py, deploy/s3.py), so it is the one list of the site's redirects.

The refresh pages are written straight into the output, not through Pelican's
writer, and the removed pages are written with `page_noindex` (which
plugins/sitemap_robots leaves out): the sitemap lists only the new addresses. With
PAGES_REPORT set (`invoke publish` sets it), the build's posts and pages are
listed there, for the deploy's check that no page disappears (deploy/moves.py).
"""

import html
import json
import os
import posixpath
from urllib.parse import urlsplit

from pelican import signals
from pelican.generators import Generator

from extramile.buildcache import add_defaults
from extramile.plugins.redirects.paths import file_of, split_list, valid_paths

DEFAULTS = {
    "GONE": [],  # paths deliberately removed (pelicanconf.py)
    "REDIRECTS_FILE": "_redirects",
    "REDIRECTS_HOST": "netlify",  # whose _redirects rules: netlify or cloudflare (HOSTS)
    "PAGES_REPORT": "",  # where to list the build's posts and pages (invoke publish)
}

REFRESH = """\
<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="robots" content="noindex">
<link rel="icon" href="{icon}" type="image/svg+xml">
<meta http-equiv="refresh" content="0; url={relative}">
<link rel="canonical" href="{canonical}">
<title>Moved: {title}</title>
</head>
<body>
<p>This page has moved to <a href="{relative}">{title}</a>.</p>
</body>
</html>
"""


# What each host's `_redirects` accepts (docs/links.md cites their documentation):
# Netlify serves a file that exists at the old path (the refresh page) unless the
# status is forced with "!", and gives any status, 410 included. Cloudflare Pages
# always applies a rule, takes only 200, 301, 302, 303, 307 and 308, and ignores
# a line whose status is anything else ("301!", "410"): there the "removed" page
# at the path answers, with 200. On Netlify a gone path's rule rewrites to that
# same page with 410 ("With any other status code Netlify will render the target
# url with the specified status code"), forced past the file that shadows it.
HOSTS = {"netlify": {"moved": "301!", "gone": "410!"}, "cloudflare": {"moved": "301", "gone": None}}


class Redirects:
    """One build's redirects: {old path: the post or page it leads to} and the gone paths."""

    def __init__(self, settings, contents):
        self.settings = settings
        self.prefix = urlsplit(settings["SITEURL"]).path.rstrip("/")
        self.contents = contents
        self.moves = {path: content for content in contents
                      for path in valid_paths(split_list(content.metadata.get("aliases", "")))}
        self.gone = valid_paths(settings["GONE"])

    @staticmethod
    def relative(target, old):
        """`target` (a URL relative to the site's root) as a link from the page at `old`:
        right at the domain's root, under a sub-path and in a folder opened from disk."""
        link = posixpath.relpath(target or ".", posixpath.dirname(file_of(old)) or ".")
        return link + "/" if (target.endswith("/") or not target) and not link.endswith("/") else link

    def write(self, output):
        esc, settings = html.escape, self.settings
        icon = settings.get("THEME_ASSETS", {}).get("favicon.svg", "")
        site = settings["SITEURL"].rstrip("/")
        for old, content in self.moves.items():
            path = os.path.join(output, *file_of(old).split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(REFRESH.format(
                    lang=esc(settings.get("DEFAULT_LANG", "en")), csp=esc(settings.get("CSP_META", "default-src 'none'")),
                    icon=esc(self.relative(icon, old) if icon else "data:,"),
                    relative=esc(self.relative(content.url, old)), title=esc(content.title),
                    canonical=esc(f"{site}/{content.url}")))
        lines = self.redirect_lines()
        if lines and settings["REDIRECTS_FILE"]:
            with open(os.path.join(output, settings["REDIRECTS_FILE"]), "w", encoding="utf-8") as f:
                f.write("# Generated by plugins/redirects from Aliases: lines and GONE. Edit those.\n")
                f.write("".join(line + "\n" for line in lines))

    def redirect_lines(self):
        """`_redirects` lines as REDIRECTS_HOST takes them (HOSTS): a 301 from each old path; a gone
        path serves its own "removed" page with status 410 where the host gives one."""
        statuses = HOSTS[self.settings["REDIRECTS_HOST"]]
        lines = [f"{self.prefix}/{old} {self.prefix}/{content.url} {statuses['moved']}"
                 for old, content in self.moves.items()]
        if statuses["gone"]:
            lines += [f"{self.prefix}/{old} {self.prefix}/{file_of(old)} {statuses['gone']}" for old in self.gone]
        return lines

    def report(self, path):
        """The build's posts and pages, for the deploy's check (deploy/moves.py)."""
        pages = {content.save_as: {"title": content.title, "slug": content.slug,
                                   "date": content.date.strftime("%Y-%m-%d") if getattr(content, "date", None) else "",
                                   "source": os.path.relpath(content.source_path, os.path.dirname(self.settings["PATH"])),
                                   "aliases": content.metadata.get("aliases", "")}
                 for content in self.contents if content.save_as}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(pages, f, indent=0, sort_keys=True)


def set_defaults(pelican):
    add_defaults(pelican.settings, DEFAULTS)


def write_redirects(generators):
    """all_generators_finalized: every post and page has its final URL; writing has not started."""
    context = generators[0].context
    settings = generators[0].settings
    contents = [*context.get("articles", []), *context.get("pages", []), *context.get("hidden_pages", [])]
    redirects = context["redirects"] = Redirects(settings, contents)
    redirects.write(generators[0].output_path)
    if settings["PAGES_REPORT"]:
        redirects.report(settings["PAGES_REPORT"])


class RemovedPages(Generator):
    """The "removed" page at each GONE path, rendered with the theme (templates/removed.html)
    once every page of the site is known, as Pelican writes its direct templates."""

    def generate_output(self, writer):
        template = self.get_template("removed")
        for old in self.context["redirects"].gone:  # write_redirects made it (all_generators_finalized)
            writer.write_file(file_of(old), template, self.context, relative_urls=self.settings["RELATIVE_URLS"],
                              template_name="removed", page_name=file_of(old).removesuffix(".html"),
                              url=old, page_noindex=True)


def removed_pages(pelican):
    return RemovedPages


def register():
    signals.initialized.connect(set_defaults)
    signals.all_generators_finalized.connect(write_redirects)
    # get_generators: RemovedPages, whose generate_output writes the "removed" pages.
    signals.get_generators.connect(removed_pages)
