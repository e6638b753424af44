"""The development server of `invoke livereload`: it notices a save at once,
rebuilds, and reloads each open page as soon as its own file is written.

* Watching: ``watchfiles`` (inotify) on the content folder, the theme, the
  settings file and the ``extramile`` package; a build starts once the saves
  have been quiet for CONTENT_QUIET_MS or CODE_QUIET_MS. A save starts one build in a
  fork of the warm builder (warm_builder.py) with ``RENDER_FIRST`` set to the
  content files that changed, so their pages are written first. Saves that
  arrive during a build start one more build after it: never two builds at
  once, no save lost.
* Problems: a build prints into a file, echoed to the terminal when it ends.
  Every open page is told how each build ended (an SSE ``build`` event, sent
  also to a page that opens later); while the last build failed, dev-reload.js
  shows its problems (file:line and how to fix, from the lines the build
  printed) over the page, styled by ``/__dev__/overlay.css``.
* Reloading: the server watches the output folder too (changes grouped for at
  most OUTPUT_GROUP_MS) and tells every open page (dev_pages.py) which HTML
  and CSS files now hold other bytes. A page is named only once every local
  file its ``src`` and ``srcset`` name is on disk, or, at the latest, once the
  build that wrote it has ended.
* Ending: the server adopts its helpers' orphans (``PR_SET_CHILD_SUBREAPER``)
  and collects each as it ends (SIGCHLD, and after every build), so none stays
  a zombie. On Ctrl-C, SIGTERM or any exit it ends every process below it: the
  warm builder and its builds, background search indexers, Pagefind, the
  subscribe receiver (extramile/processes.py).
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import extramile.devtools.dev_pages as pages
from extramile import processes
from extramile.buildcache import CLOCK_GRAIN_NS
from extramile.devtools import build_notes
from extramile.devtools.warm_builder import WarmBuilder

# How long the watchers wait for quiet before a build. Content and templates:
# 10 ms (an editor's save is a few events within a millisecond or two). Code
# and settings: clearly past a clock tick, as a build that starts within one
# of a code change cannot tell which code it loaded and keeps no cache.
CONTENT_QUIET_MS = 10
CODE_QUIET_MS = CLOCK_GRAIN_NS // 1_000_000 + 10
# How the output folder's changes are grouped into one message to the open
# pages: sent after OUTPUT_QUIET_MS without a new write, or OUTPUT_GROUP_MS
# after the group's first while a build keeps writing. The edited page is
# written first, and the message naming it leaves at most 30 ms later (with 50
# and 100 ms, measured at N=1000: 0.27 s from the page on disk to its new text
# in Chromium, median of 8 saves; with 10 and 30 ms: 0.21 s).
OUTPUT_QUIET_MS = 10
OUTPUT_GROUP_MS = 30
# What a page reloads for; feeds, images and the search index are not pages.
RELOADS_FOR = (".html", ".css")
# A problem as a failed build prints it ("  content/posts/x.md:4: what to do"):
# the overlay lists each; a failure without any shows the output's last lines.
PROBLEM = re.compile(r"^\s*(?P<file>[^\s:][^:]*):(?P<line>\d+): (?P<message>.+)$")
OUTPUT_TAIL_LINES = 30


def with_settings(extra, *pairs):
    """Pelican arguments `extra` with more `-e` settings (Pelican keeps only its last -e)."""
    extra = list(extra)
    if "-e" not in extra:
        return [*extra, "-e", *pairs]
    at = extra.index("-e") + 1
    while at < len(extra) and not extra[at].startswith("-"):
        at += 1
    return [*extra[:at], *pairs, *extra[at:]]


def temporary(path):
    """A writer's temporary file (atomic writes: .tmp-*, *.tmp-PID), never a page itself."""
    name = os.path.basename(path)
    return name.startswith(".") or ".tmp" in name


class DevServer:
    """Serve `output` on host:port, rebuild it from `content` on every save (see the module's docstring).

    `settings_file` and `extra` (more Pelican arguments) make each build's
    command line; `watched` adds folders or files to watch; `log` is where
    builds print (None: this process's stderr)."""

    def __init__(self, output, content, settings_file, host="127.0.0.1", port=8000, extra=(),
                 theme=None, package=None, watched=(), env=None, cwd=None, log=None):
        self.output, self.content = Path(output).resolve(), Path(content).resolve()
        self.settings_file = Path(settings_file).resolve()
        self.host, self.port, self.extra = host, port, list(extra)
        package = Path(package or Path(__file__).resolve().parent.parent)
        self.sources = [self.content, *(Path(p) for p in ([theme] if theme else []))]
        self.code = [package, *(Path(w) for w in watched)]
        # Each rebuild runs in a fresh fork of a process that imported Pelican and
        # the plugins once (0.6 s saved per save); changed code restarts it.
        self.builder = WarmBuilder(self.settings_file, log=log, env=env, cwd=cwd)
        self.broadcast = pages.Broadcast()
        self.stopping = threading.Event()
        self.changed = threading.Condition()
        self.pending = set()  # saved files not built yet
        self.building = False
        self.builds = 0
        self.last = None  # the last build: code, seconds, RENDER_FIRST
        self.last_build = None  # what the open pages are told of the last build: ok, problems, notes, output
        self.log = log
        self.build_log = None  # the file a build prints into, echoed to `log` when it ends
        self.digests = {}  # output file -> digest of its bytes, as the open pages last saw them
        self.waiting = {}  # changed page not named yet -> the files it fetches that are not on disk yet
        self.announcing = threading.Lock()
        self.httpd = None
        self.threads = []

    # -- Builds ------------------------------------------------------------------
    def args(self, render_first):
        # The browser reloads once the pages are written; the search index follows
        # a few seconds later (plugins/search_index: SEARCH_INDEX_BACKGROUND).
        settings = ["SEARCH_INDEX_BACKGROUND=true", f"RENDER_FIRST={json.dumps(render_first)}"]
        return [str(self.content), "-s", str(self.settings_file), "-o", str(self.output),
                *with_settings(self.extra, *settings)]

    def saved(self, paths):
        with self.changed:
            self.pending.update(paths)
            self.changed.notify_all()

    def build_loop(self):
        while True:
            with self.changed:
                while not self.pending and not self.stopping.is_set():
                    self.changed.wait()
                if self.stopping.is_set():
                    return
                paths, self.pending = sorted(self.pending), set()
                self.building = True
            first = [p for p in paths if Path(p).is_relative_to(self.content) and os.path.isfile(p)]
            started = time.perf_counter()
            # Settings, theme and content are read again by every build; a failed
            # build prints its problems and the last good site stays served.
            result = self.builder.build(self.args(first), log_path=self.build_log)
            seconds = time.perf_counter() - started
            self.told(result["code"])
            self.reap()
            with self.changed:
                self.building = False
                self.builds += 1
                self.last = {"code": result["code"], "seconds": round(seconds, 3), "render_first": first}
                self.changed.notify_all()
            self.announce([])  # the site is in place: a file still missing will not come
            if not self.stopping.is_set():
                print(f"dev server: {'built' if result['code'] == 0 else 'build FAILED'} in {seconds:.2f} s "
                      f"({len(paths)} file{'s' * (len(paths) != 1)} changed)", file=sys.stderr, flush=True)

    def told(self, code):
        """Echo what the build printed, and tell the open pages how it ended."""
        with open(self.build_log, encoding="utf-8", errors="replace") as f:
            printed = f.read()
        out = self.log or sys.stderr
        out.write(printed)
        out.flush()
        if code is None:  # ended by the server's own stop
            return
        problems = [match.groupdict() for match in map(PROBLEM.match, printed.splitlines()) if match]
        self.last_build = {"ok": code == 0, "problems": problems if code else [],
                           "notes": [] if code else build_notes.dropped_addresses(printed),
                           "output": "\n".join(printed.splitlines()[-OUTPUT_TAIL_LINES:]) if code else ""}
        self.broadcast.send(self.last_build, event="build")

    def status(self):
        with self.changed:
            return {"builds": self.builds, "building": self.building, "pending": sorted(self.pending),
                    "last": self.last, "pages": self.broadcast.count()}

    # -- Watching ------------------------------------------------------------------
    # watchfiles' own notifier, made here rather than inside watchfiles.watch()
    # (which makes it in its thread, later): once the port is open, every save counts.
    def watcher(self, paths, recursive=True):
        from watchfiles._rust_notify import RustNotify

        # debug, force_polling, poll_delay_ms, recursive, ignore_permission_denied
        return RustNotify([str(p) for p in paths], False, False, 300, recursive, False)

    def watch(self, notify, on_change, keep, step=30, debounce=1600):
        """Call on_change({(Change, path)}) with the changes `keep` keeps, grouped by `step`/`debounce` ms."""
        from watchfiles import Change

        with notify:
            while not self.stopping.is_set():
                raw = notify.watch(debounce, step, 500, self.stopping)
                if raw == "stop":
                    return
                if isinstance(raw, str):  # "timeout", "signal"
                    continue
                changes = {(Change(change), path) for change, path in raw if keep(Change(change), path)}
                if changes:
                    on_change(changes)

    def watch_sources(self):
        from watchfiles import DefaultFilter

        def saved(changes):
            self.saved(path for _, path in changes)

        settings = str(self.settings_file)
        self.start_thread(self.watch, self.watcher(self.sources), saved, DefaultFilter(), CONTENT_QUIET_MS)
        self.start_thread(self.watch, self.watcher(self.code), saved, DefaultFilter(), CODE_QUIET_MS)
        # The settings file's folder, not recursively: an editor that saves by
        # renaming a new file over the old one replaces the file a watch would hold.
        self.start_thread(self.watch, self.watcher([self.settings_file.parent], recursive=False), saved,
                          lambda _change, path: path == settings, CODE_QUIET_MS)

    def watch_output(self):
        from watchfiles import Change

        def keep(change, path):
            return change != Change.deleted and not temporary(path)

        def written(changes):
            # Every file counts: a picture written may complete a waiting page.
            self.announce(filter(None, (self.new_bytes(path) for _, path in changes if path.endswith(RELOADS_FOR))))

        for folder, _, files in os.walk(self.output):  # what the pages hold now
            for name in files:
                if name.endswith(RELOADS_FOR):
                    self.new_bytes(os.path.join(folder, name))
        self.start_thread(self.watch, self.watcher([self.output]), written, keep, OUTPUT_QUIET_MS, OUTPUT_GROUP_MS)

    def announce(self, changed):
        """Tell the open pages which files of `changed`, and of the pages waiting, to reload
        for: a page once every file it fetches is on disk, or once no build is under way."""
        with self.announcing:
            changed = set(changed)
            for rel in changed:
                if rel.endswith(".html"):
                    self.waiting[rel] = self.fetched(rel)  # its new text: read again
            with self.changed:
                building = self.building
            ready = set()
            for rel, missing in self.waiting.items():
                missing -= {path for path in missing if os.path.exists(self.output / path)}
                if not missing or not building:
                    ready.add(rel)
            for rel in ready:
                del self.waiting[rel]
            named = ready | {rel for rel in changed if not rel.endswith(".html")}
            if named:
                self.broadcast.send(sorted(named))

    def fetched(self, rel):
        """The local files the page `rel` fetches (src and srcset), as paths in the output folder."""
        try:
            with open(self.output / rel, "rb") as f:
                page = f.read()
        except OSError:
            return set()  # replaced or removed meanwhile: its next event says
        return pages.fetched_files(page, rel, {f"{self.host}:{self.port}", f"localhost:{self.port}"})

    def new_bytes(self, path):
        """`path` relative to the output folder if its bytes differ from the last seen; else None.
        (A file written again with the same bytes reloads no page.)"""
        try:
            with open(path, "rb") as f:
                digest = hashlib.blake2b(f.read(), digest_size=16).digest()
        except OSError:  # replaced or removed meanwhile: its next event says
            return None
        rel = os.path.relpath(path, self.output).replace(os.sep, "/")
        if self.digests.get(rel) == digest:
            return None
        self.digests[rel] = digest
        return rel

    def start_thread(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    # -- Running -------------------------------------------------------------------
    def reap(self, *_signal):
        """Collect the orphans we adopted once they end (a build's search indexer):
        never left as zombies, however many builds run. The zygote is the builder's to wait for."""
        zygote = self.builder.proc
        processes.reap_adopted(keep={zygote.pid} if zygote is not None else set())

    def start(self):
        processes.adopt_orphans()  # a helper's orphan (a search indexer) stays ours to end
        # Bound first, listening last: a taken port is said before anything starts,
        # and once the port answers, the server is ready.
        self.httpd = ThreadingHTTPServer((self.host, self.port), partial(pages.Handler, directory=str(self.output)),
                                         bind_and_activate=False)
        try:
            self.httpd.server_bind()
        except OSError as err:
            self.httpd.server_close()
            self.httpd = None
            raise SystemExit(port_in_use(self.host, self.port, err)) from None
        self.httpd.daemon_threads = True
        self.httpd.dev = self
        self.output.mkdir(parents=True, exist_ok=True)
        self.build_log = os.path.join(tempfile.mkdtemp(prefix="dev-server-"), "build.log")
        self.builder.start()
        self.start_thread(self.build_loop)
        self.watch_sources()
        self.watch_output()
        self.httpd.server_activate()

    def serve_forever(self):
        """Serve until Ctrl-C or SIGTERM; then end every helper process."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            # Ctrl-C stops the server even when it was started with SIGINT
            # ignored (Python then keeps it ignored): seen under a test runner.
            for number in (signal.SIGTERM, signal.SIGINT):
                previous[number] = signal.signal(number, interrupt)
            previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, self.reap)
        try:
            self.start()
            print(f"Serving {self.output} on http://{self.host}:{self.port}/ and rebuilding on every save "
                  "(Ctrl-C stops)", file=sys.stderr, flush=True)
            self.httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
            for number, handler in previous.items():
                signal.signal(number, handler)

    def close(self):
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        self.builder.close()  # ends a build under way
        if self.httpd is not None:
            self.httpd.server_close()
        processes.end_descendants()
        for thread in self.threads:
            thread.join(timeout=2)
        with contextlib.suppress(OSError):
            processes.reap()
        if self.build_log:
            shutil.rmtree(os.path.dirname(self.build_log), ignore_errors=True)


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def port_in_use(host, port, err, site_port=None, what="the site's"):
    """The one line a task says when a port it needs (`what`'s) is taken."""
    return (f"Port {port} on {host} ({what}) is in use ({err.strerror}): stop what uses it, "
            f"or choose other ports with --port, e.g. --port {(site_port or port) + 100}.")
