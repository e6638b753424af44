"""rsync over SSH (or to a local folder): only changed files are sent, new
files are moved into place together at the end, then stale files removed.
The manifest (deploy/manifest.py) follows in a second transfer, once the
site is in place."""

import shlex
import subprocess
import tempfile
from pathlib import Path

from . import manifest as manifests

VARIABLES = {"RSYNC_DEST": "", "RSYNC_SSH_PORT": "22"}
REQUIRED = ["RSYNC_DEST"]
SERVED_SETTINGS = ()  # the files are served as they are


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
        # The manifest is not in output/: keep it from --delete-after.
        f"--exclude=/{manifests.NAME}"]
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
