"""The build's `_redirects` file (plugins/redirects) as the deploy targets read
it: nginx turns its rules into locations, S3 into redirect objects."""

from pathlib import Path

from extramile.plugins.redirects.paths import file_of

NAME = "_redirects"


def read(output):
    """[(old path, new path, status)] of the build in `output`, paths as served (with the sub-path)."""
    path = Path(output) / NAME
    if not path.exists():
        return []
    rules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            old, new, status = line.split()
            rules.append((old, new, int(status.rstrip("!"))))
    return rules


def moved_files(output, prefix):
    """{file of the build: the path it redirects to} for each old address (301) of the site under `prefix`."""
    return {file_of(old[len(prefix) + 1:]): new for old, new, status in read(output)
            if status == 301 and old.startswith(prefix + "/")}
