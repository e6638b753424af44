"""Where a build's time goes: our production build of N synthetic posts, cold
then after editing one post, with a wall-clock timer around each phase and each
plugin's signal handler.

    .venv/bin/python -m bench.phases --n 1000 [--setting SPEEDUPS=false] [--dev]

Pelican runs in this process (same command line as `pelican`), so the times
are those of the main process; work it hands to other processes (parallel
reading and rendering, image drawing, Pagefind, gzip) shows as the wall time
of the phase that waits for it.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from extramile import ROOT

PHASES = ("Pelican.__init__", "Pelican.run", "ArticlesGenerator.generate_context",
          "PagesGenerator.generate_context", "StaticGenerator.generate_context",
          "ArticlesGenerator.generate_output", "PagesGenerator.generate_output",
          "StaticGenerator.generate_output", "clean_output_dir")


def child(argv):
    """In the build process: time the phases, run pelican, print the table."""
    import blinker
    import pelican
    from pelican import generators

    times = defaultdict(float)

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                times[label] += time.perf_counter() - started
        setattr(owner, name, wrapper)

    for label in PHASES:
        owner_name, _, name = label.rpartition(".")
        if not owner_name:  # a function Pelican.run calls from its own module
            timed(pelican, name, label)
            continue
        owner = pelican.Pelican if owner_name == "Pelican" else getattr(generators, owner_name)
        timed(owner, name, label)

    def send(self, *args, **kwargs):
        sender = args[0] if args else None
        results = []
        for receiver in self.receivers_for(sender):
            started = time.perf_counter()
            results.append((receiver, receiver(sender, **kwargs)))
            label = f"signal {self.name}: {getattr(receiver, '__module__', '?')}.{getattr(receiver, '__qualname__', receiver)}"
            times[label] += time.perf_counter() - started
        return results

    blinker.Signal.send = send
    started = time.perf_counter()
    try:
        pelican.main(argv)
    finally:
        total = time.perf_counter() - started
        rows = sorted(((t, label) for label, t in times.items() if t >= 0.05), reverse=True)
        print(f"\n{'phase':90} {'wall s':>7}")
        print(f"{'whole build (this process)':90} {total:7.2f}")
        for t, label in rows:
            print(f"{label:90} {t:7.2f}")


def main():
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2:])
    from bench import run

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--dev", action="store_true", help="the development settings (pelicanconf.py)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=JSON")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix=f"extramile-phases-{args.n}-"))
    try:
        edits, _ = run.write_sites(tmp, args.n)
        conf = "pelicanconf.py" if args.dev else "publishconf.py"
        cmd = [sys.executable, "-m", "bench.phases", "--child", str(tmp / "ours" / "content"), "-s", str(ROOT / conf),
               "-o", str(tmp / "out"), "-e", f'CACHE_PATH="{tmp / "cache"}"', *args.setting]
        env = dict(os.environ, SITEURL=run.SITEURL, SUBSCRIBE_PROVIDER="none", REPLIES="none")
        for label in ("cold", "edit"):
            if label == "edit":
                run.edit_posts(edits[:1], 1)
            print(f"\n== {label} build, N={args.n}, {conf} {' '.join(args.setting)}", flush=True)
            subprocess.run(cmd, cwd=ROOT, env=env, check=True, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
