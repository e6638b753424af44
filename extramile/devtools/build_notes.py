"""What a passing development build says the open pages should show: the
published addresses it drops (plugins/validate prints them under
DROPPED_HEADING, each with the `Aliases:` line to add). A failed build's
problems are the overlay's; these are a note at the page's foot, which stays
until a build no longer prints them."""

import re

from extramile.plugins.validate.problems import DROPPED_HEADING

# "  content/posts/x.md:4: its published address ..." (the line is left out for pelicanconf.py)
NOTE = re.compile(r"^  (?P<file>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?P<message>.+)$")


def dropped_addresses(printed):
    """[{file, line, message}] of the lines under DROPPED_HEADING in what a build printed."""
    notes, under = [], False
    for line in printed.splitlines():
        if line == DROPPED_HEADING:
            under = True
            continue
        found = NOTE.match(line) if under else None
        if found is None:
            under = False
            continue
        notes.append({"file": found["file"], "line": found["line"] or "", "message": found["message"]})
    return notes
