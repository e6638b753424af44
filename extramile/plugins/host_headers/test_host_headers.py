"""host_headers: _headers from the settings, listing every fingerprinted file
that the `finalized` receivers before it wrote; it needs theme_context."""

import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from pelican import signals

from extramile import testing
from extramile.deploy import nginx
from extramile.plugins.host_headers import host_headers

HERE = Path(__file__).parent

PLUGINS = ["extramile.plugins.theme_context", "extramile.plugins.host_headers"]


def test_fingerprinted_files_are_cached_for_a_year(tmp_path):
    (tmp_path / "theme" / "css").mkdir(parents=True)
    (tmp_path / "theme" / "css" / "style.0123456789.css").write_text("")
    (tmp_path / "theme" / "css" / "style.css").write_text("")
    (tmp_path / "pagefind" / "index").mkdir(parents=True)
    (tmp_path / "pagefind" / "index" / "en_abcdef1.pf_index").write_text("")
    settings = {"SITEURL": "https://example.org/blog", "CSP_HEADER": "default-src 'self'",
                "REFERRER_POLICY": "no-referrer"}
    text = host_headers.render(settings, str(tmp_path))
    assert "/blog/*\n  Content-Security-Policy: default-src 'self'\n  Referrer-Policy: no-referrer\n" in text
    assert "/blog/pagefind/index/*\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    assert "/blog/theme/css/style.0123456789.css\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    assert "style.css\n" not in text


def test_without_theme_context_the_build_stops_naming_it(tiny_build):
    with pytest.raises(SystemExit, match='needs "extramile.plugins.theme_context" before it in PLUGINS'):
        tiny_build(["extramile.plugins.host_headers"], conf="publishconf.py", SITEURL="https://example.org")


def test_files_written_by_earlier_finalized_receivers_are_listed(tiny_build, tmp_path):
    def late_writer(pelican):  # like search_index's chunks, written at `finalized` by a plugin listed earlier
        (tmp_path / "output" / "late.0123456789.js").write_text("")

    # Connected before the build's plugins, so called before them: Pelican's
    # signals call receivers in the order they were connected (PLUGINS order).
    signals.finalized.connect(late_writer)
    try:
        output = tiny_build(PLUGINS, conf="publishconf.py", SITEURL="https://example.org")
    finally:
        signals.finalized.disconnect(late_writer)
    text = (output / "_headers").read_text()
    assert "/late.0123456789.js\n  Cache-Control: public, max-age=31536000, immutable" in text
    hashed = next((output / "theme" / "css").glob("style.*.css")).name
    assert f"/theme/css/{hashed}\n" in text


EDITOR_PLUGINS = ["extramile.plugins.theme_context", "extramile.plugins.editor", "extramile.plugins.host_headers"]
GITHUB = {"name": "github", "repo": "owner/blog", "branch": "main"}


def cloudflare_headers(text, path):
    """The headers Cloudflare Pages gives `path` from a `_headers` text, as its asset
    server applies them (workers-sdk pages-shared/asset-server, handler.ts and
    rulesEngine.ts): every matching rule in the file's order; its `! Name` lines
    delete the header, then its values set it, or are appended if a rule set it before."""
    rules = []  # [(pattern, [detached names], [(name, value)])], as its metadata generator reads them
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), [], []))
        elif line.strip().startswith("!"):
            rules[-1][1].append(line.strip()[1:].strip())
        else:
            name, value = line.strip().split(":", 1)
            rules[-1][2].append((name.strip(), value.strip()))
    headers, set_before = {}, set()
    for pattern, detached, values in rules:
        regex = "^" + "(?P<splat>.*)".join(re.escape(part) for part in pattern.split("*")) + "$"
        regex = re.sub(r":([A-Za-z]\w*)", r"(?P<\1>[^/]+)", regex)
        if not re.match(regex, path):
            continue
        for name in detached:
            headers.pop(name, None)
        for name, value in values:
            headers[name] = f"{headers[name]}, {value}" if name in set_before and name in headers else value
            set_before.add(name)
    return headers


def netlify_headers(output, paths):
    """The headers Netlify's own engine (@netlify/headers, as `netlify dev` runs it) gives each path."""
    node = testing.node()
    testing.node_modules("@netlify/headers")
    run = subprocess.run([node, str(HERE / "netlify_headers.mjs"), str(output), *paths],
                         capture_output=True, text=True, timeout=60, check=True)
    answer = json.loads(run.stdout)
    assert answer["errors"] == []
    return answer["headers"]


@pytest.fixture
def editor_site(tiny_build, tmp_path):
    """(a production build with the editor, the same build without it)."""
    testing.node_modules("decap-cms")
    site = {"conf": "publishconf.py", "SITEURL": "https://example.org/blog"}
    without, with_editor = tmp_path / "without", tmp_path / "with"
    tiny_build(EDITOR_PLUGINS, OUTPUT_PATH=str(without), **site)
    tiny_build(EDITOR_PLUGINS, OUTPUT_PATH=str(with_editor), EDITOR_BACKEND=GITHUB, **site)
    return with_editor, without


def test_the_editor_folder_has_its_own_rule_and_every_other_rule_is_unchanged(editor_site):
    with_editor, without = editor_site
    rules = nginx.read_headers(with_editor / "_headers")
    admin = rules.pop("/blog/admin/")
    assert rules.pop("/blog/admin/:file") == rules.pop("/blog/admin/:folder/:file") == admin
    assert admin["X-Robots-Tag"] == "noindex"
    policy = admin["Content-Security-Policy"]
    assert "connect-src 'self' blob: https://api.github.com;" in policy and "frame-ancestors 'none'" in policy
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', (with_editor / "admin" / "index.html").read_text())
    assert policy == html.unescape(meta[1]) + "; frame-ancestors 'none'"  # the page's own, plus what only a header carries
    others = {pattern: headers for pattern, headers in rules.items() if not pattern.startswith("/blog/admin/")}
    assert others == nginx.read_headers(without / "_headers")
    assert not (without / "admin").exists()


def test_both_hosts_give_admin_the_editors_policy_and_other_paths_the_sites(editor_site):
    output, _ = editor_site
    rules = nginx.read_headers(output / "_headers")
    site, editor = rules["/blog/*"], rules["/blog/admin/"]["Content-Security-Policy"]
    css = next((output / "theme" / "css").glob("style.*.css")).name
    readers = ["/blog/", "/blog/posts/first-post/", f"/blog/theme/css/{css}", "/blog/administration/",
               "/blog/admin-notes/x/"]
    admin = ["/blog/admin/"] + [f"/blog/{path.relative_to(output).as_posix()}"
                                for path in sorted((output / "admin").rglob("*")) if path.is_file()]
    netlify = netlify_headers(output, readers + admin)
    text = (output / "_headers").read_text()
    for host in (netlify, {path: cloudflare_headers(text, path) for path in readers + admin}):
        for path in readers:
            assert host[path]["Content-Security-Policy"] == site["Content-Security-Policy"], path
            assert "X-Robots-Tag" not in host[path], path
        for path in admin:
            assert host[path]["Content-Security-Policy"] == editor, path
            assert host[path]["X-Robots-Tag"] == "noindex", path
            assert host[path]["Strict-Transport-Security"] == site["Strict-Transport-Security"], path
