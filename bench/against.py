"""Old against new: `python -m bench.run --against REV [--n 1000]` (`invoke bench --against REV`).

REV is checked out into a throwaway git worktree in a temporary folder, with
an environment of its own: `script/bootstrap --test` there, unless its lock
files (LOCKS) are byte for byte this checkout's. Then its .venv and
node_modules are this checkout's (symlinks), and PYTHONPATH puts its own
code first, before this checkout's editable install.

For each run, old and new take turns on each leg (old first in odd runs, new
first in even ones), so a busy moment of the machine falls on both alike:

* cold:  the production build of N synthetic posts from nothing (run.py's
  "ours cold"), each checkout with its own publishconf.py, plugins and theme;
* loop:  the author's loop, save → edited page on disk (run.ours_loop: each
  checkout's `invoke livereload` server, on its own dev build);
* suite: the pytest part of the README's test command (`invoke test`, read
  from each checkout's own tasks.py with `invoke --dry test`), wall time,
  each checkout's own tests.

Medians go side by side (old, new, new ÷ old) under "Old against new" in
bench/results.md; the raw runs under "against" in bench/results.json.
"""

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import run
from extramile import ROOT

LOCKS = ("requirements.lock", "requirements-test.lock", "package-lock.json")
LEGS = ("cold", "loop", "suite")


@dataclass(frozen=True)
class Side:
    """One checkout under test: its label (old, new), folder, Python and commit."""
    label: str
    root: Path
    python: Path
    commit: str
    pythonpath: str = ""  # set when it borrows this checkout's environment

    def env(self):
        """Our environment, with this side's venv first on PATH (tests run its programs by name)."""
        env = dict(os.environ, VIRTUAL_ENV=str(self.python.parent.parent),
                   PATH=f"{self.python.parent}{os.pathsep}{os.environ.get('PATH', '')}")
        env.pop("PYTHONPATH", None)
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        return env


# -- The environment of the old checkout -----------------------------------------
def lock_digests(root):
    """SHA-256 of each lock file in `root` (None where it has none)."""
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() if (root / name).exists() else None
            for name in LOCKS}


def can_reuse(here, there):
    """True if `there` pins exactly the packages `here` installed: every lock file the same bytes
    (the same Python packages with the same hashes, the same npm tree)."""
    return lock_digests(here) == lock_digests(there)


def git(*args, cwd=ROOT):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@contextlib.contextmanager
def checkout(rev, log):
    """The old side: `rev` in a throwaway worktree with its own environment (see the docstring)."""
    commit = git("rev-parse", "--short", f"{rev}^{{commit}}")
    tmp = Path(tempfile.mkdtemp(prefix="extramile-against-"))
    site = tmp / "site"
    git("worktree", "add", "--detach", str(site), commit)
    try:
        if can_reuse(ROOT, site):
            print(f"bench: {commit} pins the same packages ({', '.join(LOCKS)}): using this checkout's .venv "
                  "and node_modules", flush=True)
            for name in (".venv", "node_modules"):
                if (ROOT / name).exists():
                    (site / name).symlink_to(ROOT / name)
            yield Side("old", site, site / ".venv" / "bin" / "python", commit, pythonpath=str(site))
            return
        print(f"bench: {commit} pins other packages: script/bootstrap --test in {site} (log: {log})", flush=True)
        started = time.perf_counter()
        with open(log, "ab") as out:
            subprocess.run(["script/bootstrap", "--test"], cwd=site, stdout=out, stderr=subprocess.STDOUT,
                           check=True)
        print(f"bench: bootstrapped in {time.perf_counter() - started:.0f} s", flush=True)
        yield Side("old", site, site / ".venv" / "bin" / "python", commit)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            git("worktree", "remove", "--force", str(site))
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(subprocess.CalledProcessError):
            git("worktree", "prune")


def this_side():
    return Side("new", ROOT, Path(sys.executable), run.machine()["commit"])


# -- The legs ---------------------------------------------------------------------
ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


def suite_command(side):
    """The pytest command of `side`'s `invoke test`, as its own tasks.py writes it."""
    dry = subprocess.run([str(side.python), "-m", "invoke", "--dry", "test"], cwd=side.root, env=side.env(),
                         capture_output=True, text=True, check=True).stdout
    for line in dry.splitlines():
        words = shlex.split(ESCAPES.sub("", line))  # invoke echoes in bold
        if words[1:3] == ["-m", "pytest"]:
            return [str(side.python), *words[1:]]
    raise SystemExit(f"bench: no pytest command in `invoke --dry test` of {side.root}:\n{dry}")


SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")


def outcome(printed):
    """The counts in pytest's closing line, e.g. {"passed": 410, "failed": 1}."""
    last = next((line for line in reversed(printed.splitlines()) if SUMMARY.search(line)), "")
    return {kind.rstrip("s") if kind.startswith("error") else kind: int(count)
            for count, kind in SUMMARY.findall(last)}


def suite(side, log):
    """Wall seconds of `side`'s test suite, and what it said."""
    cmd = suite_command(side)
    with open(log, "ab") as out:
        out.write(f"\n$ ({side.label}) {shlex.join(cmd)}\n".encode())
        out.flush()
        started = time.perf_counter()
        code = subprocess.run(cmd, cwd=side.root, env=side.env(), stdout=out, stderr=subprocess.STDOUT).returncode
        wall = time.perf_counter() - started
    printed = Path(log).read_text(errors="replace").rsplit(f"$ ({side.label})", 1)[-1]
    return {"wall": round(wall, 3), "code": code, "outcome": outcome(printed)}


def compare(rev, n, runs, legs, edits, keep=False):
    """Old (`rev`) against new (this checkout), `runs` turns of each leg; the raw result."""
    tmp = Path(tempfile.mkdtemp(prefix=f"extramile-bench-against-{n}-"))
    log = tmp / "bench.log"
    new = this_side()
    try:
        with checkout(rev, tmp / "bootstrap.log") as old:
            sides = (old, new)
            builds = {}
            for side in sides:
                edited, _ = run.write_sites(tmp / side.label, n, root=side.root)
                builds[side.label] = run.commands(tmp / side.label, None, root=side.root, py=side.python,
                                                  env=side.env())
            slug = edited[0].stem
            samples = {side.label: {"cold": [], "loop": {}, "suite": []} for side in sides}
            for turn in range(1, runs + 1):
                order = sides if turn % 2 else sides[::-1]
                for side in order if "cold" in legs else ():
                    ours = builds[side.label]["ours"]
                    for path in ours["clean"]:
                        shutil.rmtree(path, ignore_errors=True)
                    samples[side.label]["cold"].append(run.timed(ours["cmd"], ours["cwd"], ours["env"], log))
                    print(f"  run {turn} {side.label} cold: {samples[side.label]['cold'][-1]['wall']:.2f} s", flush=True)
                for side in order if "loop" in legs else ():
                    got = run.ours_loop(tmp / side.label, builds[side.label]["dev"], edits, slug, f"{n}x{turn}y", log,
                                        root=side.root, py=side.python, label=side.label)
                    for key, values in got.items():
                        samples[side.label]["loop"].setdefault(key, []).extend(values)
                for side in order if "suite" in legs else ():
                    samples[side.label]["suite"].append(suite(side, log))
                    got = samples[side.label]["suite"][-1]
                    print(f"  run {turn} {side.label} suite: {got['wall']:.0f} s, {got['outcome']}", flush=True)
        return {"n": n, "runs": runs, "edits": edits, "old": {"rev": rev, "commit": old.commit},
                "new": {"commit": new.commit}, "samples": samples}
    finally:
        if keep:
            print(f"bench: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# -- The table --------------------------------------------------------------------
def medians(samples):
    """{leg: median seconds} of one side's samples, for the legs it has."""
    out = {}
    if samples.get("cold"):
        out["cold"] = statistics.median(s["wall"] for s in samples["cold"])
    for key in ("page", "build"):
        if samples.get("loop", {}).get(key):
            out[f"loop {key}"] = statistics.median(samples["loop"][key])
    if samples.get("suite"):
        out["suite"] = statistics.median(s["wall"] for s in samples["suite"])
    return out


ROWS = {"cold": "cold production build (s)", "loop page": "author's loop: save → edited page on disk (s)",
        "loop build": "author's loop: save → build finished (s)", "suite": "test suite, `invoke test`'s pytest (s)"}


def rows(result):
    """(what, old, new, new ÷ old) for each leg both sides have, in ROWS' order."""
    old, new = medians(result["samples"]["old"]), medians(result["samples"]["new"])
    return [(ROWS[leg], old[leg], new[leg], new[leg] / old[leg] if old[leg] else None)
            for leg in ROWS if leg in old and leg in new]


def suite_line(samples):
    """What each run of the suite said, e.g. "410 passed, 1 failed"."""
    return "; ".join(", ".join(f"{count} {kind}" for kind, count in s["outcome"].items()) or f"exit {s['code']}"
                     for s in samples.get("suite", []))


def table(result):
    old, new = result["old"], result["new"]
    lines = [f"| measure | old ({old['commit']}) | new ({new['commit']}) | new ÷ old |", "|---|---:|---:|---:|"]
    for what, a, b, ratio in rows(result):
        lines.append(f"| {what} | {a:.2f} | {b:.2f} | {f'{ratio:.2f}×' if ratio is not None else '–'} |")
    for side in ("old", "new"):
        said = suite_line(result["samples"][side])
        if said:
            lines.append(f"\nThe {side} suite said: {said}.")
    return "\n".join(lines)


def markdown(against):
    """The "Old against new" section of bench/results.md, for each N compared."""
    if not against:
        return []
    parts = ["## Old against new", "",
             "`invoke bench --against REV`: the same legs for an older commit and this one, taking turns in one run "
             "(`bench/against.py`). Medians; loop times over every edit of every run.", ""]
    for n in sorted(against, key=int):
        r = against[n]
        m = r["machine"]
        parts += [f"### N = {n}", "",
                  f"{r['date']} · {m['nproc']} cores, {m['cpu']} · {r['runs']} run{'s' * (r['runs'] != 1)}, "
                  f"{r['edits']} edits a loop",
                  "", table(r), ""]
    return parts
