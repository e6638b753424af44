"""Scheduled publishing at a chosen time: a fixture site with a post due at
2026-12-01 09:01, the times around it, and one `invoke publish --if-due` with
the clock moved by EXTRAMILE_NOW (extramile/clock.py)."""

from support import GOOD, cache_override, make_content, post, task_context

import tasks
from extramile import clock

BEFORE, JUST_BEFORE, AFTER = "2026-12-01T08:59:30+00:00", "2026-12-01T09:00:30+00:00", "2026-12-01T09:02:00+00:00"
SOON = post(title="Soon okapi", date="2026-12-01 09:01", extra="Summary: Due at 09:01.\n")
DRAFT = post(title="Draft zebra", date="2026-11-01 09:00", extra="Status: draft\nSummary: Never published.\n")


def fixture_content(tmp_path, soon=SOON):
    return make_content(tmp_path / "src", {"posts/good.md": GOOD, "posts/soon.md": soon, "posts/draft.md": DRAFT})


def publish_at(now, tmp_path, content, capsys=None, monkeypatch=None):
    """One `invoke publish --if-due` at the time `now`; returns (result, printed)."""
    monkeypatch.setenv(clock.VARIABLE, now)
    result = tasks.publish_site(task_context(), output=tmp_path / "output", content=content, if_due=True,
                                extra=cache_override(tmp_path / "cache"), lock=tmp_path / "publish.lock",
                                cache=tmp_path / "desk")
    return result, capsys.readouterr().out
