"""A problem an author must fix, and the one report that stops the build."""

import sys
from dataclasses import dataclass


@dataclass
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class Dropped(Problem):
    """A published page this build drops (plugins/validate/aliases.py), with the Aliases: line to add."""


# The heading a development build prints its Dropped warnings under; the
# development server shows the lines below it on the open pages (devtools/build_notes.py).
DROPPED_HEADING = "Published addresses this build drops (fine for previews, not for a publish):"


def report(problems):
    """Print every problem and stop the build with status 1."""
    count = len(problems)
    lines = [f"Build stopped: {count} problem{'s' if count != 1 else ''} to fix, nothing was written."]
    lines += [f"  {p}" for p in problems]
    print("\n".join(lines), file=sys.stderr)
    raise SystemExit(1)
