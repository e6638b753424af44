"""confinement: every link under the content folder or the theme that leads
outside it is named; links inside stay allowed."""

import os

import pytest
from pelican.settings import read_settings

from extramile import ROOT
from extramile.plugins.validate import confinement, validate


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "site" / "content"
    for folder in ("posts", "pages", "images/deep", "replies/a-post"):
        (root / folder).mkdir(parents=True)
    (root / "images" / "logo.png").write_bytes(b"png")
    return root


def link(path, target):
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def test_links_leaving_the_folder_are_named_wherever_they_are(content, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "secrets").mkdir(parents=True)
    link(content / "images/env.txt", "/proc/self/environ")
    link(content / "images/deep/passwd.png", "/etc/passwd")
    link(content / "posts/stolen.md", "../../../elsewhere/secrets")  # relative, and leading out
    link(content / "replies/a-post/linked", outside / "secrets")  # a folder
    link(content / "pages/gone.md", "/no/such/file")  # dangling: still leads out
    link(content / "static", outside)
    assert confinement.escapes(content, "content") == [
        ("content/images/deep/passwd.png", "/etc/passwd"),
        ("content/images/env.txt", "/proc/self/environ"),
        ("content/pages/gone.md", "/no/such/file"),
        ("content/posts/stolen.md", "../../../elsewhere/secrets"),
        ("content/replies/a-post/linked", str(outside / "secrets")),
        ("content/static", str(outside)),
    ]


def test_links_inside_the_folder_and_a_linked_content_folder_are_allowed(content, tmp_path):
    link(content / "posts/logo.png", "../images/logo.png")
    link(content / "pages/images", content / "images")
    link(content / "posts/loop", "..")  # inside (validate reports loops)
    assert confinement.escapes(content, "content") == []
    linked = tmp_path / "linked-content"
    link(linked, content)  # the content folder itself is a link: its real path is the boundary
    assert confinement.escapes(linked, "content") == []
    link(content / "images/out.txt", "/etc/hostname")
    assert confinement.escapes(linked, "content") == [("content/images/out.txt", "/etc/hostname")]


def test_validate_reports_them_alone_before_reading_anything(content, tmp_path, capsys):
    link(content / "images/env.txt", "/proc/self/environ")
    link(content / "posts/everything", "/")  # would be walked by a check that follows links
    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    link(theme / "static/key.pem", "/etc/ssl/private/key.pem")
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "PATH": str(content), "THEME": str(theme), "CACHE_PATH": str(tmp_path / "cache")})
    with pytest.raises(SystemExit) as stopped:
        validate.run_checks(settings)
    assert stopped.value.code == 1
    printed = capsys.readouterr().err.splitlines()
    assert printed[0] == "Build stopped: 3 problems to fix, nothing was written."
    assert [line.split(":")[0].strip() for line in printed[1:]] == [
        "content/images/env.txt", "content/posts/everything", "theme/static/key.pem"]


def test_the_report_names_each_file(content, tmp_path):
    link(content / "images/env.txt", "/proc/self/environ")
    settings = {"PATH": str(content), "THEME": str(tmp_path / "no-theme")}
    assert [str(p) for p in confinement.problems(settings, validate.Problem)] == [
        "content/images/env.txt: a link to /proc/self/environ, outside the content folder: its file would be "
        "published. Replace the link with a copy of the file, or remove it."]
