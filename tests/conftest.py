"""Fixtures only (helpers live in support.py): the real site, built once per
session by plain Pelican into temporary folders, served for the browser tests."""

import sys

import pytest
from browser import browser_without_profile, chromium, no_js_page, page, playwright_driver  # noqa: F401
from support import GENERIC_SUBSCRIBE, PROD_SITEURL, cache_override, run_pelican, serve_production_site


@pytest.fixture(autouse=True)
def _settings_modules_kept():
    """Pelican's get_settings_from_file registers each settings file in
    sys.modules by its name, so a test loading a fixture `pelicanconf.py` would
    otherwise be what `from pelicanconf import *` finds in every later test."""
    saved = {name: sys.modules.get(name) for name in ("pelicanconf", "publishconf")}
    yield
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


@pytest.fixture(scope="session")
def dev_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev")
    build = run_pelican(tmp / "output", extra=cache_override(tmp / "cache"))
    assert build.returncode == 0, build.log
    return build


@pytest.fixture(scope="session")
def prod_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod")
    build = run_pelican(
        tmp / "output",
        conf="publishconf.py",
        env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "generic", "SUBSCRIBE_ACTION": GENERIC_SUBSCRIBE},
        extra=cache_override(tmp / "cache"),
    )
    assert build.returncode == 0, build.log
    return build


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """The production site served at the root of http://127.0.0.1:PORT."""
    build = serve_production_site(tmp_path_factory.mktemp("served"))
    yield build
    build.server.stop()


@pytest.fixture(scope="session")
def served_subpath_site(tmp_path_factory):
    """The production site served under http://127.0.0.1:PORT/blog."""
    build = serve_production_site(tmp_path_factory.mktemp("served-sub"), prefix="/blog")
    yield build
    build.server.stop()
