"""Stock Pelican's share of an author's loop, measured: how long Pelican as
shipped needs, after a save, before it holds the site it would render.

    .venv/bin/python -m bench.stock_model SITE_FOLDER POST EDITS

SITE_FOLDER is the bench's stock Pelican site (its pelicanconf.py: no
plugins, default theme). This process imports Pelican once, as a warm builder
does, and reads the site once untimed, so Pelican's content cache holds every
post. Then, EDITS times: it appends a sentence to POST, forks, and the child
runs stock Pelican's build (``pelican.main``) until
``ArticlesGenerator.generate_context`` returns: every post an object (from
the cache, but the edited one, read again), the cache saved. There the child
leaves, before a page is rendered or the output folder touched
(DELETE_OUTPUT_DIRECTORY off).

No watcher, no import, no plugin, no page: what a build that makes the whole
site anew on every save spends in Pelican itself before it can write the
edited page. (Ours reads the posts a little faster than stock, see
speedups.py, but then runs plugins over them.)
Prints one JSON list: the seconds from each save to that moment.
"""

import json
import os
import sys
import time


def build_until_model(args, started, report):
    """In the forked child: stock Pelican's build up to its site model; the seconds since `started` to `report`."""
    import pelican
    from pelican.generators import ArticlesGenerator

    made = ArticlesGenerator.generate_context

    def generate_context(self):
        made(self)
        os.write(report, json.dumps(time.perf_counter() - started).encode())
        os._exit(0)  # the model is complete: nothing after this is measured

    ArticlesGenerator.generate_context = generate_context
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:
        pelican.main(args)
    finally:
        os._exit(1)  # pelican returned or failed before the model: no time reported


def once(args, post, edit):
    """Save `post` (a sentence appended), fork the build, and return its seconds (None if it failed)."""
    if post is not None:
        with open(post, "a", encoding="utf-8") as f:
            f.write(f"\nAn editor added this sentence, model{edit}, the way an author fixes a typo.\n")
    read, write = os.pipe()
    started = time.perf_counter()  # the same monotonic clock in the child
    pid = os.fork()
    if pid == 0:
        os.close(read)
        build_until_model(args, started, write)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return round(json.loads(answer), 3) if answer else None


def main(argv=None):
    site, post, edits = (argv or sys.argv[1:])[:3]
    # Warm: imported once, before any timed build, as in a warm builder.
    import pelican.generators
    import pelican.readers  # noqa: F401

    os.chdir(site)
    out, cache = os.path.join(site, "model-output"), os.path.join(site, "model-cache")
    # Pelican's default cache layer ("reader"). Its other layer, "generator",
    # which keeps the post objects themselves, was no faster here (N=1000,
    # 9 saves twice each: 0.69-0.94 s against 0.73-0.82 s).
    args = ["-s", "pelicanconf.py", "-o", out, "-e", "DELETE_OUTPUT_DIRECTORY=false",
            f"CACHE_PATH={json.dumps(cache)}"]
    if once(args, None, 0) is None:  # untimed: fills Pelican's content cache
        raise SystemExit(f"stock_model: stock Pelican could not read {site}")
    times = [once(args, post, edit) for edit in range(1, int(edits) + 1)]
    if None in times:
        raise SystemExit("stock_model: a build failed before its model was complete")
    print(json.dumps(times))


if __name__ == "__main__":
    main()
