"""Tasks for authors and deployers. `invoke --list` shows them all.

Every build goes into a fresh folder and replaces its output only when Pelican
and its checks succeeded (extramile/staging.py), so a failed build never
leaves a half-written site. `invoke publish` builds into a private folder of
its own and deploys exactly that: output/ is the development site's alone.
"""

import contextlib
import datetime
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from invoke import Exit, task
from pelican.settings import get_settings_from_file

from extramile import processes
from extramile.buildenv import build_environment
from extramile.devtools import editor_backend
from extramile.devtools import local_servers as servers
from extramile.devtools.dev_server import with_settings
from extramile.plugins.validate import problems
from extramile.sources import FILL_IN
from extramile.tools import links as link_check

ROOT = Path(__file__).resolve().parent
DEV_CONF = ROOT / "pelicanconf.py"
PROD_CONF = ROOT / "publishconf.py"
SETTINGS = get_settings_from_file(str(DEV_CONF))
CONTENT = ROOT / SETTINGS["PATH"]
OUTPUT = ROOT / "output"
CACHE = ROOT / ".cache"
HOST, PORT = servers.HOST, servers.PORT


def pelican_command(conf, output, *extra, content=CONTENT):
    """The plain Pelican command line, as an author would type it."""
    args = [sys.executable, "-m", "pelican", str(content), "-s", str(conf), "-o", str(output)]
    return shlex.join([*args, *extra])


def build_into_place(c, conf, output=OUTPUT, env=None, content=CONTENT, extra=(), failed=""):
    """Build `output` with Pelican. PELICAN_CLASS (extramile/staging.py) builds
    into a fresh folder and swaps it in only if the build passed; the build sees
    only the environment it reads (extramile/buildenv.py), never a credential."""
    # --fatal errors: an error Pelican would only log (a plugin that fails to
    # load, a file it cannot read) fails the build instead of publishing less.
    result = c.run(pelican_command(conf, output, "--fatal", "errors", *extra, content=content),
                   env=build_environment(env), replace_env=True, warn=True)
    if result.failed:
        raise Exit(failed or f"Build failed: {Path(output).name}/ was left as it was.", code=1)


def last_deploy(cache=None):
    """`-e` settings naming the copy of the host's manifest the last publish left in `cache`
    (default CACHE, read when called) as LAST_DEPLOY_MANIFEST, when pelicanconf.py names none."""
    from extramile.deploy import published

    if SETTINGS.get("LAST_DEPLOY_MANIFEST"):
        return []
    copy = published.desk_copy(cache or CACHE, os.environ, get_settings_from_file(str(PROD_CONF)))
    return [f"LAST_DEPLOY_MANIFEST={json.dumps(str(copy))}"] if copy else []


@task(help={"github": "print each problem as a GitHub annotation (::error file=...,line=...::), for pull requests",
            "deployed": "the deployed site's address (SITEURL): its manifest lists the published pages, each of "
                        "which must keep an address (default: the copy the last `invoke publish` kept in .cache/)"})
def check(c, github=False, deployed=""):
    """Check every post, page and setting as a build does, writing nothing to output/ (exit 1 on a problem)."""
    from extramile.deploy import published

    with tempfile.TemporaryDirectory(prefix="check-") as scratch:
        pairs = [f"CACHE_PATH={json.dumps(str(Path(scratch) / 'cache'))}", "LAST_DEPLOY_STRICT=true"]
        if deployed:
            fetched, said = published.fetch(deployed, Path(scratch) / "deployed.json")
            if fetched:
                pairs.append(f"LAST_DEPLOY_MANIFEST={json.dumps(str(Path(scratch) / 'deployed.json'))}")
            else:
                print(f"{'::notice::' if github else ''}Published addresses not checked: {said}.", flush=True)
        else:
            pairs += last_deploy()
        result = c.run(pelican_command(DEV_CONF, Path(scratch) / "site", "--fatal", "errors", "-e", *pairs),
                       env=build_environment(), replace_env=True, warn=True, hide=github)
    if github:
        for line in problems.annotations(result.stdout + result.stderr):
            print(line)
    if result.failed:
        raise Exit(code=1)


@task
def clean(c):
    """Remove output/, the build caches and leftover staging folders; keep .cache/deployed/ (what is live)."""
    from extramile.deploy.published import FOLDER

    kept = CACHE / FOLDER  # not a cache: the desk's record of the published pages (deploy/published.py)
    for path in (OUTPUT, *CACHE.glob("*"), *ROOT.glob(f".{OUTPUT.name}-staging-*")):
        if path != kept:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


@task
def build(c):
    """Build the development site into output/ (replaced only if the build passes)."""
    copy = last_deploy()
    build_into_place(c, DEV_CONF, extra=with_settings((), *copy) if copy else ())


@task
def production(c):
    """Build the production site into output/; needs SITEURL, SUBSCRIBE_PROVIDER and REPLIES."""
    build_into_place(c, PROD_CONF)


PUBLISH_LOCK = CACHE / "publish.lock"  # one publish at a time from this checkout (deploy/lock.py)


def publish_site(c, dry_run=False, output=None, content=CONTENT, extra=(), if_due=False, lock=PUBLISH_LOCK,
                 cache=None):
    """Build the production site and deploy it (extramile/deploy/publish.py says how)."""
    from extramile.deploy import DeployError
    from extramile.deploy.publish import publish

    def build(site, pairs):
        build_into_place(c, PROD_CONF, output=site, content=content, extra=with_settings(extra, *pairs),
                         failed="Build failed: nothing was published.")

    try:
        return publish(build, get_settings_from_file(str(PROD_CONF)), os.environ, cache or CACHE, lock,
                       output=output, dry_run=dry_run, if_due=if_due)
    except DeployError as err:
        raise Exit(f"Not published: {err}", code=1) from None


@task(help={"dry-run": "build, then only show what would change on the host",
            "if-due": "deploy only if the build differs from what the host has (for timers)"})
def publish(c, dry_run=False, if_due=False):
    """Build the production site and deploy it to DEPLOY_TARGET (rsync, ghpages or s3)."""
    publish_site(c, dry_run=dry_run, if_due=if_due)


@task(help={"target": "rsync, ghpages or s3 (default: DEPLOY_TARGET)",
            "env-file": "where the server keeps the publish variables",
            "user": "the server account that runs the publish (default: you)"})
def schedule(c, target="", env_file="", user=""):
    """Print what to install so `publish --if-due` runs by itself: a workflow, systemd units or a crontab line."""
    import getpass

    from extramile import deploy
    from extramile.deploy import schedule as timers

    name = target or os.environ.get("DEPLOY_TARGET") or get_settings_from_file(str(PROD_CONF)).get("DEPLOY_TARGET")
    if name not in deploy.TARGETS:
        raise Exit(f"Set DEPLOY_TARGET (or --target) to one of {', '.join(deploy.TARGETS)}: "
                   "the setup depends on where the site goes.", code=1)
    print(timers.instructions(name, dict(deploy.TARGETS[name].VARIABLES), root=ROOT, python=sys.executable,
                              user=user or getpass.getuser(), env_file=env_file or timers.ENV_FILE), end="")


@task(help={"output": "the production build (default output/)", "root": "the folder nginx serves it from",
            "listen": "nginx's listen address", "server-name": "the site's host name",
            "isso": "proxy the Isso reply server at this address (e.g. http://127.0.0.1:8080) under /isso/"})
def nginx_config(c, output=str(OUTPUT), root="/var/www/site", listen="80", server_name="_", isso=""):
    """Print an nginx server block for the production build: its headers, caching and .gz copies."""
    from extramile.deploy import nginx

    try:
        print(nginx.render(output, root=root, listen=listen, server_name=server_name, isso=isso or None), end="")
    except FileNotFoundError as err:
        raise Exit(str(err), code=1) from None


def shown_help(c, name, first_argument):
    """invoke takes `invoke new-post --help` as a post titled "--help": show the help instead."""
    if first_argument not in ("-h", "--help"):
        return False
    c.run(shlex.join([sys.executable, "-m", "invoke", "--help", name]), pty=False)
    return True


@task(positional=["title"], help={
    "title": "the post's title, in quotes",
    "category": "one category (existing ones are listed in the file if left out)",
    "tags": "comma-separated tags",
    "author": "a name from AUTHORS_INFO in pelicanconf.py",
    "folder": "where to write the file (default: content/posts)",
})
def new_post(c, title, category="", tags="", author="", folder=""):
    """Start a post: content/posts/<slug>.md, Status: draft, every field filled in or marked FILL-IN."""
    if shown_help(c, "new-post", title):
        return
    from extramile import new_post as new_posts
    from extramile.slugs import slug_of_title

    title = " ".join(title.split())
    if not title:
        raise Exit("Give the post a title: invoke new-post \"Your title\"", code=1)
    authors = list(SETTINGS["AUTHORS_INFO"])
    if author and author not in authors:
        raise Exit(f"Unknown author {author!r}. Use one of: {', '.join(authors)}; "
                   "or describe the new author in AUTHORS_INFO in pelicanconf.py first.", code=1)
    if not author:
        git_name = c.run("git config user.name", warn=True, hide=True).stdout.strip()
        author = git_name if git_name in authors else f"{FILL_IN}: one of {', '.join(authors)}"
    posts = Path(folder) if folder else CONTENT / SETTINGS["ARTICLE_PATHS"][0]
    if not category:
        used = new_posts.used_categories(posts)
        category = f"{FILL_IN}: one category" + (f", e.g. {', '.join(used)}" if used else "")
    slug = slug_of_title(title, SETTINGS)
    if not slug:
        raise Exit(f"Cannot make a web address from the title {title!r}: use some letters or digits.", code=1)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    text = new_posts.skeleton(title, slug, now, author, category, tags)
    path = posts / f"{slug}.md"
    posts.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite a post
            f.write(text)
    except FileExistsError:
        raise Exit(f"{path} already exists: nothing was written. Choose another title.", code=1) from None
    print(f"Wrote {path} (Status: draft).\n"
          f"Fill in each {FILL_IN} line; `invoke livereload` shows the draft at /drafts/{slug}/.\n"
          "To publish, set 'Status: published' (or remove the line) and update Date.")


# -- Serving: `invoke serve`, `livereload` and `preview` (devtools/local_servers.py) --
PORT_HELP = {"port": f"the site's port (default {PORT}); the subscribe receiver, Isso and the editor use the next three"}


def dev_build_settings(port, cache=None):
    """The development build's `-e` settings: its addresses on `port` and the last deploy's manifest."""
    return with_settings(servers.dev_settings(SETTINGS, port), *last_deploy(cache))


@contextlib.contextmanager
def built_and_served(c, port, conf=DEV_CONF, env=None, extra=(), receiver=True, isso=False, editor=False):
    """Claim the ports, build `conf` into output/, then run the subscribe receiver and the local
    Isso beside the block that serves it, until Ctrl-C or SIGTERM, which end every process it started."""
    receiver_port, isso_port, _ = servers.dev_ports(SETTINGS, port)
    with processes.until_stopped(ended_by_the_stop=(Exit,)), contextlib.ExitStack() as helpers:
        servers.claim_ports(SETTINGS, port, receiver=receiver, isso=isso, editor=editor)
        build_into_place(c, conf, output=OUTPUT, content=CONTENT, env=env, extra=extra)  # as they are now (tests)
        if receiver:
            helpers.enter_context(servers.subscribe_receiver(port, receiver_port, CACHE / "subscribers.sqlite3"))
        if isso:
            helpers.enter_context(servers.isso_server(port, isso_port, ISSO_FOLDER))
        yield


@task(help=PORT_HELP)
def serve(c, port=PORT):
    """Build, then serve output/ on http://127.0.0.1:8000 (no rebuilds), with the subscribe receiver and Isso."""
    isso = servers.local_isso_wanted(SETTINGS, servers.dev_addresses(SETTINGS, port)["ISSO_URL"])
    with built_and_served(c, port, extra=dev_build_settings(port), isso=isso):
        servers.listen(OUTPUT, port)


def livereload_server(output=OUTPUT, content=CONTENT, extra=(), host=HOST, port=PORT, log=None):
    """The development server (devtools/dev_server.py) that rebuilds `output` from
    `content` on every save and reloads each open page when its own file changed."""
    from extramile.devtools.dev_server import DevServer

    return DevServer(output, content, DEV_CONF, host=host, port=port, extra=extra, theme=ROOT / "theme",
                     log=log, env=build_environment())


@task(help=PORT_HELP)
def livereload(c, port=PORT):
    """Serve on http://127.0.0.1:8000, rebuild on every save and reload the pages whose files changed."""
    site, extra = servers.dev_addresses(SETTINGS, port), dev_build_settings(port)
    isso = servers.local_isso_wanted(SETTINGS, site["ISSO_URL"])
    with built_and_served(c, port, extra=extra, isso=isso, editor=True), \
            editor_backend.serving(ROOT, site, site=site["SITEURL"]):
        livereload_server(output=OUTPUT, content=CONTENT, extra=extra, port=port).serve_forever()


@task(help=PORT_HELP)
def preview(c, port=PORT):
    """Build the production site for http://127.0.0.1:8000 and serve it."""
    local = servers.dev_addresses(SETTINGS, port)
    env = {"SITEURL": local["SITEURL"], "SUBSCRIBE_PROVIDER": os.environ.get("SUBSCRIBE_PROVIDER", "local"),
           "REPLIES": os.environ.get("REPLIES", str(SETTINGS["REPLIES"])),
           "REPLY_EMAIL": os.environ.get("REPLY_EMAIL", str(SETTINGS["REPLY_EMAIL"])),
           "ISSO_URL": os.environ.get("ISSO_URL", local["ISSO_URL"])}
    receiver = env["SUBSCRIBE_PROVIDER"] == "local"
    if receiver:
        env["SUBSCRIBE_ACTION"] = local["SUBSCRIBE_ACTION"]
    isso = env["ISSO_URL"] == local["ISSO_URL"] and servers.local_isso_wanted(SETTINGS, env["ISSO_URL"])
    with built_and_served(c, port, PROD_CONF, env=env, receiver=receiver, isso=isso):
        print(f"Serving the production build on http://{HOST}:{port}/  (Ctrl-C stops)")
        servers.listen(OUTPUT, port, announce=False)


@task
def audit(c):
    """Lighthouse, axe, Nu Html Checker and byte budgets on the production build (writes docs/audit.md)."""
    c.run(f"{sys.executable} -m extramile.tools.audit", pty=False)


@task
def test(c, k=""):
    """Lint with ruff (a finding fails), then run the test suite (builds the real site into temporary folders)."""
    c.run(f"{sys.executable} -m ruff check .", pty=False)
    # Two workers (pytest-xdist), each test file in one of them: much of a test's
    # time is a browser, a JVM or a server answering, so two files at once fit on
    # two cores (a third worker was slower). Each build runs the plain `pelican`
    # command in a new interpreter (tests/support.py).
    selector = f" -k {k!r}" if k else ""
    c.run(f"{sys.executable} -m pytest -n 2 --dist loadfile{selector}", pty=False)


@task
def lock(c):
    """Upgrade every pinned package: regenerate requirements.lock and requirements-test.lock (then script/bootstrap)."""
    compile_lock = f"{sys.executable} -m uv pip compile pyproject.toml --upgrade --generate-hashes --python-version 3.11 --no-header -q"
    c.run(f"{compile_lock} -o requirements.lock && {compile_lock} --extra test -o requirements-test.lock", pty=False)


@task(help={"n": "comma-separated post counts: -n 100,1000,5000 (default 100,1000)",
            "runs": "runs per build (default 3)",
            "only": "what to run: ours,dev,stock,hugo (builds) and loop (the author's loop against hugo server); "
                    "with --against: cold,loop,suite (default: all)",
            "edits": "edits timed in the author's loop (default 9)",
            "pictures": "the pictures corpus instead: 40 photos against Hugo's image processing",
            "against": "a commit to compare with this checkout instead: its cold build, author's loop and tests"})
def bench(c, n="100,1000", runs=3, only="", edits=9, pictures=False, against=""):
    """Build benchmark against stock Pelican and Hugo, and the author's loop (invoke bench -n 1000)."""
    extra = (" --pictures" if pictures else "") + (f" --only {only}" if only else "") + \
        (f" --against {shlex.quote(against)}" if against else "")
    with c.cd(str(ROOT)):  # bench/ is a developer tool beside the package, importable from the checkout only
        c.run(f"{sys.executable} -m bench.run --n {n} --runs {runs} --edits {edits}{extra}", pty=False)


# -- Readers' replies (plugins/replies): files in content/replies/<slug>/ ------
ISSO_FOLDER = CACHE / "isso"


def _replies_settings(content):
    """The settings the reply tasks need, for the content folder `content`."""
    from extramile.plugins.replies.replies import DEFAULTS

    return {**DEFAULTS, **SETTINGS, "PATH": str(content)}


@task(positional=["message"], help={"message": "a saved email (.eml)",
                                    "article": "the article's slug, when the subject names none or several",
                                    "name": "the name to show, when the From header has none",
                                    "as-author": "the sender is the author whose name they signed with",
                                    "content": "the content folder (default content/)"})
def replies_add(c, message, article="", name="", as_author=False, content=str(CONTENT)):
    """Turn a saved email into a reply file in content/replies/<article>/ (never its address)."""
    if shown_help(c, "replies-add", message):
        return
    from extramile.intake.files import IntakeError
    from extramile.intake.from_email import add_reply

    try:
        print(add_reply(message, _replies_settings(content), article=article, name=name, as_author=as_author,
                        ask=input if sys.stdin.isatty() else None))
    except IntakeError as err:
        raise Exit(str(err), code=1) from None


@task(iterable=["approve"], help={
    "isso": "the Isso server (default: ISSO_URL from the environment, else pelicanconf.py's)",
    "approve": "an Isso comment id held for you (edited after approval, or signed with an author's name) that you "
               "read in Isso's admin and want published as it is now; repeat for more",
    "content": "the content folder (default content/)"})
def replies_pull(c, isso="", approve=None, content=str(CONTENT)):
    """Fetch the replies approved in Isso into content/replies/ (never overwrites a file changed by hand)."""
    from extramile.devtools.isso_server import admin_password
    from extramile.intake import isso as intake
    from extramile.intake.files import articles

    isso = (isso or os.environ.get("ISSO_URL") or SETTINGS["ISSO_URL"]).rstrip("/")
    settings = _replies_settings(content)
    try:
        counts, notes = intake.pull(isso, settings, articles(settings), Path(content) / settings["REPLIES_PATH"],
                                    approve or ())
    except intake.IntakeError as err:
        raise Exit(str(err), code=1) from None
    print("\n".join(notes + ["Pulled from Isso: " + (", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
                                                     or "no approved replies")]))
    password = os.environ.get("ISSO_ADMIN_PASSWORD") or (
        admin_password(ISSO_FOLDER) if urlsplit(isso).hostname == HOST else "")
    waiting = intake.pending(isso, password) if password else None
    if waiting is None:
        print(f"Replies waiting for moderation: see {isso}/admin/ (set ISSO_ADMIN_PASSWORD to count them here).")
    else:
        print(f"{waiting} repl{'y waits' if waiting == 1 else 'ies wait'} for moderation: {isso}/admin/")


# -- Links to other sites (tools/links.py): checked on a schedule, never before a publish --
@task(help={"report": "also write the list as markdown to this file (the weekly workflow's issue body)",
            "jobs": f"requests at a time, over all hosts (default {link_check.JOBS}); one at a time per host",
            "timeout": f"seconds each request may take (default {link_check.TIMEOUT:g})",
            "max-age": f"days a working link is not asked again (default {link_check.MAX_AGE_DAYS:g}: each "
                       "between half and all of it; .cache/links.json)",
            "max-wait": f"longest Retry-After waited once, in seconds (default {link_check.MAX_WAIT:g})"})
def links(c, report="", jobs=link_check.JOBS, timeout=link_check.TIMEOUT, max_age=link_check.MAX_AGE_DAYS,
          max_wait=link_check.MAX_WAIT):
    """Check the links to other sites (posts, pages, replies, authors); exit 1 if any is broken. Never blocks a publish."""
    if jobs < 1 or timeout <= 0 or max_age < 0 or max_wait < 0:
        raise Exit("--jobs must be 1 or more, --timeout above 0, --max-age and --max-wait 0 or more.", code=2)
    settings = {**SETTINGS, "PATH": str(CONTENT)}
    checker = link_check.Checker(jobs=jobs, timeout=timeout, max_wait=max_wait)
    run = link_check.check_site(settings, ROOT, CACHE / "links.json", checker=checker, max_age_days=max_age,
                                own_hosts=[SETTINGS["SITEURL"], os.environ.get("SITEURL", "")], settings_file=DEV_CONF)
    for problem in run.problems:
        print(problem)
    if report:
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        Path(report).write_text(link_check.report_markdown(run, when), encoding="utf-8")
    summary = f"{run.checked} links checked, {run.cached} known to work from earlier runs (.cache/links.json)"
    if run.problems:
        raise Exit(f"{len(run.problems)} problem{'s' if len(run.problems) != 1 else ''} in links to other sites; "
                   f"{summary}.", code=1)
    print(f"Every link to another site works: {summary}.")
