"""A local Isso comment server for development and the tests: 127.0.0.1 only,
its own SQLite database, moderation on, the admin page enabled.

Writes `isso.cfg` into the folder and runs `isso -c isso.cfg run` (Isso's own
server). The admin password is ISSO_ADMIN_PASSWORD, or one made up and kept
in the folder (`admin-password`); `invoke replies-pull` reads the same.
The folder is private (0700) and so is every file in it (0600): the config
holds the admin password, the database readers' email addresses.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

CONFIG = """\
# Written by extramile/devtools/isso_server.py: the development Isso.
[general]
dbpath = {db}
host = {sites}
max-age = 5m
notify = stdout
reply-notifications = false
gravatar = false
[moderation]
enabled = true
purge-after = 30d
[server]
listen = http://127.0.0.1:{port}/
[guard]
enabled = false
require-author = true
require-email = false
[admin]
enabled = true
password = {password}
"""


def private_folder(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def write_private(path, text):
    """Write `text` to `path`, readable by its owner alone from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file made earlier, with other permissions
    with open(fd, "w", encoding="utf-8") as f:
        f.write(text)


def admin_password(folder):
    """ISSO_ADMIN_PASSWORD, or the one made up for this folder's Isso."""
    if os.environ.get("ISSO_ADMIN_PASSWORD"):
        return os.environ["ISSO_ADMIN_PASSWORD"]
    path = Path(folder) / "admin-password"
    if not path.exists():
        private_folder(folder)
        write_private(path, secrets.token_urlsafe(16) + "\n")
    return path.read_text(encoding="utf-8").strip()


def write_config(folder, port, sites):
    folder = private_folder(folder)
    config = folder / "isso.cfg"
    write_private(config, CONFIG.format(db=folder / "comments.db", sites="\n    ".join(sites), port=port,
                                        password=admin_password(folder)))
    for database in folder.glob("comments.db*"):  # made by an earlier version, world-readable
        database.chmod(0o600)
    return config


def start(folder, port, sites, **popen):
    """Start Isso; returns the Popen. Isso's own executable, from this Python's environment.
    What it creates (the database and its journals) is its owner's alone (umask 077)."""
    config = write_config(folder, port, sites)
    isso = Path(sys.executable).with_name("isso")
    return subprocess.Popen([str(isso), "-c", str(config), "run"], **{"umask": 0o077, **popen})
