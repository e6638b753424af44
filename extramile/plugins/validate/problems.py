"""A problem an author must fix, and the one report that stops the build."""

import re
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


# A problem line as report() prints it: "  FILE[:LINE]: MESSAGE".
PROBLEM_LINE = re.compile(r"^  (?P<file>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?P<message>.+)$")


def annotations(printed):
    """GitHub's workflow commands for the problems a build printed: `::error` for
    what stops it, `::warning` for reminders; the pull request shows each on its
    file and line. Escaped as the runner's toolkit does (%, CR, LF; `:` and `,` in values)."""
    def escape(text, value=False):
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if value else text

    level = None
    for line in printed.splitlines():
        if line.startswith("Build stopped:"):
            level = "error"
        elif line and not line.startswith(" "):
            level = "warning" if line.rstrip().endswith(":") and level != "error" else level
        found = PROBLEM_LINE.match(line)
        if found and level:
            where = f"file={escape(found['file'], True)}" + (f",line={found['line']}" if found["line"] else "")
            yield f"::{level} {where}::{escape(found['message'])}"
