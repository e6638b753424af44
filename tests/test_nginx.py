"""The production build served by Debian's nginx, at the root and under /blog/,
with the server block `invoke nginx-config` generates: every link, stylesheet,
script, image, feed and search file resolves, and the headers are the policy."""

import gzip
import http.client
import subprocess
import sys
import urllib.parse

import pytest
from bs4 import BeautifulSoup
from support import ROOT, cache_override, make_content, post, run_pelican

from extramile import testing
from extramile.devtools import isso_server
from extramile.tools.checkers import MissingTool
from extramile.tools.serving import RESOURCES, Nginx, crawl, fetch, free_port, wait_for_port


@pytest.fixture(scope="module", params=["", "/blog"], ids=["root", "sub-path"])
def nginx_site(request, tmp_path_factory):
    prefix = request.param
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    www = tmp / "www"
    output = www / prefix.strip("/") if prefix else www
    url = f"http://127.0.0.1:{port}{prefix}"
    build = run_pelican(output, conf="publishconf.py", extra=cache_override(tmp / "cache"),
                        env={"SITEURL": url, "SUBSCRIBE_PROVIDER": "generic",
                             "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"})
    assert build.returncode == 0, build.log
    try:
        nginx = Nginx(tmp, output, prefix, www, port)
    except MissingTool as tool:
        testing.missing(str(tool))
    build.url, build.prefix = url, prefix
    yield build
    nginx.stop()


def test_no_broken_links_images_styles_scripts_or_feeds(nginx_site):
    fetched, broken, external = crawl(nginx_site.url)
    assert broken == []
    assert fetched > 60  # pages, feeds, assets, images
    # Nothing a page loads comes from elsewhere; only plain links and the
    # newsletter form point away.
    loaded = [(kind, ref) for kind, ref in external if kind in RESOURCES]
    assert loaded == []


def test_every_built_file_is_served(nginx_site):
    for path in sorted(nginx_site.output.rglob("*")):
        rel = path.relative_to(nginx_site.output).as_posix()
        if path.is_file() and rel != "_headers":
            status, _, body = fetch(f"{nginx_site.url}/{rel}")
            assert (status, body) == (200, path.read_bytes()), rel
    assert fetch(f"{nginx_site.url}/_headers")[0] == 404  # host configuration is not content


def test_headers_are_the_policy(nginx_site):
    status, page, _ = fetch(nginx_site.url + "/")
    meta = BeautifulSoup(nginx_site.text("index.html"), "lxml").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    csp = page["Content-Security-Policy"]
    # The header is the <meta> policy plus what only a header can carry.
    assert csp == meta["content"] + "; frame-ancestors 'none'"
    assert page["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page["Cache-Control"] == "public, max-age=0, must-revalidate"
    [css] = nginx_site.output.glob("theme/css/style.*.css")
    _, asset, _ = fetch(f"{nginx_site.url}/theme/css/{css.name}")
    assert asset["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset["Content-Security-Policy"] == csp
    missing, headers, body = fetch(nginx_site.url + "/no-such-page/")
    assert missing == 404 and b"<h1" in body and headers["Content-Security-Policy"] == csp


def test_precompressed_copies_are_served(nginx_site):
    plain = nginx_site.path("index.html").read_bytes()
    copy = nginx_site.path("index.html.gz").read_bytes()
    assert gzip.decompress(copy) == plain
    status, headers, body = fetch(nginx_site.url + "/", {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and body == copy  # the build's file, not recompressed


def test_folder_without_slash_redirects_within_the_site(nginx_site):
    status, headers, body = fetch(nginx_site.url + "/posts/in-customers-we-trust")
    assert status == 200 and b"In Customers We Trust" in body


def test_generated_nginx_config_is_printed_by_invoke(nginx_site, tmp_path):
    out = subprocess.run([sys.executable, "-m", "invoke", "nginx-config", "--output", str(nginx_site.output),
                          "--root", "/var/www/site"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "root /var/www/site;" in out.stdout and "gzip_static on;" in out.stdout
    assert f"location {nginx_site.prefix}/ {{" in out.stdout


def test_isso_under_the_site_cannot_be_framed(nginx_site, tmp_path):
    """`invoke nginx-config --isso`: Isso's pages (its admin page) carry the
    site's security headers, with a CSP that forbids framing."""
    isso_port, port = free_port(), free_port()
    isso = isso_server.start(tmp_path / "isso", isso_port, [nginx_site.url],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port(isso_port, isso, seconds=60), "Isso did not start"
        root = nginx_site.output.parent if nginx_site.prefix else nginx_site.output
        nginx = Nginx(tmp_path, nginx_site.output, nginx_site.prefix, root, port, isso=f"http://127.0.0.1:{isso_port}")
        try:
            for path in ("/isso/admin/", "/isso/config"):
                status, headers, _ = fetch(f"http://127.0.0.1:{port}{nginx_site.prefix}{path}")
                assert status == 200, path
                assert headers.get_all("Content-Security-Policy") == ["frame-ancestors 'none'"], path
                assert headers["X-Frame-Options"] == "DENY"
                assert headers["X-Content-Type-Options"] == "nosniff"
                assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
                assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        finally:
            nginx.stop()
    finally:
        isso.terminate()
        isso.wait(timeout=20)


def answer(url):
    """(status, Location, body) without following a redirect."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module", params=["", "/blog"], ids=["root", "sub-path"])
def renamed_site(request, tmp_path_factory):
    """A post renamed from old-slug to new-slug with an Aliases: line, and a GONE path, under real nginx."""
    prefix = request.param
    tmp = tmp_path_factory.mktemp("nginx-renamed")
    port = free_port()
    www = tmp / "www"
    output = www / prefix.strip("/") if prefix else www
    files = {"posts/moving.md": post(title="A moving story", extra="Slug: new-slug\nAliases: /posts/old-slug/\n")}
    build = run_pelican(output, conf="publishconf.py", content=make_content(tmp, files),
                        extra=cache_override(tmp / "cache", GONE='["/posts/removed/", "/removed.html"]'),
                        env={"SITEURL": f"http://127.0.0.1:{port}{prefix}", "SUBSCRIBE_PROVIDER": "generic",
                             "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"})
    assert build.returncode == 0, build.log
    try:
        nginx = Nginx(tmp, output, prefix, www, port)
    except MissingTool as tool:
        testing.missing(str(tool))
    build.url, build.prefix = f"http://127.0.0.1:{port}{prefix}", prefix
    yield build
    nginx.stop()


@pytest.mark.parametrize("old", ["/posts/old-slug/", "/posts/old-slug"])
def test_an_old_address_answers_301_to_the_new_one(renamed_site, old):
    status, location, _ = answer(renamed_site.url + old)
    assert (status, location) == (301, f"{renamed_site.prefix}/posts/new-slug/")
    status, _, body = answer(renamed_site.url + "/posts/new-slug/")
    assert status == 200 and b"A moving story" in body


@pytest.mark.parametrize("path", ["/posts/removed/", "/posts/removed", "/removed.html"])
def test_a_gone_path_answers_410_with_the_themes_removed_page(renamed_site, path):
    status, headers, body = fetch(renamed_site.url + path)
    assert status == 410 and headers["Content-Type"].startswith("text/html")
    page = BeautifulSoup(body, "lxml")
    # The site's headers, as on every page.
    assert headers["Content-Security-Policy"] == fetch(renamed_site.url + "/")[1]["Content-Security-Policy"]
    assert page.main.h1.text == "This article was removed"
    assert page.select_one("header.site-header nav") and page.select_one("footer.site-footer")
    stylesheet = page.find("link", rel="stylesheet")["href"]
    assert stylesheet.startswith(f"{renamed_site.url}/theme/css/") and answer(stylesheet)[0] == 200


def test_the_redirects_file_is_not_served(renamed_site):
    assert answer(renamed_site.url + "/_redirects")[0] == 404
