"""For the tests: a tool they need that is not installed skips them on a
developer's machine and fails them in CI, where every test must run."""

import os
import shutil

import pytest

from extramile import ROOT


def missing(message):
    if os.environ.get("CI"):
        pytest.fail(f"{message} (never skipped in CI)", pytrace=False)
    pytest.skip(message)


def node():
    """The path of node, which the editor's scripts are tested with."""
    return shutil.which("node") or missing("node is not installed (script/bootstrap --test installs it)")


def node_modules(package):
    """The folder of an npm package from package-lock.json."""
    folder = ROOT / "node_modules" / package
    return folder if folder.exists() else missing("node_modules is missing: run script/bootstrap --test (npm ci)")
