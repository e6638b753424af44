"""devtools/warm_builder.py: livereload's rebuilds run in forks of a process
that imported Pelican and the plugins once. They must build exactly what the
`pelican` command builds, fail as it fails, and survive what can go wrong."""

import os
import shutil
import signal

import pytest
from support import ROOT, cache_override, digests, run_pelican
from waiting import past_file_clock

from extramile.buildcache import CLOCK_GRAIN_NS
from extramile.devtools.warm_builder import WarmBuilder

POST = "posts/in-customers-we-trust.md"


# A site owner's plugin in a PLUGIN_PATHS folder: it sets the subtitle.
OWN_SETTINGS = """import os
from pelicanconf import *
PATH = os.path.join(os.getcwd(), "content")
PLUGIN_PATHS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins")]
PLUGINS = [*PLUGINS, "own_subtitle"]
"""
OWN_PLUGIN = """from pelican import signals


def subtitle(pelican):
    pelican.settings["SITESUBTITLE"] = {!r}


def register():
    signals.initialized.connect(subtitle)
"""


@pytest.fixture
def builder(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "own_subtitle.py").write_text(OWN_PLUGIN.format("Version one"))
    (tmp_path / "conf.py").write_text(OWN_SETTINGS)
    # The zygote starts clearly after the plugin was written: its start is known
    # to a kernel tick (rounded down, less than the grain), then compared with
    # the grain (buildcache.CLOCK_GRAIN_NS, _process_started_ns); twice the grain covers both.
    past_file_clock(tmp_path, (plugins / "own_subtitle.py").stat().st_ctime_ns, 2 * CLOCK_GRAIN_NS)
    warm = WarmBuilder(tmp_path / "conf.py", cwd=ROOT)
    warm.start()
    yield warm
    warm.close()


def args(content, output, cache, conf=ROOT / "pelicanconf.py"):
    return [str(content), "-s", str(conf), "-o", str(output), *cache_override(cache)]


def test_a_warm_build_is_the_build_the_command_makes(builder, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    result = builder.build(args(content, tmp_path / "warm", tmp_path / "cache-warm"))
    assert result["code"] == 0 and result["cpu"] > 0
    plain = run_pelican(tmp_path / "plain", content=content, extra=cache_override(tmp_path / "cache-plain"))
    assert plain.returncode == 0, plain.log
    warm, cold = digests(tmp_path / "warm"), digests(tmp_path / "plain")
    assert len(warm) > 50 and warm == cold
    # After an edit, in the same zygote: the edit is there.
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8") + "\nA warm wombat.\n", encoding="utf-8")
    assert builder.build(args(content, tmp_path / "warm", tmp_path / "cache-warm"))["code"] == 0
    assert "wombat" in (tmp_path / "warm" / "posts" / "in-customers-we-trust" / "index.html").read_text()


def test_a_failed_build_reports_like_the_command(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace("Author: Ron Kaufman", "Author: Nobody Known"),
                    encoding="utf-8")
    with open(tmp_path / "log", "w") as log:
        builder = WarmBuilder(ROOT / "pelicanconf.py", log=log)
        builder.start()
        result = builder.build(args(content, tmp_path / "out", tmp_path / "cache"))
        builder.close()
    assert result["code"] == 1 and result["cpu"] is not None  # built in the warm process
    err = (tmp_path / "log").read_text()
    assert f"content/{POST}:4: unknown author 'Nobody Known'" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_a_changed_plugin_or_a_dead_zygote_gets_a_new_one(builder, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    own = args(content, tmp_path / "out", tmp_path / "cache", conf=tmp_path / "conf.py")
    first = builder.proc.pid
    assert builder.build(own)["code"] == 0
    assert builder.proc.pid == first  # nothing changed: the same zygote
    assert "Version one" in (tmp_path / "out" / "index.html").read_text()
    # The owner edits their plugin: the next build runs the new code, in a new zygote.
    (tmp_path / "plugins" / "own_subtitle.py").write_text(OWN_PLUGIN.format("Version two"))
    assert builder.build(own)["code"] == 0
    second = builder.proc.pid
    assert second != first
    assert "Version two" in (tmp_path / "out" / "index.html").read_text()
    os.kill(second, signal.SIGKILL)
    builder.proc.wait()
    assert builder.build(own)["code"] == 0
    assert builder.proc.pid not in (first, second)


def test_a_settings_edit_reaches_the_next_build_in_the_same_zygote_with_its_caches(builder, tmp_path):
    """The settings file is read again by every build (after the fork): editing it
    is no code change, so the zygote stays and the build keeps its caches."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    own = args(content, tmp_path / "out", tmp_path / "cache", conf=tmp_path / "conf.py")
    first = builder.proc.pid
    assert builder.build(own)["code"] == 0
    with open(tmp_path / "conf.py", "a", encoding="utf-8") as f:
        f.write('SITENAME = "An Edited Name"\n')
    # An edit within a clock tick of the build's start cannot be told from one
    # made after the build read the file: that build keeps nothing (fail closed,
    # buildcache.CLOCK_GRAIN_NS); the dev server waits dev_server.CODE_QUIET_MS after a settings save.
    past_file_clock(tmp_path, (tmp_path / "conf.py").stat().st_ctime_ns, CLOCK_GRAIN_NS)
    log = tmp_path / "second.log"
    assert builder.build(own, log_path=str(log))["code"] == 0
    assert builder.proc.pid == first
    assert "An Edited Name" in (tmp_path / "out" / "index.html").read_text()
    assert "the code changed" not in log.read_text() and "Done: Processed" in log.read_text()
