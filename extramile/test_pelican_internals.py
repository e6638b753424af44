"""Each private part of Pelican in pelican_internals.INTERNALS still exists and
behaves as its user relies on: a Pelican upgrade that changes one fails here."""

import importlib
import inspect
import os

import pytest
from pelican.cache import FileStampDataCacher
from pelican.generators import ArticlesGenerator
from pelican.settings import DEFAULT_CONFIG, read_settings

from extramile.pelican_internals import INTERNALS, generator_cache_files, pelican_cache_files


@pytest.mark.parametrize("module, name, attribute, why", INTERNALS, ids=[f"{m}.{n}.{a}" for m, n, a, _ in INTERNALS])
def test_each_internal_exists(module, name, attribute, why):
    found = getattr(importlib.import_module(module), name)
    if attribute and attribute != "_cache":  # _cache is an instance's: checked below
        assert callable(getattr(found, attribute)), why


def parameters(function):
    return list(inspect.signature(function).parameters)


def test_the_signatures_relied_on():
    from pelican.readers import _filter_discardable_metadata
    from pelican.writers import Writer

    assert parameters(Writer._open_w) == ["self", "filename", "encoding", "override"]
    assert parameters(Writer._create_new_feed) == ["self", "feed_type", "feed_title", "context"]
    assert parameters(Writer._add_item_to_the_feed) == ["self", "feed", "item"]
    assert parameters(FileStampDataCacher._get_file_stamp) == ["self", "filename"]
    assert _filter_discardable_metadata({"title": "x", "status": "draft"}) == {"title": "x", "status": "draft"}


def test_a_stamp_cache_keeps_stamp_and_data_by_path(tmp_path):
    source = tmp_path / "post.md"
    source.write_text("text")
    settings = {**DEFAULT_CONFIG, "CACHE_PATH": str(tmp_path / "cache"), "CHECK_MODIFIED_METHOD": "sha256"}
    cacher = FileStampDataCacher(settings, "demo", True, False)
    cacher.cache_data(str(source), ("content", {"title": "x"}))
    assert cacher._cache == {str(source): (cacher._get_file_stamp(str(source)), ("content", {"title": "x"}))}
    assert cacher.get_cached_data(str(source)) == ("content", {"title": "x"})


@pytest.mark.parametrize("layer", ["reader", "generator"])
def test_cache_files_are_named_after_the_generator(tmp_path, layer):
    settings = read_settings(None, override={
        "PATH": str(tmp_path), "OUTPUT_PATH": str(tmp_path / "out"), "CACHE_PATH": str(tmp_path / "cache"),
        "CACHE_CONTENT": True, "CONTENT_CACHING_LAYER": layer})
    generator = ArticlesGenerator(context={}, settings=settings, path=str(tmp_path), theme=settings["THEME"],
                                  output_path=str(tmp_path / "out"))
    generator.save_cache()
    generator.readers.save_cache()
    names = generator_cache_files(generator)
    assert os.listdir(tmp_path / "cache") == [names[0] if layer == "generator" else names[1]]
    assert pelican_cache_files(tmp_path / "cache") == os.listdir(tmp_path / "cache")
