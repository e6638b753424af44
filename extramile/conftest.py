"""Fixtures for the fast tests beside each plugin: a tiny in-process Pelican
build with the real settings and theme, a few posts, and the plugins asked for."""

import contextlib
import textwrap
import weakref

import blinker
import pytest
from pelican import Pelican, signals
from pelican.settings import read_settings

from extramile import ROOT

POST = """\
Title: {title}
Date: {date}
Author: The Editors
Category: Stories
Tags: service, {tag}
Summary: A short summary of {title}.

A paragraph with a [relative link](../other/) and an [outside one](https://example.org/).
"""

# Pelican's signals are the process's: receivers a build's plugins connect stay
# connected. Each tiny build disconnects what it connected, so the next test's
# build runs only its own plugins.
SIGNALS = [s for s in vars(signals).values() if isinstance(s, blinker.Signal)]
THEME_PLUGINS = ["extramile.plugins.pictures", "extramile.plugins.reading"]
NAMED = ("sitemap", "optimize", "minify", "compress", "deploy")  # pelican-granular-signals


@contextlib.contextmanager
def own_receivers():
    every = [*SIGNALS, *(blinker.signal(name) for name in NAMED)]
    before = {signal: set(signal.receivers) for signal in every}
    try:
        yield
    finally:
        for signal in every:
            for receiver_id in set(signal.receivers) - before[signal]:
                receiver = signal.receivers.get(receiver_id)
                receiver = receiver() if isinstance(receiver, weakref.ref) else receiver
                if receiver is not None:
                    signal.disconnect(receiver)


def write_posts(content, posts):
    (content / "posts").mkdir(parents=True, exist_ok=True)
    (content / "pages").mkdir(exist_ok=True)
    for name, text in posts.items():
        (content / "posts" / f"{name}.md").write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def tiny_build(tmp_path):
    """tiny_build(plugins, posts=None, conf="pelicanconf.py", **settings) -> output folder.

    Builds `posts` ({name: markdown}; two ordinary posts by default) with
    pelicanconf.py (or publishconf.py) and only `plugins` (import names)."""

    def build(plugins, posts=None, conf="pelicanconf.py", **override):
        content = tmp_path / "content"
        if posts is None:
            posts = {"first": POST.format(title="First post", date="2024-01-02", tag="one"),
                     "second": POST.format(title="Second post", date="2024-02-03", tag="two")}
        write_posts(content, posts)
        output = tmp_path / "output"
        settings = read_settings(str(ROOT / conf), override={
            "PATH": str(content), "OUTPUT_PATH": str(output), "CACHE_PATH": str(tmp_path / "cache"),
            # The theme's templates use the pictures plugin's |pictures filter and reading's globals.
            "PLUGINS": [*plugins, *THEME_PLUGINS], "STATIC_PATHS": [], "SUBSCRIBE_PROVIDER": "none", **override})
        with own_receivers():
            Pelican(settings).run()
        return output

    return build
