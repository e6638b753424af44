"""Reply text: markdown from strangers, rendered and then sanitised.

Markdown passes raw HTML through, so nh3 (bindings to the Rust Ammonia
sanitiser) cleans the result with a short allowlist: no attribute but `href`,
only http(s) and mailto links, every link `rel="nofollow ugc noopener"`, no
images, styles, scripts or comments.

Ammonia's scheme list lets relative addresses through, and a browser reads
some of them as another site: `//evil.example`, `/\\evil.example`,
`http:/evil.example` on an https page, `https:///evil.example`. So an href
stays only in its plain absolute form (LINK below); every other link becomes
its text.
"""

import re

import markdown
import nh3

TAGS = {"p", "br", "em", "strong", "a", "blockquote", "code", "pre", "ul", "ol", "li"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
# scheme://host... with nothing a browser would reread (no backslash, no third
# slash, no space), or mailto:something.
LINK = re.compile(r"(?i)(?:https?://[^/\\?#\s@][^\\\s]*|mailto:[^\s/\\][^\s]*)")
LINK_REL = "nofollow ugc noopener"
# A link whose address was refused keeps only the rel Ammonia adds; an <a rel>
# without href is invalid HTML, so it becomes its text. Links cannot nest, and
# Ammonia writes every tag the same way, so the next </a> closes it.
HREFLESS_LINK = re.compile(f'<a rel="{LINK_REL}">(.*?)</a>', re.DOTALL)


def render(text):
    """Safe HTML of a reply's markdown text."""
    html = markdown.markdown(text, output_format="html")
    html = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=only_href, url_schemes=URL_SCHEMES,
                     link_rel=LINK_REL, strip_comments=True)
    return HREFLESS_LINK.sub(r"\1", html).strip()


def only_href(tag, attribute, value):
    """Ammonia keeps `lang` and `title` on every tag by default: only href
    stays (in its absolute form), and the rel it sets itself (a reader's own
    rel is not allowed)."""
    if attribute == "href":
        return value if LINK.fullmatch(value) else None
    return value if attribute == "rel" else None
