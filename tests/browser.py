"""Real Chromium for the browser tests, and a real HTTP server for the site.

Debian's Chromium (/usr/bin/chromium) is driven by Playwright; no browser is
downloaded. Under CI=true a missing Chromium (or node_modules) fails the run instead of skipping.
"""

import functools
import os
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from extramile.testing import missing, node_modules
from extramile.tools.chromium import CHROMIUM, CHROMIUM_ARGS

# Records every CSP violation; init scripts run before the page's own, outside its CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def require_chromium():
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    missing(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`")


def require_node_modules():
    """The editor's tests need decap-cms and decap-server from npm (package-lock.json)."""
    node_modules("decap-server")




class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class StaticServer:
    """Serves a folder on 127.0.0.1, on a port chosen before the site is built
    (production builds need their absolute address up front)."""

    def __init__(self, root):
        self.root = root
        handler = functools.partial(QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the session (it cannot be started twice)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    path = require_chromium()
    user_data = tempfile.mkdtemp(prefix="chromium-profile-")
    context = playwright_driver.chromium.launch_persistent_context(
        user_data, executable_path=path, args=CHROMIUM_ARGS, headless=True
    )
    yield context
    context.close()
    shutil.rmtree(user_data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_without_profile(playwright_driver):
    """One more Chromium for the session, whose contexts share nothing (a fresh profile each)."""
    browser = playwright_driver.chromium.launch(
        executable_path=require_chromium(), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def no_js_page(browser_without_profile):
    """A tab in a new browser context with JavaScript disabled, as some readers have."""
    context = browser_without_profile.new_context(java_script_enabled=False)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def page(chromium):
    """A fresh tab; fails the test on any JavaScript error or CSP violation."""
    tab = chromium.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.errors = errors
    yield tab
    tab.close()
