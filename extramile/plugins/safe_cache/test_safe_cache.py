"""safe_cache: a damaged content cache means a slower build, never a crash;
a saved cache file is always whole."""

import gzip
import logging
import os
import pickle

import pytest
from pelican.cache import FileDataCacher

from extramile.plugins.safe_cache import safe_cache


@pytest.fixture(autouse=True)
def patched(monkeypatch):
    monkeypatch.setattr(FileDataCacher, "__init__", safe_cache._init)
    monkeypatch.setattr(FileDataCacher, "save_cache", safe_cache._save_cache)


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_saved_cache_is_whole_and_reads_back(tmp_path, gzipped):
    settings = {"CACHE_PATH": str(tmp_path), "GZIP_CACHE": gzipped}
    cacher = FileDataCacher(settings, "demo", True, False)
    cacher.cache_data("post.md", {"title": "x"})
    cacher.save_cache()
    assert os.listdir(tmp_path) == ["demo"]  # no temporary file left
    raw = (tmp_path / "demo").read_bytes()
    assert pickle.loads(gzip.decompress(raw) if gzipped else raw) == {"post.md": {"title": "x"}}
    assert FileDataCacher(settings, "demo", True, True).get_cached_data("post.md") == {"title": "x"}


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_cache_cut_short_is_read_as_empty(tmp_path, caplog, gzipped):
    # Cut where Pelican itself raises EOFError, which it does not catch.
    settings = {"CACHE_PATH": str(tmp_path), "GZIP_CACHE": gzipped}
    (tmp_path / "demo").write_bytes(gzip.compress(pickle.dumps({"post.md": "x"}))[:20] if gzipped else b"")
    with caplog.at_level(logging.WARNING):
        cacher = FileDataCacher(settings, "demo", True, True)
    assert cacher.get_cached_data("post.md", None) is None
    assert "was damaged" in caplog.text
