"""Waiting for an event, never for a time: a test polls a condition (a build's
status, a file, a process, a server's answer) until it holds, with a generous
overall limit so that a slow or busy machine only makes it wait longer."""

import os
import socket
import time
import urllib.error
import urllib.request

LIMIT = 120  # seconds: only a broken product takes this long
STEP = 0.02


def wait_until(condition, what, limit=LIMIT):
    """Call `condition` until it returns something true, and return that; fail naming `what`."""
    deadline = time.monotonic() + limit
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit} s waiting for {what}")
        time.sleep(STEP)


def answers(url):
    """True once an HTTP server answers at `url` (any status)."""
    try:
        urllib.request.urlopen(url, timeout=5).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except OSError:
        return False
    return True


def proc_children(pid):
    """{child pid: state letter} from /proc (Z: ended, not yet reaped)."""
    found = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found[int(entry)] = fields[0]
    return found


def past_file_clock(folder, since_ns, grain_ns):
    """Wait until a file written in `folder` is stamped (ctime, which no program
    sets back) more than `grain_ns` after `since_ns`: what is written from now
    on is clearly later. Waits on the file system's clock itself, however coarse."""
    probe = os.path.join(folder, ".clock-probe")

    def stamped_later():
        with open(probe, "w") as f:
            f.write("tick")
        return os.stat(probe).st_ctime_ns > since_ns + grain_ns

    wait_until(stamped_later, "the file system clock to move on")
    os.remove(probe)
