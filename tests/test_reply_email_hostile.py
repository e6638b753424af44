"""`invoke replies-add` against emails written by an attacker or a careless mail
program: a stranger signing as the article's author, an address as the name,
Outlook's quoted history, and malformed or oversized messages. Each ends in a
reply file without any email address, or in one line saying why nothing was
written; never a traceback."""

import email.utils
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invoke import Config, Context, Exit
from support import make_content, post

import tasks
from extramile import ROOT
from extramile.intake.files import IntakeError
from extramile.intake.mail import reply_from_email
from extramile.intake.names import ADDRESS

SLUG = "in-customers-we-trust"
TITLE = "In Customers We Trust"
FILES = {f"posts/{SLUG}.md": post(title=TITLE, author="Ron Kaufman", date="2026-11-20 09:00",
                                  extra=f"Slug: {SLUG}\n")}
HEADERS = (f"To: replies@example.org\nSubject: Re: {TITLE}\nDate: Mon, 30 Nov 2026 10:15:00 +0000\n"
           "Message-ID: <{id}@example.org>\n")


def eml(sender, body="I liked it.", headers=None, content_type="text/plain; charset=utf-8", msg_id="m1"):
    head = headers if headers is not None else HEADERS.format(id=msg_id)
    return f"From: {sender}\n{head}Content-Type: {content_type}\n\n{body}\n".encode()


@pytest.fixture
def content(tmp_path):
    return make_content(tmp_path, FILES)


def add(content, raw, **options):
    """(reply files written, the refusal or None)."""
    path = content.parent / "message.eml"
    path.write_bytes(raw)
    refusal = None
    try:
        tasks.replies_add(Context(config=Config(overrides={"run": {"in_stream": False}})), str(path),
                          content=str(content), **options)
    except Exit as exit:
        refusal = exit.message
        assert exit.code == 1 and "\n" not in refusal, refusal
    return sorted((content / "replies").rglob("*.md")), refusal


# -- Impersonation -----------------------------------------------------------
@pytest.mark.parametrize("sender", [
    "=?utf-8?q?Ron_Kaufman=E2=80=AE?= <ron@evil.example>",  # a right-to-left override after the name
    "=?utf-8?q?R=D0=BEn_Kaufman?= <ron@evil.example>",  # a Cyrillic "о"
    "=?utf-8?q?R=E2=80=8Bon_Kaufman?= <ron@evil.example>",  # a zero-width space
    "=?utf-8?q?=EF=BC=B2=EF=BD=8F=EF=BD=8E_Kaufman?= <ron@evil.example>",  # fullwidth letters
    "Ron Kaufrnan <ron@evil.example>",  # "rn" for "m"
    "ron  KAUFMAN <ron@evil.example>",
])
def test_a_name_that_reads_as_the_authors_is_refused_unless_the_owner_says_it_is_his(content, sender):
    written, refusal = add(content, eml(sender))
    assert written == [] and "reads as the author Ron Kaufman's name" in refusal and "--as-author" in refusal
    (path,), refusal = add(content, eml(sender), as_author=True)
    assert refusal is None
    # Written with the author's own name, not the lookalike, so the badge is his by his choice only.
    assert path.read_text(encoding="utf-8").startswith("Author: Ron Kaufman\n")


def test_a_name_that_merely_resembles_is_not_held(content):
    (path,), refusal = add(content, eml("Ronald Kaufmann <rk@example.org>"))
    assert refusal is None and path.read_text(encoding="utf-8").startswith("Author: Ronald Kaufmann\n")


# -- Addresses -----------------------------------------------------------------
def test_a_display_name_that_is_an_address_is_never_the_author(content):
    sender = '"victim@private.example" <victim@private.example>'
    written, refusal = add(content, eml(sender))
    assert written == [] and "give one with --name" in refusal
    written, refusal = add(content, eml(sender), name="someone@else.example")
    assert written == [] and "never published" in refusal
    (path,), _ = add(content, eml(sender), name="A reader")
    assert "private.example" not in path.read_text(encoding="utf-8")


OUTLOOK_PLAIN = """Thanks, this made my day.

________________________________
From: The Extra Mile <replies@example.org>
Sent: Sunday, November 29, 2026 9:00 AM
To: Victim <victim@private.example>
Subject: In Customers We Trust

The whole article, quoted.
"""
ORIGINAL_MESSAGE = """Thanks, this made my day.

-----Original Message-----
From: Third Party <third@party.example>
Sent: Sunday, November 29, 2026 9:00 AM
To: victim@private.example
The whole thread.
"""
HEADER_BLOCK_ONLY = """Thanks, this made my day.

*From:* Third Party <third@party.example>
*Sent:* Sunday, November 29, 2026 9:00 AM
*To:* victim@private.example
The whole thread.
"""
GERMAN = """Thanks, this made my day.

Am So., 29. Nov. 2026 um 09:00 Uhr schrieb Third Party <third@party.example>:
> quoted
"""
TWO_LINE = """Thanks, this made my day.

On Sun, 29 Nov 2026 at 09:00, Third Party
<third@party.example> wrote:

the thread, not quoted with >
"""
ADDRESS_IN_TEXT = "Thanks, this made my day. Write to me at victim@private.example or [mail](mailto:a@b.example)."


@pytest.mark.parametrize("body", [OUTLOOK_PLAIN, ORIGINAL_MESSAGE, HEADER_BLOCK_ONLY, GERMAN, TWO_LINE])
def test_quoted_history_in_any_layout_is_cut(content, body):
    (path,), refusal = add(content, eml("Ada <ada@example.org>", body))
    assert refusal is None
    assert path.read_text(encoding="utf-8").split("\n\n", 1)[1] == "Thanks, this made my day.\n"


def test_outlook_html_history_is_cut(content):
    html = ('<html><body><div>Thanks, this made my day.</div><hr><div id="divRplyFwdMsg"><b>From:</b> '
            'Third &lt;third@party.example&gt;<br><b>Sent:</b> Sunday</div><div>The thread.</div></body></html>')
    (path,), _ = add(content, eml("Ada <ada@example.org>", html, content_type="text/html; charset=utf-8"))
    assert path.read_text(encoding="utf-8").split("\n\n", 1)[1] == "Thanks, this made my day.\n"


def test_as_a_last_guard_no_address_reaches_the_reply_whatever_the_layout(content):
    (path,), _ = add(content, eml("Ada <ada@example.org>", ADDRESS_IN_TEXT))
    text = path.read_text(encoding="utf-8")
    assert not ADDRESS.search(text) and text.count("(address removed)") == 2


# -- Malformed and oversized ----------------------------------------------------------
def nested(levels):
    parts = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(levels))
    return (f"From: Ada <ada@example.org>\n{HEADERS.format(id='n')}MIME-Version: 1.0\n{parts}"
            "Content-Type: text/plain\n\nhi\n").encode()


BAD = {
    "an encoded newline in the From name": (eml("=?utf-8?q?Ada=0ALovelace?= <ada@example.org>"), "From header"),
    "a date in year 9999": (eml("Ada <ada@example.org>", headers=HEADERS.format(id="d").replace("2026", "9999")),
                            "in the future"),
    "no date": (eml("Ada <ada@example.org>", headers=f"Subject: Re: {TITLE}\n"), "no readable Date"),
    "5,000 nested multiparts": (nested(5000), "multipart boundaries"),
    "an unknown charset": (eml("Ada <ada@example.org>", content_type="text/plain; charset=x-nonsense"),
                           "unknown character set"),
    "broken HTML with no text": (eml("Ada <ada@example.org>", "<p><a href='x\n<![CDATA[ <! <?x </p",
                                     content_type="text/html"), "no text of its own"),
    "6 MB": (eml("Ada <ada@example.org>", "x" * 6 * 2**20), "over 5 MB"),
    "a reply over REPLY_MAX_CHARS": (eml("Ada <ada@example.org>", "word " * 5000), "over REPLY_MAX_CHARS"),
    "dated before the article": (eml("Ada <ada@example.org>", headers=HEADERS.format(id="e").replace(
        "30 Nov 2026", "19 Nov 2026")), "before the article"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_email_gets_a_one_line_refusal_and_nothing_is_written(content, case):
    raw, says = BAD[case]
    written, refusal = add(content, raw)
    assert written == [] and refusal and says in refusal, refusal


def test_broken_html_with_text_becomes_that_text(content):
    (path,), _ = add(content, eml("Ada <ada@example.org>", "<p>Hello <b>there<p><a href='x", content_type="text/html"))
    assert path.read_text(encoding="utf-8").split("\n\n", 1)[1] == "Hello there\n"


def test_a_megabyte_of_unclosed_tags_in_an_html_only_email_is_refused_in_linear_time():
    # Python's HTMLParser takes minutes on 80 KB of "<a" (quadratic); nh3 reads 1 MB in well under a second.
    check = ("import sys; from extramile.intake.mail import reply_from_email, IntakeError\n"
             "try: reply_from_email(sys.stdin.buffer.read(), 10000)\n"
             "except IntakeError as err: print(err)")
    raw = eml("Ada <ada@example.org>", "<a" * (2**19 - 64), content_type="text/html")  # 1 MB, under MAX_HTML
    got = subprocess.run([sys.executable, "-c", check], input=raw, capture_output=True, cwd=ROOT, timeout=120)
    assert got.returncode == 0 and b"no text of its own" in got.stdout, got.stderr


def test_a_date_a_little_ahead_is_taken_as_now_and_one_far_ahead_is_refused():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    ahead = eml("Ada <ada@example.org>", headers=HEADERS.format(id="a").replace(
        "Mon, 30 Nov 2026 10:15:00 +0000", email.utils.format_datetime(now + timedelta(hours=2))))
    assert reply_from_email(ahead, 10000, now=now)["date"] == "2026-11-30 12:00"
    far = ahead.replace(b"Nov 2026", b"Dec 2026")
    with pytest.raises(IntakeError, match="in the future"):
        reply_from_email(far, 10000, now=now)


# -- Fuzzing: a reply or an IntakeError, never anything else ---------------------
def check_outcome(raw):
    try:
        reply = reply_from_email(raw, 2000)
    except IntakeError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert reply["text"] and len(reply["text"]) <= 2000
    assert not ADDRESS.search(reply["text"]) and not ADDRESS.search(reply["name"])


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_give_a_reply_or_an_intake_error(raw):
    check_outcome(raw)


header_value = st.one_of(st.text(max_size=60), st.sampled_from([
    "=?utf-8?q?Ada=0A?= <a@b.example>", "=?x-bad?q?A?= <a@b.example>", '"a@b.example" <a@b.example>',
    "Mon, 30 Nov 9999 10:15:00 +0100", "Mon, 30 Nov 0001 10:15:00 -2359", "garbage", "<>", "=?utf-8?b?////?=",
    'multipart/alternative; boundary="b"', "text/html; charset=utf-8", "text/plain; charset=x-nonsense",
    "text/plain; charset=utf-16", "message/rfc822", "quoted-printable", "base64", "8bit"]))
body_text = st.one_of(st.text(max_size=400), st.sampled_from([
    "--b\nContent-Type: text/plain\n\nhi\n--b--", "<p>hi <a href='x", "=E2=80=AE=\n", "////", "\x00\x01",
    "> quoted\nOn x wrote:", "hi victim@private.example"]))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["From", "Date", "Subject", "Content-Type", "Content-Transfer-Encoding",
                                           "Message-ID", "MIME-Version"]), header_value), max_size=8), body_text)
def test_random_headers_and_structures_give_a_reply_or_an_intake_error(headers, body):
    raw = "".join(f"{name}: {value}\n" for name, value in headers) + "\n" + body
    check_outcome(raw.encode("utf-8", "surrogateescape"))
