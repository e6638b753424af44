"""The environment every build gets: only the variables the build reads.

A Pelican process can be made to publish what it sees (a settings file, a
plugin, a link to /proc/self/environ), so deploy credentials (AWS keys,
ISSO_ADMIN_PASSWORD, RSYNC_DEST, GHPAGES_REMOTE with its token) never reach
it. What publishconf.py and the plugins read (grep os.environ) is SITE; what
any process needs (programs, home, locale, time zone, Python's own switches)
is PROCESS. Nothing else passes.
"""

import os

from extramile import clock
from extramile.plugins.editor import git_host

SITE = ("SITEURL", "SUBSCRIBE_PROVIDER", "SUBSCRIBE_ACTION", "REPLIES", "REPLY_EMAIL", "ISSO_URL", clock.VARIABLE,
        *git_host.VARIABLES)  # the editor's git host: names and public ids, never a token
PROCESS = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM", "NO_COLOR",
           "PYTHONHASHSEED", "PYTHONPATH", "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONWARNINGS",
           "PYTHONDONTWRITEBYTECODE")
PREFIXES = ("LC_",)  # LC_ALL, LC_CTYPE...


def build_environment(overrides=None, environ=None):
    """The allowed part of `environ` (default: ours), with `overrides` on top (which must be allowed too)."""
    environ = os.environ if environ is None else environ
    allowed = lambda name: name in SITE or name in PROCESS or name.startswith(PREFIXES)  # noqa: E731
    extra = [name for name in overrides or {} if not allowed(name)]
    if extra:
        raise ValueError(f"{', '.join(extra)} is not read by the build: add it to extramile/buildenv.py if it is")
    return {**{name: value for name, value in environ.items() if allowed(name)}, **(overrides or {})}
