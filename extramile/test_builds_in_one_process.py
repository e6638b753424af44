"""Two different builds in one process do not see each other: our plugins keep
a build's state on that build's own objects, never in their modules."""

import textwrap

import pytest
from pelican import Pelican, signals
from pelican.settings import read_settings
from PIL import Image

from extramile import ROOT
from extramile.conftest import own_receivers

PLUGINS = ["extramile.plugins.schedule", "extramile.plugins.validate", "extramile.plugins.subscribe",
           "extramile.plugins.replies", "extramile.plugins.theme_context", "extramile.plugins.typeset",
           "extramile.plugins.pictures", "extramile.plugins.reading", "extramile.plugins.drafts",
           "extramile.plugins.social_images", "extramile.plugins.sitemap_robots", "extramile.plugins.host_headers"]

POST = """\
Title: {title}
Date: {date}
Author: The Editors
Category: {category}
Tags: {tag}
Summary: A post about {tag}.
{extra}
It's a post about {tag}. {body}
"""

SITES = {
    "a": {"posts": {"owl": dict(title="An owl's night", date="2024-01-02", category="Birds", tag="owls",
                                extra="Cover: {static}/images/owl.png\nCover_alt: An owl\n",
                                body="![A feather]({static}/images/owl.png)"),
                    "later": dict(title="Not yet", date="2030-01-01", category="Birds", tag="later", extra="",
                                  body="Scheduled.")},
          "replies": {"an-owls-night": "Author: Ada\nDate: 2024-01-03 10:00\n\nLovely owl.\n"},
          "settings": {"SITEURL": "https://a.example.org", "REPLIES": "isso", "ISSO_URL": "https://isso.a.example",
                       "SUBSCRIBE_PROVIDER": "kit", "SUBSCRIBE_ACTION": "42", "SITESUBTITLE": "Site A",
                       "HOST_HEADERS_FILE": "_headers"}},
    "b": {"posts": {"hen": dict(title="A hen", date="2024-02-03", category="Farm", tag="hens", extra="",
                                body="No picture.")},
          "replies": {},
          "settings": {"SITEURL": "https://b.example.org", "REPLIES": "email", "SUBSCRIBE_PROVIDER": "none",
                       "HOST_HEADERS_FILE": ""}},
}


def make_site(tmp_path, name, run):
    """(content folder, output folder, settings) of one of SITES."""
    site = SITES[name]
    content = tmp_path / run / "content"
    (content / "posts").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "images").mkdir()
    Image.new("RGB", (640, 480), "#336699").save(content / "images" / "owl.png")
    for slug, fields in site["posts"].items():
        (content / "posts" / f"{slug}.md").write_text(textwrap.dedent(POST.format(**fields)), encoding="utf-8")
    for slug, text in site["replies"].items():
        (content / "replies" / slug).mkdir(parents=True)
        (content / "replies" / slug / "2024-01-03-ada.md").write_text(text, encoding="utf-8")
    output = tmp_path / run / "output"
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "PATH": str(content), "OUTPUT_PATH": str(output), "CACHE_PATH": str(tmp_path / run / "cache"),
        "PLUGINS": PLUGINS, "STATIC_PATHS": ["images"], **site["settings"]})
    return content, output, settings


def build(tmp_path, name, run, fail_at_end=False):
    content, output, settings = make_site(tmp_path, name, run)
    with own_receivers():
        if not fail_at_end:
            Pelican(settings).run()
        else:  # a step at `finalized` fails (a search indexer, a deploy hook) once the pages are written
            signals.finalized.connect(stop)
            with pytest.raises(RuntimeError, match="a later step failed"):
                Pelican(settings).run()
    return {path.relative_to(output): path.read_bytes() for path in sorted(output.rglob("*")) if path.is_file()}


def stop(pelican):
    raise RuntimeError("a later step failed")


def test_a_build_after_another_in_the_same_process_is_the_same_as_before_it(tmp_path):
    alone = build(tmp_path, "b", "b-first")
    other = build(tmp_path, "a", "a", fail_at_end=True)
    after = build(tmp_path, "b", "b-after-a")
    assert after == alone
    # The other build was a different site, which wrote its pages before it failed.
    assert b"Lovely owl." in other[next(p for p in other if str(p) == "posts/an-owls-night/index.html")]
    assert not any(b"a.example.org" in data or b"owl" in data for data in after.values())


def test_a_pelican_run_again_reads_replies_and_checks_posts_again(tmp_path, capsys):
    # `pelican --autoreload` runs the same Pelican object again after each save.
    content, output, settings = make_site(tmp_path, "b", "b")
    with own_receivers():
        pelican = Pelican(settings)
        pelican.run()
        (content / "replies" / "a-hen").mkdir(parents=True)
        (content / "replies" / "a-hen" / "2024-02-04-ada.md").write_text("Author: Ada\nDate: 2024-02-04 10:00\n\n"
                                                                         "A fine hen.\n", encoding="utf-8")
        pelican.run()
        assert "A fine hen." in (output / "posts" / "a-hen" / "index.html").read_text()
        (content / "posts" / "undated.md").write_text("Title: Undated\n\nText.\n", encoding="utf-8")
        with pytest.raises(SystemExit):
            pelican.run()
    assert "undated.md:1: missing Date" in capsys.readouterr().err
