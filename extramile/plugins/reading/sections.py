"""An article's sections: a link to each heading, and the table of contents.

Heading ids come from Markdown's ``toc`` extension: the slug of the heading's
own text, so editing anything else keeps every link to a section working.
Both are made from the article's HTML when its page is rendered, not in the
reader: feeds and the search index keep the plain body.
"""

import html
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# A heading with an id, levels 2 to 4 (the article's title is the page's h1).
HEADING = re.compile(r"<h([2-4])(\s[^>]*?)?\sid=\"([^\"]+)\"([^>]*)>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
# The levels listed in the table of contents: sections and their sub-sections.
CONTENTS_LEVELS = (2, 3)


@dataclass
class Section:
    level: int
    id: str
    text: str  # plain text of the heading
    children: list = field(default_factory=list)


@dataclass
class Body:
    """The article's body split after its introduction, and its contents."""

    intro: Markup
    rest: Markup
    contents: list  # top-level Sections (children nested); empty: no table of contents


def plain(inner_html):
    """A heading's text: tags dropped, entities decoded, spaces made plain."""
    return " ".join(html.unescape(TAG.sub("", inner_html)).split())


def section_link(level, before, ident, after, inner, text):
    """The heading, and after it a link to it that says what it is."""
    return ('<div class="section-heading">'
            f"<h{level}{before or ''} id=\"{ident}\"{after}>{inner}</h{level}>"
            f'<a class="section-link" href="#{ident}" data-pagefind-ignore>'
            '<span aria-hidden="true">#</span>'
            f'<span class="visually-hidden">Link to this section: {escape(text)}</span></a>'
            "</div>")


def nest(sections):
    """Sub-sections under the section before them."""
    top = []
    for section in sections:
        if top and section.level > top[-1].level:
            top[-1].children.append(section)
        else:
            top.append(section)
    return top


# What a post's `Contents:` line may say (validate refuses anything else).
CONTENTS_ON, CONTENTS_OFF = {"yes", "true", "on", "show"}, {"no", "false", "off", "hide"}


def wants_contents(setting, count, minimum):
    """`Contents: yes/no` in a post forces it; otherwise `minimum` sections or more."""
    value = str(setting or "").strip().lower()
    if value in CONTENTS_ON:
        return count > 0
    if value in CONTENTS_OFF:
        return False
    return count >= minimum


def article_body(content, contents_setting=None, minimum=3):
    """Body(intro, rest, contents) of an article's HTML: one pass over its headings."""
    content = str(content)
    found = []

    def link(match):
        level, before, ident, after, inner = match.groups()
        text = plain(inner)
        if int(level) in CONTENTS_LEVELS:
            found.append(Section(int(level), html.unescape(ident), text))
        return section_link(level, before, ident, after, inner, text)

    first = HEADING.search(content)
    if first is None:
        return Body(Markup(content), Markup(""), [])
    rest = HEADING.sub(link, content[first.start():])
    contents = nest(found) if wants_contents(contents_setting, len(found), minimum) else []
    return Body(Markup(content[:first.start()]), Markup(rest), contents)
