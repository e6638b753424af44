"""Rooms by who uses them: the installable package `extramile` is the product;
the benchmark (bench/) is a developer tool beside it that the product never imports."""

import ast
import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import extramile
from extramile import ROOT

# In a new interpreter, so no earlier test has imported anything yet; the
# checkout is on sys.path, so an import of bench would succeed and be seen.
IMPORT_ALL = """
import importlib, json, pkgutil, sys
import extramile
names = sorted(m.name for m in pkgutil.walk_packages(extramile.__path__, "extramile."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "bench": sorted(m for m in sys.modules if m == "bench" or m.startswith("bench."))}))
"""


def package_modules():
    return sorted(m.name for m in pkgutil.walk_packages(extramile.__path__, "extramile."))


def imported_names(module):
    """Every module an `import` names in the source, at the top or inside a function."""
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_importing_every_module_of_the_installable_package_never_imports_the_benchmark():
    got = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stderr
    found = json.loads(got.stdout.strip().splitlines()[-1])
    assert "extramile.tools.audit" in found["modules"] and "extramile.intake.mail" in found["modules"]
    assert [m for m in found["modules"] if ".bench" in m] == []
    assert found["bench"] == []


def test_no_import_statement_in_the_package_names_the_benchmark_even_inside_a_function():
    offenders = {module: name for module in package_modules() for name in imported_names(module)
                 if name == "bench" or name.startswith(("bench.", "extramile.bench"))}
    assert offenders == {}


def test_reply_intake_is_a_task_module_not_a_plugin():
    plugins = [m for m in package_modules() if m.startswith("extramile.plugins.")]
    assert not [m for m in plugins if m.endswith(".intake")]
    assert not [(m, name) for m in plugins for name in imported_names(m) if name.startswith("extramile.intake")]
