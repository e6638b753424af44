"""Helper processes end with whoever started them (Linux; elsewhere these do
nothing): each helper dies with its parent (``PR_SET_PDEATHSIG``), the servers
adopt their helpers' orphans (``PR_SET_CHILD_SUBREAPER``) so that
``end_descendants`` still finds them, and reap them so none stays a zombie.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_prctl = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError, AttributeError):
        _prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up now: preexec_fn must not import


def die_with_parent(sig=signal.SIGTERM, parent=None):
    """Be sent `sig` when the parent ends; end now if it already has (we were
    re-parented). `parent`: the pid it should be (after an exec), else the current one."""
    if _prctl is None:
        return
    parent = parent or os.getppid()
    _prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # it ended before the request was in place
        os.kill(os.getpid(), sig)


def preexec(sig=signal.SIGTERM):
    """A ``preexec_fn`` for Popen that applies ``die_with_parent``, or None in a
    process with threads, where the standard library says preexec_fn is unsafe
    (the child should then call ``die_with_parent(parent=...)`` itself)."""
    if _prctl is None or threading.active_count() > 1:
        return None
    return lambda: die_with_parent(sig)


def adopt_orphans():
    if _prctl is not None:
        _prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _stat(pid):
    """The fields of /proc/PID/stat after the name (state, ppid, ...), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()  # the name may hold spaces and parentheses
    except OSError:
        return None


def children_by_parent():
    tree = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat(entry)
        if fields:
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid=None):
    """The processes below `pid` (default: this one), nearest first."""
    if not os.path.isdir("/proc"):
        return []
    tree, found, queue = children_by_parent(), [], [pid or os.getpid()]
    while queue:
        for child in tree.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


def reap():
    """Collect the exit status of children that ended (orphans we adopted); never blocks."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:  # 0: children left, none ended
            pass


def reap_adopted(keep=()):
    """Collect the exit status of our ended children other than `keep` (children
    whose Popen waits for them): adopted orphans, which stay zombies until their
    new parent does this. Never blocks."""
    for pid in children_by_parent().get(os.getpid(), []):
        if pid not in keep and state(pid) == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


def end_descendants(grace=3.0):
    """End every process below this one: SIGTERM, then SIGKILL after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = descendants()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + (grace if sig == signal.SIGTERM else 1.0)
        while pids and time.monotonic() < deadline:
            reap()
            pids = [p for p in pids if alive(p)]
            if pids:
                time.sleep(0.02)
        if not pids:
            return


def state(pid):
    """`pid`'s state letter from /proc (R, S, ...; Z: ended, not yet reaped), or None if gone."""
    fields = _stat(pid)
    return fields[0] if fields else None


def alive(pid):
    """True while `pid` runs (a zombie, ended but not yet reaped, does not count)."""
    return state(pid) not in (None, "Z", "X")


def stop(proc, timeout=10):
    """End a child we started: SIGTERM, then SIGKILL if it is still there after `timeout` s."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def until_stopped(ended_by_the_stop=()):
    """Run a serving task until Ctrl-C or SIGTERM, then end every process it
    started: its servers, builds and their helpers, orphans included (this
    process adopts them). Ctrl-C works even when the task was started with
    SIGINT ignored (`(invoke serve &)` in a script), which Python would keep.
    An error of a type in `ended_by_the_stop` (a build it ended) is not raised after a stop."""
    asked = []

    def stop_now(signum, _frame):
        asked.append(signum)
        # A build under invoke's c.run ends now: invoke would only write "\x03" to its stdin.
        for pid in descendants():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        raise KeyboardInterrupt

    adopt_orphans()
    previous = {number: signal.signal(number, stop_now) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except KeyboardInterrupt:
        pass
    except ended_by_the_stop:
        if not asked:  # a build that failed by itself, not one ended by the stop
            raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        end_descendants()
        reap()
