"""The production build served by Debian's nginx, at the root and under /blog/,
with the server block `invoke nginx-config` generates: every link, stylesheet,
script, image, feed and search file resolves, and the headers are the policy."""

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, cache_override, run_pelican

sys.path.insert(0, str(ROOT))
from deploy import nginx as nginx_config  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

NGINX_CONF = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{server}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx in the foreground on 127.0.0.1, stopped by the fixture."""

    def __init__(self, tmp, server):
        if not os.path.exists(NGINX):
            message = "nginx not found: install it with `apt-get install nginx-light`"
            if os.environ.get("CI"):
                pytest.fail(message + " (never skipped in CI)", pytrace=False)
            pytest.skip(message)
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, server=server))
        self.proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(conf)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.tmp = tmp

    def wait(self, port):
        for _ in range(100):
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode() + (self.tmp / "error.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


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
    server = nginx_config.render(output, prefix, root=str(www), listen=f"127.0.0.1:{port}")
    nginx = Nginx(tmp, server)
    nginx.wait(port)
    build.url, build.prefix = url, prefix
    yield build
    nginx.stop()


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# Where pages, feeds and the search index point to other files.
HTML_REFS = [("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("source", "srcset"),
             ("img", "srcset"), ("form", "action"), ("meta", "content")]
RESOURCES = {"link", "script", "img", "source"}


def references(url, content_type, body):
    """(kind, absolute url) of everything a file refers to."""
    refs = []
    if "html" in content_type:
        soup = BeautifulSoup(body, "lxml")
        for tag, attr in HTML_REFS:
            for node in soup.find_all(tag):
                value = node.get(attr)
                if not value or (tag == "meta" and not value.startswith(("http://", "https://", "/"))):
                    continue
                if tag == "link" and "preconnect" in (node.get("rel") or []):
                    continue
                for part in (value.split(",") if attr == "srcset" else [value]):
                    refs.append((tag, urljoin(url, part.strip().split(" ")[0])))
    elif "xml" in content_type:
        soup = BeautifulSoup(body, "xml")
        refs += [("feed", urljoin(url, link["href"])) for link in soup.find_all("link") if link.get("href")]
        refs += [("feed", urljoin(url, link.get_text().strip())) for link in soup.find_all(["loc", "link"])
                 if link.get_text().strip()]
        text = body.decode("utf-8", "replace")
        if "<?xml-stylesheet" in text:
            href = text.split("<?xml-stylesheet", 1)[1].split("href=", 1)[1][1:].split('"')[0]
            refs.append(("link", urljoin(url, href)))
    elif "json" in content_type and url.endswith("feeds/all.json"):
        feed = json.loads(body)
        refs += [("feed", feed[k]) for k in ("home_page_url", "feed_url") if k in feed]
        refs += [("feed", item["url"]) for item in feed.get("items", [])]
    return refs


def crawl(site):
    """Follow every reference from the home page and the 404 page; return what is broken."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site.url))
    start = [site.url + "/", site.url + "/no-such-page/", site.url + "/sitemap.xml",
             site.url + "/feeds/all.atom.xml"]
    queue, seen, broken, external = list(start), set(start), [], []
    fetched = 0
    while queue:
        url = queue.pop()
        status, headers, body = fetch(url)
        fetched += 1
        if status != 200 and not url.endswith("/no-such-page/"):
            broken.append(f"{url}: {status}")
            continue
        for kind, ref in references(url, headers.get("Content-Type", ""), body):
            ref = urldefrag(ref)[0]
            if not ref.startswith(origin):
                if ref.startswith(("http://", "https://")):
                    external.append((kind, ref))
                continue
            if not ref.startswith(site.url + "/") and ref != site.url:
                broken.append(f"{ref}: outside {site.url}/ (from {url})")
            elif ref not in seen:
                seen.add(ref)
                queue.append(ref)
    return fetched, broken, external


def test_no_broken_links_images_styles_scripts_or_feeds(nginx_site):
    fetched, broken, external = crawl(nginx_site)
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
