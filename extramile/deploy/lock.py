"""One publish at a time on this machine: an exclusive lock (flock) on a file.

Two runs started together (cron and a person, or two timers) queue: the second
waits for the first to finish, then finds nothing is due. The kernel drops the
lock when its process ends, however it ends, so a killed run never leaves a
stale lock behind.
"""

import contextlib
import fcntl
import os
import time

from .errors import DeployError


@contextlib.contextmanager
def held(path, wait=900.0, poll=0.2):
    """Hold the lock on `path` (created if missing) for the block; wait up to `wait` seconds for it."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, said = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not said:
                    print(f"Another publish is running: waiting for it to finish ({path}).", flush=True)
                    said = True
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                    raise DeployError(f"another publish (pid {holder}) still holds {path} after {wait:.0f} s; "
                                      "this run deployed nothing.") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
