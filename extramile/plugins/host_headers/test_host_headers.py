"""host_headers: _headers from the settings, listing every fingerprinted file
that the `finalized` receivers before it wrote; it needs theme_context."""

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


def test_without_theme_context_the_build_stops_naming_it(tiny_build):
    with pytest.raises(SystemExit, match='needs "extramile.plugins.theme_context" before it in PLUGINS'):
        tiny_build(["extramile.plugins.host_headers"], conf="publishconf.py", SITEURL="https://example.org")


def test_files_written_by_earlier_finalized_receivers_are_listed(tiny_build, tmp_path):
    def late_writer(pelican):  # like search_index's chunks, written at `finalized` by a plugin listed earlier
        (tmp_path / "output" / "late.0123456789.js").write_text("")

    # Connected before the build's plugins, so called before them: Pelican's
    # signals call receivers in the order they were connected (PLUGINS order).
    signals.finalized.connect(late_writer)
    try:
        output = tiny_build(PLUGINS, conf="publishconf.py", SITEURL="https://example.org")
    finally:
        signals.finalized.disconnect(late_writer)
    text = (output / "_headers").read_text()
    assert "/late.0123456789.js\n  Cache-Control: public, max-age=31536000, immutable" in text
    hashed = next((output / "theme" / "css").glob("style.*.css")).name
    assert f"/theme/css/{hashed}\n" in text
