"""Readers' replies (plugins/replies): files in content/replies become part of
the article's page, sanitised; bad files stop the build with file:line."""


import feedparser
import pytest
from browser import RECORD_VIOLATIONS
from support import PROD_SITEURL, build, make_content, post, run_pelican, serve_production_site

SLUG = "a-post"
ARTICLE = post(title="A Post: Yes, We’re Open", author="Cynthia Kay", extra=f"Slug: {SLUG}\n")
HOSTILE_TEXT = """<script>window.__pwned = 1</script>
<img src=x onerror="window.__pwned = 2"> <svg onload="window.__pwned = 3"></svg>
[click](javascript:window.__pwned=4) [data](data:text/html;base64,PHNjcmlwdD4=)
<style>body { display: none }</style> <b><i>unclosed <em>nested
&lt;script&gt; &amp;amp; ]]> </script> {{ 7*7 }}"""


def reply(author, date, text, website="", parent=""):
    lines = [f"Author: {author}", f"Date: {date}"]
    lines += [f"Website: {website}"] if website else []
    lines += [f"In-Reply-To: {parent}"] if parent else []
    return "\n".join(lines) + "\n\n" + text + "\n"


FILES = {
    "posts/a-post.md": ARTICLE,
    "posts/other.md": post(title="Other post", date="2026-11-21 09:00"),
    f"replies/{SLUG}/2026-11-29-late.md": reply("Bo", "2026-11-29 10:00", "Second by date."),
    f"replies/{SLUG}/2026-11-28-ada.md": reply("Ada \u202eelpmaxE", "2026-11-28 09:00", HOSTILE_TEXT,
                                              website="https://ada.example.org/"),
    f"replies/{SLUG}/2026-11-30-kay.md": reply("Cynthia Kay", "2026-11-30 08:00", "Thank you, Ada.",
                                              parent="2026-11-28-ada"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    result = build(tmp_path_factory.mktemp("replies"), FILES)
    assert result.returncode == 0, result.log
    return result


def test_replies_show_in_date_order_with_answers_under_them(site):
    soup = site.soup(f"posts/{SLUG}/index.html")
    section = soup.find("section", id="replies")
    assert section.h2.get_text() == "3 replies"
    top = section.select("ol.replies__list > li > article.reply")
    assert [a["id"] for a in top] == ["reply-2026-11-28-ada", "reply-2026-11-29-late"]
    answer = section.select_one("ol.replies__answers article")
    assert answer["id"] == "reply-2026-11-30-kay" and "reply--author" in answer["class"]
    assert "Author’s answer" in answer.get_text()
    name = top[0].select_one("bdi.reply__name a")
    assert name.get_text() == "Ada elpmaxE"  # the direction override is gone
    assert (name["href"], name["rel"]) == ("https://ada.example.org/", ["nofollow", "ugc", "noopener"])
    assert top[1].select_one("time")["datetime"] == "2026-11-29T10:00:00"


def test_hostile_text_comes_out_as_text_or_not_at_all(site):
    soup = site.soup(f"posts/{SLUG}/index.html")
    text = soup.select_one("#reply-2026-11-28-ada .reply__text")
    assert {el.name for el in text.find_all(True)} <= {"p", "a", "em", "br"}
    for el in text.find_all(True):
        assert set(el.attrs) <= {"href", "rel"}, el
    assert text.find_all("a") == [] and "click data" in text.get_text()  # refused links are text
    assert "<script>" in text.get_text() and "{{ 7*7 }}" in text.get_text()
    for script in soup.find_all("script"):
        assert "__pwned" not in (script.string or "")


def test_counts_on_cards_and_meta_line_and_json_ld(site):
    card = [c for c in site.soup("index.html").select("article.post-card") if SLUG in c.a["href"]][0]
    assert card.find("a", href=lambda h: h and h.endswith(f"posts/{SLUG}/#replies")).get_text() == "3 replies"
    posting = [b for b in site.jsonld(f"posts/{SLUG}/index.html") if b["@type"] == "BlogPosting"][0]
    assert posting["commentCount"] == 3
    first, second = posting["comment"]
    assert first["author"] == {"@type": "Person", "name": "Ada elpmaxE", "url": "https://ada.example.org/"}
    assert first["comment"][0]["author"]["name"] == "Cynthia Kay" and second["text"] == "Second by date."
    assert "<em>" not in first["text"] and "<p>" not in first["text"]  # text, not markup
    assert "<script> &amp; ]]> {{ 7*7 }}" in first["text"]  # what the reader sees, as text
    other = [b for b in site.jsonld("posts/other-post/index.html") if b["@type"] == "BlogPosting"][0]
    assert (other["commentCount"], other["comment"]) == (0, [])


def test_reply_by_email_link_and_the_hidden_form(site):
    soup = site.soup(f"posts/{SLUG}/index.html")
    link = soup.select_one(".replies__by-email a")
    assert link["href"] == ("mailto:replies@example.org?subject=Re%3A%20A%20Post%3A%20Yes%2C%20We%E2%80%99re%20Open")
    form = soup.select_one("form[data-reply-form]")
    assert form.has_attr("hidden") and form["data-uri"] == f"/posts/{SLUG}/"
    assert form["data-isso"] == "http://127.0.0.1:8002"
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "connect-src 'self' http://127.0.0.1:8001 http://127.0.0.1:8002;" in csp


def test_builds_are_byte_identical_and_feeds_valid(site, tmp_path):
    again = build(tmp_path, FILES)
    for rel in (f"posts/{SLUG}/index.html", "index.html", "feeds/all.atom.xml"):
        assert again.path(rel).read_bytes() == site.path(rel).read_bytes(), rel
    for rel in ("feeds/all.atom.xml", "feeds/all.rss.xml"):
        assert not feedparser.parse(site.text(rel)).bozo, rel


BAD = {
    "posts/a-post.md": ARTICLE,
    f"replies/{SLUG}/2026-11-30-long.md": reply("Ada", "2026-11-30 10:00", "x" * 100_000),
    f"replies/{SLUG}/2026-11-30-empty.md": "Author: Ada\nDate: 2026-11-30\n\n",
    f"replies/{SLUG}/2026-11-30-date.md": reply("Ada", "yesterday", "Hello"),
    f"replies/{SLUG}/2026-11-30-site.md": reply("Ada", "2026-11-30", "Hello", website="javascript:alert(1)"),
    f"replies/{SLUG}/2026-11-30-latin1.md": reply("Café", "2026-11-30", "Hello").encode("latin-1"),
}


def test_bad_reply_files_stop_the_build_with_file_and_line(tmp_path):
    result = build(tmp_path, BAD)
    assert result.returncode == 1 and "Traceback" not in result.log
    where = f"content/replies/{SLUG}/2026-11-30-"
    for expected in (f"{where}long.md:4: the text has 100000 characters, over the limit of 10000",
                     f"{where}empty.md:4: the reply has no text.",
                     f"{where}date.md:2: invalid Date 'yesterday': not a date the site reads.",
                     f"{where}site.md:3: Website 'javascript:alert(1)' is not an http(s) address.",
                     f"{where}latin1.md:1: the file is not UTF-8 (byte 0xe9)."):
        assert expected in result.log, result.log
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").iterdir())


def test_replies_for_no_article_stop_the_build(tmp_path):
    result = build(tmp_path, {"posts/a-post.md": ARTICLE, "replies/no-such-post/2026-11-30-a.md":
                              reply("Ada", "2026-11-30", "Hello")})
    assert result.returncode == 1 and "Traceback" not in result.log
    assert "content/replies/no-such-post: no article has the slug 'no-such-post'." in result.log
    assert not (tmp_path / "output" / "index.html").exists()


@pytest.mark.parametrize("env, says", [
    ({"REPLIES": ""}, "Build stopped: replies: no REPLIES set. Set REPLIES=email (with REPLY_EMAIL="),
    ({"REPLIES": "email", "REPLY_EMAIL": ""}, "REPLIES=email needs REPLY_EMAIL"),
    ({"REPLIES": "isso", "ISSO_URL": ""}, "REPLIES=isso needs ISSO_URL"),
])
def test_production_needs_a_way_to_reply(tmp_path, env, says):
    content = make_content(tmp_path, {"posts/a-post.md": ARTICLE})
    result = run_pelican(tmp_path / "out", conf="publishconf.py", content=content,
                         env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none", **env})
    assert result.returncode == 1 and says in result.log, result.log
    assert "Traceback" not in result.log


def test_production_reply_modes(tmp_path):
    content = make_content(tmp_path, FILES)
    out = {}
    for mode, env in (("none", {"REPLIES": "none"}), ("email", {}),
                      ("isso", {"REPLIES": "isso", "ISSO_URL": "https://comments.example.net/isso/"})):
        result = run_pelican(tmp_path / mode, conf="publishconf.py", content=content,
                             env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none", **env})
        assert result.returncode == 0, result.log
        out[mode] = result.soup(f"posts/{SLUG}/index.html")
    assert len(out["none"].select("article.reply")) == 3 and not out["none"].select(".replies__by-email, form[data-reply-form]")
    assert out["email"].select_one(".replies__by-email") and not out["email"].select("form[data-reply-form]")
    assert "comments.example.net" not in str(out["email"])
    form = out["isso"].select_one("form[data-reply-form]")
    assert form["data-isso"] == "https://comments.example.net/isso"
    csp = out["isso"].find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "connect-src 'self' https://comments.example.net;" in csp


@pytest.fixture(scope="module")
def served_hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served-replies")
    content = make_content(tmp, FILES)
    site = serve_production_site(tmp, env={"SUBSCRIBE_PROVIDER": "none", "REPLIES": "isso",
                                           "ISSO_URL": "http://127.0.0.1:9"}, content=content)
    yield site
    site.server.stop()


def test_in_chromium_nothing_runs_and_no_csp_violation(served_hostile, page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{served_hostile.url}/posts/{SLUG}/", wait_until="load")
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__cspViolations") == []
    assert page.locator("#reply-2026-11-28-ada").is_visible()
    assert page.locator("form[data-reply-form]").is_visible()  # the script revealed it
    assert page.errors == []


def test_without_javascript_the_email_link_is_the_way(served_hostile, no_js_page):
    no_js_page.goto(f"{served_hostile.url}/posts/{SLUG}/")
    assert not no_js_page.locator("form[data-reply-form]").is_visible()
    link = no_js_page.locator(".replies__by-email a")
    assert link.is_visible()
    assert link.get_attribute("href").startswith("mailto:replies@example.org?subject=Re%3A%20A%20Post")
    assert no_js_page.locator("ol.replies__list > li").count() == 2


def test_replies_and_the_form_pass_the_nu_checker_and_axe(served_hostile, page):
    from extramile.tools import checkers

    assert checkers.vnu_errors(served_hostile.output / "posts") == []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{served_hostile.url}/posts/{SLUG}/")
        assert page.locator("form[data-reply-form]").is_visible()
        assert checkers.axe_violations(page, colours_only=scheme == "dark") == [], scheme
