"""rsync over SSH (or to a local folder): only changed files are sent, new
files are moved into place together at the end, then stale files removed."""

import shlex
import subprocess

VARIABLES = {"RSYNC_DEST": "", "RSYNC_SSH_PORT": "22"}
REQUIRED = ["RSYNC_DEST"]


def command(output, config, dry_run=False):
    dest = config["RSYNC_DEST"]
    args = ["rsync", "--recursive", "--links", "--chmod=D755,F644",
            # Compare contents, not times: every build writes fresh files.
            "--checksum", "--compress",
            # Nothing half-updated: new files appear together, then old ones go.
            "--delay-updates", "--delete-after", "--itemize-changes"]
    if ":" in dest.split("/", 1)[0]:  # user@host:path, over SSH
        args += ["-e", f"ssh -p {int(config['RSYNC_SSH_PORT'])}"]
    if dry_run:
        args.append("--dry-run")
    return args + [f"{output}/", dest if dest.endswith("/") else dest + "/"]



def deploy(output, config, dry_run=False):
    args = command(output, config, dry_run)
    print("$", shlex.join(args))
    changes = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
    # rsync's itemized lines: ">f+++++++++ new", ">f.st...... changed", "*deleting old".
    changes = [line for line in changes if line.strip()]
    verb = "would change" if dry_run else "changed"
    print(f"{len(changes)} {verb}:" if changes else "Nothing to change.")
    for line in changes:
        print("  " + line)
    return changes
