"""`invoke links` (extramile/tools/links.py) against local HTTP servers on
127.0.0.1: each kind of broken link is reported with its file and line, the
limits on requests hold, working links are not asked again while the cache
keeps them, and the shipped weekly workflow (.github/workflows/links.yml)
runs the task and keeps one issue up to date, with a stand-in `gh`."""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from invoke import Context, Exit
from pelican.settings import get_settings_from_file
from support import ROOT, actionlint

import pelicanconf
import tasks
from extramile.tools import links

WORKFLOW = ROOT / ".github" / "workflows" / "links.yml"
OTHER_HOST = "localhost"  # the same loopback server under another host name


class Recorder:
    """What the local servers were asked, and how many requests each host name had in flight at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (host name, method, path, time.monotonic())
        self.in_flight, self.most = {}, {}
        self.in_flight_all = self.most_all = 0
        self.arrived = {}  # host name -> Event: a request of that host came in

    def count(self, path=None):
        with self.lock:
            return len([r for r in self.requests if path is None or r[2] == path])

    def paths(self):
        with self.lock:
            return [r[2] for r in self.requests]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorder: Recorder
    state: dict

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer()

    def do_GET(self):
        self.answer()

    def answer(self):
        host = self.headers["Host"].rsplit(":", 1)[0]
        record = self.recorder
        with record.lock:
            record.requests.append((host, self.command, self.path, time.monotonic()))
            record.in_flight[host] = record.in_flight.get(host, 0) + 1
            record.most[host] = max(record.most.get(host, 0), record.in_flight[host])
            record.in_flight_all += 1
            record.most_all = max(record.most_all, record.in_flight_all)
            record.arrived.setdefault(host, threading.Event()).set()
        try:
            self.route(host)
        finally:
            with record.lock:
                record.in_flight[host] -= 1
                record.in_flight_all -= 1

    def route(self, host):
        port = self.server.server_address[1]
        path = self.path.split("?")[0]
        if path == "/old":
            return self.send(301, Location="/ok")
        if path == "/temporary":
            return self.send(302, Location="/ok")
        if path == "/away":
            return self.send(301, Location=f"http://{OTHER_HOST}:{port}/ok")
        if path == "/missing":
            return self.send(404)
        if path == "/gone":
            return self.send(410)
        if path == "/no-head":
            return self.send(405 if self.command == "HEAD" else 200)
        if path == "/busy":  # rate limited once, then fine
            with self.recorder.lock:
                first = not self.state.get("busy")
                self.state["busy"] = True
            return self.send(429, **{"Retry-After": "1"}) if first else self.send(200)
        if path == "/slow-down":
            return self.send(429, **{"Retry-After": "3600"})
        if path == "/meet":
            # Wait until a request of another host name is in flight too: only
            # requests to different hosts at the same time get past this.
            for other, event in self.wait_for(host):
                assert event.wait(10), f"no request to {other} while {host} was asked"
        return self.send(200)

    def wait_for(self, host):
        with self.recorder.lock:
            return [(name, self.recorder.arrived.setdefault(name, threading.Event()))
                    for name in self.state.get("meet", ()) if name != host]

    def send(self, status, **headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def server(**state):
    """A local HTTP server on a free port: (its base address, Recorder)."""
    recorder = Recorder()
    handler = type("Routes", (Handler,), {"recorder": recorder, "state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", recorder
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def silent_and_refusing():
    """(address that accepts and never answers, address that refuses)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes the connection; nobody ever reads it
    refusing = socket.socket()
    refusing.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    try:
        yield f"http://127.0.0.1:{silent.getsockname()[1]}", f"http://127.0.0.1:{refusing.getsockname()[1]}"
    finally:
        silent.close()
        refusing.close()


def other_host(base):
    return base.replace("127.0.0.1", OTHER_HOST)


# -- A site's sources, with links to the local servers ------------------------------

SETTINGS_FILE = """\
PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
REPLIES_PATH = "replies"
SITEURL = "https://blog.example.org"
MARKDOWN = {markdown!r}
AUTHORS_INFO = {{
    "Ada": {{
        "bio": "Ada writes here.",
        "links": [("Her old site", "{base}/gone")],
    }},
}}
"""


def make_site(folder, files, base):
    """A project folder: pelicanconf.py (the site's MARKDOWN) and content/; returns its settings."""
    (folder / "pelicanconf.py").write_text(SETTINGS_FILE.format(markdown=pelicanconf.MARKDOWN, base=base))
    for name, text in files.items():
        path = folder / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings = get_settings_from_file(str(folder / "pelicanconf.py"))
    return {**settings, "PATH": str(folder / "content")}


def check(folder, settings, **options):
    checker_options = {k: options.pop(k) for k in ("jobs", "timeout", "max_wait") if k in options}
    return links.check_site(settings, folder, folder / ".cache" / "links.json", settings_file=folder / "pelicanconf.py",
                            own_hosts=[settings["SITEURL"]], checker=links.Checker(**checker_options), **options)


HEADER = "Title: Links\nDate: 2026-11-01 09:00\nAuthor: Ada\nCategory: Tests\nTags: links\n"


def every_kind(base, silent, refusing):
    """The post's lines: each broken link on a line of its own."""
    tls = base.replace("http://", "https://")
    return {"posts/links.md": HEADER + textwrap.dedent(f"""\
        Source_url: {base}/gone

        A [working link]({base}/ok), one [moved on the same host]({base}/old),
        one [redirected elsewhere]({base}/away), and <{base}/missing> as an autolink.

        <p><a href="{base}/gone?a=1&amp;b=2">Raw HTML</a></p>

        A [reference][ref], a [temporary redirect]({base}/temporary), a [server without HEAD]({base}/no-head).
        [Slow]({silent}/x). [Refused]({refusing}/x).
        [Encrypted]({tls}/ok), [busy once]({base}/busy), [rate limited]({base}/slow-down).
        Not checked: [our own](https://blog.example.org/x), [a page](/about/), [mail](mailto:a@example.org),
        [a file]({{filename}}/pages/about.md).

        [ref]: {base}/gone "A title"
        """),
        "pages/about.md": f"Title: About\n\nWe are [here]({other_host(base)}/ok) and [there][t].\n\n"
                          f"[t]: <{base}/missing>\n",
        "replies/links/2026-11-30-bea.md": f"Author: Bea\nWebsite: {base}/missing\nDate: 2026-11-30 14:05\n\n"
                                           f"Also see [my post]({base}/gone).\n"}


def test_each_broken_link_is_reported_with_its_file_and_line(tmp_path):
    with server() as (base, asked), silent_and_refusing() as (silent, refusing):
        settings = make_site(tmp_path, every_kind(base, silent, refusing), base)
        run = check(tmp_path, settings, timeout=1, max_wait=2)
    tls = base.replace("http://", "https://")
    found = {problem.split(" → ")[0]: problem.split(" → ")[1] for problem in run.problems}
    expected = {
        f"content/posts/links.md:6: {base}/gone": "410 Gone",
        f"content/posts/links.md:8: {base}/old": f"moved permanently to {base}/ok",
        f"content/posts/links.md:9: {base}/away": f"redirected to another host: {other_host(base)}/ok",
        f"content/posts/links.md:9: {base}/missing": "404 Not Found",
        f"content/posts/links.md:11: {base}/gone?a=1&b=2": "410 Gone",
        f"content/posts/links.md:14: {silent}/x": "timed out after 1 s",
        f"content/posts/links.md:14: {refusing}/x": "connection refused",
        f"content/posts/links.md:15: {base}/slow-down": "rate limited (429 Too Many Requests), retry after 3600 s",
        f"content/posts/links.md:19: {base}/gone": "410 Gone",
        f"content/pages/about.md:5: {base}/missing": "404 Not Found",
        f"content/replies/links/2026-11-30-bea.md:2: {base}/missing": "404 Not Found",
        f"content/replies/links/2026-11-30-bea.md:5: {base}/gone": "410 Gone",
        f"pelicanconf.py:10: {base}/gone": "410 Gone",
    }
    tls_line = f"content/posts/links.md:15: {tls}/ok"
    assert found.pop(tls_line).startswith("TLS error: ")
    assert found == expected
    # Nothing else: the same host's /ok, the other host's, a temporary redirect, GET after a refused HEAD
    # work, and so does the server that asked to wait a second: asked again after that second, not sooner.
    busy = [at for host, method, path, at in asked.requests if path == "/busy"]
    assert len(busy) == 2 and busy[1] - busy[0] >= 1
    assert [(m, p) for _h, m, p, _t in asked.requests if p == "/no-head"] == [("HEAD", "/no-head"), ("GET", "/no-head")]
    assert asked.count("/slow-down") == 1  # an hour is above --max-wait: no wait, no second request
    assert run.checked == 14 and run.cached == 0


def test_a_second_run_within_the_cache_lifetime_makes_no_request(tmp_path):
    with server() as (base, asked):
        settings = make_site(tmp_path, {
            "posts/fine.md": HEADER + f"\n[One]({base}/ok), [two]({base}/temporary), [three]({base}/no-head).\n"
                                      f"[Elsewhere]({other_host(base)}/ok). [Gone]({base}/missing).\n"}, base)
        now = time.time()
        first = check(tmp_path, settings, now=now)
        asked_first = asked.count()
        assert asked_first > 0 and len(first.problems) == 2  # /missing, and the author's /gone in the settings

        second = check(tmp_path, settings, now=now + 3600)
        # Only the broken links were asked again: working ones came from .cache/links.json.
        assert sorted(set(asked.paths()[asked_first:])) == ["/gone", "/missing"]
        assert second.problems == first.problems and (second.checked, second.cached) == (2, 4)

        # Once MAX_AGE_DAYS have passed, every link is asked again.
        before = asked.count()
        later = check(tmp_path, settings, now=now + links.MAX_AGE_DAYS * 86400)
        assert later.checked == 6 and {"/ok", "/temporary", "/no-head"} <= set(asked.paths()[before:])


def test_a_damaged_cache_means_checking_again(tmp_path):
    with server() as (base, asked):
        settings = make_site(tmp_path, {"posts/fine.md": HEADER + f"\n[One]({base}/ok).\n"}, base)
        cache = tmp_path / ".cache" / "links.json"
        for damaged in ("{not json", json.dumps({"version": 1, "ok": [1, 2]}), json.dumps([]),
                        json.dumps({"version": 1, "ok": {f"{base}/ok": "yesterday"}}),
                        json.dumps({"version": 1, "ok": {f"{base}/ok": time.time() + 86400}})):  # from the future
            cache.parent.mkdir(exist_ok=True)
            cache.write_text(damaged)
            before = asked.count("/ok")
            run = check(tmp_path, settings)
            assert asked.count("/ok") == before + 1 and run.cached == 0, damaged
        assert json.loads(cache.read_text())["ok"][f"{base}/ok"] <= time.time()


def test_one_request_at_a_time_per_host_and_at_most_jobs_in_all(tmp_path):
    with server(meet=("127.0.0.1", OTHER_HOST)) as (base, asked):
        urls = [f"{host}/meet?{n}" for host in (base, other_host(base)) for n in range(4)]
        outcomes = links.Checker(jobs=8, timeout=20).check_all(urls)
        # Every request waited for one to the other host: they overlapped, yet never two to one host.
        assert all(outcome.ok for outcome in outcomes.values()), outcomes
        assert asked.most == {"127.0.0.1": 1, OTHER_HOST: 1}

    with server() as (base, asked):
        hosts = (base, other_host(base), base.replace("127.0.0.1", "127.1"))  # three names of one server
        outcomes = links.Checker(jobs=2, timeout=20).check_all([f"{host}/ok?{n}" for host in hosts for n in range(4)])
        assert all(outcome.ok for outcome in outcomes.values()) and len(asked.requests) == 12
        assert asked.most_all <= 2 and max(asked.most.values()) == 1


def test_links_are_found_where_markdown_makes_them(tmp_path):
    """Only what Python-Markdown renders as a link counts; its line is where the address is written."""
    text = HEADER + textwrap.dedent("""\
        Cover: images/x.jpg

        An [escaped\\_one](https://a.example/x\\_y) and
        a <span>[link in HTML](https://b.example/)</span>.

        `https://code.example/` and

            https://block.example/ in an indented code block

        [Wikipedia](https://en.wikipedia.org/wiki/Foo_(bar)) and https://bare.example/ (not a link).
        [short](https://c.example/x) beside [longer](https://c.example/xyz).
        [protocol-relative](//d.example/p)
        """)
    render = links.markdown_renderer(get_settings_from_file(str(ROOT / "pelicanconf.py")))
    found = [(link.line, link.url) for link in links.links_in_text(text, "content/posts/x.md", render)]
    assert sorted(found) == [(8, "https://a.example/x_y"), (9, "https://b.example/"),
                             (15, "https://en.wikipedia.org/wiki/Foo_(bar)"), (16, "https://c.example/x"),
                             (16, "https://c.example/xyz"), (17, "https://d.example/p")]


def test_an_address_that_cannot_be_asked_is_a_problem_not_a_traceback():
    outcomes = links.Checker(timeout=1).check_all(["http://[::1/x", "http://127.0.0.1:99999/", "http://exa mple.org/"])
    assert {url: outcome.said.split(":")[0] for url, outcome in outcomes.items()} == dict.fromkeys(outcomes,
                                                                                               "not a valid address")


def test_the_task_exits_1_with_a_report_and_0_when_every_link_works(tmp_path, monkeypatch, capsys):
    with server() as (base, _asked):
        settings = make_site(tmp_path, {"posts/one.md": HEADER + f"\n[Gone]({base}/missing)\n"}, base)
        monkeypatch.setattr(tasks, "SETTINGS", settings)
        monkeypatch.setattr(tasks, "CONTENT", Path(settings["PATH"]))
        monkeypatch.setattr(tasks, "ROOT", tmp_path)
        monkeypatch.setattr(tasks, "CACHE", tmp_path / ".cache")
        monkeypatch.setattr(tasks, "DEV_CONF", tmp_path / "pelicanconf.py")
        with pytest.raises(Exit) as stopped:
            tasks.links(Context(), report=str(tmp_path / "links.md"), timeout=5)
        assert stopped.value.code == 1
        assert "2 problems in links to other sites" in stopped.value.message
        said = capsys.readouterr().out
        assert f"content/posts/one.md:7: {base}/missing → 404 Not Found" in said
        report = (tmp_path / "links.md").read_text()
        assert f"- `content/posts/one.md:7`: {base}/missing → 404 Not Found\n" in report
        assert f"- `pelicanconf.py:10`: {base}/gone → 410 Gone\n" in report

        (tmp_path / "content/posts/one.md").write_text(HEADER + f"\n[Fine]({base}/temporary)\n")
        (tmp_path / "pelicanconf.py").write_text((tmp_path / "pelicanconf.py").read_text().replace("/gone", "/ok"))
        monkeypatch.setattr(tasks, "SETTINGS", {**get_settings_from_file(str(tmp_path / "pelicanconf.py")),
                                                "PATH": settings["PATH"]})
        tasks.links(Context(), report=str(tmp_path / "links.md"))
        assert "Every link to another site works: 2 links checked" in capsys.readouterr().out
        assert "Every link works." in (tmp_path / "links.md").read_text()


def test_a_long_report_fits_in_an_issue():
    run = links.Run([f"content/posts/p{n}.md:3: https://gone.example/{'x' * 80} → 404 Not Found"
                     for n in range(2000)], checked=2000, cached=0)
    report = links.report_markdown(run, "2026-12-06 10:00 UTC")
    assert len(report) < 65536 and report.endswith("run `invoke links` to see them all.\n")
    assert "- `content/posts/p0.md:3`: https://gone.example/" in report


# -- The weekly workflow ------------------------------------------------------------

def workflow_steps():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert len(jobs) == 1
    steps = next(iter(jobs.values()))["steps"]
    check = next(step for step in steps if "invoke links" in step.get("run", ""))
    issue = next(step for step in steps if "gh issue" in step.get("run", ""))
    return check, issue


def run_step(step, cwd, env):
    """A step's own shell text, as GitHub runs it with `shell: bash`."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


FAKE_GH = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
call = {"args": args, "token": os.environ.get("GH_TOKEN")}
if "--body-file" in args:
    call["body"] = open(args[args.index("--body-file") + 1], encoding="utf-8").read()
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(call) + "\\n")
if args[:2] == ["issue", "list"]:
    print(os.environ.get("FAKE_GH_OPEN", ""))
"""


def gh_calls(step, cwd, tmp_path, status, open_issue=""):
    """Run the issue step with a stand-in `gh` on PATH; returns (process, [its calls])."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    log = tmp_path / f"gh-{len(list(tmp_path.glob('gh-*.log')))}.log"
    env = {key: value.replace("${{ github.token }}", "fake-token") for key, value in step.get("env", {}).items()}
    assert not [value for value in env.values() if "${{" in value], env
    proc = run_step(step, cwd, {**env, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_GH_LOG": str(log),
                                "FAKE_GH_OPEN": open_issue, "LINKS_STATUS": status,
                                "GITHUB_REPOSITORY": "owner/blog", "GITHUB_SERVER_URL": "https://github.com",
                                "GITHUB_RUN_ID": "42"})
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return proc, calls


def test_the_workflow_runs_the_check_and_keeps_one_issue_up_to_date(tmp_path):
    check_step, issue_step = workflow_steps()
    checkout = tmp_path / "checkout"  # what actions/checkout and script/bootstrap leave
    checkout.mkdir()
    shutil.copy(ROOT / "tasks.py", checkout / "tasks.py")
    (checkout / ".venv").symlink_to(Path(sys.executable).parent.parent)
    with server() as (base, asked):
        make_site(checkout, {"posts/one.md": HEADER + f"\n[Fine]({base}/ok), [gone]({base}/missing).\n"}, base)
        github_env = tmp_path / "github_env"
        github_env.touch()
        ran = run_step(check_step, checkout, {"GITHUB_ENV": str(github_env)})
        assert ran.returncode == 0, ran.stdout + ran.stderr  # problems do not fail the step
        assert asked.count("/missing") and asked.count("/gone")
    assert f"content/posts/one.md:7: {base}/missing → 404 Not Found" in ran.stdout
    assert github_env.read_text() == "LINKS_STATUS=1\n"
    report = (checkout / "links.md").read_text()
    assert f"- `content/posts/one.md:7`: {base}/missing → 404 Not Found\n" in report

    # No open issue yet: the label is made and one issue created, with the report as its body.
    proc, calls = gh_calls(issue_step, checkout, tmp_path, "1")
    assert proc.returncode == 0, proc.stderr
    assert [c["args"][:2] for c in calls] == [["issue", "list"], ["label", "create"], ["issue", "create"]]
    listed, labelled, created = calls
    assert {"--label", "dead-links", "--state", "open"} <= set(listed["args"])
    assert labelled["args"][2] == "dead-links" and "--force" in labelled["args"]
    assert created["body"] == report and {"--label", "dead-links"} <= set(created["args"])
    assert all("owner/blog" in c["args"] and c["token"] == "fake-token" for c in calls)

    # Issue 7 is open: it is edited, never a second one made.
    proc, calls = gh_calls(issue_step, checkout, tmp_path, "1", open_issue="7")
    assert [c["args"][:3] for c in calls] == [["issue", "list", "--repo"], ["issue", "edit", "7"]]
    assert calls[1]["body"] == report

    # Every link works again: the open issue is closed; with none open, nothing is done.
    proc, calls = gh_calls(issue_step, checkout, tmp_path, "0", open_issue="7")
    assert proc.returncode == 0 and [c["args"][:3] for c in calls[1:]] == [["issue", "close", "7"]]
    proc, calls = gh_calls(issue_step, checkout, tmp_path, "0")
    assert proc.returncode == 0 and len(calls) == 1

    # A check that stopped before its report (a crash) fails the job and leaves the issue as it is.
    (checkout / "links.md").unlink()
    proc, calls = gh_calls(issue_step, checkout, tmp_path, "1", open_issue="7")
    assert proc.returncode == 1 and calls == []
    assert "the issue is left as it is" in proc.stdout


def test_the_workflow_is_weekly_separate_from_publishing_and_passes_actionlint(tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"schedule", "workflow_dispatch"} and len(triggers["schedule"]) == 1
    minute, hour, day, month, weekday = triggers["schedule"][0]["cron"].split()
    assert day == month == "*" and weekday.isdigit() and minute.isdigit() and hour.isdigit()
    assert workflow["permissions"] == {"contents": "read", "issues": "write"}
    checked = actionlint(WORKFLOW)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The task the workflow names is one `invoke --list` shows.
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, capture_output=True, text=True)
    check_step, _ = workflow_steps()
    named = check_step["run"].split("invoke ", 1)[1].split()[0]
    assert named == "links" and any(line.split()[:1] == [named] for line in listed.stdout.splitlines())
