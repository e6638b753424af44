"""Checks of the `Aliases:` lines and the GONE setting: each old path is a path
on this site (plugins/redirects/paths.py), names no page the build writes, and
is claimed once."""

from extramile.plugins.redirects.paths import NotASitePath, file_of, site_path, split_list
from extramile.plugins.validate.problems import Problem


def check_aliases(sources, settings, writers, problems):
    """`writers`: {output file: what writes it} from check_output_paths."""
    claimed = {}  # output file -> (what claims it as an old path)

    def claim(path, owner, where, line):
        written = writers.get(file_of(path))
        if written is not None:
            whose = "this page's own address" if written == where else f"the address of {written}"
            problems.append(Problem(where, line, f"the old path /{path} is {whose}, which exists: a redirect "
                                    f"there would hide it. Remove it from {owner}."))
        elif file_of(path) in claimed:
            problems.append(Problem(where, line, f"the old path /{path} is also claimed by {claimed[file_of(path)]}; "
                                    f"one old address leads to one page. Remove it from one of them."))
        else:
            claimed[file_of(path)] = where if owner != "GONE" else "GONE in pelicanconf.py"

    for source in sources:
        if "aliases" not in source.meta:
            continue
        line = source.lines["aliases"]
        for alias in split_list(source.meta["aliases"]):
            try:
                path = site_path(alias)
            except NotASitePath as err:
                what = "leaves the site" if err.leaves else "is not a path on this site"
                problems.append(Problem(source.path, line, f"the alias {what}: {err}"))
                continue
            claim(path, "its Aliases: line", source.path, line)
    for value in settings.get("GONE") or []:
        try:
            path = site_path(str(value))
        except NotASitePath as err:
            problems.append(Problem("pelicanconf.py", None, f"GONE: {err}"))
            continue
        claim(path, "GONE", "pelicanconf.py", None)
