"""The audit's own content (the site's plus its pictures post) passes validate,
so `invoke audit` gets as far as Lighthouse."""

from pelican.settings import read_settings

from extramile import ROOT
from extramile.plugins.validate import validate
from extramile.tools import audit


def test_the_audits_content_has_nothing_validate_stops_a_build_for(tmp_path):
    content = audit.audit_content(tmp_path / "content")
    settings = read_settings(str(ROOT / "publishconf.py"), override={
        "PATH": str(content), "CACHE_PATH": str(tmp_path / "cache"), "OUTPUT_PATH": str(tmp_path / "output")})
    assert [str(problem) for problem in validate.validate_content(settings)] == []
