"""`invoke links`: the links to other sites that no longer work, one line per
problem (`content/posts/x.md:12: https://example.org/old → 404 Not Found`);
never part of a publish. What is checked, how it asks, what counts as a
problem and how results are kept: docs/links.md.
"""

import hashlib
import html
import json
import os
import re
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import markdown

from extramile.buildcache import atomic_write
from extramile.plugins.replies import rendering as replies_rendering
from extramile.plugins.validate.validate import Problem, iter_sources, read_text
from extramile.sources import read_header

# The task's defaults (docs/links.md, "Options").
JOBS = 8  # requests at a time; one at a time per host name
TIMEOUT = 10.0  # seconds per request, connecting and answering together
MAX_AGE_DAYS = 10.0  # a working link is asked again after half to all of these days
MAX_WAIT = 10.0  # the longest Retry-After waited, once
MAX_REDIRECTS = 5
CACHE_VERSION = 1
USER_AGENT = "Mozilla/5.0 (compatible; extramile-links/1; checks the links of a blog)"
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
RATE_LIMITED = {429, 503}
ABSOLUTE = re.compile(r"(?:https?:)?//[^\s/]", re.IGNORECASE)
HEADER_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# What may follow an address as written: the end of a markdown link, an
# autolink, an HTML attribute, a reference definition's title, the line's end.
AFTER_URL = r"(?=[\s)\]>\"'<]|$)"
# A GitHub issue body holds at most 65536 characters.
REPORT_LIMIT = 60000


@dataclass(frozen=True)
class Link:
    path: str  # as shown: content/posts/x.md
    line: int | None  # None: rendered, but not found as written in the source
    url: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    said: str  # "OK", or what is wrong: "404 Not Found", "timed out after 10 s"


# -- Finding the links ------------------------------------------------------------

class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.found += [value.strip() for name, value in attrs if name == "href" and value]


def outbound(href):
    """The absolute http(s) address of a link to another site, or None."""
    if not ABSOLUTE.match(href):
        return None
    return "https:" + href if href.startswith("//") else href


def lines_of(url, lines):
    """The numbers of the lines that write `url`: as it is, with markdown's
    backslash escapes, or with HTML's character references (`&amp;`)."""
    written = re.compile(re.escape(url) + AFTER_URL)
    return [number for number, line in enumerate(lines, start=1)
            if any(written.search(form) for form in {line, line.replace("\\", ""), html.unescape(line)})]


def links_in_text(text, shown, render):
    """Every outbound link of one markdown source: its header's addresses and
    the links of its body as `render` (markdown to HTML) shows it.

    Python-Markdown keeps no line numbers, so each address it renders as a
    link is looked up in the source; written on several lines, it is reported
    on each (a mention of it in a code block too)."""
    lines = text.split("\n")
    header = read_header(lines)
    hrefs = [value for value in header.meta.values() if HEADER_URL.fullmatch(value)]
    parser = _Hrefs()
    parser.feed(render("\n".join(lines[header.body_start - 1:])))
    found = []
    for href in dict.fromkeys(hrefs + parser.found):
        if url := outbound(href):
            found += [Link(shown, number, url) for number in lines_of(href, lines) or [None]]
    return found


def markdown_renderer(settings):
    """Markdown to HTML as Pelican's reader does it, with the site's MARKDOWN settings."""
    config = dict(settings["MARKDOWN"])
    config["extensions"] = list(dict.fromkeys([*config.get("extensions", []), *config.get("extension_configs", {})]))
    md = markdown.Markdown(**config)
    return lambda text: md.reset().convert(text)


def settings_links(settings):
    """The addresses in AUTHORS_INFO's links, LINKS and SOCIAL: (label, url) pairs."""
    pairs = [pair for info in (settings.get("AUTHORS_INFO") or {}).values() for pair in info.get("links", [])]
    pairs += [*(settings.get("LINKS") or ()), *(settings.get("SOCIAL") or ())]
    return [pair[1] for pair in pairs if len(pair) > 1 and isinstance(pair[1], str) and outbound(pair[1])]


def find_links(settings, root, settings_file=None):
    """([Link], [Problem]) of the whole site: posts, pages, replies and settings.

    `root` is the folder paths are shown from (the project's); `settings_file`
    is where the settings' links are looked up for their line."""
    links, problems = [], []

    def read(abspath, shown, render):
        try:
            raw = Path(abspath).read_bytes()
        except OSError as err:
            problems.append(Problem(shown, None, f"cannot be read ({err.strerror})."))
            return
        text = read_text(shown, raw, problems)
        if text is not None:
            links.extend(links_in_text(text, shown, render))

    render = markdown_renderer(settings)
    for _kind, abspath, _shown in iter_sources(settings, problems):
        read(abspath, os.path.relpath(abspath, root), render)
    replies = Path(settings["PATH"]) / settings.get("REPLIES_PATH", "replies")
    for abspath in sorted(replies.glob("*/*.md")) if replies.is_dir() else ():
        read(abspath, os.path.relpath(abspath, root), replies_rendering.render)
    if settings_file:
        shown = os.path.relpath(settings_file, root)
        lines = Path(settings_file).read_text(encoding="utf-8").split("\n")
        for url in dict.fromkeys(settings_links(settings)):
            links += [Link(shown, number, url) for number in lines_of(url, lines) or [None]]
    return links, problems


# -- Checking them -------------------------------------------------------------

class Unreachable(Exception):
    """No HTTP answer; the message says why."""


class Checker:
    """Asks each address with urllib3: at most `jobs` at a time, one per host name."""

    def __init__(self, jobs=JOBS, timeout=TIMEOUT, max_wait=MAX_WAIT):
        import urllib3  # here, not at the top: tasks.py imports this module for its defaults alone

        self.urllib3 = urllib3
        self.jobs, self.timeout, self.max_wait = max(1, int(jobs)), float(timeout), float(max_wait)
        self.http = urllib3.PoolManager(num_pools=64, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        self._hosts = {}  # host name -> its lock (setdefault: one per host, even across threads)

    def check_all(self, urls):
        """{url: Outcome}; the addresses of one host are asked one after another."""
        by_host = defaultdict(list)
        for url in urls:
            by_host[host_of(url)].append(url)
        with ThreadPoolExecutor(self.jobs) as pool:
            done = pool.map(lambda group: [(url, self.check(url)) for url in group], by_host.values())
            return {url: outcome for group in done for url, outcome in group}

    def check(self, url):
        current, permanent = url, False
        for _ in range(MAX_REDIRECTS + 1):
            try:
                status, headers = self.answer(current)
            except Unreachable as err:
                return Outcome(False, str(err) + after(url, current))
            if status in REDIRECTS and headers.get("Location"):
                permanent = permanent or status in PERMANENT
                current = urljoin(current, headers["Location"])
                continue
            if not 200 <= status < 300:
                return Outcome(False, describe(status, headers) + after(url, current))
            if host_of(current) != host_of(url):
                return Outcome(False, f"redirected to another host: {current}")
            if permanent:
                return Outcome(False, f"moved permanently to {current}")
            return Outcome(True, "OK")
        return Outcome(False, f"more than {MAX_REDIRECTS} redirects (last to {current})")

    def answer(self, url):
        """(status, headers): HEAD, an error confirmed with GET, and one more
        try after a short Retry-After. The host's other requests wait meanwhile."""
        with self._hosts.setdefault(host_of(url), threading.Lock()):
            for first in (True, False):
                status, headers = self.request("HEAD", url)
                if status >= 400 and status not in RATE_LIMITED:
                    status, headers = self.request("GET", url)
                wait = retry_after(headers) if status in RATE_LIMITED else None
                if not (first and wait is not None and wait <= self.max_wait):
                    return status, headers
                time.sleep(wait)

    def request(self, method, url):
        errors = self.urllib3.exceptions
        try:
            response = self.http.request(method, url, redirect=False, retries=False, preload_content=False,
                                         timeout=self.urllib3.Timeout(total=self.timeout))
        # urllib3's NewConnectionError is a ConnectTimeoutError too: it goes first.
        except errors.NameResolutionError:
            raise Unreachable("host not found") from None
        except errors.NewConnectionError as err:
            refused = isinstance(err.__cause__ or err.__context__, ConnectionRefusedError)
            raise Unreachable("connection refused" if refused else f"cannot connect: {short(err)}") from None
        except errors.TimeoutError:
            raise Unreachable(f"timed out after {self.timeout:g} s") from None
        except errors.SSLError as err:
            raise Unreachable(f"TLS error: {short(err)}") from None
        except errors.LocationValueError as err:
            raise Unreachable(f"not a valid address: {short(err).removeprefix('Failed to parse: ')}") from None
        except (errors.HTTPError, OSError) as err:
            raise Unreachable(f"connection failed: {short(err)}") from None
        # Only the status and headers matter: a HEAD's connection is kept for the
        # host's next request; a GET's is closed, its body never read.
        if method == "HEAD":
            response.release_conn()
        else:
            response.close()
        return response.status, response.headers


def host_of(url):
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # "http://[::1": urllib3 says what is wrong with it
        return ""


def after(url, current):
    return "" if current == url else f" (redirected to {current})"


def short(err):
    """An exception's message on one line, without urllib3's object reprs."""
    text = " ".join(str(getattr(err, "reason", None) or err).split())
    return re.sub(r"^<[^>]*>: ", "", text)[:200]


def retry_after(headers):
    """Seconds the server asks to wait (Retry-After: seconds or a date), or None."""
    from urllib3.exceptions import InvalidHeader
    from urllib3.util import Retry

    value = headers.get("Retry-After")
    try:
        return Retry(total=0).parse_retry_after(value) if value else None
    except InvalidHeader:
        return None


def describe(status, headers):
    try:
        text = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        text = str(status)
    wait = retry_after(headers) if status in RATE_LIMITED else None
    if status == 429:
        text = f"rate limited ({text})"
    return text + (f", retry after {wait:g} s" if wait is not None else "")


# -- Keeping working results -------------------------------------------------------

class Cache:
    """Working links by address: .cache/links.json, {"version", "ok": {url: checked}}.

    Key: the address alone. Nothing on this side changes a remote answer; the
    answer changes with time, so a result expires, and only working links are
    kept. Anything unreadable is ignored, which means checking again."""

    def __init__(self, path, max_age_days=MAX_AGE_DAYS, now=None):
        self.path, self.max_age = Path(path), float(max_age_days) * 86400
        self.now = time.time() if now is None else now
        self.ok = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") == CACHE_VERSION:
                self.ok = {url: at for url, at in data["ok"].items()
                           if isinstance(url, str) and isinstance(at, (int, float))}
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            self.ok = {}

    def fresh(self, url):
        at = self.ok.get(url)
        return at is not None and at <= self.now < at + self.max_age * spread(url)

    def record(self, outcomes):
        for url, outcome in outcomes.items():
            if outcome.ok:
                self.ok[url] = self.now
            else:
                self.ok.pop(url, None)
        self.ok = {url: at for url, at in self.ok.items() if self.fresh(url)}

    def save(self):
        atomic_write(self.path, json.dumps({"version": CACHE_VERSION, "ok": self.ok}, indent=0, sort_keys=True).encode())


def spread(url):
    """A fraction from 0.5 to 1, fixed for each address: results do not all expire in the same run."""
    return 0.5 + int(hashlib.sha256(url.encode()).hexdigest()[:8], 16) / 2**33


# -- One run ---------------------------------------------------------------------

@dataclass
class Run:
    problems: list  # "file:line: url → what is wrong", in file and line order
    checked: int  # addresses asked this run
    cached: int  # addresses whose result was kept from an earlier run


def check_site(settings, root, cache_path, own_hosts=(), settings_file=None, checker=None,
               max_age_days=MAX_AGE_DAYS, now=None):
    """Find the site's outbound links, check those not fresh in the cache, and list the problems."""
    links, unreadable = find_links(settings, root, settings_file)
    own = {host_of(url) for url in own_hosts if url}
    links = [link for link in links if host_of(link.url) not in own]
    cache = Cache(cache_path, max_age_days, now)
    urls = list(dict.fromkeys(link.url for link in links))
    due = [url for url in urls if not cache.fresh(url)]
    outcomes = (checker or Checker()).check_all(due) if due else {}
    cache.record(outcomes)
    cache.save()
    problems = [str(problem) for problem in unreadable]
    for link in sorted(links, key=lambda link: (link.path, link.line or 0, link.url)):
        outcome = outcomes.get(link.url)
        if outcome and not outcome.ok:
            problems.append(str(Problem(link.path, link.line, f"{link.url} → {outcome.said}")))
    return Run(problems, checked=len(due), cached=len(urls) - len(due))


def report_markdown(run, when):
    """The list as markdown, for a file and the weekly issue (under GitHub's limit for an issue body)."""
    head = (f"`invoke links` on {when}: {len(run.problems)} problem{'s' if len(run.problems) != 1 else ''} "
            f"in the links to other sites ({run.checked} checked, {run.cached} known to work from the last days).\n\n")
    if not run.problems:
        return head + "Every link works.\n"
    lines, size = [], len(head)
    for number, problem in enumerate(run.problems):
        where, _, what = problem.partition(": ")
        line = f"- `{where}`: {what}\n"
        if size + len(line) > REPORT_LIMIT - 100:
            lines.append(f"- ... and {len(run.problems) - number} more: run `invoke links` to see them all.\n")
            break
        lines.append(line)
        size += len(line)
    return head + "".join(lines)
