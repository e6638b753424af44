"""The author's loop's browser leg (run.chromium_on, run.shown_at) on a served page in real Chromium.

In a process of its own: Playwright's sync API allows one driver a process,
and other tests in the same worker keep theirs open."""

import json
import subprocess
import sys

from extramile import ROOT

CHECK = """
import json, sys, threading, time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from bench import run

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=sys.argv[1]))
threading.Thread(target=server.serve_forever, daemon=True).start()
with run.chromium_on(f"http://127.0.0.1:{server.server_port}/") as page:
    if page is None:
        sys.exit("Chromium (/usr/bin/chromium) and Playwright are needed here")
    saved = time.perf_counter()
    shown = run.shown_at(page, "loopword1", saved)
    try:
        run.shown_at(page, "loopword2", saved, timeout=0.3)
        missing = "shown"
    except TimeoutError:
        missing = "timed out"
print(json.dumps({"shown": shown, "missing": missing}))
"""


def test_the_page_in_chromium_is_timed_until_it_shows_the_word_and_never_for_a_word_it_lacks(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title><p>The author saved loopword1.</p>")
    got = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert got.returncode == 0, got.stderr
    answer = json.loads(got.stdout)
    assert 0 <= answer["shown"] < 30
    assert answer["missing"] == "timed out"
