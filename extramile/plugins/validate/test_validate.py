"""validate: problems reported by file and line; its memo is keyed by all a
check reads (the code, the settings, each file's stamp)."""

import pytest
from pelican.settings import read_settings

from extramile import ROOT
from extramile.plugins.validate import memo, validate

GOOD = """\
Title: A good post
Date: 2024-01-02
Author: The Editors
Category: Stories
Tags: one
Summary: What the post is about.

Text.
"""


@pytest.fixture
def site(tmp_path):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "pages").mkdir()
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "PATH": str(tmp_path / "content"), "CACHE_PATH": str(tmp_path / "cache"),
        "OUTPUT_PATH": str(tmp_path / "output")})
    return tmp_path / "content" / "posts", settings


def test_a_missing_date_is_reported_with_its_file_and_line(site):
    posts, settings = site
    (posts / "bad.md").write_text(GOOD.replace("Date: 2024-01-02\n", ""))
    problems = validate.validate_content(settings)
    assert [str(p) for p in problems] == [
        "content/posts/bad.md:1: missing Date. Add a line 'Date: YYYY-MM-DD' (or 'YYYY-MM-DD HH:MM')."]


def test_an_unknown_author_names_the_known_ones(site):
    posts, settings = site
    (posts / "bad.md").write_text(GOOD.replace("The Editors", "Nobody"))
    (problem,) = validate.validate_content(settings)
    assert problem.line == 3 and "unknown author 'Nobody'" in problem.message and "The Editors" in problem.message


def test_the_memo_keeps_unchanged_files_checks(site, monkeypatch):
    posts, settings = site
    (posts / "good.md").write_text(GOOD)
    assert validate.validate_content(settings) == []
    calls = []
    real = validate.check_file
    monkeypatch.setattr(validate, "check_file", lambda *a: calls.append(a[1]) or real(*a))
    assert validate.validate_content(settings) == []
    assert calls == []  # remembered
    # Where the build writes is not a key: `invoke build` uses a new folder each time.
    assert validate.validate_content({**settings, "OUTPUT_PATH": "/elsewhere"}) == []
    assert calls == []


def test_an_edited_file_is_checked_again(site):
    posts, settings = site
    (posts / "good.md").write_text(GOOD)
    assert validate.validate_content(settings) == []
    (posts / "good.md").write_text(GOOD.replace("Date: 2024-01-02", "Date: 2024-13-45"))
    (problem,) = validate.validate_content(settings)
    assert "invalid Date" in problem.message


@pytest.mark.parametrize("change", ["setting", "code"])
def test_the_memo_is_forgotten_when_a_setting_or_the_code_changes(site, monkeypatch, change):
    posts, settings = site
    (posts / "good.md").write_text(GOOD)
    assert validate.validate_content(settings) == []
    if change == "setting":
        # The same file now names an unknown author: a kept answer would be wrong.
        settings = {**settings, "AUTHORS_INFO": {"Someone Else": {"bio": "", "links": []}}}
    else:
        # New code may check differently: the memo's key has the code's.
        monkeypatch.setattr(memo, "code_key", lambda: "another version")
        monkeypatch.setattr(validate, "check_source", lambda source, settings, problems, *a: problems.append(
            validate.Problem(source.path, 1, "new check")))
    problems = validate.validate_content(settings)
    assert problems and problems[0].path == "content/posts/good.md"


def test_a_damaged_memo_costs_a_check_not_a_crash(site):
    posts, settings = site
    (posts / "good.md").write_text(GOOD)
    validate.validate_content(settings)
    kept = site[0].parent.parent / "cache" / "validate-memo.pickle"
    kept.write_bytes(kept.read_bytes()[:20])
    assert validate.validate_content(settings) == []


def test_bad_content_stops_the_build_before_anything_is_written(tiny_build, capsys):
    bad = GOOD.replace("Date: 2024-01-02\n", "")
    with pytest.raises(SystemExit) as stopped:
        tiny_build(["extramile.plugins.validate"], posts={"bad": bad})
    assert stopped.value.code == 1
    assert "content/posts/bad.md:1: missing Date" in capsys.readouterr().err


NO_SUMMARY = GOOD.replace("Summary: What the post is about.\n", "")


@pytest.mark.parametrize("status", ["", "Status: published\n", "Status: hidden\n"])
def test_a_post_without_a_summary_stops_the_build_where_the_summary_belongs(site, status):
    posts, settings = site
    (posts / "bare.md").write_text(NO_SUMMARY.replace("Tags: one\n", "Tags: one\n" + status))
    (problem,) = validate.validate_content(settings)
    # The header ends on line 5 (6 with Status): the Summary goes on the next line.
    assert (problem.path, problem.line) == ("content/posts/bare.md", 6 + bool(status))
    assert problem.message.startswith("missing Summary. Add a line 'Summary: ")


def test_a_scheduled_post_needs_a_summary_too(site):
    posts, settings = site
    (posts / "later.md").write_text(NO_SUMMARY.replace("2024-01-02", "2999-01-01 09:00"))
    (problem,) = validate.validate_content(settings)
    assert "missing Summary" in problem.message


def test_a_draft_without_a_summary_is_a_reminder_and_a_page_needs_none(site):
    posts, settings = site
    (posts / "draft.md").write_text(NO_SUMMARY.replace("Tags: one\n", "Tags: one\nStatus: draft\n"))
    (posts.parent / "pages" / "about.md").write_text("Title: About\n\nWho we are.\n")
    warnings = []
    assert validate.validate_content(settings, warnings) == []
    (reminder,) = warnings
    assert (reminder.path, reminder.line) == ("content/posts/draft.md", 7)
    assert "missing Summary" in reminder.message and "fine in a draft" in reminder.message


# What an author may write (docs/writing.md), and what dateutil used to guess.
ACCEPTED = ["2026-11-20", "2026-11-20 09:00", "2026-11-20 09:00:30"]
REFUSED = {
    "06/12/2026 6:27pm": "day/month or month/day?",  # was 12 June
    "12/06/2026": "day/month or month/day?",
    "December 6th": "not a date the site reads",  # was midnight of this year's 6 December
    "2026-13-01": "no such day or time",
    "2026-11-31": "no such day or time",
    "2026-11-20 9:00": "not a date the site reads",
    "2026-11-20T09:00+01:00": "dates are written in UTC, as YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]. "
                              "Write '2026-11-20 08:00'.",
    "2026-11-20T09:00": "Write '2026-11-20 09:00'.",
    "": "no date after the colon",
}


@pytest.mark.parametrize("key", ["Date", "Modified"])
@pytest.mark.parametrize("value", ACCEPTED)
def test_the_documented_dates_are_accepted(site, key, value):
    posts, settings = site
    (posts / "good.md").write_text(GOOD.replace("Date: 2024-01-02", "Date: 2020-01-01\nModified: 2024-01-02")
                                   .replace(f"{key}: 2024-01-02", f"{key}: {value}"))
    assert validate.validate_content(settings) == []


@pytest.mark.parametrize("kind", ["post", "page"])
@pytest.mark.parametrize("key", ["Date", "Modified"])
@pytest.mark.parametrize("value", REFUSED)
def test_any_other_date_is_refused_naming_its_line(site, kind, key, value):
    posts, settings = site
    if kind == "post":
        path = posts / "bad.md"
        text = GOOD.replace("Date: 2024-01-02", "Date: 2024-01-02\nModified: 2024-02-03")
    else:
        path = posts.parent / "pages" / "bad.md"
        text = "Title: About\nDate: 2024-01-02\nModified: 2024-02-03\n\nWho we are.\n"
    line = 2 if key == "Date" else 3
    old = text.splitlines()[line - 1]
    path.write_text(text.replace(old, f"{key}: {value}"))
    problems = validate.validate_content(settings)
    if kind == "post" and key == "Date" and not value:
        assert [(p.line, p.message[:13]) for p in problems] == [(2, "empty Date. A")]
        return
    (problem,) = problems
    assert problem.path == f"content/{'posts' if kind == 'post' else 'pages'}/bad.md"
    assert problem.line == line
    assert problem.message.startswith(f"invalid {key} {value!r}: ") and REFUSED[value] in problem.message


def test_a_guessed_date_and_a_missing_summary_stop_a_real_build(tiny_build, capsys):
    with pytest.raises(SystemExit):
        tiny_build(["extramile.plugins.validate"], posts={
            "guessed": GOOD.replace("2024-01-02", "06/12/2026 6:27pm"), "bare": NO_SUMMARY})
    err = capsys.readouterr().err
    assert "content/posts/guessed.md:2: invalid Date '06/12/2026 6:27pm': day/month or month/day?" in err
    assert "content/posts/bare.md:6: missing Summary." in err
