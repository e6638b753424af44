"""The editor's local backend: decap-server (npm, pinned by package-lock.json)
on 127.0.0.1, reading and writing the working folder for /admin/ (plugins/editor).

It runs in decap-server's "fs" mode: a save writes the file and commits
nothing, like an author's text editor; the development server's rebuild then
picks the change up. Only pages on 127.0.0.1 may call it (``ORIGIN``).

    with editor_backend.serving(ROOT, SETTINGS, site="http://127.0.0.1:8000"):
        ...  # /admin/ edits ROOT/content
"""

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
from urllib.parse import urlsplit

from extramile import ROOT
from extramile.processes import die_with_parent, stop

logger = logging.getLogger(__name__)

SERVER_JS = ROOT / "node_modules" / "decap-server" / "dist" / "index.js"
HOST = "127.0.0.1"
READY = "listening on"  # decap-server's line once it accepts connections
START_SECONDS = 30


class BackendError(RuntimeError):
    pass


@contextlib.contextmanager
def decap_server(repo, port, origin=None):
    """decap-server for the site folder `repo` on 127.0.0.1:`port` while the block
    runs; yields its Popen once it listens. Only `origin`'s pages may call it."""
    env = {**os.environ, "PORT": str(port), "BIND_HOST": HOST, "MODE": "fs",
           "GIT_REPO_DIRECTORY": os.fspath(repo), "LOG_LEVEL": "info", "NO_COLOR": "1"}
    if origin:
        env["ORIGIN"] = origin
    # Through main() below, so it ends with us even if we are killed (PR_SET_PDEATHSIG
    # survives exec; a preexec_fn is unsafe here: the caller may run threads).
    # cwd: decap-server also reads a .env file there; the variables above win over it.
    proc = subprocess.Popen([sys.executable, "-m", __name__, str(os.getpid()), "node", str(SERVER_JS)],
                            cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        lines = queue.Queue()
        threading.Thread(target=_read, args=(proc, lines), daemon=True).start()
        seen = []
        while True:
            try:
                line = lines.get(timeout=START_SECONDS)
            except queue.Empty:
                raise BackendError(f"decap-server did not start within {START_SECONDS} s: {' | '.join(seen)}") from None
            if line is None:  # it ended
                proc.wait()
                raise BackendError(f"decap-server ended (status {proc.returncode}): {' | '.join(seen)}")
            seen.append(line)
            if READY in line:
                break
        yield proc
    finally:
        stop(proc)


def _read(proc, lines):
    # Every line is logged, and passed to decap_server() until it has seen READY.
    for line in proc.stdout:
        line = line.rstrip()
        logger.info("decap-server: %s", line)
        lines.put(line)
    lines.put(None)


@contextlib.contextmanager
def serving(repo, settings, site=None):
    """decap-server where EDITOR_LOCAL_BACKEND in `settings` points, for the
    pages of `site` (an origin), while the development server runs. Without
    node_modules (`npm ci`) it says so and yields None: the site is served
    without the editor's backend."""
    from extramile.plugins.editor.editor import DEFAULTS  # Pelican's import, only here

    url = urlsplit(settings.get("EDITOR_LOCAL_BACKEND", DEFAULTS["EDITOR_LOCAL_BACKEND"]))
    if not SERVER_JS.exists():
        print(f"The editor at /admin/ needs decap-server: run `npm ci` ({SERVER_JS} is missing)")
        yield None
        return
    if url.hostname != HOST:
        raise BackendError(f"EDITOR_LOCAL_BACKEND {url.geturl()!r} must be on {HOST}")
    with decap_server(repo, url.port, origin=site) as server:
        print(f"Editor on {site or 'the site'}/admin/ (decap-server on {HOST}:{url.port}, editing {repo})")
        yield server


def main(argv):
    """`python -m extramile.devtools.editor_backend PARENT_PID COMMAND...`: run
    COMMAND (decap-server) so that it ends when process PARENT_PID does."""
    die_with_parent(parent=int(argv[0]))
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
