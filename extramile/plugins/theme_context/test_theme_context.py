"""Fast tests of theme_context: the palette (colours typed once, in style.css)
and the JSON-LD builder. In-process, no Pelican run."""

import datetime
import json
import re
from types import SimpleNamespace

import pytest
from jinja2 import Environment

from extramile import ROOT
from extramile.plugins.theme_context import palette
from extramile.plugins.theme_context.jsonld import jsonld
from extramile.plugins.theme_context.theme_context import WITH_TOKENS, built_files

THEME = ROOT / "theme"
COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(")


# -- Palette -------------------------------------------------------------------
def test_the_theme_palette_has_the_tokens_with_light_and_dark_values():
    tokens = palette.theme_palette(THEME)
    assert tokens["--color-bg"] == ("#fbfaf7", "#15181b")
    assert tokens["--color-accent-contrast"] == ("#ffffff", "#0c1a19")
    # A reference is followed, per scheme.
    assert palette.colour(tokens, "--color-link") == "#0a6a64"
    assert palette.colour(tokens, "--color-link", "dark") == "#63d3c8"


def test_a_missing_token_fails_naming_it_and_the_file():
    tokens = palette.parse_tokens(":root {\n  --color-bg: light-dark(#fff, #000);\n}")
    with pytest.raises(palette.PaletteError, match=r"no colour token --color-text in the :root block of css/style.css"):
        palette.colour(tokens, "--color-text")
    with pytest.raises(palette.PaletteError, match="--color-accent"):
        palette.insert_tokens(tokens, "/* palette */ a { color: var(--color-accent) }", "feed.css")


def test_commented_tokens_are_not_tokens():
    tokens = palette.parse_tokens(":root {\n  /* --color-old: #fff; */\n  --color-bg: #fff;\n}")
    assert tokens == {"--color-bg": ("#fff", "#fff")}


def test_a_token_in_another_form_fails_naming_file_and_line():
    css = (":root {\n  color-scheme: light dark;\n  /* --color-old: gone;\n  */ --color-bg: light-dark(#fff, #000);\n"
           "  --color-text: color-mix(in srgb, red, blue);\n}")
    with pytest.raises(palette.PaletteError, match=r"^x\.css:5: --color-text: write light-dark"):
        palette.parse_tokens(css, source="x.css")
    with pytest.raises(palette.PaletteError, match=r"x\.css: no :root"):
        palette.parse_tokens("body { color: red }", source="x.css")


def test_tokens_referring_to_each_other_fail():
    tokens = palette.parse_tokens(":root { --color-a: var(--color-b); --color-b: var(--color-a); }")
    with pytest.raises(palette.PaletteError, match="refer to each other"):
        palette.colour(tokens, "--color-a")


def test_a_theme_file_needs_exactly_one_marker():
    tokens = palette.theme_palette(THEME)
    with pytest.raises(palette.PaletteError, match=r"feed\.css: needs exactly one /\* palette \*/ marker"):
        palette.insert_tokens(tokens, "a { color: var(--color-text) }", "feed.css")


def test_built_files_define_every_token_they_use_with_the_palette_values():
    tokens = palette.theme_palette(THEME)
    built = {rel: data.decode("utf-8") for rel, data in built_files(THEME).items()}
    assert set(built) == set(WITH_TOKENS)
    for rel, text in built.items():
        assert palette.MARKER not in text, rel
        used = set(re.findall(r"var\((--color-[\w-]+)\)", text))
        assert used, rel
        for name in used:
            light, dark = tokens[name]
            assert f"{name}:{light};" in text, (rel, name)
            if dark != light:
                assert text.count(f"{name}:{dark};") == 1 and "prefers-color-scheme:dark" in text, (rel, name)


def test_no_colour_is_typed_outside_the_tokens():
    """The palette is typed once: the :root tokens of style.css. Every other
    theme file and the plugins that draw take their colours from there."""
    tokens_block = palette.ROOT_BLOCK.search((THEME / "static" / palette.TOKENS_FILE).read_text()).group(0)
    files = [*THEME.rglob("*.css"), *THEME.rglob("*.svg"), *THEME.rglob("*.html"), *THEME.rglob("*.js"),
             *(ROOT / "extramile" / "plugins" / "social_images").glob("[!t]*.py")]  # not its tests
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.name == "style.css":
            text = text.replace(tokens_block, "")
        found += [f"{path.relative_to(ROOT)}: {m[0]}" for m in COLOUR_LITERAL.finditer(text)]
    assert found == []


def test_every_colour_used_by_the_theme_is_a_token():
    tokens = palette.theme_palette(THEME)
    for path in (THEME / "static").rglob("*.*"):
        if path.suffix in (".css", ".svg"):
            for name in re.findall(r"var\((--color-[\w-]+)\)", path.read_text(encoding="utf-8")):
                assert name in tokens, (path.name, name)


# -- JSON-LD -------------------------------------------------------------------
def render_jsonld(**context):
    env = Environment(autoescape=True)
    env.globals["jsonld"] = jsonld
    template = env.from_string(
        "{% for block in jsonld(page_schema, page_breadcrumbs) %}"
        '<script type="application/ld+json">{{ block|tojson }}</script>\n{% endfor %}')
    settings = {"SITE_ABSURL": "https://example.org/blog", "SITENAME": "The Extra Mile",
                "SITEDESCRIPTION": "Service stories.", "SEARCH_URL": "search/", "SOCIAL_IMAGE_LOGO": "social/logo.png",
                "AUTHORS_INFO": {"Ann": {"bio": "Writes.", "links": [("Site", "https://ann.example")]}}}
    return template.render(**settings, **context)


def blocks(html):
    return [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]


def test_blogposting_and_breadcrumbs_built_once_for_an_article():
    person = SimpleNamespace(name="Ann", url="author/ann/")
    article = SimpleNamespace(
        title="Less </script><b>than</b> & more", summary="<p>A summary.</p>", author=person,
        date=datetime.datetime(2026, 11, 20, 9, 0), modified=None, url="posts/less/",
        category=SimpleNamespace(name="Service"), tags=[SimpleNamespace(name="trust")],
        social_image="social/less.png", lang="en")
    html = render_jsonld(article=article, page_schema="BlogPosting",
                         page_breadcrumbs=[("Home", ""), ("Service", "category/service/")])
    # Serialised once, safely: no text can end the <script> or start a tag.
    assert "</script><b>" not in html and "<b>" not in html
    posting, trail = blocks(html)
    assert posting["@type"] == "BlogPosting"
    assert posting["headline"] == "Less than & more"  # tags stripped, like the page's title
    assert posting["description"] == "A summary."
    assert posting["author"] == {"@type": "Person", "name": "Ann", "url": "https://example.org/blog/author/ann/"}
    assert posting["datePublished"] == posting["dateModified"] == "2026-11-20T09:00:00"
    assert posting["keywords"] == ["trust"] and posting["url"] == posting["mainEntityOfPage"]
    assert posting["publisher"]["logo"]["url"] == "https://example.org/blog/social/logo.png"
    assert trail["@type"] == "BreadcrumbList"
    assert [(i["position"], i["name"], i["item"]) for i in trail["itemListElement"]] == [
        (1, "Home", "https://example.org/blog/"), (2, "Service", "https://example.org/blog/category/service/")]


def test_profile_page_and_web_site():
    [profile] = blocks(render_jsonld(author=SimpleNamespace(name="Ann", url="author/ann/"), page_schema="ProfilePage"))
    assert profile["mainEntity"] == {"@type": "Person", "name": "Ann", "description": "Writes.",
                                     "url": "https://example.org/blog/author/ann/", "sameAs": ["https://ann.example"]}
    [site] = blocks(render_jsonld(page_schema="WebSite"))
    assert site["potentialAction"]["target"]["urlTemplate"] == "https://example.org/blog/search/?q={search_term_string}"
    assert blocks(render_jsonld(page_schema=None)) == []


def test_an_unknown_schema_fails_clearly():
    with pytest.raises(ValueError, match="page_schema 'Recipe': the theme builds JSON-LD for BlogPosting"):
        render_jsonld(page_schema="Recipe")
