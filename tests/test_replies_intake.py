"""Replies come in two ways: `invoke replies-add` turns a saved email into a
reply file, and `invoke replies-pull` fetches the replies approved in a real
Isso server (started here on 127.0.0.1) after a reader posted one with the
form in Chromium."""

import json
import subprocess
import urllib.parse
import urllib.request

import pytest
from invoke import Exit
from support import approve_all, make_content, post, run_pelican, serve_production_site, task_context
from waiting import answers, wait_until

import tasks
from extramile.devtools import isso_server
from extramile.tools.serving import free_port

TITLE = "Yes, We’re Closed, but Come On In"
SLUG = "yes-were-closed"
FILES = {
    f"posts/{SLUG}.md": post(title=TITLE, author="Cynthia Kay", extra=f"Slug: {SLUG}\n"),
    "posts/other.md": post(title="Another story", date="2026-11-21 09:00", extra="Slug: another-story\n"),
}


PLAIN = f"""From: Ada Lovelace <ada@example.org>
To: replies@example.org
Subject: Re: Yes, We're Closed, but Come On In
Date: Mon, 30 Nov 2026 10:15:00 +0100
Message-ID: <plain-1@example.org>
Content-Type: text/plain; charset=utf-8

This happened to me too.

A second paragraph.

On Sun, 29 Nov 2026 at 09:00, The Extra Mile <replies@example.org> wrote:
> {TITLE}
> the article's text

--{' '}
Ada, ada@example.org, +44 1234
"""

HTML_ONLY = """From: "Bo Reader" <bo@example.net>
Subject: RE: Yes, We’re Closed, but Come On In
Date: Tue, 01 Dec 2026 08:00:00 +0000
Message-ID: <html-1@example.net>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p{color:red}</style></head><body><p>Lovely <b>story</b>.</p><p>Thanks&nbsp;&amp; more</p>
<div class="gmail_quote">On Mon someone wrote:<blockquote>old text</blockquote></div><script>x()</script></body></html>
"""

QUOTED_PRINTABLE = """From: =?utf-8?q?Zo=C3=AB_M=C3=BCller?= <zoe@example.com>
Subject: Re: =?utf-8?q?Yes=2C_We=E2=80=99re_Closed=2C_but_Come_On_In?=
Date: Wed, 02 Dec 2026 18:30:00 -0500
Message-ID: <qp-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Sch=C3=B6n geschrieben =E2=80=93 a long line that is wrapped by the mail pro=
gram.
> quoted line
--b
Content-Type: text/html; charset=utf-8

<p>ignored: the plain part is preferred</p>
--b--
"""


def add(tmp_path, eml, **options):
    content = make_content(tmp_path, FILES)
    path = tmp_path / "message.eml"
    path.write_bytes(eml.encode("utf-8"))
    tasks.replies_add(task_context(), str(path), content=str(content), **options)
    written = sorted((content / "replies").rglob("*.md"))
    return written


def test_plain_email_without_quoted_history_or_signature(tmp_path):
    (path,) = add(tmp_path, PLAIN)
    assert path.parent.name == SLUG and path.name.startswith("2026-11-30-email-")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Author: Ada Lovelace\nDate: 2026-11-30 09:15\nSource: email\n\n")
    assert text.endswith("\n\nThis happened to me too.\n\nA second paragraph.\n")
    assert "@" not in text and "wrote" not in text and "+44" not in text


def test_html_only_email_becomes_text(tmp_path):
    (path,) = add(tmp_path, HTML_ONLY)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Author: Bo Reader\nDate: 2026-12-01 08:00\n")
    body = text.split("\n\n", 1)[1]
    assert body == "Lovely story.\n\nThanks & more\n"


def test_quoted_printable_and_encoded_headers(tmp_path):
    (path,) = add(tmp_path, QUOTED_PRINTABLE)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Author: Zoë Müller\nDate: 2026-12-02 23:30\n")
    assert text.endswith("\n\nSchön geschrieben – a long line that is wrapped by the mail program.\n")


def test_adding_twice_or_an_unknown_subject_writes_nothing(tmp_path):
    add(tmp_path, PLAIN)
    with pytest.raises(Exit, match="exists already"):
        tasks.replies_add(task_context(), str(tmp_path / "message.eml"), content=str(tmp_path / "content"))
    other = tmp_path / "other.eml"
    other.write_text(PLAIN.replace("Subject: Re: Yes, We're Closed, but Come On In", "Subject: Hello"))
    with pytest.raises(Exit, match="names no article; say which with --article"):
        tasks.replies_add(task_context(), str(other), content=str(tmp_path / "content"))
    tasks.replies_add(task_context(), str(other), content=str(tmp_path / "content"), article="another-story")
    assert len(list((tmp_path / "content/replies/another-story").glob("*.md"))) == 1
    nameless = tmp_path / "nameless.eml"
    nameless.write_text(PLAIN.replace("From: Ada Lovelace <ada@example.org>", "From: ada@example.org")
                        .replace("plain-1", "plain-2"))
    with pytest.raises(Exit, match="no name"):
        tasks.replies_add(task_context(), str(nameless), content=str(tmp_path / "content"))


def test_added_replies_build(tmp_path):
    add(tmp_path, PLAIN)
    result = run_pelican(tmp_path / "out", content=tmp_path / "content")
    assert result.returncode == 0, result.log
    assert "This happened to me too." in result.text(f"posts/{SLUG}/index.html")


# -- A real Isso ---------------------------------------------------------------
@pytest.fixture
def isso(tmp_path):
    """Isso on 127.0.0.1 with a temporary database and moderation on."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    holder = {"url": url, "folder": tmp_path / "isso", "proc": None}

    def start(site_origin):
        holder["proc"] = isso_server.start(holder["folder"], port, [site_origin],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: answers(f"{url}/config"), "Isso to answer")

    holder["start"] = start
    yield holder
    if holder["proc"]:
        holder["proc"].terminate()
        holder["proc"].wait(timeout=20)


def test_a_reader_replies_with_the_form_and_the_reply_is_published_after_moderation(
        tmp_path, isso, page, capsys, monkeypatch):
    monkeypatch.delenv("ISSO_ADMIN_PASSWORD", raising=False)
    content = make_content(tmp_path, FILES)
    env = {"SUBSCRIBE_PROVIDER": "none", "REPLIES": "isso", "ISSO_URL": isso["url"]}
    site = serve_production_site(tmp_path / "one", env=env, content=content)
    try:
        isso["start"](site.url)
        page.goto(f"{site.url}/posts/{SLUG}/")
        form = page.locator("form[data-reply-form]")
        form.get_by_label("Your name").fill("Ada <b>Lovelace</b>")
        form.get_by_label("Your website").fill("https://ada.example.org")
        form.get_by_label("Your reply", exact=True).fill("I *loved* this. <script>window.__pwned=1</script>")
        form.get_by_role("button", name="Send reply").click()
        status = form.locator("[role=status]")
        status.filter(has_text="awaits moderation").wait_for(timeout=10000)
        assert page.errors == []

        # Not approved yet: nothing to pull, one waiting.
        password = isso_server.admin_password(isso["folder"])
        monkeypatch.setenv("ISSO_ADMIN_PASSWORD", password)
        tasks.replies_pull(task_context(), isso=isso["url"], content=str(content))
        out = capsys.readouterr().out
        assert "no approved replies" in out and f"1 reply waits for moderation: {isso['url']}/admin/" in out
        assert not list((content / "replies").rglob("*.md"))

        assert approve_all(isso["url"], password) == 1
        tasks.replies_pull(task_context(), isso=isso["url"], content=str(content))
        assert "1 new" in capsys.readouterr().out
        (written,) = (content / "replies" / SLUG).glob("*.md")
        text = written.read_text(encoding="utf-8")
        assert text.startswith("Author: Ada <b>Lovelace</b>\nDate: ")
        assert "Website: https://ada.example.org\n" in text and "@" not in text

        # Idempotent; a file changed by hand is kept as it is.
        tasks.replies_pull(task_context(), isso=isso["url"], content=str(content))
        assert "1 unchanged" in capsys.readouterr().out
        written.write_text(text.replace("I *loved* this.", "I *loved* this (edited)."), encoding="utf-8")
        tasks.replies_pull(task_context(), isso=isso["url"], content=str(content))
        assert "changed by hand" in capsys.readouterr().out
        assert "(edited)" in written.read_text(encoding="utf-8")
    finally:
        site.server.stop()

    rebuilt = serve_production_site(tmp_path / "two", env=env, content=content)
    try:
        page.goto(f"{rebuilt.url}/posts/{SLUG}/")
        shown = page.locator("article.reply")
        assert shown.count() == 1
        assert shown.locator(".reply__name").inner_text() == "Ada <b>Lovelace</b>"
        assert shown.locator(".reply__text em").inner_text() == "loved"
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#replies-title").inner_text() == "1 reply"
    finally:
        rebuilt.server.stop()


def test_the_whole_loop_on_the_production_build_served_by_nginx_with_isso_proxied(tmp_path, isso, page, capsys):
    """`invoke nginx-config --isso ...`: Isso under the site at /blog/isso/, same origin."""
    from extramile.tools.checkers import MissingTool
    from extramile.tools.serving import Nginx, fetch

    port = free_port()
    url = f"http://127.0.0.1:{port}/blog"
    content = make_content(tmp_path, FILES)
    output = tmp_path / "www" / "blog"
    env = {"SITEURL": url, "SUBSCRIBE_PROVIDER": "none", "REPLIES": "isso", "ISSO_URL": f"{url}/isso"}
    result = run_pelican(output, conf="publishconf.py", content=content, env=env)
    assert result.returncode == 0, result.log
    isso["start"](f"http://127.0.0.1:{port}")
    try:
        nginx = Nginx(tmp_path, output, "/blog", tmp_path / "www", port, isso=isso["url"])
    except MissingTool as missing:
        pytest.fail(str(missing))
    try:
        page.goto(f"{url}/posts/{SLUG}/")
        form = page.locator("form[data-reply-form]")
        form.get_by_label("Your name").fill("Cynthia Kay")  # the article's author, or someone typing her name
        form.get_by_label("Your reply", exact=True).fill("Posted through nginx.")
        form.get_by_role("button", name="Send reply").click()
        form.locator("[role=status]").filter(has_text="awaits moderation").wait_for(timeout=10000)
        assert page.errors == []
        assert approve_all(isso["url"], isso_server.admin_password(isso["folder"])) == 1
        # Anyone can type an author's name into the form: held until the owner says it is hers.
        tasks.replies_pull(task_context(), isso=f"{url}/isso", content=str(content))
        out = capsys.readouterr().out
        assert "1 held" in out and "reads as the author Cynthia Kay's name" in out and "--approve 1" in out
        assert not list((content / "replies").rglob("*.md"))
        tasks.replies_pull(task_context(), isso=f"{url}/isso", content=str(content), approve=["1"])
        assert "1 new" in capsys.readouterr().out
        result = run_pelican(output, conf="publishconf.py", content=content, env=env)
        assert result.returncode == 0, result.log
        status, _headers, body = fetch(f"{url}/posts/{SLUG}/")
        assert status == 200 and b"Posted through nginx." in body and b">1 reply</h2>" in body
        assert "Author’s answer".encode() in body
    finally:
        nginx.stop()


# -- Moderation holds: what the owner approved is what is published ------------
def isso_api(url, method, path, data, cookie=""):
    """A call to Isso's JSON API as a commenter's browser makes it: (answer, the comment's edit cookie)."""
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(data).encode(), method=method,
                                     headers={"Content-Type": "application/json", "Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        cookies = "; ".join(h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie", []))
        return json.load(response), cookies


def comment(isso, text, author="Ada"):
    return isso_api(isso["url"], "POST", f"/new?uri=%2Fposts%2F{SLUG}%2F",
                    {"text": text, "author": author, "title": TITLE})


def pull(content, isso, capsys, **options):
    tasks.replies_pull(task_context(), isso=isso["url"], content=str(content), **options)
    return capsys.readouterr().out


def test_a_reply_edited_after_approval_is_held_until_approved_again(tmp_path, isso, capsys, monkeypatch):
    monkeypatch.delenv("ISSO_ADMIN_PASSWORD", raising=False)
    content = make_content(tmp_path, FILES)
    isso["start"]("http://127.0.0.1:9")  # no site: the commenter talks to Isso's API directly
    password = isso_server.admin_password(isso["folder"])
    posted, cookie = comment(isso, "Thank you for this story.")
    assert approve_all(isso["url"], password) == 1
    assert "1 new" in pull(content, isso, capsys)
    (written,) = (content / "replies" / SLUG).glob("*.md")
    approved = written.read_bytes()

    # Within max-age Isso lets the commenter edit, and the comment stays approved.
    edited, _ = isso_api(isso["url"], "PUT", f"/id/{posted['id']}",
                         {"text": "Buy pills at https://spam.example", "author": "Ada"}, cookie)
    assert edited["mode"] == 1
    for _ in range(2):  # and the next pulls, too, keep it back
        out = pull(content, isso, capsys)
        assert "1 held" in out and "changed after approval" in out and f"--approve {posted['id']}" in out
        assert "updated" not in out and written.read_bytes() == approved

    # The owner read it in Isso's admin and publishes it as it is now.
    assert "1 updated" in pull(content, isso, capsys, approve=[str(posted["id"])])
    assert "Buy pills" in written.read_text(encoding="utf-8")
    assert "1 unchanged" in pull(content, isso, capsys)


def test_a_reply_edited_before_its_first_pull_or_signed_as_an_author_is_held(tmp_path, isso, capsys):
    content = make_content(tmp_path, FILES)
    isso["start"]("http://127.0.0.1:9")
    first, cookie = comment(isso, "Lovely.")
    lookalike, _ = comment(isso, "I wrote this article.", author="\u0421ynthia Kay\u200b")  # Cyrillic С, zero width
    assert approve_all(isso["url"], isso_server.admin_password(isso["folder"])) == 2
    isso_api(isso["url"], "PUT", f"/id/{first['id']}", {"text": "Lovely. Visit spam.example"}, cookie)
    out = pull(content, isso, capsys)
    assert "2 held" in out and "edited after it was posted" in out and "reads as the author Cynthia Kay's name" in out
    assert not (content / "replies").exists() or not list((content / "replies").rglob("*.md"))
    assert "2 new" in pull(content, isso, capsys, approve=[str(first["id"]), f"isso-{lookalike['id']}"])
    names = sorted(p.read_text(encoding="utf-8").split("\n", 1)[0] for p in (content / "replies").rglob("*.md"))
    assert names == ["Author: Ada", "Author: Cynthia Kay"]  # the author's own spelling, once the owner said so


def test_no_address_from_isso_reaches_a_reply_file(tmp_path, isso, capsys):
    content = make_content(tmp_path, FILES)
    isso["start"]("http://127.0.0.1:9")
    comment(isso, "Same here.", author="victim@private.example")
    isso_api(isso["url"], "POST", f"/new?uri=%2Fposts%2F{SLUG}%2F", {
        "text": "Write to me: ada@private.example", "author": "Ada", "title": TITLE,
        "website": "https://ada.example.org/?contact=ada@private.example"})
    assert approve_all(isso["url"], isso_server.admin_password(isso["folder"])) == 2
    out = pull(content, isso, capsys)
    assert "1 held" in out and "signed with an email address" in out and "1 new" in out
    (written,) = (content / "replies" / SLUG).glob("*.md")
    text = written.read_text(encoding="utf-8")
    assert "private.example" not in text and "Write to me: (address removed)" in text and "Website" not in text
