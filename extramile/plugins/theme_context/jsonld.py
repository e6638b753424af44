"""JSON-LD (schema.org) of every page, built in one place.

A page template names what it is with ``page_schema`` ("BlogPosting",
"ProfilePage", "WebSite" or none) and its trail with ``page_breadcrumbs``
([(name, path from the site's root)]); ``partials/seo_head.html`` calls
``jsonld()`` and writes each dict once through Jinja's ``tojson``, which
escapes ``<``, ``>``, ``&`` and ``'`` so no text can close the <script>.
"""

from jinja2 import pass_context

SCHEMA = "https://schema.org"


def blog_posting(context, absurl, text):
    article = context["article"]
    page = f"{absurl}/{article.url}"
    posting = {
        "@context": SCHEMA,
        "@type": "BlogPosting",
        "headline": text(article.title),
        "description": text(article.summary),
        "author": {"@type": "Person", "name": article.author.name, "url": f"{absurl}/{article.author.url}"},
        "datePublished": article.date.isoformat(),
        "dateModified": (getattr(article, "modified", None) or article.date).isoformat(),
        "articleSection": article.category.name,
        "keywords": [tag.name for tag in getattr(article, "tags", [])],
        "mainEntityOfPage": page,
        "url": page,
        "publisher": {"@type": "Organization", "name": context["SITENAME"], "url": f"{absurl}/"},
        "inLanguage": article.lang,
        **replies_schema(article, page, text),
        **series_of(article, absurl),
    }
    # The cover's 1200x630 crop (the pictures plugin), else the generated card (social_images).
    cover = getattr(article, "cover", None)
    image = cover.social if cover else getattr(article, "social_image", None)
    if image:
        posting["image"] = {"@type": "ImageObject", "url": f"{absurl}/{image}", "width": 1200, "height": 630}
    if context.get("SOCIAL_IMAGE_LOGO"):
        posting["publisher"]["logo"] = {"@type": "ImageObject", "url": f"{absurl}/{context['SOCIAL_IMAGE_LOGO']}",
                                        "width": 512, "height": 512}
    return posting


def replies_schema(article, page, text):
    """The readers' replies (plugins/replies) as schema.org Comments, answers nested."""
    def comment(reply):
        author = {"@type": "Person", "name": reply.author}
        if reply.website:
            author["url"] = reply.website
        entry = {"@type": "Comment", "@id": f"{page}#reply-{reply.id}", "url": f"{page}#reply-{reply.id}",
                 "author": author, "datePublished": reply.date.isoformat(), "text": text(reply.html)}
        if reply.answers:
            entry["comment"] = [comment(answer) for answer in reply.answers]
        return entry

    replies = getattr(article, "replies", [])
    return {"commentCount": getattr(article, "reply_count", 0), "comment": [comment(r) for r in replies]}


def series_of(article, absurl):
    """A part of a series (plugins/reading) is part of a CreativeWorkSeries."""
    part = getattr(article, "series_part", None)
    if part is None:
        return {}
    return {"isPartOf": {"@type": "CreativeWorkSeries", "name": part.series.name,
                         "url": f"{absurl}/{part.series.url}"},
            "position": part.number}


def profile_page(context, absurl, text):
    author = context["author"]
    info = context["AUTHORS_INFO"].get(author.name, {})
    return {
        "@context": SCHEMA,
        "@type": "ProfilePage",
        "mainEntity": {
            "@type": "Person",
            "name": author.name,
            "description": info.get("bio", ""),
            "url": f"{absurl}/{author.url}",
            "sameAs": [url for _label, url in info.get("links", [])],
        },
    }


def web_site(context, absurl, text):
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": context["SITENAME"],
        "description": context["SITEDESCRIPTION"],
        "url": f"{absurl}/",
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint",
                       "urlTemplate": f"{absurl}/{context['SEARCH_URL']}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


BUILDERS = {"BlogPosting": blog_posting, "ProfilePage": profile_page, "WebSite": web_site}


def breadcrumb_list(absurl, breadcrumbs):
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": position, "name": name, "item": f"{absurl}/{path}"}
                            for position, (name, path) in enumerate(breadcrumbs, start=1)],
    }


@pass_context
def jsonld(context, schema=None, breadcrumbs=None):
    """The page's JSON-LD blocks: its own (`schema`), then its breadcrumb trail."""
    absurl = context["SITE_ABSURL"]
    text = context.environment.filters["striptags"]  # titles and summaries as plain text
    blocks = []
    if schema:
        if schema not in BUILDERS:
            raise ValueError(f"page_schema {schema!r}: the theme builds JSON-LD for {', '.join(BUILDERS)}")
        blocks.append(BUILDERS[schema](context, absurl, text))
    if breadcrumbs:
        blocks.append(breadcrumb_list(absurl, breadcrumbs))
    return blocks
