"""What the development server's open pages get: the output folder's files
(the standard library's file server, which serves nothing outside it, with
``Cache-Control: no-store``), each HTML page with ``dev-reload.js`` added as it
is served (a same-origin ``<script src>``, which the site's CSP allows: no
build contains it), Server-Sent Events naming the files to reload for and how
each build ended, and ``/__dev__/status``."""

import html
import json
import os
import posixpath
import queue
import re
import threading
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

EVENTS, SCRIPT, STATUS = "/__dev__/events", "/__dev__/reload.js", "/__dev__/status"
OVERLAY_CSS = "/__dev__/overlay.css"
SCRIPT_FILE = Path(__file__).with_name("dev-reload.js")
OVERLAY_FILE = Path(__file__).with_name("dev-overlay.css")
SCRIPT_TAG = f'<script src="{SCRIPT}" defer></script>'.encode()
# The files a page makes the browser fetch as it loads: <img>, <source>, <script>, <audio>...
FETCHED = re.compile(rb"""\s(src|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def fetched_files(page_html, rel, own_hosts=()):
    """The output-relative paths of the local files a page's src and srcset name
    (`rel`: the page's own path in the output folder)."""
    found = set()
    for match in FETCHED.finditer(page_html):
        value = html.unescape((match[2] or match[3] or b"").decode("utf-8", "replace"))
        urls = [c.split()[0] for c in value.split(",") if c.strip()] if match[1].lower() == b"srcset" else [value]
        for url in urls:
            parts = urlsplit(url.strip())
            if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc not in own_hosts):
                continue  # data:, another site's
            path = unquote(parts.path)
            if not path:
                continue  # "#..." or "?...": the page itself
            path = posixpath.normpath(path.lstrip("/") if path.startswith("/") else
                                      posixpath.join(posixpath.dirname(rel), path))
            if path.startswith(("../", "__dev__/")) or path == "..":
                continue
            found.add(path + "/index.html" if parts.path.endswith("/") else path)
    return found


class Broadcast:
    """The open pages' event queues; `send` reaches every one."""

    def __init__(self):
        self.lock = threading.Lock()
        self.queues = set()

    def join(self):
        q = queue.SimpleQueue()
        with self.lock:
            self.queues.add(q)
        return q

    def leave(self, q):
        with self.lock:
            self.queues.discard(q)

    def count(self):
        with self.lock:
            return len(self.queues)

    def send(self, message, event=None):
        """`message` (JSON) to every open page, as an event of type `event` (None: a plain message)."""
        with self.lock:
            for q in self.queues:
                q.put((event, message))


class Handler(SimpleHTTPRequestHandler):
    """Files of the output folder, the reload script added to HTML, and the events.
    `self.server.dev` is the DevServer."""

    server_version = "extramile-dev"

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # a reload always gets the new file
        super().end_headers()

    def log_message(self, format, *args):
        pass  # the builds' output is what an author reads

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == EVENTS:
            return self.events()
        if path == SCRIPT:
            return self.send_bytes(SCRIPT_FILE.read_bytes(), "text/javascript; charset=utf-8")
        if path == OVERLAY_CSS:
            return self.send_bytes(OVERLAY_FILE.read_bytes(), "text/css; charset=utf-8")
        if path == STATUS:
            return self.send_bytes(json.dumps(self.server.dev.status()).encode(), "application/json")
        page = self.translate_path(self.path)
        if os.path.isdir(page) and path.endswith("/"):
            page = os.path.join(page, "index.html")
        if page.endswith(".html") and os.path.isfile(page):
            html = Path(page).read_bytes()
            at = html.find(b"</head>")
            at = len(html) if at < 0 else at
            return self.send_bytes(html[:at] + SCRIPT_TAG + html[at:], "text/html; charset=utf-8")
        return super().do_GET()

    def send_bytes(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        q = self.server.dev.broadcast.join()
        try:
            self.wfile.write(b": connected\n\n")
            ended = self.server.dev.last_build
            if ended is not None and (not ended["ok"] or ended["notes"]):  # a page opened later shows it too
                q.put(("build", ended))
            self.wfile.flush()
            while not self.server.dev.stopping.is_set():
                try:
                    event, data = q.get(timeout=10)
                    if event:
                        self.wfile.write(b"event: " + event.encode() + b"\n")
                    self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                except queue.Empty:
                    self.wfile.write(b": still here\n\n")  # finds a page that closed
                self.wfile.flush()
        except OSError:
            pass
        finally:
            self.server.dev.broadcast.leave(q)
            self.close_connection = True
