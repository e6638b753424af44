"""Reading, sharing and following a long article.

* Contents and anchors (sections.py): every h2-h4 with an id gets a link to
  itself; an article with ``CONTENTS_MIN_SECTIONS`` (3) or more h2/h3 shows a
  table of contents after its introduction. ``Contents: yes`` or ``no`` in a
  post forces it on or off.
* Series (series.py): ``Series:`` and ``Series_index:`` lines, a page, feeds
  and an index of series.
* Sharing (sharing.py): share links, the fediverse handles of AUTHORS_INFO,
  ``EDIT_URL`` for "Suggest a correction".

Templates call the Jinja globals ``article_body(article)``,
``share_links(article)``, ``fediverse(handle)`` and ``edit_url(article)``.
"""

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

from extramile.buildcache import add_defaults
from extramile.plugins.reading import sections, series, sharing

DEFAULTS = {
    **series.DEFAULTS,
    # An article with this many sections (h2 and h3) or more shows its contents.
    "CONTENTS_MIN_SECTIONS": 3,
    # e.g. "https://github.com/OWNER/REPO/edit/main/content/{path}": adds
    # "Suggest a correction" to each article; {path} is its file in content/.
    "EDIT_URL": None,
}


def set_defaults(pelican):
    add_defaults(pelican.settings, DEFAULTS)


@pass_context
def article_body(context, article):
    return sections.article_body(article.content, article.metadata.get("contents"),
                                 context.get("CONTENTS_MIN_SECTIONS", 3))


@pass_context
def share_links(context, article):
    url = f"{context['SITE_ABSURL']}/{article.url}"
    return sharing.share_links(Markup(article.title).striptags(), url)


@pass_context
def edit_url(context, article):
    return sharing.edit_url(context.get("EDIT_URL"), getattr(article, "relative_source_path", None))


def add_globals(generator):
    env = generator.env.globals
    env["article_body"] = article_body
    env["share_links"] = share_links
    env["edit_url"] = edit_url
    env["fediverse"] = sharing.fediverse


def register():
    signals.initialized.connect(set_defaults)
    signals.generator_init.connect(add_globals)
    signals.article_generator_finalized.connect(series.add_series)
    signals.article_writer_finalized.connect(series.write_series)
