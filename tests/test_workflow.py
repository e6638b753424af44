"""The shipped automation and the README's first command, run for real.

- Every `invoke` call in .github/workflows/*.yml names a task (and options)
  that `invoke` really has.
- The publish job's "Pull approved replies" step, its own shell text taken
  from the YAML, runs in a scratch clone with only what requirements.lock pins
  (what `script/bootstrap` installs, as in the job) against a local Isso
  holding one approved reply: it writes the reply file, commits it and pushes
  it to a local bare repository.
- `invoke serve` in that clone (the README's first command) gives a site whose
  reply form and subscribe form are accepted by the servers `serve` started.
- What `invoke schedule` prints, filled in, publishes (a timer's env file and
  crontab line; the workflow's variables); each docs/examples/<target>.env is
  complete; `invoke publish` names every missing setting at once.
"""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from invoke import Exit
from support import ROOT, approve_all, git, post, task_context

import tasks
from extramile.devtools import isso_server
from extramile.plugins.validate import problems
from extramile.tools.serving import free_port, free_ports

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
SITE = ROOT / ".github/workflows/site.yml"
SLUG = "okapi-at-the-counter"
ARTICLE = post(title="Okapi at the counter", extra=f"Slug: {SLUG}\nSummary: A test article.\n")
# GitHub runs a `run:` step as `bash --noprofile --norc -eo pipefail {0}` (the default shell on Linux).
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def wait_until_answers(url, proc, timeout=120):
    """Wait for `url` to answer (any HTTP status), failing at once if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited ({proc.returncode}) before {url} answered"
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout} s")


# -- Every invoke call in the workflows is a real task ------------------------------
def invoke_calls(workflow):
    """(step name, task, options) for each `invoke TASK [--option ...]` in the workflow's run steps."""
    calls = []
    for job in yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"].values():
        for step in job.get("steps", []):
            for line in step.get("run", "").replace("\\\n", " ").splitlines():  # continued lines joined
                words = shlex.split(line, comments=True)
                for i, word in enumerate(words):
                    if word == "invoke" or word.endswith("/invoke"):
                        rest = words[i + 1:]
                        end = next((j for j, w in enumerate(rest) if w in ("&&", "||", ";", "|")), len(rest))
                        task, *options = rest[:end]
                        calls.append((step.get("name", ""), task, [o.split("=")[0] for o in options
                                                                     if o.startswith("-")]))
    return calls


def test_every_invoke_call_in_the_workflows_names_a_real_task():
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list", "--list-format", "json"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    tasks = {t["name"] for t in json.loads(listed.stdout)["tasks"]}
    calls = [call for workflow in WORKFLOWS for call in invoke_calls(workflow)]
    assert {"replies-pull", "publish", "test"} <= {task for _, task, _ in calls}, calls
    helps = {}  # one `invoke --help TASK` per task, however many steps call it
    for step, task, options in calls:
        assert task in tasks, f"step {step!r} calls `invoke {task}`, which is not a task: {sorted(tasks)}"
        if task not in helps:
            helps[task] = subprocess.run([sys.executable, "-m", "invoke", "--help", task], cwd=ROOT,
                                         capture_output=True, text=True, check=True).stdout
        shown = helps[task]
        for option in options:
            assert re.search(rf"(^|\s){re.escape(option)}\b", shown, re.M), f"`invoke {task}` has no {option}"


# -- A scratch clone, set up as the publish job does ---------------------------------
LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def lock_only_venv(root):
    """root/.venv holding exactly what requirements.lock pins, as `script/bootstrap`
    (without --test) installs it, made offline from this test environment's copies
    (no test may reach a package index): each pinned distribution's files, its
    scripts, and this project on the path as an editable install puts it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    python = root / ".venv/bin/python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    pins = [m.groups() for m in map(LOCK_LINE.match, (root / "requirements.lock").read_text().splitlines()) if m]
    assert pins, "requirements.lock pins nothing"
    for name, version in pins:
        dist = metadata.distribution(name)
        assert dist.version == version, f"{name}: requirements.lock pins {version}, the test lock {dist.version}"
        for file in dist.files:
            source = Path(file.locate()).resolve()
            if str(file).startswith("../"):  # a script: bin/NAME, run by the new environment's Python
                if source.parent.name == "bin" and source.is_file():
                    script = root / ".venv/bin" / source.name
                    first, rest = source.read_text(encoding="utf-8").split("\n", 1)
                    script.write_text(f"#!{python}\n{rest}" if first.startswith("#!") else first + "\n" + rest)
                    script.chmod(0o755)
            elif source.is_file() and "__pycache__" not in file.parts:
                target = site / file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(source)
    (site / "the_extra_mile.pth").write_text(f"{root}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """This repository's committed HEAD, cloned, with one more article, and the
    environment `script/bootstrap` makes there (as the publish job runs it)."""
    root = tmp_path_factory.mktemp("clone") / "site"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(root)], check=True)
    # On main, as the publish job is: a checkout of a bare commit (as CI systems make)
    # would leave the clone on a detached HEAD, which `git push origin HEAD:main` refuses.
    git("checkout", "-q", "-B", "main", cwd=root)
    (root / "content/posts" / f"{SLUG}.md").write_text(ARTICLE, encoding="utf-8")
    git("add", "-A", cwd=root)
    git("-c", "user.name=Tests", "-c", "user.email=tests@localhost", "commit", "-qm", "An article", cwd=root)
    lock_only_venv(root)
    return root


def step(workflow, job, name):
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    [found] = [s for s in steps if s.get("name", "").startswith(name)]
    return found


def job_env(workflow, job, values):
    """The job's `env:`, each ${{ expression }} replaced by values[expression];
    a repository variable not in `values` is empty, as on GitHub when it is not set."""
    declared = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"][job]["env"]
    value = lambda m: values[m[1]] if m[1] in values or not m[1].startswith("vars.") else ""  # noqa: E731
    fill = lambda text: re.sub(r"\$\{\{\s*(.+?)\s*\}\}", value, str(text))  # noqa: E731
    return {name: fill(value) for name, value in declared.items()}


@pytest.fixture
def isso(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = isso_server.start(tmp_path / "isso", port, ["http://127.0.0.1:8000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answers(f"{url}/config", proc)
        yield url, isso_server.admin_password(tmp_path / "isso")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def post_reply(isso_url, uri, title, author, text, origin):
    """What js/replies.js sends: JSON to <data-isso>/new?uri=<data-uri>."""
    body = json.dumps({"text": text, "author": author, "website": None, "title": title}).encode()
    request = urllib.request.Request(f"{isso_url}/new?uri={urllib.parse.quote(uri, safe='')}", data=body,
                                     method="POST", headers={"Content-Type": "application/json", "Origin": origin})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, answer.headers


def test_the_pull_replies_step_publishes_an_approved_reply(clone, isso, tmp_path):
    isso_url, password = isso
    status, _ = post_reply(isso_url, f"/posts/{SLUG}/", "Okapi at the counter", "Ada Reader",
                           "The okapi was very polite.", "http://127.0.0.1:8000")
    assert status in (201, 202)
    assert approve_all(isso_url, password) == 1

    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    git("remote", "set-url", "origin", str(remote), cwd=clone)
    pull = step(SITE, "publish", "Pull approved replies")
    assert pull["if"] == "vars.REPLIES == 'isso' && github.event_name != 'push'"
    env = job_env(SITE, "publish", {
        "secrets.GITHUB_TOKEN": "unused", "github.repository": "owner/site",
        "vars.GHPAGES_CNAME": "", "vars.SITEURL": "https://example.org", "vars.SUBSCRIBE_PROVIDER": "none",
        "vars.SUBSCRIBE_ACTION": "", "vars.REPLIES": "isso", "vars.REPLY_EMAIL": "replies@example.org",
        "vars.ISSO_URL": isso_url})
    env["GHPAGES_REMOTE"] = str(remote)  # nothing leaves this machine, whatever the step does
    script = tmp_path / "step.sh"
    script.write_text(pull["run"], encoding="utf-8")
    ran = subprocess.run([*GITHUB_BASH, str(script)], cwd=clone, capture_output=True, text=True, timeout=300,
                         env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CI": "true",
                              "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule", **env})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 new" in ran.stdout

    [reply] = (clone / "content/replies" / SLUG).glob("*.md")
    assert reply.read_text(encoding="utf-8").startswith("Author: Ada Reader\n")
    assert "The okapi was very polite." in reply.read_text(encoding="utf-8")
    # Committed and pushed to main: the next publish includes it.
    assert git("log", "-1", "--format=%s", "main", cwd=remote).strip() == "Approved replies from the comment server"
    assert "The okapi was very polite." in git("show", f"main:{reply.relative_to(clone)}", cwd=remote)


def run_step(found, cwd, tmp_path, env=None):
    """A workflow step's own shell text, run as GitHub's runner runs it."""
    script = tmp_path / "step.sh"
    script.write_text(found["run"], encoding="utf-8")
    return subprocess.run([*GITHUB_BASH, str(script)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CI": "true",
                               "GITHUB_ACTIONS": "true", **(env or {})})


def test_the_check_step_annotates_each_problem_on_its_file_and_line(clone, tmp_path):
    check = step(SITE, "test", "Check the posts")
    passed = run_step(check, clone, tmp_path)
    assert passed.returncode == 0 and "::" not in passed.stdout, passed.stdout + passed.stderr

    # A pull request's commit with two broken posts: a forgotten Summary, an unknown author.
    root = tmp_path / "pr"
    subprocess.run(["git", "clone", "-q", str(clone), str(root)], check=True)
    lock_only_venv(root)
    trust = root / "content/posts/in-customers-we-trust.md"
    trust.write_text(re.sub(r"^Summary: .*\n", "", trust.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    small = root / "content/posts/customer-service-in-every-small-interaction.md"
    small.write_text(small.read_text(encoding="utf-8").replace("Author: Cynthia Kay", "Author: Jane Doe"),
                     encoding="utf-8")
    git("-c", "user.name=Tests", "-c", "user.email=tests@localhost", "commit", "-qam", "Two broken posts", cwd=root)
    header_end = trust.read_text(encoding="utf-8").split("\n").index("") + 1
    failed = run_step(check, root, tmp_path)
    assert failed.returncode != 0
    errors = [line for line in failed.stdout.splitlines() if line.startswith("::error")]
    assert [line.split("::")[1] for line in errors] == [
        "error file=content/posts/customer-service-in-every-small-interaction.md,line=4",
        f"error file=content/posts/in-customers-we-trust.md,line={header_end}"], failed.stdout
    assert "unknown author 'Jane Doe'" in errors[0] and "missing Summary" in errors[1]


def test_the_check_step_reports_a_renamed_published_post_from_the_live_sites_manifest(clone, tmp_path):
    """The pull request renames a published post's slug. The check step fetches the live
    site's manifest (a local server stands in for SITEURL) and annotates the post's line
    with the Aliases: line to add; an unreachable site is one note, never a failure."""
    from browser import StaticServer

    from extramile.deploy import manifest

    check = step(SITE, "test", "Check the posts")
    site = tmp_path / "live"
    site.mkdir()
    page = f"posts/{SLUG}/index.html"
    (site / manifest.NAME).write_bytes(manifest.dumps({
        "format": manifest.FORMAT, "target": "ghpages", "settings": "", "files": {page: "0" * 64},
        "pages": {page: {"title": "Okapi at the counter", "slug": SLUG, "date": "2026-11-20",
                         "source": f"content/posts/{SLUG}.md"}}}))
    server = StaticServer(site).start()
    try:
        root = tmp_path / "pr"
        subprocess.run(["git", "clone", "-q", str(clone), str(root)], check=True)
        lock_only_venv(root)
        renamed = root / "content/posts" / f"{SLUG}.md"
        renamed.write_text(ARTICLE.replace(f"Slug: {SLUG}", "Slug: okapi-behind-the-counter"), encoding="utf-8")
        replies = root / "content/replies" / SLUG  # the replies test may have added one: it follows the slug
        if replies.exists():
            git("mv", str(replies), str(replies.with_name("okapi-behind-the-counter")), cwd=root)
        git("-c", "user.name=Tests", "-c", "user.email=tests@localhost", "commit", "-qam", "A new slug", cwd=root)
        failed = run_step(check, root, tmp_path, env={"SITEURL": server.origin})
        assert failed.returncode != 0
        errors = [line for line in failed.stdout.splitlines() if line.startswith("::error")]
        assert errors == [
            f"::error file=content/posts/{SLUG}.md,line=1::its published address /posts/{SLUG}/ would disappear "
            f"(the slug or category changed?). Add the line 'Aliases: /posts/{SLUG}/' to its header, so the old "
            "address leads here."], failed.stdout + failed.stderr

        renamed.write_text(renamed.read_text(encoding="utf-8").replace(
            "Slug: okapi-behind-the-counter\n", f"Slug: okapi-behind-the-counter\nAliases: /posts/{SLUG}/\n"),
            encoding="utf-8")
        fixed = run_step(check, root, tmp_path, env={"SITEURL": server.origin})
        assert fixed.returncode == 0 and "::" not in fixed.stdout, fixed.stdout + fixed.stderr
    finally:
        server.stop()

    gone = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    unreachable = run_step(check, root, tmp_path, env={"SITEURL": gone})
    assert unreachable.returncode == 0, unreachable.stdout + unreachable.stderr
    [note] = [line for line in unreachable.stdout.splitlines() if "not checked" in line]
    assert note.startswith(f"::notice::Published addresses not checked: {gone}/{manifest.NAME} could not be read")
    assert "Traceback" not in unreachable.stdout + unreachable.stderr


def test_annotations_escape_what_would_end_a_workflow_command():
    printed = "Build stopped: 1 problem to fix, nothing was written.\n  a,b.md:3: 100% sure\n"
    assert list(problems.annotations(printed)) == ["::error file=a%2Cb.md,line=3::100%25 sure"]


# -- The README's first command: script/bootstrap && .venv/bin/invoke serve ----------------
def preflight_and_post(url, origin, headers, body):
    """A browser's cross-origin fetch: the CORS preflight, then the request; returns (status, body)."""
    preflight = urllib.request.Request(url, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ", ".join(h.lower() for h in headers)})
    with urllib.request.urlopen(preflight, timeout=30) as answer:
        assert answer.headers["Access-Control-Allow-Origin"] == origin, dict(answer.headers)
    request = urllib.request.Request(url, data=body, method="POST", headers={"Origin": origin, **headers})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Access-Control-Allow-Origin"] == origin, dict(answer.headers)
        return answer.status, answer.read().decode()


def test_the_readme_first_command_gives_a_working_reply_form_and_subscribe_form(clone, tmp_path):
    # Not on 8000 (another test or server may use it): with --port N the subscribe
    # receiver and Isso listen on N+1 and N+2, as the pages built for N say.
    port = free_ports(3)
    site = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([str(clone / ".venv/bin/invoke"), "serve", "--port", str(port)], cwd=clone,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    said = []
    try:
        for line in serve.stdout:
            said.append(line)
            if line.startswith("Serving on"):
                break
        try:
            wait_until_answers(f"{site}/", serve)
        except AssertionError as err:
            raise AssertionError(f"{err}; invoke serve said:\n{''.join(said)}") from None
        page = BeautifulSoup((clone / f"output/posts/{SLUG}/index.html").read_text(encoding="utf-8"), "html.parser")
        reply_form = page.select_one("form[data-reply-form]")
        subscribe_form = page.select_one("form[data-subscribe]")
        assert reply_form is not None and subscribe_form is not None

        isso = reply_form["data-isso"]
        wait_until_answers(f"{isso}/config", serve, timeout=60)
        body = json.dumps({"text": "Lovely.", "author": "Ada Reader", "website": None,
                           "title": reply_form["data-title"]}).encode()
        status, answer = preflight_and_post(
            f"{isso}/new?uri={urllib.parse.quote(reply_form['data-uri'], safe='')}", site,
            {"Content-Type": "application/json"}, body)
        assert status in (201, 202) and json.loads(answer)["text"]

        fields = {i["name"]: i.get("value", "") for i in subscribe_form.select("input[name]")}
        fields[subscribe_form.select_one("input[type=email]")["name"]] = "reader@example.org"
        status, answer = preflight_and_post(
            subscribe_form["action"], site,
            {"Accept": "application/json", "X-Requested-With": "fetch",
             "Content-Type": "application/x-www-form-urlencoded"}, urllib.parse.urlencode(fields).encode())
        assert status == 200 and json.loads(answer)["ok"] is True, answer
    finally:
        os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C, as in a terminal
        try:
            serve.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.communicate()
    assert said, "invoke serve printed nothing"



# -- Production set-up in one go: what `invoke schedule` prints, and the examples -------------
# Local values for what a server's owner fills in; every other line keeps what it says.
LOCAL = {"SITEURL": "https://example.org", "SUBSCRIBE_PROVIDER": "none", "REPLIES": "email",
         "REPLY_EMAIL": "replies@example.org"}
VARIABLE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)=(.*)$")


def schedule(clone, *args):
    shown = subprocess.run([str(clone / ".venv/bin/python"), "-m", "invoke", "schedule", *args], cwd=clone,
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def filled(lines, values):
    """The NAME=value lines among `lines`, each value taken from `values` when it has one."""
    found = [VARIABLE.match(line) for line in lines]
    return {m[1]: values.get(m[1], m[2]) for m in found if m}


def test_a_timer_set_up_from_invoke_schedule_publishes(clone, tmp_path):
    """The env-file lines `invoke schedule --target rsync` prints, filled in, and
    its crontab command run as cron would: the site is published."""
    env_file, www = tmp_path / "publish.env", tmp_path / "www"
    printed = schedule(clone, "--target", "rsync", "--env-file", str(env_file), "--user", "publisher")
    block = printed.split(f"Put these lines in {env_file}", 1)[1].split("\n\n")[1]
    # A value with & and a space, quoted as the instructions say.
    action = "https://newsletter.example.net/subscribe?list=1&name=The Extra Mile"
    env = filled(block.splitlines(), {**LOCAL, "RSYNC_DEST": str(www), "SUBSCRIBE_PROVIDER": "generic",
                                      "SUBSCRIBE_ACTION": action})
    assert env["DEPLOY_TARGET"] == "rsync"
    env_file.write_text("".join(f"{name}={shlex.quote(value)}\n" for name, value in env.items()), encoding="utf-8")
    [cron] = [line for line in printed.splitlines() if line.startswith("*/5 * * * * ")]
    ran = subprocess.run(["sh", "-c", cron.split(" ", 5)[5]], capture_output=True, text=True, timeout=600,
                         env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    log = (tmp_path / "extramile-publish.log").read_text(encoding="utf-8")
    assert ran.returncode == 0, log
    assert "Due: " in log and (www / "index.html").exists() and (www / f"posts/{SLUG}/index.html").exists()
    assert 'action="https://newsletter.example.net/subscribe?list=1&amp;name=The Extra Mile"' in \
        (www / "index.html").read_text(encoding="utf-8")


def test_the_workflow_publishes_with_the_variables_invoke_schedule_names(clone, tmp_path):
    """GitHub Pages: the repository variables `invoke schedule` lists, filled in,
    are all the shipped workflow's Publish step needs (a bare repository stands in for GitHub)."""
    printed = schedule(clone, "--target", "ghpages")
    repository = filled(printed.split("Variables:", 1)[1].split("\n  3.")[0].splitlines(), LOCAL)
    assert set(LOCAL) <= set(repository), printed
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    values = {"secrets.GITHUB_TOKEN": "unused", "github.repository": "owner/site",
              **{f"vars.{name}": value for name, value in repository.items()}}
    env = {**job_env(SITE, "publish", values), "GHPAGES_REMOTE": str(remote)}
    script = tmp_path / "step.sh"
    script.write_text(step(SITE, "publish", "Publish")["run"], encoding="utf-8")
    ran = subprocess.run([*GITHUB_BASH, str(script)], cwd=clone, capture_output=True, text=True, timeout=600,
                         env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CI": "true",
                              "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule", **env})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"posts/{SLUG}/index.html" in git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote)


def test_the_workflow_publishes_the_editor_when_its_variables_name_a_git_host(clone, tmp_path):
    """EDITOR_* repository variables reach the build: /admin/ is on gh-pages,
    talking to the named repository with drafts as pull requests. The job's
    `npm ci` step stands in as a link to this checkout's node_modules (tests
    never reach npm's registry)."""
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    values = {"secrets.GITHUB_TOKEN": "unused", "github.repository": "owner/site",
              **{f"vars.{name}": value for name, value in LOCAL.items()},
              "vars.EDITOR_BACKEND": "github", "vars.EDITOR_REPO": "owner/site"}
    env = {**job_env(SITE, "publish", values), "GHPAGES_REMOTE": str(remote)}
    script = tmp_path / "step.sh"
    script.write_text(step(SITE, "publish", "Publish")["run"], encoding="utf-8")
    (clone / "node_modules").symlink_to(ROOT / "node_modules")
    try:
        ran = subprocess.run([*GITHUB_BASH, str(script)], cwd=clone, capture_output=True, text=True, timeout=600,
                             env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CI": "true",
                                  "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", **env})
    finally:
        (clone / "node_modules").unlink()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "admin/index.html" in git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote)
    config = json.loads(git("show", "gh-pages:admin/config.yml", cwd=remote))
    assert config["backend"]["repo"] == "owner/site" and config["publish_mode"] == "editorial_workflow"


@pytest.fixture
def stand_in(request, tmp_path):
    """{target: overrides}: where each example's host is, here on this machine."""
    target = request.param
    if target == "rsync":
        (tmp_path / "www").mkdir()
        yield target, {"RSYNC_DEST": str(tmp_path / "www")}, lambda: not any((tmp_path / "www").iterdir())
    elif target == "ghpages":
        remote = tmp_path / "remote.git"
        git("init", "-q", "--bare", str(remote), cwd=tmp_path)
        yield target, {"GHPAGES_REMOTE": str(remote)}, lambda: not git("branch", "--list", cwd=remote).strip()
    else:
        s3 = request.getfixturevalue("s3")  # moto on 127.0.0.1 (conftest.py)
        settings = filled(example(target).read_text().splitlines(), {})
        bucket = settings["S3_BUCKET"]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings["S3_REGION"]})
        yield target, {"S3_ENDPOINT_URL": os.environ["S3_ENDPOINT_URL"]}, \
            lambda: "Contents" not in s3.list_objects_v2(Bucket=bucket)


def example(target):
    return ROOT / "docs/examples" / f"{target}.env"


@pytest.mark.parametrize("stand_in", ["rsync", "ghpages", "s3"], indirect=True)
def test_each_example_environment_is_complete(clone, stand_in, tmp_path):
    """docs/examples/<target>.env, loaded as a timer loads its env file, with only
    the host's address pointed at a local stand-in: `invoke publish --dry-run` passes
    and the host is left as it was."""
    target, overrides, untouched = stand_in
    here = tmp_path / "here.env"
    here.write_text("".join(f"{name}={value}\n" for name, value in overrides.items()), encoding="utf-8")
    ran = subprocess.run(["sh", "-c", 'set -a && . "$0" && . "$1" && set +a && '
                          "exec .venv/bin/python -m invoke publish --dry-run", str(example(target)), str(here)],
                         cwd=clone, capture_output=True, text=True, timeout=600,
                         env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert untouched()


@pytest.mark.parametrize("given, named", [
    ({"DEPLOY_TARGET": "rsync"}, ["RSYNC_DEST", "SITEURL", "SUBSCRIBE_PROVIDER", "REPLIES"]),
    ({"DEPLOY_TARGET": "s3", "REPLIES": "isso", "SUBSCRIBE_PROVIDER": "generic"},
     ["S3_BUCKET", "SITEURL", "SUBSCRIBE_ACTION", "REPLY_EMAIL", "ISSO_URL"]),
    ({}, ["DEPLOY_TARGET", "SITEURL", "SUBSCRIBE_PROVIDER", "REPLIES"]),
])
def test_publish_names_every_missing_setting_at_once_before_building(site_env, tmp_path, given, named):
    for name in [*LOCAL, "SUBSCRIBE_ACTION", "ISSO_URL"]:
        site_env.delenv(name, raising=False)
    for name, value in given.items():
        site_env.setenv(name, value)
    with pytest.raises(Exit) as stopped:
        tasks.publish_site(task_context(), output=tmp_path / "output", lock=tmp_path / "publish.lock",
                           cache=tmp_path / "desk")
    message = stopped.value.message
    assert message.startswith(f"Not published: {len(named)} settings to set first"), message
    for name in named:
        assert name in message, (name, message)
    assert len(message.splitlines()) == len(named) + 2
    assert not (tmp_path / "output").exists()
