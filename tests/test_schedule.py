"""Hands-off publishing: `invoke publish --if-due` with the clock moved by
EXTRAMILE_NOW, against the stand-ins tests/test_deploy.py uses (a folder for
rsync, a bare git repository for GitHub Pages, a moto S3 server), and the
setups `invoke schedule` prints (the shipped GitHub workflow, systemd units,
a crontab line), checked by actionlint and systemd-analyze."""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from invoke import Exit
from schedule_support import AFTER, BEFORE, JUST_BEFORE, SOON, fixture_content, publish_at
from support import (
    GOOD,
    PROD_ENV,
    ROOT,
    actionlint,
    cache_override,
    git,
    make_content,
    post,
    run_pelican,
    snapshot,
    task_context,
)

import tasks
from extramile import clock
from extramile.deploy import manifest
from extramile.deploy import schedule as timers
from extramile.testing import missing

# -- The clock ------------------------------------------------------------------

def test_the_clock_reads_extramile_now(monkeypatch):
    assert clock.now({"EXTRAMILE_NOW": "2026-12-01 09:00"}).isoformat() == "2026-12-01T09:00:00+00:00"
    assert clock.now({"EXTRAMILE_NOW": "2026-12-01T10:00+01:00"}).utcoffset().total_seconds() == 3600
    assert clock.now({}).tzinfo is not None
    with pytest.raises(ValueError, match="EXTRAMILE_NOW='next tuesday' is not a time"):
        clock.now({"EXTRAMILE_NOW": "next tuesday"})


def test_a_bad_clock_is_one_line_before_anything_runs(site_env, tmp_path):
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(tmp_path / "www"))
    site_env.setenv("EXTRAMILE_NOW", "soon")
    with pytest.raises(Exit) as stopped:
        tasks.publish_site(task_context(), output=tmp_path / "output", content=fixture_content(tmp_path), if_due=True,
                           lock=tmp_path / "publish.lock", cache=tmp_path / "desk")
    assert stopped.value.message.startswith("Not published: EXTRAMILE_NOW='soon' is not a time")
    assert not (tmp_path / "www").exists() and not (tmp_path / "output").exists()


def test_the_build_checks_a_post_again_once_its_date_has_passed(tmp_path):
    """validate remembers each source's output path between builds (CACHE_PATH);
    a scheduled post is written nowhere until its date, then to posts/<slug>/:
    a page already there clashes from that moment, with the same cache."""
    content = make_content(tmp_path, {"posts/good.md": GOOD, "posts/soon.md": SOON,
                                      "pages/clash.md": "Title: Clash\nSave_as: posts/soon-okapi/index.html\n\nText.\n"})
    cache = cache_override(tmp_path / "cache")
    before = run_pelican(tmp_path / "one", "publishconf.py", content, {**PROD_ENV, clock.VARIABLE: BEFORE}, cache)
    assert before.returncode == 0, before.log
    after = run_pelican(tmp_path / "two", "publishconf.py", content, {**PROD_ENV, clock.VARIABLE: AFTER}, cache)
    assert after.returncode == 1
    assert ("content/pages/clash.md:2: it would be written to posts/soon-okapi/index.html, "
            "which is also content/posts/soon.md.") in after.log


# -- rsync to a folder --------------------------------------------------------------

def test_rsync_a_scheduled_post_goes_live_on_the_first_run_after_its_date(site_env, tmp_path, capsys):
    www = tmp_path / "www"
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(www))
    content = fixture_content(tmp_path)

    _, said = publish_at(BEFORE, tmp_path, content, capsys, site_env)
    assert "Due: 1 difference from the build on the host:\n  no manifest on the target" in said
    assert (www / "posts/a-good-post/index.html").exists() and not (www / "posts/soon-okapi").exists()
    assert "Next scheduled post: 'Soon okapi' (posts/soon.md) is due at 2026-12-01 09:01 UTC, in 2 min" in said
    deployed = snapshot(www)

    # Still before its date: the same build, nothing sent, not a file touched.
    result, said = publish_at(JUST_BEFORE, tmp_path, content, capsys, site_env)
    assert result == [] and "Nothing is due: the host already has this build." in said
    assert "'Soon okapi'" in said
    assert snapshot(www) == deployed

    # The first run after its date publishes it, with every page that lists it.
    _, said = publish_at(AFTER, tmp_path, content, capsys, site_env)
    assert ">f+++++++++ posts/soon-okapi/index.html" in said  # rsync's list of what it sent
    assert "Soon okapi" in (www / "posts/soon-okapi/index.html").read_text()
    assert "Soon okapi" in (www / "index.html").read_text() and "Soon okapi" in (www / "feeds/all.atom.xml").read_text()
    assert "No post is scheduled." in said
    # The draft never: no page, no mention anywhere on the host.
    assert not [p for p in www.rglob("*") if p.is_file() and b"zebra" in p.read_bytes().lower()]
    assert json.loads((www / manifest.NAME).read_text())["files"]["posts/soon-okapi/index.html"]

    # And again later: nothing is due.
    deployed = snapshot(www)
    _, said = publish_at("2026-12-02T09:00:00+00:00", tmp_path, content, capsys, site_env)
    assert "Nothing is due" in said and snapshot(www) == deployed


def test_rsync_a_failed_build_deploys_nothing_and_says_why(site_env, tmp_path, capsys):
    www = tmp_path / "www"
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(www))
    content = fixture_content(tmp_path)
    publish_at(BEFORE, tmp_path, content, capsys, site_env)
    deployed = snapshot(www)

    (content / "posts/bad.md").write_text(post(author="Nobody"), encoding="utf-8")
    with pytest.raises(Exit) as stopped:
        publish_at(AFTER, tmp_path, content, capsys, site_env)
    assert stopped.value.message == "Build failed: nothing was published."
    assert snapshot(www) == deployed

    # Fixed: the next run tries again, and publishes the post that fell due meanwhile.
    (content / "posts/bad.md").unlink()
    publish_at(AFTER, tmp_path, content, capsys, site_env)
    assert (www / "posts/soon-okapi/index.html").exists()


def test_rsync_an_unreachable_host_fails_before_building(site_env, tmp_path, capsys):
    with socket_port() as port:  # nothing listens there
        site_env.setenv("DEPLOY_TARGET", "rsync")
        site_env.setenv("RSYNC_DEST", "publisher@127.0.0.1:/srv/site")
        site_env.setenv("RSYNC_SSH_PORT", str(port))
        with pytest.raises(Exit) as stopped:
            publish_at(AFTER, tmp_path, fixture_content(tmp_path), capsys, site_env)
    message = stopped.value.message
    # Found when the destination is locked (over ssh), first of all.
    assert re.match(r"Not published: ssh failed \(exit status 255\): ssh: connect to host 127.0.0.1 port", message)
    assert "Connection refused" in message and "\n" not in message
    assert not (tmp_path / "output").exists()  # the host first: no build for a host that is not there


def socket_port():
    import contextlib
    import socket

    @contextlib.contextmanager
    def closed_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        yield port

    return closed_port()


RUN = textwrap.dedent("""
    import sys
    from pathlib import Path

    from invoke import Config, Context, Exit

    import tasks

    output, content, cache, lock = map(Path, sys.argv[1:5])
    context = Context(config=Config(overrides={"run": {"in_stream": False}}))
    try:
        tasks.publish_site(context, output=output, content=content, if_due=True,
                           extra=["-e", f'CACHE_PATH="{cache}"'], lock=lock, cache=lock.parent / "desk")
    except Exit as stopped:
        sys.exit(stopped.message)
""")


def test_two_runs_started_together_deploy_once(site_env, tmp_path):
    www = tmp_path / "www"
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(www))
    site_env.setenv(clock.VARIABLE, AFTER)
    content = fixture_content(tmp_path)
    args = [sys.executable, "-c", RUN, str(tmp_path / "output"), str(content), str(tmp_path / "cache"),
            str(tmp_path / "publish.lock")]
    runs = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    said = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], said
    deployed = [text for text in said if "Due: 1 difference from the build on the host:\n  no manifest on the target" in text]
    waited = [text for text in said if "Nothing is due" in text]
    assert len(deployed) == 1 and len(waited) == 1, said
    assert "Another publish is running: waiting for it to finish" in waited[0]  # they did overlap
    assert (www / "posts/soon-okapi/index.html").exists()


def test_github_pages_two_machines_at_once_land_one_commit(site_env, tmp_path):
    """No shared lock here (two machines): git itself refuses the second push,
    which is not a fast-forward of the branch that run started from."""
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    site_env.setenv("DEPLOY_TARGET", "ghpages")
    site_env.setenv("GHPAGES_REMOTE", str(remote))
    site_env.setenv(clock.VARIABLE, AFTER)
    content = fixture_content(tmp_path)
    runs = [subprocess.Popen([sys.executable, "-c", RUN, str(tmp_path / f"output{i}"), str(content),
                              str(tmp_path / f"cache{i}"), str(tmp_path / f"publish{i}.lock")],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in (1, 2)]
    said = [run.communicate(timeout=300)[0] for run in runs]
    # A run landed if it pushed files ("N changed"). The other either found the
    # first one's manifest (before building, or on the branch just before its
    # push: "nothing to change") or had its push refused by git.
    landed = [text for run, text in zip(runs, said, strict=True)
              if run.returncode == 0 and re.search(r": \d+ changed", text)]
    assert commits(remote) == 1, said
    assert landed, said
    if len(landed) == 2:
        # Both pushed in the same second the very same commit (same tree, no
        # parent, same time), so git had nothing to refuse: one commit, as above.
        return
    [other] = [text for text in said if text is not landed[0]]
    assert ("Nothing is due" in other or "nothing to change" in other
            or "Not published: ghp-import failed (exit status 1): " in other), other


# -- GitHub Pages into a bare repository -------------------------------------------

def commits(remote):
    return int(git("rev-list", "--count", "gh-pages", cwd=remote))


def test_github_pages_changing_the_date_postpones_the_post(site_env, tmp_path, capsys):
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    site_env.setenv("DEPLOY_TARGET", "ghpages")
    site_env.setenv("GHPAGES_REMOTE", str(remote))
    content = fixture_content(tmp_path)
    listing = lambda: git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()  # noqa: E731

    publish_at(BEFORE, tmp_path, content, capsys, site_env)
    assert commits(remote) == 1 and manifest.NAME in listing() and "posts/soon-okapi/index.html" not in listing()
    result, said = publish_at(JUST_BEFORE, tmp_path, content, capsys, site_env)
    assert "Nothing is due" in said and commits(remote) == 1  # no commit, no push

    # The author moves the post to 09:30: at 09:02 it is still held back.
    (content / "posts/soon.md").write_text(SOON.replace("2026-12-01 09:01", "2026-12-01 09:30"), encoding="utf-8")
    _, said = publish_at(AFTER, tmp_path, content, capsys, site_env)
    assert "Nothing is due" in said and commits(remote) == 1
    assert "is due at 2026-12-01 09:30 UTC, in 28 min" in said
    _, said = publish_at("2026-12-01T09:31:00+00:00", tmp_path, content, capsys, site_env)
    assert commits(remote) == 2 and "posts/soon-okapi/index.html" in listing()
    assert "Soon okapi" in git("show", "gh-pages:index.html", cwd=remote)
    assert not [p for p in listing() if "zebra" in p]


def test_github_pages_a_host_refusing_the_push_is_left_as_it_was(site_env, tmp_path, capsys):
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    site_env.setenv("DEPLOY_TARGET", "ghpages")
    site_env.setenv("GHPAGES_REMOTE", str(remote))
    content = fixture_content(tmp_path)
    publish_at(BEFORE, tmp_path, content, capsys, site_env)
    tip = git("rev-parse", "gh-pages", cwd=remote)

    hook = remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed for maintenance' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(Exit) as stopped:
        publish_at(AFTER, tmp_path, content, capsys, site_env)
    message = stopped.value.message
    assert message.startswith("Not published: ghp-import failed (exit status ") and "\n" not in message
    assert "pre-receive hook declined" in message or "pushes are closed" in message
    assert git("rev-parse", "gh-pages", cwd=remote) == tip  # the host as it was

    # The host is back: the next run publishes.
    hook.unlink()
    publish_at(AFTER, tmp_path, content, capsys, site_env)
    assert commits(remote) == 2

    # A repository that is not there at all: one line, before building.
    shutil.rmtree(tmp_path / "output")
    site_env.setenv("GHPAGES_REMOTE", str(tmp_path / "gone.git"))
    with pytest.raises(Exit) as stopped:
        publish_at(AFTER, tmp_path, content, capsys, site_env)
    assert stopped.value.message.startswith("Not published: git failed (exit status 128): fatal: ")
    assert not (tmp_path / "output").exists()


def test_github_pages_a_token_in_the_remote_never_reaches_the_message(site_env, tmp_path, capsys):
    with socket_port() as port:
        site_env.setenv("DEPLOY_TARGET", "ghpages")
        site_env.setenv("GHPAGES_REMOTE", f"https://x-access-token:sekrit-token@127.0.0.1:{port}/site.git")
        with pytest.raises(Exit) as stopped:
            publish_at(AFTER, tmp_path, fixture_content(tmp_path), capsys, site_env)
    assert stopped.value.message.startswith("Not published: git failed (exit status 128): fatal: ")
    assert "sekrit-token" not in stopped.value.message + capsys.readouterr().out


# -- S3 against a moto server --------------------------------------------------

def versions(client):
    return sorted((v["Key"], v["VersionId"]) for v in client.list_object_versions(Bucket="site").get("Versions", []))


def test_s3_unchanged_runs_write_no_object_and_a_due_post_goes_live(s3, tmp_path, capsys, monkeypatch):
    s3.put_bucket_versioning(Bucket="site", VersioningConfiguration={"Status": "Enabled"})
    content = fixture_content(tmp_path)
    publish_at(BEFORE, tmp_path, content, capsys, monkeypatch)
    first = versions(s3)
    assert ("blog/" + manifest.NAME) in {key for key, _ in first}

    _, said = publish_at(JUST_BEFORE, tmp_path, content, capsys, monkeypatch)
    assert "Nothing is due" in said and versions(s3) == first  # not one object written

    _, said = publish_at(AFTER, tmp_path, content, capsys, monkeypatch)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert "blog/posts/soon-okapi/index.html" in keys
    assert not [k for k in keys if "zebra" in k]


def test_s3_a_failure_half_way_keeps_the_old_manifest_and_the_next_run_finishes(s3, tmp_path, capsys,
                                                                               monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    from extramile import deploy

    content = fixture_content(tmp_path)
    publish_at(BEFORE, tmp_path, content, capsys, monkeypatch)
    old_manifest = s3.get_object(Bucket="site", Key="blog/" + manifest.NAME)["Body"].read()

    make_client, sent = deploy.s3.client, []

    def flaky_client(config):
        client = make_client(config)

        def cut_off(**kwargs):
            sent.append(kwargs["model"].name)
            if len(sent) > 2:  # the network goes after two uploads
                raise EndpointConnectionError(endpoint_url=config["S3_ENDPOINT_URL"])
        client.meta.events.register("before-call.s3.PutObject", cut_off)
        return client

    monkeypatch.setattr(deploy.s3, "client", flaky_client)
    with pytest.raises(Exit) as stopped:
        publish_at(AFTER, tmp_path, content, capsys, monkeypatch)
    assert stopped.value.message.startswith("Not published: the object storage refused: Could not connect")
    assert s3.get_object(Bucket="site", Key="blog/" + manifest.NAME)["Body"].read() == old_manifest
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert "blog/posts/soon-okapi/index.html" not in keys  # pages go last: no page links a missing file

    monkeypatch.setattr(deploy.s3, "client", make_client)
    _, said = publish_at(AFTER, tmp_path, content, capsys, monkeypatch)
    assert "Due: " in said
    assert s3.get_object(Bucket="site", Key="blog/posts/soon-okapi/index.html")["Body"].read()

    # The storage gone entirely: one line, before building.
    shutil.rmtree(tmp_path / "output")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore would retry a refused connection with backoff
    with pytest.raises(Exit) as stopped:
        publish_at(AFTER, tmp_path, content, capsys, monkeypatch)
    assert stopped.value.message.startswith("Not published: the object storage refused: Could not connect to the "
                                            'endpoint URL: "http://127.0.0.1:9/')
    assert not (tmp_path / "output").exists()


# -- What `invoke schedule` prints, and the shipped workflow ----------------------

WORKFLOW = ROOT / timers.WORKFLOW


def test_the_shipped_workflow_passes_actionlint(tmp_path):
    checked = actionlint(WORKFLOW)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = WORKFLOW.read_text()
    assert 'cron: "*/10 * * * *"' in text and "invoke publish --if-due" in text
    assert "vars.REPLIES == 'isso'" in text
    # actionlint really reads it: a broken copy fails.
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon", 1))
    assert actionlint(broken).returncode == 1


def invoke_schedule(*args, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOY_")}
    return subprocess.run([sys.executable, "-m", "invoke", "schedule", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**environ, **(env or {})})


def test_invoke_schedule_for_github_pages_points_at_the_workflow():
    shown = invoke_schedule(env={"DEPLOY_TARGET": "ghpages"})
    assert shown.returncode == 0, shown.stderr
    assert timers.WORKFLOW in shown.stdout and "SITEURL" in shown.stdout and "gh-pages" in shown.stdout
    stopped = invoke_schedule()
    assert stopped.returncode == 1 and "Set DEPLOY_TARGET (or --target) to one of rsync, ghpages, s3" in stopped.stderr


@pytest.mark.parametrize("target", ["rsync", "s3"])
def test_invoke_schedule_prints_systemd_units_and_a_crontab_line_that_check(tmp_path, target):
    env_file = str(tmp_path / "publish.env")
    shown = invoke_schedule("--target", target, "--env-file", env_file, "--user", "publisher")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    service, timer = timers.service(ROOT, sys.executable, "publisher", env_file), timers.timer()
    assert service in text and timer in text
    assert f"ExecStart={sys.executable} -m invoke publish --if-due" in service and "OnCalendar=*:0/5" in timer
    needs = {"rsync": "RSYNC_DEST", "s3": "AWS_SECRET_ACCESS_KEY"}[target]
    assert f"DEPLOY_TARGET={target}" in text and needs in text and "SITEURL" in text

    [line] = [line for line in text.splitlines() if line.startswith("*/5 * * * * ")]
    assert line == timers.crontab_line(ROOT, sys.executable, env_file) and "publish --if-due" in line
    assert subprocess.run(["sh", "-n", "-c", line.split(" ", 5)[5]]).returncode == 0

    if not shutil.which("systemd-analyze"):
        missing("systemd-analyze is not installed here (script/bootstrap --test installs systemd): "
                "the units were not verified")
    units = [tmp_path / f"{timers.UNIT}.service", tmp_path / f"{timers.UNIT}.timer"]
    units[0].write_text(service.replace("User=publisher", "User=root"))  # a user this machine has
    units[1].write_text(timer)
    checked = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    # It really checks: a unit with a bad time fails.
    units[1].write_text(timer.replace("*:0/5", "every five minutes"))
    assert subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True).returncode != 0
