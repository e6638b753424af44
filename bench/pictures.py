"""Pictures benchmark: 40 photo-like 4000x3000 JPEGs (with EXIF GPS, generated
here, seeded: nothing is downloaded) into 4 widths (480, 800, 1200, 1600),
ours against Hugo's image processing, in one run on the same files.

* hugo:       Hugo from Debian, a site whose one template calls ``.Resize``
              for every photo, width and format (WebP and JPEG, q75, Lanczos).
* ours:       this site's production build (publishconf.py, every plugin) of
              one post showing the 40 photos, ``PICTURES_FORMATS=["webp"]``:
              WebP and the JPEG fallback, the same work as Hugo's.
* ours+avif:  the same with the default formats: AVIF, WebP and JPEG.

Cold builds (caches and output removed before each run) and a warm rebuild
(nothing changed). Wall time, CPU (user+sys of the tree) and peak memory: the
largest sum of the PSS of the build and all its processes (sampled every
50 ms from /proc): both use several processes or threads, and forked workers
share their parent's pages, which an RSS sum would count once per process.

    .venv/bin/python -m bench.run --pictures [--runs 1]
"""

import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from extramile import ROOT
from extramile.tools.photos import HEIGHT, WIDTH, exif_with_gps, photo

COUNT = 40
WIDTHS = [480, 800, 1200, 1600]
SITEURL = "https://example.org/blog"

HUGO_CONFIG = """baseURL = "{siteurl}/"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[imaging]
  quality = 75
  resampleFilter = "lanczos"
"""
HUGO_INDEX = """{{ range resources.Match "photos/*.jpg" }}{{ $p := . }}
{{ range slice 480 800 1200 1600 }}{{ $w := printf "%dx" . }}
<img src="{{ ($p.Resize (printf "%s webp q75" $w)).RelPermalink }}"><img src="{{ ($p.Resize (printf "%s jpg q75" $w)).RelPermalink }}">
{{ end }}{{ end }}
"""


def write_photos(folder):
    folder.mkdir(parents=True, exist_ok=True)
    exif = exif_with_gps()
    for n in range(COUNT):
        out = io.BytesIO()
        photo(n).save(out, "JPEG", quality=90, exif=exif)
        (folder / f"photo-{n:02d}.jpg").write_bytes(out.getvalue())
    return sum(p.stat().st_size for p in folder.iterdir())


def write_sites(tmp):
    photos = tmp / "photos"
    size = write_photos(photos)
    ours = tmp / "ours" / "content"
    (ours / "posts").mkdir(parents=True)
    (ours / "pages").mkdir()
    shutil.copytree(photos, ours / "images")
    body = "\n\n".join(f"![Photo {n} of the benchmark]({{static}}/images/photo-{n:02d}.jpg)" for n in range(COUNT))
    (ours / "posts" / "photos.md").write_text(
        "Title: Forty photos\nDate: 2026-11-20 09:00\nAuthor: The Editors\nCategory: Bench\nTags: bench\n\n"
        + body + "\n", encoding="utf-8")
    hugo = tmp / "hugo"
    shutil.copytree(photos, hugo / "assets" / "photos")
    (hugo / "layouts").mkdir(parents=True)
    (hugo / "layouts" / "index.html").write_text(HUGO_INDEX)
    (hugo / "config.toml").write_text(HUGO_CONFIG.format(siteurl=SITEURL))
    return size


def pss(pid):
    """Proportional set size in bytes: a page shared by n processes counts 1/n
    in each (forked workers share most of their parent's memory; an RSS sum
    would count it once per process)."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def tree_memory(pid):
    """PSS in bytes of `pid` and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError, ValueError):  # a process that just ended
            total += pss(p)
        todo.extend(children.get(p, []))
    return total


def timed(cmd, cwd, env, log):
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak, done = [0], threading.Event()

        def sample():
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_memory(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: build failed: {' '.join(map(str, cmd))}; see {log}")
    return {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(peak[0] / 2**20), "maxrss_mb": round(usage.ru_maxrss / 1024)}


def builds(tmp, hugo_bin):
    py = sys.executable
    env = dict(os.environ, SITEURL=SITEURL, SUBSCRIBE_PROVIDER="none", REPLIES="none")
    env.pop("SUBSCRIBE_ACTION", None)
    ours = tmp / "ours"

    def pelican(name, formats):
        out, cache = ours / f"output-{name}", ours / f"cache-{name}"
        return {"cmd": [py, "-m", "pelican", str(ours / "content"), "-s", str(ROOT / "publishconf.py"),
                        "-o", str(out), "-e", f'CACHE_PATH="{cache}"', f"PICTURES_FORMATS={formats}"],
                "cwd": ROOT, "env": env, "clean": [out, cache]}

    found = {"ours": pelican("webp", '["webp"]'), "ours+avif": pelican("avif", '["avif", "webp"]')}
    if hugo_bin:
        hugo = tmp / "hugo"
        found["hugo"] = {"cmd": [hugo_bin, "--quiet", "--source", hugo, "--destination", hugo / "public"],
                         "cwd": hugo, "env": dict(os.environ), "clean": [hugo / "public", hugo / "resources"]}
    return found


def run(runs=1, hugo_bin=None, keep=False):
    """Time every build cold (`runs` times) and warm once; return the result dict."""
    tmp = Path(tempfile.mkdtemp(prefix="extramile-bench-pictures-"))
    log = tmp / "build.log"
    try:
        size = write_sites(tmp)
        result = {"photos": COUNT, "source_mb": round(size / 2**20, 1), "widths": WIDTHS, "samples": {}}
        plan = builds(tmp, hugo_bin)
        for _ in range(runs):
            for name, b in plan.items():  # interleaved, so machine noise hits all alike
                for path in b["clean"]:
                    shutil.rmtree(path, ignore_errors=True)
                sample = timed(b["cmd"], b["cwd"], b["env"], log)
                result["samples"].setdefault(name, {"cold": [], "warm": []})["cold"].append(sample)
                print(f"bench pictures: {name} cold {sample}", flush=True)
        for name, b in plan.items():
            sample = timed(b["cmd"], b["cwd"], b["env"], log)
            result["samples"][name]["warm"].append(sample)
            print(f"bench pictures: {name} warm {sample}", flush=True)
        return result
    finally:
        if keep:
            print(f"bench pictures: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def table(result):
    s = result["samples"]

    def med(name, scenario, key):
        return statistics.median(x[key] for x in s[name][scenario])

    hugo = med("hugo", "cold", "wall") if "hugo" in s else None
    lines = [f"{result['photos']} photos of {WIDTH}x{HEIGHT} ({result['source_mb']} MB), widths "
             f"{', '.join(map(str, result['widths']))}, q75:", "",
             "| build | cold wall (s) | cold CPU (s) | peak memory, all processes (PSS, MB) | warm wall (s) | cold ÷ Hugo |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in s:
        wall = med(name, "cold", "wall")
        ratio = f"{wall / hugo:.3f}x" if hugo else "-"
        lines.append(f"| {name} | {wall:.2f} | {med(name, 'cold', 'cpu'):.1f} | {med(name, 'cold', 'peak_mb'):.0f} | "
                     f"{med(name, 'warm', 'wall'):.2f} | {ratio} |")
    if hugo:
        lines += ["", "Targets: ours (WebP+JPEG) <= 0.15x Hugo, ours+avif <= 0.25x, peak memory <= Hugo's."]
    return "\n".join(lines)
