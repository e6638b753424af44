"""`invoke publish` run as a deployer runs it, in a checkout of its own
(tasks.py and the settings beside fixture content) that publishes with rsync
to a local folder: the build never sees a credential, the development output/
is neither shipped nor touched, and two checkouts publishing to one folder take
turns. The moments that matter are held by a stand-in `rsync` that waits, on
its first call, until the test lets it go (a FIFO), never by sleeping."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from schedule_support import AFTER, BEFORE, fixture_content, publish_at
from support import GOOD, PROD_ENV, checkout, post, snapshot

from extramile.deploy import manifest, rsync

MARKERS = {"AWS_SECRET_ACCESS_KEY": "marker-aws-5f1e", "AWS_ACCESS_KEY_ID": "marker-akid-77c0",
           "ISSO_ADMIN_PASSWORD": "marker-isso-93ab",
           "GHPAGES_REMOTE": "https://x-access-token:marker-token-c4d2@github.invalid/site.git"}

# Stands in for rsync: its first call that sends the site (not the read of the
# host's manifest every publish makes first) waits for a line on the FIFO $RSYNC_GATE.
GATED_RSYNC = """#!/bin/sh
case "$*" in *.extramile-manifest.json\\ */manifest-*/) exec /usr/bin/rsync "$@";; esac
if [ ! -e "$RSYNC_GATE.passed" ]; then : > "$RSYNC_GATE.passed"; read go < "$RSYNC_GATE"; fi
exec /usr/bin/rsync "$@"
"""


class Publish:
    """`invoke publish` started in `root`, its rsync held at the gate until `release()`."""

    def __init__(self, root, www, tmp_path, *args):
        bin_dir = tmp_path / f"{root.name}-bin"
        bin_dir.mkdir()
        (bin_dir / "rsync").write_text(GATED_RSYNC)
        (bin_dir / "rsync").chmod(0o755)
        self.gate = tmp_path / f"{root.name}-gate"
        os.mkfifo(self.gate)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOY_", "RSYNC_", "S3_", "GHPAGES_"))}
        env.update(PROD_ENV, **MARKERS, DEPLOY_TARGET="rsync", RSYNC_DEST=str(www), RSYNC_GATE=str(self.gate),
                   PYTHONUNBUFFERED="1", PATH=f"{bin_dir}:{os.environ['PATH']}")
        self.proc = subprocess.Popen([sys.executable, "-m", "invoke", "publish", *args], cwd=root, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        self.said = []

    def until(self, *starts):
        """Read what it prints until a line starts with one of `starts`; that line (None at its end)."""
        for line in self.proc.stdout:
            self.said.append(line)
            if line.startswith(starts):
                return line
        return None

    def release(self):
        with open(self.gate, "w") as gate:  # opens once the stand-in waits on it
            gate.write("go\n")

    def finish(self):
        self.said += self.proc.stdout.readlines()
        self.proc.wait(timeout=300)
        return "".join(self.said)

    def stop(self):
        """End it and what it started (a stand-in rsync still at its gate)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def on_host(www):
    """{path: sha256} of what the host serves, and the manifest the last publish left."""
    files = {p.relative_to(www).as_posix(): manifest.sha256_file(p) for p in sorted(www.rglob("*")) if p.is_file()}
    files.pop(manifest.NAME, None)
    return files, json.loads((www / manifest.NAME).read_text())["files"]


def test_publish_ships_its_own_build_and_the_build_sees_no_credential(tmp_path):
    www, probe = tmp_path / "www", tmp_path / "environment.txt"
    root = checkout(tmp_path, "site", {"posts/good.md": GOOD}, probe=probe)
    # The development site in output/, as `invoke livereload` leaves it.
    dev = root / "output"
    (dev / "drafts").mkdir(parents=True)
    (dev / "index.html").write_text('<meta name="robots" content="noindex"> http://127.0.0.1:8000/')
    (dev / "drafts" / "sentinel.html").write_text("a draft of the development build")
    before = snapshot(dev)

    run = Publish(root, www, tmp_path)
    try:
        assert run.until("$ rsync"), run.said
        # Publish is uploading: a development build writes output/ meanwhile.
        (dev / "written-during-publish.html").write_text("a development page")
        run.release()
        said = run.finish()
    finally:
        run.stop()
    assert run.proc.returncode == 0, said

    served, described = on_host(www)
    assert served == described  # the manifest describes exactly the files sent
    assert "posts/a-good-post/index.html" in served and "_headers" in served
    assert not [rel for rel in served if "sentinel" in rel or "written-during" in rel]
    assert "noindex" not in (www / "index.html").read_text()
    (dev / "written-during-publish.html").unlink()
    assert snapshot(dev) == before  # byte for byte, times too

    seen = probe.read_text()
    names = seen.split("\n--- ")[0].split()
    assert "SITEURL" in names and "PATH" in names  # the probe ran, with what the build reads
    for name, value in {**MARKERS, "RSYNC_DEST": str(www)}.items():
        assert name not in seen and value not in seen
    leaks = [rel for rel in served for value in MARKERS.values() if value.encode() in (www / rel).read_bytes()]
    assert leaks == []


def test_two_checkouts_publishing_to_one_folder_take_turns(tmp_path):
    www = tmp_path / "www"
    first = checkout(tmp_path, "one", {"posts/good.md": GOOD})
    second = checkout(tmp_path, "two", {"posts/good.md": GOOD,
                                        "posts/more.md": post(title="One more", extra="Summary: More.\n")})
    one = Publish(first, www, tmp_path)
    two = None
    try:
        assert one.until("$ rsync"), one.said  # the first holds the destination
        two = Publish(second, www, tmp_path)
        waiting = two.until("Another publish to", "$ rsync")
        assert waiting and waiting.startswith(f"Another publish to {www} is running ("), two.said
        one.release()
        assert "Not published" not in one.finish() and one.proc.returncode == 0
        served, described = on_host(www)
        assert served == described and "posts/a-good-post/index.html" in served  # the first, whole

        assert two.until("$ rsync"), two.said  # now the second holds it
        two.release()
        said = two.finish()
        assert two.proc.returncode == 0, said
    finally:
        for run in (one, two):
            if run:
                run.stop()
    served, described = on_host(www)
    assert served == described
    assert {"posts/a-good-post/index.html", "posts/one-more/index.html"} <= set(served)
    assert not (www / rsync.LOCK).exists()


def test_a_lock_left_by_a_publish_that_ended_is_taken_over(tmp_path, capsys):
    www = tmp_path / "www"
    (www / rsync.LOCK).mkdir(parents=True)
    no_such_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # above any pid the kernel gives
    owner = f"{socket.gethostname()} {no_such_pid} 2026-12-01T09:00:00Z"
    (www / rsync.LOCK / "owner").write_text(owner + "\n")
    with rsync.lock({"RSYNC_DEST": str(www), "RSYNC_SSH_PORT": "22"}):
        assert (www / rsync.LOCK / "owner").read_text().split()[1] == str(os.getpid())
    assert f"Removed the lock of a publish that no longer runs ({owner})" in capsys.readouterr().out
    assert not (www / rsync.LOCK).exists()


def test_a_lock_from_another_machine_is_named_with_how_to_remove_it(tmp_path):
    www = tmp_path / "www"
    (www / rsync.LOCK).mkdir(parents=True)
    (www / rsync.LOCK / "owner").write_text("build-server 4242 2026-12-01T09:00:00Z\n")
    with pytest.raises(rsync.DeployError) as refused, rsync.lock({"RSYNC_DEST": str(www), "RSYNC_SSH_PORT": "22"},
                                                                 wait=0):
        pass
    assert str(refused.value) == (f"another publish (build-server 4242 2026-12-01T09:00:00Z) still holds "
                                  f"{www}/{rsync.LOCK} after 0 s; this run deployed nothing. "
                                  "If no publish is running, remove that folder.")


def test_publish_if_due_names_the_article_that_went_live(site_env, tmp_path, capsys):
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(tmp_path / "www"))
    content = fixture_content(tmp_path)
    publish_at(BEFORE, tmp_path, content, capsys, site_env)
    _, said = publish_at(AFTER, tmp_path, content, capsys, site_env)
    due = said[said.index("Due: "):].splitlines()
    assert due[1] == f"  new article: 'Soon okapi' at {PROD_ENV['SITEURL']}/posts/soon-okapi/"
    assert not [line for line in due if "new article" in line and "Soon okapi" not in line]


# Stands in for ssh: runs the remote command here, as sshd would run it in the login shell.
LOCAL_SSH = """#!/bin/sh
while [ "${1#-}" != "$1" ]; do case "$1" in -p|-l|-o) shift 2;; *) shift;; esac; done
shift
exec sh -c "$*"
"""


def test_over_ssh_the_destination_is_locked_too(site_env, tmp_path, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ssh").write_text(LOCAL_SSH)
    (bin_dir / "ssh").chmod(0o755)
    site_env.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    www = tmp_path / "web root"  # a space: the remote command is quoted
    config = {"RSYNC_DEST": f"publisher@127.0.0.1:{www}", "RSYNC_SSH_PORT": "2222"}
    with rsync.lock(config):
        assert (www / rsync.LOCK / "owner").read_text().split()[1] == str(os.getpid())
        with pytest.raises(rsync.DeployError, match=r"^another publish \(\S+ \d+ \S+\) still holds "), \
                rsync.lock(config, wait=0):
            pass
    assert not (www / rsync.LOCK).exists()

    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", config["RSYNC_DEST"])
    site_env.setenv("RSYNC_SSH_PORT", config["RSYNC_SSH_PORT"])
    publish_at(AFTER, tmp_path, fixture_content(tmp_path), capsys, site_env)
    served, described = on_host(www)
    assert served == described and "posts/soon-okapi/index.html" in served
    assert not (www / rsync.LOCK).exists()
