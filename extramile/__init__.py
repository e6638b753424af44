"""The Extra Mile's own Python code: Pelican plugins, deploy targets, dev tools.

Installed (editable) by ``script/bootstrap`` from ``pyproject.toml``, so every
file imports it by name; nothing edits ``sys.path``.
"""

from pathlib import Path

# The site repository: pelicanconf.py, content/, theme/ and output/ live here.
ROOT = Path(__file__).resolve().parent.parent
# The names of this machine: servers that only the author's own browser may reach.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def __getattr__(name):
    # PELICAN_CLASS = "extramile.StagedPelican": Pelican resolves it with
    # __import__("extramile") and getattr; imported only when asked for.
    if name == "StagedPelican":
        from extramile.staging import StagedPelican

        return StagedPelican
    raise AttributeError(name)
