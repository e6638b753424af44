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
