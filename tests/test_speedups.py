"""The speedups plugin changes how fast the site builds, never what it builds:
with and without it (parallel reading and rendering), every file of the
production and development builds has the same bytes, cold and after editing
one post."""

import functools
import hashlib
import os
import re
import time

import jinja2
import pytest
from conftest import PROD_SITEURL, ROOT, run_pelican

import pelicanconf
from extramile.bench import corpus

PROD_ENV = {"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "generic",
            "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"}
FAST = ["SPEEDUPS=true", "SPEEDUPS_MIN_FILES=1"]  # parallel even for the five real posts
SLOW = ["SPEEDUPS=false"]


def one_line(log):
    """Pelican's log without the wrapping and the file:line column of its console."""
    return re.sub(r"\s+", " ", re.sub(r"\s+[\w.]+\.py:\d+\s*\n", " ", log))


def split_on_two_cores(log):
    return re.search(r"speedups: shared \d+ pages and feeds between 2 cores", one_line(log))


def digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(tmp_path, name, switches, content=None, conf="publishconf.py"):
    cache = tmp_path / f"cache-{name}"
    result = run_pelican(tmp_path / name, conf=conf, env=PROD_ENV, content=content,
                         extra=["-e", f'CACHE_PATH="{cache}"', *switches])
    assert result.returncode == 0, result.log
    return result


def assert_same(fast, slow, kept_output=False):
    mine, theirs = digests(fast.output), digests(slow.output)
    assert len(mine) > 50
    if kept_output:  # development builds keep output/: pages of a deleted post stay, as in Pelican
        mine = {rel: digest for rel, digest in mine.items() if rel in theirs}
    assert sorted(mine) == sorted(theirs)
    assert [rel for rel in mine if mine[rel] != theirs[rel]] == []


@pytest.mark.parametrize("conf", ["publishconf.py", "pelicanconf.py"])
def test_real_site_is_byte_identical_with_and_without_speedups(tmp_path, conf):
    fast = build(tmp_path, "fast", FAST + ["-v"], conf=conf)
    assert "speedups: read 5 of 5 files" in fast.log  # the parallel paths really ran
    assert split_on_two_cores(fast.log)
    assert_same(fast, build(tmp_path, "slow", SLOW, conf=conf))


@pytest.mark.parametrize("conf", ["publishconf.py", "pelicanconf.py"])
def test_synthetic_corpus_cold_and_after_an_edit(tmp_path, conf):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    authors = list(pelicanconf.AUTHORS_INFO)
    for number, (slug, meta, text) in enumerate(corpus.posts(40, authors)):
        if number in (3, 4):  # a draft and a hidden post: written in development, not in production
            meta["Status"] = "draft" if number == 3 else "hidden"
        (posts / f"{slug}.md").write_text(corpus.pelican_text(meta, text), encoding="utf-8")
    content = tmp_path / "content"
    fast = build(tmp_path, "fast", FAST + ["-v"], content=content, conf=conf)
    assert "speedups: read 40 of 40 files" in fast.log
    assert split_on_two_cores(fast.log)
    assert (fast.output / "drafts").is_dir() == (conf == "pelicanconf.py")
    assert_same(fast, build(tmp_path, "slow", SLOW, content=content, conf=conf))

    edited = sorted(posts.iterdir())[20]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence, *edited*.\n", encoding="utf-8")
    fast = build(tmp_path, "fast", FAST + ["-v"], content=content, conf=conf)  # warm cache, one file to read
    assert "speedups: read 1 of 1 files" in fast.log
    if conf == "publishconf.py":  # precompress: the unchanged files' .gz come from the cache
        assert re.search(r"speedups: [1-9]\d* of \d+ compressed copies", fast.log)  # "reused" may wrap
        # ... and precompress is not handed them again just to find their copies right.
        assert "exists with correct data" not in one_line(fast.log)
    assert_same(fast, build(tmp_path, "slow", SLOW, content=content, conf=conf))


# -- The render helper: whatever goes wrong in it, the main process's pages are right.
from extramile.plugins.speedups.speedups import RenderSplit


def render_all(template, helper_does=None, count=8):
    split = RenderSplit().start()
    if split.outbox and helper_does:
        helper_does(template)
    if not split.outbox:
        # The helper takes only jobs it is far enough ahead of this process
        # on: give it time to get there.
        time.sleep(0.5)
    pages = [template.render({"n": i, "output_file": f"{i}.html"}) for i in range(count)]
    split.finish()  # in the helper: exits here
    return pages, split


def test_pages_rendered_by_the_helper_are_the_same():
    template = jinja2.Environment().from_string("page {{ n }} at {{ output_file }}")
    pages, split = render_all(template, count=40)
    assert pages == [f"page {i} at {i}.html" for i in range(40)]
    # The first jobs are left to this process; the helper did the rest.
    assert 0 < split.helpers_jobs < 40
    assert split.helper is None and jinja2.Template.render is split.previous_render


def test_a_helper_that_dies_or_gets_out_of_step_is_replaced_by_the_main_process():
    template = jinja2.Environment().from_string("page {{ n }}")
    expected = [f"page {i}" for i in range(40)]
    assert render_all(template, helper_does=lambda t: os._exit(3), count=40)[0] == expected
    # One render more in the helper: every key it sends is one position off.
    pages, split = render_all(template, helper_does=lambda t: t.render({"n": "x", "output_file": "x.html"}), count=40)
    assert pages == expected and split.helpers_jobs == 0


# -- Remembered pages: after any change, the pages taken from the cache and the
# pages rendered again make exactly the site a build from nothing makes.
def write_corpus(posts, count):
    posts.mkdir(parents=True)
    for slug, meta, text in corpus.posts(count, list(pelicanconf.AUTHORS_INFO)):
        (posts / f"{slug}.md").write_text(corpus.pelican_text(meta, text), encoding="utf-8")
    return sorted(posts.iterdir())


def change_metadata(path, name, value):
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [f"{name}: {value}" if line.startswith(f"{name}: ") else line for line in lines]
    path.write_text("\n".join(lines), encoding="utf-8")


def reuse_counts(log):
    found = re.search(r"speedups: (\d+) pages reused, (\d+)\s+rendered", re.sub(r"\s+", " ", log))
    assert found, log[-2000:]
    return int(found[1]), int(found[2])


@pytest.mark.parametrize("conf", ["pelicanconf.py", "publishconf.py"])
def test_remembered_pages_match_a_build_from_nothing_after_every_kind_of_change(tmp_path, conf):
    import shutil

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    posts = write_corpus(tmp_path / "content" / "posts", 24)
    content = tmp_path / "content"
    # SPEEDUPS_MIN_FILES: every build shares its pages with the helper. FEED_MAX_ITEMS:
    # feeds hold fewer posts than they are given (a feed's key covers the first 5).
    settings = [f'THEME="{theme}"', "SPEEDUPS_MIN_FILES=1", "FEED_MAX_ITEMS=5"]

    logs = {}

    def compare(step, extra=()):
        fast = build(tmp_path, "fast", [*FAST, *settings, *extra, "-v"], content=content, conf=conf)
        logs[step] = fast.log
        # The reference: a build from nothing, no caches, no speedups.
        shutil.rmtree(tmp_path / "cache-slow", ignore_errors=True)
        shutil.rmtree(tmp_path / "slow", ignore_errors=True)
        slow = build(tmp_path, "slow", [*SLOW, *settings, *extra], content=content, conf=conf)
        assert_same(fast, slow, kept_output=conf == "pelicanconf.py")
        return reuse_counts(fast.log)

    def fast_build(extra=()):
        return build(tmp_path, "fast", [*FAST, *settings, *extra, "-v"], content=content, conf=conf)

    assert reuse_counts(fast_build().log)[0] == 0  # cold: every page rendered, and remembered
    reused, rendered = reuse_counts(fast_build().log)
    assert rendered == 0 and reused > 100  # nothing changed: nothing rendered

    # One post's text: its page, the lists showing its reading time, the feeds with its text.
    posts[10].write_text(posts[10].read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    reused, rendered = compare("text")
    assert 0 < rendered < reused / 4
    assert split_on_two_cores(logs["text"])
    # The last post the site-wide feeds hold (the fifth newest): they change too.
    fifth = sorted(posts, key=lambda p: re.search(r"^Date: (.*)$", p.read_text(encoding="utf-8"), re.M)[1])[-5]
    fifth.write_text(fifth.read_text(encoding="utf-8") + "\nAnother closing line.\n", encoding="utf-8")
    compare("text of a feed's last post")

    # A title (neighbours' links, related posts, lists), tags, and a date (order).
    change_metadata(posts[5], "Title", "A retitled post, <em>with markup</em> & an ampersand")
    change_metadata(posts[8], "Tags", "trust, a brand new tag")
    change_metadata(posts[12], "Date", "2030-01-01 10:00")
    change_metadata(posts[14], "Date", "2011-06-01 10:00")
    compare("metadata")

    # A post added, another deleted.
    (posts[0].parent / "added.md").write_text(
        "Title: Added later\nDate: 2016-03-03 10:00\nAuthor: Ron Kaufman\nCategory: Service Culture\nTags: trust\n"
        "Summary: A post added after the first build.\n\nIts text.\n", encoding="utf-8")
    posts[3].unlink()
    compare("added and deleted")

    # A template edited in place, then a setting given on the command line.
    card = theme / "templates" / "partials" / "post_card.html"
    card.write_text(card.read_text(encoding="utf-8").replace("post-card__title", "post-card__title edited"),
                    encoding="utf-8")
    reused, rendered = compare("template")
    assert reused > 0 and rendered > 0
    assert reuse_counts(fast_build(['SITENAME="Another name"']).log)[0] == 0
    compare("setting", ['SITENAME="Another name"'])


def untouched_count(log):
    found = re.search(r"; (\d+) files untouched", re.sub(r"\s+", " ", log))
    assert found, log[-2000:]
    return int(found[1])


def test_a_kept_output_file_changed_by_hand_is_written_again(tmp_path):
    """livereload's rebuild leaves alone the files that still stand as it wrote
    them, and only those: one edited (even to the same size) or
    deleted since is checked and written again."""
    write_corpus(tmp_path / "content" / "posts", 12)
    switches = [*FAST, "-v"]

    def dev_build():
        return build(tmp_path, "dev", switches, content=tmp_path / "content", conf="pelicanconf.py")

    dev_build()
    output = tmp_path / "dev"
    before = digests(output)
    second = dev_build()
    assert reuse_counts(second.log)[1] == 0
    untouched = untouched_count(second.log)
    assert untouched > 50  # every remembered page and feed
    assert digests(output) == before

    page = next(output.glob("posts/*/index.html"))
    page.write_bytes(page.read_bytes().replace(b"<", b">", 1))  # same size, same inode
    (output / "index.html").unlink()
    feed = next(output.glob("feeds/*.xml"))
    feed.write_text("damaged", encoding="utf-8")

    third = dev_build()
    assert digests(output) == before
    assert reuse_counts(third.log)[1] == 0  # taken from the cache, not rendered again
    assert untouched_count(third.log) == untouched - 3

    # An untouched file's page is not even read back: without the remembered
    # HTML, nothing is rendered again all the same.
    for remembered in (tmp_path / "cache-dev" / "pages").glob("*.html"):
        remembered.unlink()
    assert reuse_counts(dev_build().log)[1] == 0
    assert digests(output) == before


def test_a_page_key_follows_what_the_template_read(tmp_path):
    import datetime

    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    from extramile.plugins.speedups import page_cache

    settings = {**DEFAULT_CONFIG, "CACHE_PATH": str(tmp_path)}
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{{ a.title }}"}))
    template = env.get_template("t.html")

    def article(title, source_path):
        return Article("Body text", settings=settings, source_path=source_path,
                       metadata={"title": title, "date": datetime.datetime(2026, 11, 2)})

    def key(a):
        context = {"a": a, "output_file": "x.html"}
        html, reads = page_cache.render_noting(page_cache.JINJA_RENDER, template, (context,), {})
        assert html == a.title
        return page_cache.PageCache(settings, [a]).key(template, context, reads)

    first = key(article("One", "/content/a.md"))
    assert first and first == key(article("One", "/content/a.md"))
    assert key(article("Two", "/content/a.md")) != first  # the attribute it read changed
    # The body was not read: changing it leaves the key alone.
    other = article("One", "/content/a.md")
    other._content = "Another body"
    assert key(other) == first
    # An article no later build can find again: the page is rendered every time,
    # however the template reached it.
    assert key(article("One", None)) is None

    class Holder:  # hashed by its repr alone, so only the noted read sees the article
        __slots__ = ("a",)

        def __repr__(self):
            return "Holder"

    env.loader.mapping["t.html"] = "{{ h.a.title }}"
    held = env.get_template("t.html")
    for source_path, remembered in (("/content/a.md", True), (None, False)):
        holder = Holder()
        holder.a = article("One", source_path)
        assert (key_of(page_cache, settings, held, h=holder) is not None) == remembered

    # A property may depend on the page's localsiteurl (as Pelican's content and
    # summary do): its value is hashed per page, not once per article.
    class Linked(Article):
        @property
        def home(self):
            return self.get_siteurl() + "/index.html"

    env.loader.mapping["t.html"] = "{{ a.title }} {{ a.home }}"
    linked = env.get_template("t.html")
    a = Linked("Body", settings=settings, source_path="/content/a.md",
               metadata={"title": "One", "date": datetime.datetime(2026, 11, 2)})
    cache = page_cache.PageCache(settings, [a])
    keys = []
    for localsiteurl in ("..", "../.."):
        a._context = {"localsiteurl": localsiteurl}  # what Pelican's writer sets for each page
        context = {"a": a, "output_file": "x.html", "localsiteurl": localsiteurl}
        _, reads = page_cache.render_noting(page_cache.JINJA_RENDER, linked, (context,), {})
        keys.append(cache.key(linked, context, reads))
    assert keys[0] != keys[1]
    assert ("/content/a.md", "title", None) in cache.attr_texts  # a plain attribute: once per article

    # Functions given to templates are hashed with what they hold.
    env.loader.mapping["t.html"] = "{{ f() }}"
    called = env.get_template("t.html")
    for one, two in ((functools.partial(str, "One"), functools.partial(str, "Two")),
                     ("One".strip, "Two".strip)):
        assert key_of(page_cache, settings, called, f=one) != key_of(page_cache, settings, called, f=two)


def key_of(page_cache, settings, template, **values):
    context = {**values, "output_file": "x.html"}
    _, reads = page_cache.render_noting(page_cache.JINJA_RENDER, template, (context,), {})
    contents = [v.a for v in values.values() if hasattr(v, "a")]
    return page_cache.PageCache(settings, contents).key(template, context, reads)
