"""Fixtures only (helpers live in support.py): the real site, built once per
session by plain Pelican into temporary folders, served for the browser tests;
and for the deploy tests, the environment of `invoke publish` and a local S3."""

import os
import sys
import urllib.request

import pytest
from browser import browser_without_profile, chromium, no_js_page, page, playwright_driver  # noqa: F401
from support import GENERIC_SUBSCRIBE, PROD_ENV, PROD_SITEURL, cache_override, run_pelican, serve_production_site

from extramile.tools.serving import free_port


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


# -- Deploying: the environment of `invoke publish`, and a local S3 ---------
@pytest.fixture
def site_env(monkeypatch, tmp_path):
    """The environment of a production publish: PROD_ENV, and no deploy setting of this machine's
    (DEPLOY_, RSYNC_, GHPAGES_, S3_); the monkeypatch is returned for a test to set its own."""
    for name in [n for n in list(os.environ) if n.startswith(("DEPLOY_", "RSYNC_", "GHPAGES_", "S3_"))]:
        monkeypatch.delenv(name)
    for name, value in PROD_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.fixture
def s3(site_env):
    """A moto S3 server on 127.0.0.1 with an empty bucket `site`, and the settings (site_env) that
    make `invoke publish` deploy to it under the prefix blog/; yields a boto3 client of it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in the process, across servers: start from none.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "DEPLOY_TARGET": "s3", "S3_BUCKET": "site",
                        "S3_PREFIX": "blog", "S3_ENDPOINT_URL": endpoint}.items():
        site_env.setenv(name, value)
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="site")
    yield client
    server.stop()
