"""rsync over SSH (or to a local folder): only changed files are sent, new
files are moved into place together at the end, then stale files removed; the
manifest follows in a second transfer, once the site is in place.

One publish at a time per destination, from any checkout or machine: `lock`
makes the folder LOCK inside the destination (mkdir is atomic, locally and over
SSH, where the same shell script runs). A lock whose process is gone (same
machine) is removed; one from another machine is named with how to remove it.
"""

import contextlib
import datetime
import os
import shlex
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from . import manifest as manifests
from .errors import DeployError

VARIABLES = {"RSYNC_DEST": "", "RSYNC_SSH_PORT": "22"}
REQUIRED = ["RSYNC_DEST"]
SERVED_SETTINGS = ()  # the files are served as they are
LOCK = ".extramile-publish.lock"


def dest(config):
    where = config["RSYNC_DEST"]
    return where if where.endswith("/") else where + "/"


def base(config):
    args = ["rsync", "--recursive", "--links", "--chmod=D755,F644",
            # Compare contents, not times: every build writes fresh files.
            "--checksum", "--compress"]
    if ":" in config["RSYNC_DEST"].split("/", 1)[0]:  # user@host:path, over SSH
        args += ["-e", f"ssh -p {int(config['RSYNC_SSH_PORT'])}"]
    return args


def command(output, config, dry_run=False):
    args = base(config) + [
        # Nothing half-updated: new files appear together, then old ones go.
        "--delay-updates", "--delete-after", "--itemize-changes",
        # The manifest and the lock are not in the build: keep them from --delete-after.
        f"--exclude=/{manifests.NAME}", f"--exclude=/{LOCK}"]
    if dry_run:
        args.append("--dry-run")
    return args + [f"{output}/", dest(config)]


def read_manifest(config):
    """The manifest on the target, or None if there is none (raises CalledProcessError if unreachable)."""
    with tempfile.TemporaryDirectory(prefix="manifest-") as scratch:
        found = subprocess.run(base(config) + [dest(config) + manifests.NAME, scratch + "/"],
                               capture_output=True, text=True)
        # 23: "partial transfer"; with "No such file" it means the file (or folder) is not there yet.
        if found.returncode == 23 and "No such file or directory" in found.stderr:
            return None
        if found.returncode:
            raise subprocess.CalledProcessError(found.returncode, found.args, found.stdout, found.stderr)
        return manifests.loads((Path(scratch) / manifests.NAME).read_bytes())


def deploy(output, config, dry_run=False, manifest=None):
    args = command(output, config, dry_run)
    print("$", shlex.join(args))
    changes = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
    # rsync's itemized lines: ">f+++++++++ new", ">f.st...... changed", "*deleting old".
    changes = [line for line in changes if line.strip()]
    verb = "would change" if dry_run else "changed"
    print(f"{len(changes)} {verb}:" if changes else "Nothing to change.")
    for line in changes:
        print("  " + line)
    if manifest is not None and not dry_run:
        with tempfile.TemporaryDirectory(prefix="manifest-") as scratch:
            path = Path(scratch) / manifests.NAME
            path.write_bytes(manifests.dumps(manifest))
            subprocess.run(base(config) + [str(path), dest(config)], check=True, capture_output=True, text=True)
    return changes


def remote(config):
    """(host or None, path) of RSYNC_DEST."""
    where = config["RSYNC_DEST"]
    head, _, path = where.partition(":")
    if path and "/" not in head:
        return head, path
    return None, where


# $1 the destination, $2 the lock folder, $3 this run's name. Exit 0: taken
# ("made" on stdout if the destination was made for it); 3: held (the holder's
# name on stdout); 4: no destination, and none can be made.
TAKE = """made=; [ -d "$1" ] || { mkdir -- "$1" 2>/dev/null && made=made; }; [ -d "$1" ] || exit 4
if mkdir -- "$2" 2>/dev/null; then printf '%s\\n' "$3" > "$2/owner"; echo $made; exit 0; fi
cat -- "$2/owner" 2>/dev/null; exit 3"""
# Removes the lock if $3 still holds it, and the destination if made for it ($4) and still empty.
DROP = """if [ "$(cat -- "$2/owner" 2>/dev/null)" = "$3" ]; then rm -rf -- "$2"; fi
if [ "$4" = made ]; then rmdir -- "$1" 2>/dev/null; fi; exit 0"""


def shell(config, script, *args):
    host, _ = remote(config)
    if host is None:
        return subprocess.run(["sh", "-c", script, "lock", *args], capture_output=True, text=True)
    remote_command = shlex.join(["sh", "-c", script, "lock", *args])
    return subprocess.run(["ssh", "-p", str(int(config["RSYNC_SSH_PORT"])), host, remote_command],
                          capture_output=True, text=True)


def stale(owner):
    """Whether the run named `owner` ("host pid since") was on this machine and is gone."""
    parts = owner.split()
    if len(parts) < 2 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextlib.contextmanager
def lock(config, wait=900.0, poll=1.0):
    """Hold the destination's lock for the block; wait up to `wait` seconds for another publish."""
    _, path = remote(config)
    path = path.rstrip("/") or ("/" if path.startswith("/") else ".")
    folder = f"{path}/{LOCK}"
    me = f"{socket.gethostname()} {os.getpid()} {datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M:%SZ}"
    deadline, said = time.monotonic() + wait, False
    while True:
        taken = shell(config, TAKE, path, folder, me)
        if taken.returncode == 0:
            break
        if taken.returncode == 4:
            raise DeployError(f"RSYNC_DEST {config['RSYNC_DEST']!r} does not exist and cannot be made: "
                              "create its parent folder, or correct RSYNC_DEST.")
        if taken.returncode != 3:
            raise subprocess.CalledProcessError(taken.returncode, taken.args, taken.stdout, taken.stderr)
        owner = taken.stdout.strip()
        if stale(owner):
            print(f"Removed the lock of a publish that no longer runs ({owner}): {folder}", flush=True)
            shell(config, DROP, path, folder, owner, "")
            continue
        if not said:
            print(f"Another publish to {config['RSYNC_DEST']} is running ({owner or 'starting'}): "
                  "waiting for it to finish.", flush=True)
            said = True
        if time.monotonic() >= deadline:
            raise DeployError(f"another publish ({owner or 'unknown'}) still holds {folder} after {wait:.0f} s; "
                              f"this run deployed nothing. If no publish is running, remove that folder.")
        time.sleep(poll)
    try:
        yield
    finally:
        shell(config, DROP, path, folder, me, taken.stdout.strip())
