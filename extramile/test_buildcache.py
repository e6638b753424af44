"""buildcache: the helpers every plugin cache relies on fail closed."""

import os
import pickle
import subprocess
import sys
import threading
import time

import pytest

from extramile import buildcache


def past_file_clock(folder, since_ns, grain_ns):
    """Wait until a file written in `folder` gets a change time more than `grain_ns`
    after `since_ns`: the file system's own clock has moved on (tests/waiting.py has
    the same for tests/, which this package's tests cannot import)."""
    probe = folder / ".clock-probe"
    deadline = time.monotonic() + 120
    while True:
        probe.write_text("tick")
        if probe.stat().st_ctime_ns > since_ns + grain_ns:
            probe.unlink()
            return
        assert time.monotonic() < deadline, "the file system clock did not move"
        time.sleep(0.005)


def key_in_new_process(tmp_path, source):
    """settings_key of {"F": f} where f is defined by `source`, in a new Python process."""
    module = tmp_path / "somefilters.py"
    module.write_text(source)
    code = ("import somefilters; from extramile.buildcache import settings_key; "
            "print(settings_key({'F': somefilters.f, 'N': [1, 'a', (2.5, None)]}))")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "random"})
    return run.stdout.strip()


def test_settings_key_of_a_function_is_stable_across_processes_and_follows_its_code(tmp_path):
    source = "def f(x):\n    return x.upper()\n"
    first = key_in_new_process(tmp_path, source)
    assert first not in ("", "None")
    assert key_in_new_process(tmp_path, source) == first
    assert key_in_new_process(tmp_path, source.replace("upper", "lower")) != first


def test_no_stable_text_no_key():
    lock = threading.Lock()  # printed with its address; its state is not Python's
    assert " at 0x" in repr(lock)
    assert buildcache.stable_text(lock) is None
    assert buildcache.settings_key({"A": 1, "B": lock}) is None
    assert buildcache.settings_key({"A": 1, "B": lock}, ["A"]) is not None


def test_a_plain_object_is_known_by_its_class_and_attributes():
    class Holder:
        def __init__(self, value):
            self.value = value

    assert buildcache.stable_text(Holder(1)) == buildcache.stable_text(Holder(1))
    assert buildcache.stable_text(Holder(1)) != buildcache.stable_text(Holder(2))
    assert buildcache.stable_text(Holder(threading.Lock())) is None


def test_settings_key_follows_values_and_leaves_out_unkeyed_settings():
    base = {"SITEURL": "https://a.example", "OUTPUT_PATH": "/tmp/one", "LIST": [1, 2]}
    key = buildcache.settings_key(base)
    assert buildcache.settings_key({**base, "OUTPUT_PATH": "/tmp/two"}) == key
    assert buildcache.settings_key({**base, "LIST": [2, 1]}) != key
    assert buildcache.settings_key({**base, "SITEURL": "https://b.example"}) != key


def test_load_pickle_returns_the_default_unless_key_and_file_are_right(tmp_path):
    path = tmp_path / "memo.pickle"
    buildcache.save_pickle(path, "key-1", {"a": 1})
    assert buildcache.load_pickle(path, "key-1") == {"a": 1}
    assert buildcache.load_pickle(path, "key-2", default={}) == {}
    assert buildcache.load_pickle(path, None, default="none") == "none"
    path.write_bytes(path.read_bytes()[:-5])  # a build stopped half-way through writing
    assert buildcache.load_pickle(path, "key-1", default="damaged") == "damaged"
    path.write_bytes(pickle.dumps("no key at all"))
    assert buildcache.load_pickle(path, "key-1", default="other") == "other"
    assert buildcache.load_pickle(tmp_path / "missing", "key-1", default="missing") == "missing"


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    buildcache.atomic_write(target, b"one")
    buildcache.atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file.bin"]


def test_atomic_write_that_fails_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        buildcache.atomic_write(target, object())  # not bytes: the write fails half-way
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.bin"]


def test_file_stamp_changes_when_the_file_does(tmp_path):
    path = tmp_path / "post.md"
    path.write_text("one")
    first = buildcache.file_stamp(path)
    past_file_clock(tmp_path, first[4], 0)  # a write now gets a later change time
    path.write_text("two")  # same size: the times and change time tell
    os.utime(path, ns=(first[3], first[3]))  # even with the mtime set back
    assert buildcache.file_stamp(path) != first
    assert buildcache.file_stamp(tmp_path / "missing") is None


def test_link_or_copy_replaces_the_target(tmp_path):
    source, target = tmp_path / "kept.png", tmp_path / "out.png"
    source.write_bytes(b"png")
    target.write_bytes(b"old")
    buildcache.link_or_copy(source, target)
    assert target.read_bytes() == b"png"
    assert sorted(os.listdir(tmp_path)) == ["kept.png", "out.png"]


def test_add_defaults_keeps_what_the_settings_say():
    settings = {"A": 0}
    buildcache.add_defaults(settings, {"A": 1, "B": 2})
    assert settings == {"A": 0, "B": 2}


@pytest.fixture
def local_plugin(tmp_path, monkeypatch):
    """A loaded module outside site-packages (a PLUGIN_PATHS plugin): its file.
    This process counts as started after the file was written (see loaded_after)."""
    module = tmp_path / "localplugin_for_code_key.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("localplugin_for_code_key")
    loaded_after(module, monkeypatch)
    yield module
    sys.modules.pop("localplugin_for_code_key", None)


def loaded_after(path, monkeypatch):
    """Make this process look as if it had imported its modules just after `path` last changed."""
    since = path.stat().st_ctime_ns + buildcache.CLOCK_GRAIN_NS + 1
    monkeypatch.setattr(buildcache, "_process", buildcache._Process(since, {}))


def test_code_key_follows_a_loaded_module_outside_site_packages(local_plugin, monkeypatch):
    first = buildcache.code_key()
    assert first is not None and buildcache.code_key() == first
    local_plugin.write_text("X = 2\n")
    loaded_after(local_plugin, monkeypatch)  # a new process, which imports the edit
    assert buildcache.code_key() not in (first, None)


def test_code_changed_after_it_was_loaded_gives_no_key(local_plugin):
    assert buildcache.loaded_code_is_current() and buildcache.code_key() is not None
    # Edited after this process imported it: the file no longer tells what runs.
    local_plugin.write_text("X = 2\n")
    assert not buildcache.loaded_code_is_current()
    assert buildcache.code_key() is None


def test_a_distribution_removed_after_loading_gives_no_key(local_plugin, monkeypatch):
    gone = os.path.join(sys.path[-1], "removed_since-1.0.dist-info")
    monkeypatch.setattr(buildcache, "_LOADED_DISTRIBUTIONS", buildcache._LOADED_DISTRIBUTIONS | {gone})
    assert not buildcache.loaded_code_is_current()
    assert buildcache.code_key() is None


def test_an_edit_during_a_build_is_not_keyed_as_the_code_that_runs(local_plugin):
    during = buildcache.code_key()
    local_plugin.write_text("X = 2\n")  # edited after this process imported it
    assert during is not None and buildcache.code_key() is None  # every later cache of this process fails closed


def test_a_fork_dates_what_it_imports_itself_by_the_fork(local_plugin, tmp_path):
    """A warm builder's build imports the settings module after the fork (the
    zygote forgot it): an edit made before the fork is what the build runs,
    one made after the build imported it is not."""
    local_plugin.write_text("X = 2\n")  # after this process imported it: stale here
    sys.modules.pop("localplugin_for_code_key")  # forgotten before the fork, as the zygote does
    past_file_clock(tmp_path, local_plugin.stat().st_ctime_ns, buildcache.CLOCK_GRAIN_NS)  # the edit is clearly before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child answers in two bytes: 1 current, 0 not
        try:
            __import__("localplugin_for_code_key")
            before = buildcache.loaded_code_is_current()
            local_plugin.write_text("X = 3\n")  # edited after this child imported it
            after = buildcache.loaded_code_is_current()
            os.write(write, bytes([before, after]))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 2) == bytes([True, False])


def test_importing_it_connects_no_signal_and_changes_no_setting():
    code = ("from pelican.plugins import signals; import blinker; "
            "every = [s for s in vars(signals).values() if isinstance(s, blinker.Signal)]; "
            "before = sum(len(s.receivers) for s in every); "
            "from extramile import buildcache, staging; from extramile.plugins.speedups import speedups; "
            "from extramile.plugins.search_index import search_index; "
            "print(sum(len(s.receivers) for s in every) - before, sorted(buildcache.RUN_SETTINGS) == "
            "sorted(buildcache.RUN_SETTINGS | {'OUTPUT_PATH'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "True"]
    assert isinstance(buildcache.RUN_SETTINGS, frozenset)
