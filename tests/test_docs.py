"""The README and the guides in docs/ stay true: every relative link leads to a
file (and heading) that exists, every `invoke` task they name exists, and the
architecture page lists the plugins in the order of PLUGINS with the signals
each one's register() connects.

Reads files, imports the plugins and asks invoke for its tasks; builds nothing."""

import ast
import importlib
import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from pelican.settings import get_settings_from_file

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)


def prose(text):
    """The text without code blocks and code spans, where a `](x)` is not a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def anchors(text):
    """GitHub's ids for the headings of a Markdown file."""
    found, seen = set(), {}
    for heading in HEADING.findall(FENCE.sub("", text).replace("`", "")):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def test_every_relative_link_in_the_readme_and_the_guides_resolves():
    broken = []
    for page in PAGES:
        for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_anchor_ids_are_githubs():
    text = "# Headers, caching and compressed copies\n## `invoke publish`\n```\n# not a heading\n```\n## Notes\n## Notes\n"
    assert anchors(text) == {"headers-caching-and-compressed-copies", "invoke-publish", "notes", "notes-1"}


def invoked_tasks(text):
    """The task names after `invoke` in the code of a Markdown text (options and prose left out)."""
    code = "\n".join([*re.findall(r"^(?:```|~~~).*?^(?:```|~~~)", text, re.DOTALL | re.MULTILINE),
                      *CODE_SPAN.findall(FENCE.sub("", text))])
    return set(re.findall(r"\binvoke\s+([a-z][\w.-]*)", code))


def test_every_invoke_task_the_readme_and_the_guides_name_exists():
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list", "--list-format=json"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    tasks = {task["name"] for task in json.loads(listed.stdout)["tasks"]}
    unknown = [f"{page.relative_to(ROOT)}: invoke {name}" for page in PAGES
               for name in sorted(invoked_tasks(page.read_text(encoding="utf-8"))) if name not in tasks]
    assert not unknown, "no such task:\n" + "\n".join(unknown)


def test_a_task_name_is_read_from_code_only():
    text = "Run `invoke replies pull` and `.venv/bin/invoke --list`; the invoke tasks.\n```sh\ninvoke serve\n```\n"
    assert invoked_tasks(text) == {"replies", "serve"}


def connected_signals(plugin):
    """Names of the signals `plugin`'s register() connects, in the order it connects them."""
    module = importlib.import_module(plugin)
    register = module.register
    tree = ast.parse(textwrap.dedent(inspect.getsource(register)))
    names = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"):
            continue
        signal = node.func.value
        if isinstance(signal, ast.Attribute):  # signals.initialized
            name = signal.attr
        elif isinstance(signal, ast.Call):  # blinker.signal("sitemap")
            name = signal.args[0].value
        else:  # a module-level signal object: site_ready
            name = register.__globals__[signal.id].name
        names.append((node.lineno, node.col_offset, name))
    return [name for *_, name in sorted(names)]


def architecture_section():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return text.split("<!-- plugins: begin", 1)[1].split("<!-- plugins: end -->", 1)[0]


def test_the_architecture_page_lists_the_plugins_in_order_with_their_signals():
    plugins = get_settings_from_file(str(ROOT / "publishconf.py"))["PLUGINS"]
    expected = [(name.rsplit(".", 1)[-1], ", ".join(connected_signals(name)) or "no signal") for name in plugins]
    section = architecture_section()
    diagram = re.findall(r'p\d+\["([^"<]+)<br/>([^"]+)"\]', section)
    table = [(name, signals) for name, signals in re.findall(r"^\| \d+ \| `([^`]+)` \| ([^|]+?) \|", section, re.MULTILINE)]
    lines = "\n".join(f"  {name}<br/>{signals}" for name, signals in expected)
    assert diagram == expected, f"docs/architecture.md: the diagram's plugin nodes should read, in order:\n{lines}"
    assert table == expected, f"docs/architecture.md: the table's plugin and signals columns should read:\n{lines}"
