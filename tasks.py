"""Tasks for authors and deployers. `invoke --list` shows them all.

Every build goes into a fresh folder and replaces output/ only when Pelican
and its checks succeeded, so a failed build never leaves a half-written site.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from invoke import Exit, task
from pelican.settings import get_settings_from_file

ROOT = Path(__file__).resolve().parent
DEV_CONF = ROOT / "pelicanconf.py"
PROD_CONF = ROOT / "publishconf.py"
SETTINGS = get_settings_from_file(str(DEV_CONF))
CONTENT = ROOT / SETTINGS["PATH"]
OUTPUT = ROOT / "output"
CACHE = ROOT / ".cache"
HOST = "127.0.0.1"
PORT = 8000


def pelican_command(conf, output, *extra):
    """The plain Pelican command line, as an author would type it."""
    args = [sys.executable, "-m", "pelican", str(CONTENT), "-s", str(conf), "-o", str(output)]
    return " ".join([*args, *extra])


def build_into_place(c, conf, output=OUTPUT, env=None):
    """Build into a fresh sibling folder, then swap it in place of `output`."""
    output = Path(output)
    fresh = Path(tempfile.mkdtemp(prefix=".output-", dir=output.parent))
    try:
        result = c.run(pelican_command(conf, fresh), env=env or {}, warn=True)
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


@task(pre=[build])
def serve(c, port=PORT):
    """Build, then serve output/ on http://127.0.0.1:8000 (no rebuilds)."""
    print(f"Serving on http://{HOST}:{port}/  (Ctrl-C stops)")
    c.run(f"{sys.executable} -m pelican --listen --bind {HOST} --port {port} -o {OUTPUT}")


@task(pre=[build])
def livereload(c, port=PORT):
    """Serve on http://127.0.0.1:8000, rebuild on every save and refresh the browser."""
    from livereload import Server

    def rebuild():
        # A separate process: a failed build prints its errors and the
        # server keeps running with the last good site.
        os.system(pelican_command(DEV_CONF, OUTPUT))

    server = Server()
    for pattern in ("content/**/*", "theme/**/*", "plugins/**/*.py", "pelicanconf.py"):
        server.watch(str(ROOT / pattern), rebuild)
    server.serve(host=HOST, port=port, root=str(OUTPUT), open_url_delay=None)


@task
def preview(c, port=PORT):
    """Build the production site for http://127.0.0.1:8000 and serve it."""
    env = {"SITEURL": f"http://{HOST}:{port}", "SUBSCRIBE_PROVIDER": os.environ.get("SUBSCRIBE_PROVIDER", "local")}
    build_into_place(c, PROD_CONF, env=env)
    print(f"Serving the production build on http://{HOST}:{port}/  (Ctrl-C stops)")
    c.run(f"{sys.executable} -m pelican --listen --bind {HOST} --port {port} -o {OUTPUT}")


@task
def test(c, k=""):
    """Run the test suite (builds the real site into temporary folders)."""
    selector = f" -k {k!r}" if k else ""
    c.run(f"{sys.executable} -m pytest{selector}", pty=False)
