"""Audit the theme on the production build, served by a real web server.

    python -m extramile.tools.audit            (or: invoke audit)

Builds the production site for http://127.0.0.1:PORT, with one more post that
exists only in this build: a 12-megapixel cover photo and two photos in the
text (generated: tools/photos.py), serves it with Debian's
nginx and the server block `invoke nginx-config` generates (headers, gzip), then
runs Lighthouse (mobile preset) on the home, an article and that pictures article, axe-core on
every kind of page in light and dark mode, the Nu Html Checker on every page,
crawls every link, and measures an article page's requests and bytes. Prints a table and writes it to
docs/audit.md. Needs `script/bootstrap --test` (npm checkers, Chromium, Java).
"""

import datetime
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from extramile import ROOT
from extramile.tools import checkers
from extramile.tools.chromium import CHROMIUM, CHROMIUM_ARGS, headless_chromium
from extramile.tools.photos import exif_with_gps, photo
from extramile.tools.serving import RESOURCES, Nginx, crawl, free_port

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_PAGES = {"home": "", "article": "posts/in-customers-we-trust/",
                    "pictures article": "posts/audit-pictures/"}
PICTURES_POST = """Title: Audit pictures
Date: 2020-01-01 09:00
Author: The Editors
Category: Going the Extra Mile
Tags: customer experience
Summary: A post made by the audit only, with a 12-megapixel cover and two pictures.
Cover: images/audit-cover.jpg
Cover_alt: Generated test photo: soft colour fields

A post made by the audit only, to measure an article with a 12-megapixel cover and two pictures.

![Generated test photo: soft colour fields](images/audit-figure.jpg "A captioned figure")

Some text between the pictures, and an inline one: ![Generated test photo](images/audit-inline.jpg).
"""
AXE_PAGES = {
    "home": "", "article": "posts/in-customers-we-trust/", "category": "category/trust-and-loyalty/",
    "tag": "tag/customer-experience/", "author": "author/ron-kaufman/", "archives": "archives/",
    "404": "404.html", "pictures article": "posts/audit-pictures/",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def audit_content(folder):
    """The site's content plus the pictures post (4000x3000 photos with EXIF GPS)."""
    shutil.copytree(ROOT / "content", folder)
    (folder / "images").mkdir(exist_ok=True)
    exif = exif_with_gps()
    for seed, name in enumerate(("audit-cover", "audit-figure", "audit-inline")):
        photo(seed).save(folder / "images" / f"{name}.jpg", "JPEG", quality=90, exif=exif)
    (folder / "posts" / "audit-pictures.md").write_text(PICTURES_POST, encoding="utf-8")
    return folder


def build(root, site_url):
    env = {**os.environ, "SITEURL": site_url, "SUBSCRIBE_PROVIDER": "generic",
           "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe",
           "REPLIES": "email", "REPLY_EMAIL": "replies@example.org"}
    content = audit_content(root.parent / "content")
    subprocess.run([sys.executable, "-m", "pelican", str(content), "-s",
                    str(ROOT / "publishconf.py"), "-o", str(root), "-e",
                    f'CACHE_PATH="{root.parent / "cache"}"'], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def lighthouse(url, out):
    checkers.require(LIGHTHOUSE, "Lighthouse (npm)")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                    f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROMIUM_ARGS)}"],
                   env=env, check=True, timeout=300)
    report = json.loads(Path(out).read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = sorted(
        f"{a['id']} ({a['score']})" for a in report["audits"].values()
        if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") in ("binary", "numeric")
    )
    return scores, failing


def browser_checks(site_url):
    results = {"axe": {}, "requests": None}
    with headless_chromium() as browser:
        for scheme in ("light", "dark"):
            page = browser.new_page(color_scheme=scheme)
            for name, path in AXE_PAGES.items():
                page.goto(f"{site_url}/{path}")
                results["axe"][f"{name} ({scheme})"] = checkers.axe_violations(page)
            page.close()
        page = browser.new_page()
        seen = []
        page.on("requestfinished", lambda r: seen.append((r.url, r.sizes()["responseBodySize"]
                                                          + r.sizes()["responseHeadersSize"])))
        # Until no request has been open for 500 ms: every request the page makes, however slow the machine.
        page.goto(f"{site_url}/{LIGHTHOUSE_PAGES['article']}", wait_until="networkidle")
        results["requests"] = seen
    return results


def main():
    tmp = Path(tempfile.mkdtemp(prefix="audit-"))
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user
    port = free_port()
    site_url = f"http://127.0.0.1:{port}"
    root = tmp / "www"
    rows = []
    server = None
    try:
        build(root, site_url)
        server = Nginx(tmp, root, "", root, port)
        rows.append(("Server", "nginx with the generated server block (invoke nginx-config)"))
        for name, path in LIGHTHOUSE_PAGES.items():
            scores, failing = lighthouse(f"{site_url}/{path}", tmp / f"lh-{name}.json")
            rows.append((f"Lighthouse mobile, {name}", " / ".join(f"{c} {s}" for c, s in scores.items())))
            if failing:
                rows.append((f"  audits below 1 ({name})", ", ".join(failing)))
        checks = browser_checks(site_url)
        violations = {k: v for k, v in checks["axe"].items() if v}
        rows.append(("axe-core violations", f"{sum(map(len, violations.values()))} on "
                     f"{len(checks['axe'])} page views" + (f": {violations}" if violations else "")))
        errors = checkers.vnu_errors(root)
        pages = len(list(root.rglob("*.html")))
        rows.append(("Nu Html Checker errors", f"{len(errors)} on {pages} pages" + (f": {errors[:5]}" if errors else "")))
        fetched, broken, external = crawl(site_url)
        loaded = [ref for kind, ref in external if kind in RESOURCES]
        rows.append(("Crawl: broken links, images, styles, scripts, feeds",
                     f"{len(broken)} of {fetched} files fetched" + (f": {broken[:5]}" if broken else "")))
        rows.append(("Crawl: files loaded from another site", str(len(loaded))))
        reqs = checks["requests"]
        on_wire = sum(size for _, size in reqs)
        css = next((root / "theme" / "css").glob("style.*.css"))
        rows.append(("Article page requests", f"{len(reqs)}, all to 127.0.0.1: "
                     f"{all(u.startswith(site_url) for u, _ in reqs)}"))
        rows.append(("Article page bytes on the wire", f"{on_wire / 1024:.1f} KB (gzip by nginx, headers included)"))
        for name in ("article", "pictures article"):
            page = root / LIGHTHOUSE_PAGES[name] / "index.html"
            first_render = sum(len(gzip.compress(f.read_bytes(), 9, mtime=0)) for f in (page, css))
            rows.append((f"First-render bytes, {name} (HTML + CSS, gzip -9)", f"{first_render / 1024:.1f} KB"))
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    width = max(len(k) for k, _ in rows)
    table = "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
    print(table)
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "audit.md").write_text(
        "# Theme audit\n\nMade by `invoke audit` on "
        f"{datetime.date.today().isoformat()}: the production build served on 127.0.0.1.\n\n"
        "| check | result |\n| --- | --- |\n"
        + "\n".join(f"| {k.strip()} | {v} |" for k, v in rows) + "\n"
    )


if __name__ == "__main__":
    main()
