"""The theme's checkers, shared by the tests and `invoke audit`: the Nu Html
Checker (vnu.jar from npm, run by Debian's Java) and axe-core (from npm, run
inside Chromium). `script/bootstrap --test` installs them (`npm ci`)."""

import json
import shutil
import subprocess
from pathlib import Path

from extramile import ROOT

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


class MissingTool(Exception):
    """A checker is not installed; the message says how to install it."""


def require(path, what):
    if path and Path(path).exists():
        return path
    raise MissingTool(f"{what} is missing ({path}): run script/bootstrap --test")


def vnu_errors(folder, *more):
    """Every Nu Html Checker error in the HTML files under `folder` (and the `more` folders or files)."""
    require(VNU_JAR, "vnu.jar (npm vnu-jar)")
    require(shutil.which("java"), "Java (apt-get install default-jre-headless)")
    proc = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json",
         str(folder), *map(str, more)],
        capture_output=True, text=True, timeout=300,
    )
    messages = json.loads(proc.stderr or "{}").get("messages", [])
    return [f"{m.get('url', '').rsplit(str(folder), 1)[-1]}:{m.get('lastLine')}: {m['message']}"
            for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


# The rules whose outcome depends on colours alone.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def axe_violations(page, colours_only=False):
    """axe-core's WCAG 2.x A/AA violations on the page now open in Chromium.

    colours_only: just the colour rules, for a second colour scheme of a page
    already checked in full (the theme's schemes change colours, never which
    elements show: style.css uses color-scheme and light-dark() only)."""
    require(AXE_JS, "axe-core (npm)")
    # evaluate() runs outside the page's CSP, which forbids injected scripts.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    only = ({"type": "rule", "values": COLOUR_RULES} if colours_only else
            {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]})
    result = page.evaluate("only => axe.run(document, {runOnly: only})", only)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]]
