"""host_headers: _headers from the settings, listing every fingerprinted file,
whichever `finalized` receiver wrote it; it needs theme_context."""

import weakref
from types import SimpleNamespace

import blinker
import pytest
from pelican import signals

from extramile.plugins.host_headers import host_headers

PLUGINS = ["extramile.plugins.theme_context", "extramile.plugins.host_headers"]


def test_fingerprinted_files_are_cached_for_a_year(tmp_path):
    (tmp_path / "theme" / "css").mkdir(parents=True)
    (tmp_path / "theme" / "css" / "style.0123456789.css").write_text("")
    (tmp_path / "theme" / "css" / "style.css").write_text("")
    (tmp_path / "pagefind" / "index").mkdir(parents=True)
    (tmp_path / "pagefind" / "index" / "en_abcdef1.pf_index").write_text("")
    settings = {"SITEURL": "https://example.org/blog", "CSP_HEADER": "default-src 'self'",
                "REFERRER_POLICY": "no-referrer"}
    text = host_headers.render(settings, str(tmp_path))
    assert "/blog/*\n  Content-Security-Policy: default-src 'self'\n  Referrer-Policy: no-referrer\n" in text
    assert "/blog/pagefind/index/*\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    assert "/blog/theme/css/style.0123456789.css\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    assert "style.css\n" not in text


def test_without_theme_context_the_build_stops_naming_the_setting():
    pelican = SimpleNamespace(settings={"PLUGINS": ["extramile.plugins.host_headers"]})
    with pytest.raises(RuntimeError, match='add "extramile.plugins.theme_context" to PLUGINS'):
        host_headers.check_dependencies(pelican)


def test_files_written_by_any_finalized_receiver_are_listed(tiny_build, tmp_path):
    finalized_receivers = []

    def late_writer(pelican):  # like search_index's chunks: written at `finalized`, in any order
        (tmp_path / "output" / "late.0123456789.js").write_text("")
        finalized_receivers.extend(r() if isinstance(r, weakref.ref) else r
                                   for r in signals.finalized.receivers.values())

    signals.finalized.connect(late_writer)
    try:
        output = tiny_build(PLUGINS, conf="publishconf.py", SITEURL="https://example.org")
    finally:
        signals.finalized.disconnect(late_writer)
    # Blinker calls `finalized` receivers in no set order: _headers is written after all of them.
    assert host_headers.write_headers not in finalized_receivers
    text = (output / "_headers").read_text()
    assert "/late.0123456789.js\n  Cache-Control: public, max-age=31536000, immutable" in text
    hashed = next((output / "theme" / "css").glob("style.*.css")).name
    assert f"/theme/css/{hashed}\n" in text
    assert host_headers.write_headers not in blinker.signal("sitemap").receivers.values()  # disconnected after
