"""Tasks for authors and deployers. `invoke --list` shows them all.

Every build goes into a fresh folder and replaces output/ only when Pelican
and its checks succeeded, so a failed build never leaves a half-written site.
"""

import contextlib
import datetime
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from invoke import Exit, task
from pelican.settings import DEFAULT_CONFIG, get_settings_from_file

from extramile.plugins.validate.validate import FILL_IN

ROOT = Path(__file__).resolve().parent
DEV_CONF = ROOT / "pelicanconf.py"
PROD_CONF = ROOT / "publishconf.py"
SETTINGS = get_settings_from_file(str(DEV_CONF))
CONTENT = ROOT / SETTINGS["PATH"]
OUTPUT = ROOT / "output"
CACHE = ROOT / ".cache"
HOST = "127.0.0.1"
PORT = 8000


def pelican_command(conf, output, *extra, content=CONTENT):
    """The plain Pelican command line, as an author would type it."""
    args = [sys.executable, "-m", "pelican", str(content), "-s", str(conf), "-o", str(output)]
    return shlex.join([*args, *extra])


def build_into_place(c, conf, output=OUTPUT, env=None, content=CONTENT, extra=()):
    """Build into a fresh sibling folder, then swap it in place of `output`."""
    output = Path(output)
    fresh = Path(tempfile.mkdtemp(prefix=".output-", dir=output.parent))
    # mkdtemp makes a private (0700) folder; a web server must be able to read it.
    umask = os.umask(0)
    os.umask(umask)
    fresh.chmod(0o777 & ~umask)
    try:
        # --fatal errors: an error Pelican would only log (a plugin that fails to
        # load, a file it cannot read) fails the build instead of publishing less.
        result = c.run(pelican_command(conf, fresh, "--fatal", "errors", *extra, content=content),
                       env=env or {}, warn=True)
        if result.failed:
            raise Exit(f"Build failed: {output.name}/ was left as it was.", code=1)
        old = output.with_name(output.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if output.exists():
            output.rename(old)
        fresh.rename(output)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


@task
def clean(c):
    """Remove the built site and the build caches."""
    for path in (OUTPUT, CACHE):
        shutil.rmtree(path, ignore_errors=True)


@task
def build(c):
    """Build the development site into output/ (replaced only if the build passes)."""
    build_into_place(c, DEV_CONF)


@task
def production(c):
    """Build the production site into output/; needs SITEURL and SUBSCRIBE_PROVIDER."""
    build_into_place(c, PROD_CONF)


def publish_site(c, dry_run=False, output=OUTPUT, content=CONTENT, extra=()):
    """Check the deploy settings, build and check the site, then deploy it."""
    from extramile import deploy

    try:
        target, config = deploy.configure(os.environ, get_settings_from_file(str(PROD_CONF)))
        # Nothing deploys unless the build and its checks passed (Exit otherwise).
        build_into_place(c, PROD_CONF, output=output, content=content, extra=extra)
        return deploy.deploy(target, output, config, dry_run=dry_run)
    except deploy.DeployError as err:
        raise Exit(f"Not published: {err}", code=1) from None


@task(help={"dry-run": "build, then only show what would change on the host"})
def publish(c, dry_run=False):
    """Build the production site and deploy it to DEPLOY_TARGET (rsync, ghpages or s3)."""
    publish_site(c, dry_run=dry_run)


@task(help={"output": "the production build (default output/)", "root": "the folder nginx serves it from",
            "listen": "nginx's listen address", "server-name": "the site's host name"})
def nginx_config(c, output=str(OUTPUT), root="/var/www/site", listen="80", server_name="_"):
    """Print an nginx server block for the production build: its headers, caching and .gz copies."""
    from extramile.deploy import nginx

    try:
        print(nginx.render(output, root=root, listen=listen, server_name=server_name), end="")
    except FileNotFoundError as err:
        raise Exit(str(err), code=1) from None


@task(positional=["title"], help={
    "title": "the post's title, in quotes",
    "category": "one category (existing ones are listed in the file if left out)",
    "tags": "comma-separated tags",
    "author": "a name from AUTHORS_INFO in pelicanconf.py",
    "folder": "where to write the file (default: content/posts)",
})
def new_post(c, title, category="", tags="", author="", folder=""):
    """Start a post: content/posts/<slug>.md, Status: draft, every field filled in or marked FILL-IN."""
    from pelican.utils import slugify

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
        used = sorted({line.split(":", 1)[1].strip() for post in posts.glob("*.md")
                       for line in post.read_text(encoding="utf-8", errors="replace").splitlines()[:20]
                       if line.lower().startswith("category:")})
        category = f"{FILL_IN}: one category" + (f", e.g. {', '.join(used)}" if used else "")
    slug = slugify(title, regex_subs=SETTINGS.get("SLUG_REGEX_SUBSTITUTIONS", DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"]))
    if not slug:
        raise Exit(f"Cannot make a web address from the title {title!r}: use some letters or digits.", code=1)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    text = (
        f"Title: {title}\n"
        f"Slug: {slug}\n"
        f"Date: {now}\n"
        f"Author: {author}\n"
        f"Category: {category}\n"
        f"Tags: {tags or FILL_IN + ': comma-separated tags, at least one'}\n"
        f"Summary: {FILL_IN}: one or two sentences that say what the article is about.\n"
        "Status: draft\n"
        f"Cover: {FILL_IN} (optional: delete this line and the next if the post has none): "
        "images/NAME.jpg, a photo in content/images/, shown above the article and in link previews\n"
        f"Cover_alt: {FILL_IN}: what the cover shows, for readers who cannot see it\n"
        "\n"
        f"{FILL_IN}: the text of the article, in markdown.\n"
        "\n"
        f"{FILL_IN}: delete this paragraph. A picture is one line: "
        '`![what it shows](images/NAME.jpg "Optional caption")` with the file in content/images/; '
        "alone in its paragraph with a caption it becomes a figure. Every picture needs its description "
        "(a purely decorative one: `![](images/NAME.jpg){: .decorative }`).\n"
    )
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


@contextlib.contextmanager
def subscribe_receiver(port=PORT):
    """Run the development subscribe receiver (devtools/) while the site is served.

    It listens where SUBSCRIBE_ACTION in pelicanconf.py points (127.0.0.1:8001)
    and accepts fetches from the site on `port`; it stops with the server.
    """
    receiver_port = urlsplit(SETTINGS["SUBSCRIBE_ACTION"]).port or 8001
    proc = subprocess.Popen([sys.executable, "-m", "extramile.devtools.subscribe_receiver",
                             "--port", str(receiver_port), "--site", f"http://{HOST}:{port}/"])
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@task(pre=[build])
def serve(c, port=PORT):
    """Build, then serve output/ on http://127.0.0.1:8000 (no rebuilds), with the subscribe receiver."""
    print(f"Serving on http://{HOST}:{port}/  (Ctrl-C stops)")
    with subscribe_receiver(port):
        c.run(f"{sys.executable} -m pelican --listen --bind {HOST} --port {port} -o {OUTPUT}")


def with_settings(extra, *pairs):
    """Pelican arguments `extra` with more `-e` settings (Pelican keeps only its last -e)."""
    extra = list(extra)
    if "-e" not in extra:
        return [*extra, "-e", *pairs]
    at = extra.index("-e") + 1
    while at < len(extra) and not extra[at].startswith("-"):
        at += 1
    return [*extra[:at], *pairs, *extra[at:]]


def livereload_server(output=OUTPUT, content=CONTENT, extra=()):
    """A livereload Server that rebuilds `output` from `content` on every save."""
    from livereload import Server

    from extramile.devtools.warm_builder import WarmBuilder

    # The browser reloads once the pages are written; the search index follows
    # a few seconds later (plugins/search_index: SEARCH_INDEX_BACKGROUND).
    extra = with_settings(extra, "SEARCH_INDEX_BACKGROUND=true")
    args = shlex.split(pelican_command(DEV_CONF, output, *extra, content=content))[3:]  # after "python -m pelican"
    # Each rebuild runs in a fresh fork of a process that imported Pelican and
    # the plugins once (0.6 s saved per save); a changed plugin restarts it.
    builder = WarmBuilder(DEV_CONF, watched=[ROOT / "extramile"])
    builder.start()

    def rebuild():
        # Settings, theme and content are read again by every build; a failed
        # build prints its problems and the last good site stays served.
        builder.build(args)

    server = Server()
    server.builder = builder
    # livereload 2.7.1 globs with recursive=True, so "**" reaches every depth.
    for pattern in (f"{content}/**/*", f"{ROOT}/theme/**/*", f"{ROOT}/extramile/**/*.py", str(DEV_CONF)):
        server.watch(pattern, rebuild)
    return server


@task(pre=[build])
def livereload(c, port=PORT):
    """Serve on http://127.0.0.1:8000, rebuild on every save and refresh the browser."""
    server = livereload_server()
    with subscribe_receiver(port):
        # The page loads livereload's script, allowed by LIVERELOAD_SCRIPT_HASH in pelicanconf.py's CSP.
        server.serve(host=HOST, port=port, root=str(OUTPUT), open_url_delay=None)


@task
def preview(c, port=PORT):
    """Build the production site for http://127.0.0.1:8000 and serve it."""
    env = {"SITEURL": f"http://{HOST}:{port}", "SUBSCRIBE_PROVIDER": os.environ.get("SUBSCRIBE_PROVIDER", "local")}
    build_into_place(c, PROD_CONF, env=env)
    print(f"Serving the production build on http://{HOST}:{port}/  (Ctrl-C stops)")
    with subscribe_receiver(port) if env["SUBSCRIBE_PROVIDER"] == "local" else contextlib.nullcontext():
        c.run(f"{sys.executable} -m pelican --listen --bind {HOST} --port {port} -o {OUTPUT}")


@task
def audit(c):
    """Lighthouse, axe, Nu Html Checker and byte budgets on the production build (writes docs/audit.md)."""
    c.run(f"{sys.executable} -m tools.audit", pty=False)


@task
def test(c, k=""):
    """Run the test suite (builds the real site into temporary folders)."""
    selector = f" -k {k!r}" if k else ""
    c.run(f"{sys.executable} -m pytest{selector}", pty=False)


@task(help={"n": "comma-separated post counts: -n 100,1000,5000 (default 100,1000)",
            "runs": "runs per build (default 3)", "only": "builds to run: ours,dev,stock,hugo"})
def bench(c, n="100,1000", runs=3, only="ours,dev,stock,hugo"):
    """Build benchmark against stock Pelican and Hugo (invoke bench -n 1000); writes bench/results.md."""
    c.run(f"{sys.executable} -m extramile.bench.run --n {n} --runs {runs} --only {only}", pty=False)
