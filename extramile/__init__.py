"""The Extra Mile's own Python code: Pelican plugins, deploy targets, dev tools.

Installed (editable) by ``script/bootstrap`` from ``pyproject.toml``, so every
file imports it by name; nothing edits ``sys.path``.
"""

from pathlib import Path

# The site repository: pelicanconf.py, content/, theme/ and output/ live here.
ROOT = Path(__file__).resolve().parent.parent
