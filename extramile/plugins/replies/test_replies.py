"""Fast, in-process tests of reply files: reading, sanitising, settings."""

import pytest

from extramile.plugins.replies.config import RepliesConfigError, mailto, replies_config
from extramile.plugins.replies.reading import read_reply, thread
from extramile.plugins.replies.rendering import render


def read(tmp_path, text, name="2026-11-30-ada.md", max_chars=10000):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return read_reply("a-post", str(path), f"content/replies/a-post/{name}", max_chars)


GOOD = "Author: Ada\nWebsite: https://ada.example.org\nDate: 2026-11-30 14:05\n\nHello *there*.\n"


def test_a_good_reply_is_read(tmp_path):
    reply, problems = read(tmp_path, GOOD)
    assert problems == []
    assert (reply.author, reply.website, reply.id, reply.text) == (
        "Ada", "https://ada.example.org", "2026-11-30-ada", "Hello *there*.")
    assert reply.date.isoformat() == "2026-11-30T14:05:00"


@pytest.mark.parametrize("text, line, says", [
    ("Date: 2026-11-30\n\nHi there\n", 1, "no Author"),
    ("Author: Ada\nDate: 30/11/2026\n\nHi there\n", 2, "invalid Date '30/11/2026'"),
    ("Author: Ada\nDate: 2026-02-30 10:00\n\nHi there\n", 2, "no such day"),
    # One spelling of a moment, in UTC, as posts (extramile.sources.read_date).
    ("Author: Ada\nDate: 2026-11-30T10:00\n\nHi there\n", 2, "Write '2026-11-30 10:00'"),
    ("Author: Ada\nDate: 2026-11-30 10:00+01:00\n\nHi there\n", 2, "not a date the site reads"),
    ("Author: Ada\nDate:\n\nHi there\n", 2, "no date after the colon"),
    ("Author: Ada\nDate: 2026-11-30\nWebsite: javascript:alert(1)\n\nHi\n", 3, "not an http(s) address"),
    ("Author: Ada\nDate: 2026-11-30\nWebsite: data:text/html,x\n\nHi\n", 3, "not an http(s) address"),
    ("Author: Ada\nDate: 2026-11-30\n\n   \n", 4, "no text"),
    ("Author: Ada\nDate: 2026-11-30\nColour: red\n\nHi\n", 3, "unknown key 'Colour'"),
    ("Author: Ada\nDate: 2026-11-30\n\nHi \x07 there\n", 4, "control character U+0007"),
    ("Author: " + "A" * 81 + "\nDate: 2026-11-30\n\nHi\n", 1, "shorten it to 80"),
])
def test_bad_replies_are_problems_with_file_and_line(tmp_path, text, line, says):
    reply, problems = read(tmp_path, text)
    assert reply is None
    assert any(p.line == line and says in p.message for p in problems), problems
    assert all(str(p).startswith("content/replies/a-post/2026-11-30-ada.md") for p in problems)


def test_over_the_size_limit_and_not_utf8_and_bad_names(tmp_path):
    reply, problems = read(tmp_path, "Author: Ada\nDate: 2026-11-30\n\n" + "x" * 100_000)
    assert "100000 characters, over the limit of 10000" in problems[0].message
    reply, problems = read(tmp_path, "Author: Caf\u00e9\nDate: 2026-11-30\n\nHi\n".encode("latin-1"))
    assert problems[0].line == 1 and "not UTF-8 (byte 0xe9)" in problems[0].message
    reply, problems = read(tmp_path, GOOD, name="a reply.md")
    assert "file name may hold only" in problems[0].message


def test_direction_overrides_and_control_characters_leave_names(tmp_path):
    reply, problems = read(tmp_path, "Author: Ada \u202eelpmaxE\u2066 x\nDate: 2026-11-30\n\nHi there\n")
    assert reply.author == "Ada elpmaxE x"


def test_answers_sit_under_the_reply_they_answer_one_level(tmp_path):
    replies = []
    for name, extra in (("1-top", ""), ("2-answer", "In-Reply-To: 1-top\n"), ("3-deeper", "In-Reply-To: 2-answer\n")):
        reply, _ = read(tmp_path, f"Author: A\nDate: 2026-11-30\n{extra}\nHi there\n", name=f"{name}.md")
        replies.append(reply)
    top, problems = thread(replies)
    assert problems == [] and [r.id for r in top] == ["1-top"]
    assert [r.id for r in top[0].answers] == ["2-answer", "3-deeper"]
    lost, _ = read(tmp_path, "Author: A\nDate: 2026-11-30\nIn-Reply-To: 9-gone\n\nHi\n", name="4-lost.md")
    top, problems = thread([lost])
    assert "In-Reply-To '9-gone' names no reply" in problems[0].message and problems[0].line == 3


HOSTILE = {
    "<script>alert(1)</script>hi": "<p>hi</p>",
    '<a href="javascript:alert(1)">x</a>': '<p>x</p>',
    "[x](javascript:alert(1))": '<p>x</p>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)": '<p>x</p>',
    '<img src=x onerror="alert(1)">': "<p></p>",
    '<svg onload="alert(1)"><circle r="5"/></svg>ok': "<p>ok</p>",
    '<p style="color:red" onclick="x()">styled</p>': "<p>styled</p>",
    "<style>body{display:none}</style>after": "<p>after</p>",
    "<b><i>unclosed <em>nested": "<p>unclosed <em>nested</em></p>",
    "&lt;script&gt; &amp; &#x3C;b&#x3E;": "<p>&lt;script&gt; &amp; &lt;b&gt;</p>",
    '<iframe src="https://evil.example"></iframe>x': "<p>x</p>",
    "<!-- hidden -->visible": "<p>visible</p>",
    '[ok](https://example.org "t")': '<p><a href="https://example.org" rel="nofollow ugc noopener">ok</a></p>',
    "[mail](mailto:a@example.org)": '<p><a href="mailto:a@example.org" rel="nofollow ugc noopener">mail</a></p>',
}


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_sanitised(text):
    assert render(text) == HOSTILE[text]


def test_allowed_markup_stays():
    html = render("> quoted\n\n- one\n- two\n\nThen:\n\n1. first\n\nCode:\n\n    code\n\n`x` **b**  \nline")
    for tag in ("<blockquote>", "<ul>", "<ol>", "<li>", "<pre><code>", "<code>", "<strong>", "<br>"):
        assert tag in html


def test_settings_say_how_readers_reply():
    assert replies_config({"REPLIES": "email", "REPLY_EMAIL": "r@example.org"})["email"] == "r@example.org"
    isso = replies_config({"REPLIES": "isso", "REPLY_EMAIL": "r@example.org", "ISSO_URL": "https://c.example.org/"})
    assert (isso["isso_url"], isso["isso_origin"]) == ("https://c.example.org", "https://c.example.org")
    assert replies_config({"REPLIES": "none"})["mode"] == "none"
    for settings, says in (({}, "no REPLIES set"), ({"REPLIES": "disqus"}, "unknown REPLIES 'disqus'"),
                           ({"REPLIES": "email"}, "needs REPLY_EMAIL"),
                           ({"REPLIES": "isso", "REPLY_EMAIL": "r@example.org"}, "needs ISSO_URL"),
                           ({"REPLIES": "isso", "REPLY_EMAIL": "r@example.org", "ISSO_URL": "http://127.0.0.1:8002",
                             "PRODUCTION": True, "SITEURL": "https://example.org"}, "on this machine only")):
        with pytest.raises(RepliesConfigError, match=says):
            replies_config(settings)


def test_the_mailto_link_carries_the_subject():
    assert mailto("r@example.org", "Yes, We’re Closed & Open?") == (
        "mailto:r@example.org?subject=Re%3A%20Yes%2C%20We%E2%80%99re%20Closed%20%26%20Open%3F")
