"""Development subscribe receiver: try the whole subscribe flow without an
account anywhere. Never part of the published site.

    python -m extramile.devtools.subscribe_receiver [--port 8001] [--site http://127.0.0.1:8000/]

`invoke serve` and `invoke livereload` start it. It listens on 127.0.0.1 only
and takes ``POST /subscribe`` with the form fields ``email`` and ``website``
(the spam trap). Addresses go into ``.cache/subscribers.sqlite3``.

* A plain form post gets a thank-you page with a link back to the site.
* A fetch from the site (``Accept: application/json``) gets JSON
  ``{"ok": ..., "message": ...}`` with CORS for the site's origin only.
* A body over ``MAX_BODY`` bytes gets 413; a request that is not a
  url-encoded form, or does not decode, gets 400; so does an address that is
  not an email address. A filled spam trap gets the normal thank-you, and
  nothing is recorded.
"""

import argparse
import html
import json
import re
import sqlite3
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from extramile import ROOT

HOST = "127.0.0.1"
PORT = 8001
PATH = "/subscribe"
DB = ROOT / ".cache" / "subscribers.sqlite3"
SITE = "http://127.0.0.1:8000/"
MAX_BODY = 2048  # an address and a spam trap fit many times over
EMAIL_FIELD, HONEYPOT_FIELD = "email", "website"
# Deliberately simple: the unquoted characters RFC 5322 allows before the @
# (and letters of any script), a domain of dot-separated labels.
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{message}</p>
<p><a href="{back}">Back to the site</a></p>
<p><small>Development receiver: addresses are kept in {db} and never sent anywhere.</small></p>
</main></body></html>
"""


class Store:
    """The addresses, in SQLite; one connection per call, so threads are safe."""

    def __init__(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self.lock = threading.Lock()
        with self.lock, sqlite3.connect(self.path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS subscribers ("
                       "email TEXT PRIMARY KEY, subscribed_at TEXT NOT NULL)")

    def add(self, email):
        """Record ``email``; return False when it was already there."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.lock, sqlite3.connect(self.path) as db:
            cursor = db.execute("INSERT OR IGNORE INTO subscribers VALUES (?, ?)", (email, now))
            return cursor.rowcount == 1

    def all(self):
        with sqlite3.connect(self.path) as db:
            return [row[0] for row in db.execute("SELECT email FROM subscribers ORDER BY rowid")]


class Handler(BaseHTTPRequestHandler):
    server_version = "SubscribeReceiver"
    timeout = 10  # a slow or stalled client does not hold a thread

    # -- answers ------------------------------------------------------------
    def origin_allowed(self):
        origin = self.headers.get("Origin")
        return origin if origin and origin == self.server.site_origin else None

    def wants_json(self):
        return ("application/json" in self.headers.get("Accept", "")
                or self.headers.get("X-Requested-With"))

    def send(self, status, title, message):
        if self.wants_json():
            body = json.dumps({"ok": status < 400, "message": message}).encode()
            kind = "application/json"
        else:
            body = PAGE.format(title=html.escape(title), message=html.escape(message),
                               back=html.escape(self.server.site_url),
                               db=html.escape(str(self.server.store.path))).encode()
            kind = "text/html; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", "default-src 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Origin")
        if self.origin_allowed():
            self.send_header("Access-Control-Allow-Origin", self.origin_allowed())
        if status >= 400:
            # The body may be unread: do not let it be taken for the next request.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def fail(self, status, message):
        self.send(status, "Not subscribed", message)

    # -- methods ------------------------------------------------------------
    def do_OPTIONS(self):
        """CORS preflight: only the site's own origin may post with fetch."""
        if urlsplit(self.path).path != PATH or not self.origin_allowed():
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", self.origin_allowed())
        self.send_header("Access-Control-Allow-Methods", "POST")
        self.send_header("Access-Control-Allow-Headers", "X-Requested-With")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.fail(404 if urlsplit(self.path).path != PATH else 405,
                  "Subscribe with the form on the site: it posts here.")

    def do_POST(self):
        if urlsplit(self.path).path != PATH:
            return self.fail(404, "Nothing here: the form posts to /subscribe.")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            return self.fail(400, "The request has no valid Content-Length.")
        if int(length) > MAX_BODY:
            return self.fail(413, "The request is too large.")
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return self.fail(400, "The request is not a form submission.")
        try:
            body = self.rfile.read(int(length)).decode("utf-8")
            fields = parse_qs(body, keep_blank_values=True, strict_parsing=bool(body),
                              max_num_fields=10)
        except (UnicodeDecodeError, ValueError):
            return self.fail(400, "The form data could not be read.")
        emails = fields.get(EMAIL_FIELD, [])
        email = emails[0].strip() if len(emails) == 1 else ""
        if fields.get(HONEYPOT_FIELD, [""]) != [""]:
            # A bot filled the trap: answer as usual, record nothing.
            return self.send(200, "Thank you", "Thank you! Please check your inbox.")
        if len(email) > 254 or not EMAIL.fullmatch(email):
            return self.fail(400, "That does not look like an email address. Please check it and try again.")
        if self.server.store.add(email):
            return self.send(200, "Thank you", f"Thank you! {email} is subscribed.")
        return self.send(200, "Thank you", f"{email} was already subscribed. Thank you!")

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            super().log_message(fmt, *args)


class Receiver(ThreadingHTTPServer):
    """The receiver on 127.0.0.1:``port`` (0 picks a free port)."""

    daemon_threads = True

    def __init__(self, port=PORT, db=DB, site_url=SITE, quiet=False):
        super().__init__((HOST, port), Handler)
        self.store = Store(db)
        self.quiet = quiet
        self.set_site(site_url)

    def set_site(self, site_url):
        """The site whose pages post here: its origin gets CORS, its address the link back."""
        self.site_url = site_url
        parts = urlsplit(site_url)
        self.site_origin = f"{parts.scheme}://{parts.netloc}"

    @property
    def url(self):
        return f"http://{HOST}:{self.server_address[1]}{PATH}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=PORT, help=f"port on {HOST} (default {PORT})")
    parser.add_argument("--db", default=str(DB), help="SQLite file (default .cache/subscribers.sqlite3)")
    parser.add_argument("--site", default=SITE, help=f"the development site's address (default {SITE})")
    args = parser.parse_args(argv)
    try:
        server = Receiver(args.port, args.db, args.site)
    except OSError as err:
        raise SystemExit(f"Subscribe receiver not started on {HOST}:{args.port}: {err.strerror}") from None
    print(f"Subscribe receiver on {server.url} for {server.site_origin}; addresses in {args.db}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
