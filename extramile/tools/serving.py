"""Serve a built site as a host would, and crawl it: Debian's nginx with the
server block `invoke nginx-config` generates (deploy/nginx.py), on 127.0.0.1.
Used by tests/test_nginx.py and `invoke audit`."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup

from extramile.deploy import nginx as nginx_config
from extramile.processes import stop
from extramile.tools.checkers import MissingTool

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


def free_ports(count):
    """The first of `count` free ports in a row on 127.0.0.1 (a site and the
    servers on the ports after it: the subscribe receiver, Isso, the editor)."""
    while True:
        first = free_port()
        if first + count < 65536 and all(bindable(first + i) for i in range(count)):
            return first


def bindable(port):
    """Whether a server could listen on 127.0.0.1:`port` now (as ours bind: SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(port, proc=None, seconds=10):
    """Wait until something listens on 127.0.0.1:`port`; False if `proc` died
    or the time ran out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Nginx:
    """nginx in the foreground on 127.0.0.1 serving `output` (the site, under
    `prefix` of `root`) with the generated server block; stop() ends it."""

    def __init__(self, tmp, output, prefix, root, port, isso=None):
        if not os.path.exists(NGINX):
            raise MissingTool("nginx not found: install it with `apt-get install nginx-light`")
        server = nginx_config.render(output, prefix, root=str(root), listen=f"127.0.0.1:{port}", isso=isso)
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, server=server))
        self.proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(conf)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if not wait_for_port(port, self.proc):
            log = tmp / "error.log"
            raise RuntimeError("nginx did not start: " + (log.read_text() if log.exists() else ""))

    def stop(self):
        stop(self.proc)


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


def crawl(site_url):
    """Follow every reference from the home page, the 404 page, the sitemap and
    the feed; return (files fetched, broken references, references elsewhere)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    start = [site_url + "/", site_url + "/no-such-page/", site_url + "/sitemap.xml",
             site_url + "/feeds/all.atom.xml"]
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
            if not ref.startswith(site_url + "/") and ref != site_url:
                broken.append(f"{ref}: outside {site_url}/ (from {url})")
            elif ref not in seen:
                seen.add(ref)
                queue.append(ref)
    return fetched, broken, external
