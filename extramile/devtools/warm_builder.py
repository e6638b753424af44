"""A warm Python for `invoke livereload`: Pelican and the plugins are imported
once (0.6 s of every rebuild otherwise), and every rebuild runs in a fresh fork
of that process (the "zygote"), as `python -m pelican ARGS` would: no build
ever runs in the zygote, so each reads settings, templates and content again.

Changed code cannot reach a fork: before each build the zygote asks
``buildcache.loaded_code_is_current()``, and if not, it ends and the build runs
in a new zygote. The zygote ends with the process that started it, and each
build with the zygote (``PR_SET_PDEATHSIG``). Without fork (not Linux or macOS),
or if the zygote cannot start, each build is a new process.
"""

import contextlib
import gc
import importlib
import json
import os
import signal
import subprocess
import sys

from extramile.processes import die_with_parent, stop

CAN_FORK = hasattr(os, "fork")
STOPPED = {"code": None, "cpu": None, "rss_mb": None}  # a build ended by close()


class WarmBuilder:
    """Runs `python -m pelican ARGS` builds in forks of a warm process."""

    def __init__(self, settings_file, log=None, env=None, cwd=None):
        self.settings_file = str(settings_file)
        self.log = log  # where builds print (a file object); None: this process's stderr
        self.env, self.cwd = env, cwd  # the builds' environment and folder (None: this process's)
        self.proc = None
        self.closed = False  # after close(): no more builds, no restart

    def start(self):
        self.stop_zygote()
        # The zygote asks for PR_SET_PDEATHSIG itself (no preexec_fn: the server has threads).
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, self.settings_file, str(os.getpid())],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1, env=self.env, cwd=self.cwd)
        # The zygote answers "ready" once everything is imported (or dies trying).
        if self.proc.stdout.readline().strip() != "ready":
            self.stop_zygote()

    def stop_zygote(self):
        """End the zygote; a build under way ends with it (its child has PR_SET_PDEATHSIG)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            stop(proc)

    def close(self):
        """End the zygote and any build under way (callable from another thread); no builds after."""
        self.closed = True
        self.stop_zygote()

    def request(self, args, env=None, log_path=None):
        """The child's result {"code", "cpu", "rss_mb"}; None if the zygote is gone."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        try:
            self.proc.stdin.write(json.dumps({"args": args, "env": env, "log": log_path}) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            return None
        return json.loads(line) if line else None

    def build(self, args, env=None, log_path=None):
        """Build with Pelican's command-line `args`; return the result (see `request`).

        `env`: this build's whole environment (default: the builder's);
        `log_path`: a file that gets what the build prints (default: `log`)."""
        if self.closed:
            return dict(STOPPED)
        if CAN_FORK:
            if self.proc is None:
                self.start()
            result = self.request(args, env, log_path)
            if result is None and self.closed:  # closed during the build
                return dict(STOPPED)
            if result is None:  # the zygote died, or ended as its code changed: once more with a new one
                self.start()
                result = self.request(args, env, log_path)
            if result is not None:
                return result
        with contextlib.ExitStack() as stack:
            log = stack.enter_context(open(log_path, "w")) if log_path else self.log
            code = subprocess.run([sys.executable, "-m", "pelican", *args], stdout=log,
                                  stderr=log, env=env or self.env, cwd=self.cwd).returncode
        return {**STOPPED, "code": code}


# -- The zygote ----------------------------------------------------------------
def preload(settings_file):
    """Import what every build imports: Pelican, its readers and writers, the plugins."""
    import pelican
    import pelican.generators
    import pelican.writers  # noqa: F401
    from pelican.plugins._utils import load_plugins
    from pelican.settings import read_settings

    before = set(sys.modules)
    settings = read_settings(settings_file)
    # Pelican keeps a settings file in sys.modules under its name; a build's
    # `from pelicanconf import *` must read the file as it is then, not now.
    for name in set(sys.modules) - before:
        if getattr(sys.modules[name], "__file__", None) and not name.startswith(("pelican", "extramile")):
            module_file = os.path.realpath(sys.modules[name].__file__)
            if os.path.dirname(module_file) == os.path.dirname(os.path.realpath(settings_file)):
                del sys.modules[name]
    load_plugins(settings)
    # What a build imports only once it runs (0.1 s of every rebuild): the
    # Markdown extensions the settings name (found through entry points),
    # rich's status line, and what reading and checking the sources need.
    import markdown
    from pelican.readers import MarkdownReader

    MarkdownReader(settings)  # adds the extensions' names to settings["MARKDOWN"], as in a build
    md = markdown.Markdown(**settings["MARKDOWN"])
    # The regular expressions Markdown and typogrify compile on first use: the
    # re module's cache (pattern -> compiled pattern) is inherited by each fork.
    # A warm-up only: whatever it raises, the builds do the work themselves.
    with contextlib.suppress(Exception):
        html = md.convert(WARM_TEXT)
        from typogrify.filters import typogrify

        typogrify(html)
    for name in WARM_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


WARM_TEXT = """## A "quoted" heading -- it's the 1990s...

Some *text*, R&D at NASA, a [link](https://example.org/) and `code`; 'single' quotes.

- an item
"""
WARM_IMPORTS = ("encodings.utf_8_sig", "fractions", "multiprocessing.pool", "multiprocessing.popen_fork",
                "rich.status", "rich.table", "rich._emoji_codes")


def run_child(args, env=None, log_path=None):
    """In the forked child: one build, as `python -m pelican ARGS` would run it."""
    import logging

    import pelican

    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if log_path:
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    code = 0
    try:
        pelican.main(args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if exit_.code is not None and not isinstance(exit_.code, int):
            print(exit_.code, file=sys.stderr)  # what the interpreter prints for sys.exit("message")
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def serve(settings_file, parent=None):
    die_with_parent(parent=parent)  # the zygote ends with whoever started it
    # Ctrl-C in the terminal reaches the whole process group: the server ends
    # the zygote (SIGTERM), so the zygote itself does not print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The answers go through the pipe on stdout; file descriptor 1 itself
    # becomes the terminal (stderr's), so nothing a build or its
    # subprocesses print can reach the pipe.
    control = open(os.dup(1), "w", encoding="utf-8")  # noqa: SIM115 - open for the zygote's life
    requests = open(os.dup(0), encoding="utf-8")  # noqa: SIM115
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    preload(settings_file)
    # What the imports left is kept for good: a build's collector skips it
    # instead of walking (and copying, page by page, from the zygote) every
    # imported object. Python's documented pattern for forked workers
    # (gc.freeze); at N=1000 a build spent 30-45 ms less in the collector.
    gc.collect()
    gc.freeze()
    control.write("ready\n")
    control.flush()
    from extramile.buildcache import loaded_code_is_current

    for line in requests:
        if not loaded_code_is_current():
            return  # a fork would run the old code: the builder starts a new zygote
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            requests.close()
            control.close()
            signal.signal(signal.SIGINT, signal.default_int_handler)
            die_with_parent()  # a build never outlives the zygote
            run_child(request["args"], request.get("env"), request.get("log"))
        _, status, usage = os.wait4(pid, 0)
        control.write(json.dumps({"code": os.waitstatus_to_exitcode(status),
                                  "cpu": round(usage.ru_utime + usage.ru_stime, 3),
                                  "rss_mb": round(usage.ru_maxrss / 1024, 1)}) + "\n")
        control.flush()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
