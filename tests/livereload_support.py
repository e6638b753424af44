"""`invoke livereload`'s server for the tests: started in a new interpreter on
a free port of 127.0.0.1 and stopped, its status (/__dev__/status) read, and a
page in Chromium waited for until its reload script listens."""

import json
import signal
import subprocess
import sys
import urllib.request

from support import ROOT
from waiting import LIMIT, listening, wait_until

from extramile.tools.serving import free_port


def start_server(tmp_path, content, output, extra, preexec_fn=None):
    port = free_port()
    script = (f"import tasks; tasks.livereload_server(output={str(output)!r}, content={str(content)!r}, "
              f"extra={extra!r}, port={port}).serve_forever()")
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=preexec_fn)
    proc.log = log
    wait_until(lambda: listening(port) or proc.poll() is not None, "the server to listen")
    assert proc.poll() is None, (tmp_path / "server.log").read_text()
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc, sig=signal.SIGINT):
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=LIMIT)
    finally:
        proc.log.close()


def status(url):
    with urllib.request.urlopen(f"{url}/__dev__/status", timeout=LIMIT) as response:
        return json.load(response)


def wait_for_builds(url, count):
    """The status once `count` builds ran and nothing is building or waiting to."""
    def done():
        now = status(url)
        return now if now["builds"] >= count and not now["building"] and not now["pending"] else None

    return wait_until(done, f"build {count} to end")


def wait_for(page, expression):
    """Poll from Python: Playwright's wait_for_function evaluates strings, which the CSP forbids."""
    from playwright.sync_api import Error

    def holds():
        try:
            return page.evaluate(expression)
        except Error:  # the page is reloading
            return False

    wait_until(holds, expression)


def connected(page, url, pages):
    """The page's reload script is listening: the server counts `pages` open pages."""
    wait_for(page, "() => performance.getEntriesByType('resource')"
                   ".some(e => e.name.endsWith('/__dev__/reload.js'))")
    wait_until(lambda: status(url)["pages"] >= pages, f"{pages} pages to listen to the server")
