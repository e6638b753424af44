"""safe_cache: a Pelican cache file that no finished save left is removed before
Pelican loads it, so a build cut short costs time, never a crash."""

import logging

import pytest

PLUGINS = ["extramile.plugins.safe_cache", "extramile.plugins.theme_context"]


def cache_files(output):
    return sorted(p for p in (output.parent / "cache").iterdir() if p.name.endswith("-Readers"))


def test_a_saved_cache_is_loaded_again(tiny_build, caplog):
    output = tiny_build(PLUGINS)
    saved = {p.name: p.read_bytes() for p in cache_files(output)}
    assert saved
    with caplog.at_level(logging.WARNING):
        tiny_build(PLUGINS)
    assert "damaged" not in caplog.text
    assert {p.name: p.read_bytes() for p in cache_files(output)} == saved


@pytest.mark.parametrize("cut", ["empty", "half"])
def test_a_cache_cut_short_is_read_anew_with_a_warning(tiny_build, caplog, cut):
    output = tiny_build(PLUGINS)
    for path in cache_files(output):
        data = path.read_bytes()
        path.write_bytes(b"" if cut == "empty" else data[: len(data) // 2])  # a save stopped half-way
    with caplog.at_level(logging.WARNING):
        again = tiny_build(PLUGINS)  # without the plugin: EOFError or UnpicklingError from pickle.load
    assert "ArticlesGenerator-Readers was damaged or changed since its last save" in caplog.text
    assert (again / "posts" / "second-post" / "index.html").exists()


def test_pelicans_cache_class_is_left_as_it_is(tiny_build):
    from pelican.cache import FileDataCacher

    before = dict(vars(FileDataCacher))
    tiny_build(PLUGINS)
    assert dict(vars(FileDataCacher)) == before
