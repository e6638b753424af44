"""Nothing from outside the site's folders is published.

Pelican follows symbolic links: a link such as ``content/images/env.txt ->
/proc/self/environ`` (or ``-> /etc/passwd``, or a linked folder elsewhere on
the machine) is read or copied into the output and deployed. ``escapes``
walks the content folder and the theme without following links and names
every path whose real path leaves that folder; validate reports them with the
other problems, before anything is written. A link that stays inside the
folder (``images/logo.png -> shared/logo.png``) is allowed.

The content folder itself may be a link: its real path is the boundary. Hard
links cannot be told from ordinary files (the file simply is in two folders),
so they are not checked; git does not record them, so none arrive by a clone.
"""

import os


def escapes(root, shown_root):
    """(shown path, where it leads) of every link under `root` leading outside it.

    A link inside a linked folder is never reached: the folder is reported
    and not walked. `shown_root` is the folder's name in messages ("content")."""
    if not os.path.isdir(root):
        return []
    boundary = os.path.realpath(root)
    found = []
    for folder, dirs, files in os.walk(root):  # followlinks=False: a linked folder is listed, not entered
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                continue
            real = os.path.realpath(path)
            if os.path.commonpath([boundary, real]) != boundary:
                rel = os.path.relpath(path, root)
                found.append((os.path.join(shown_root, rel), os.readlink(path)))
    return sorted(found)


def problems(settings, problem):
    """validate's Problems for every link leaving the content folder or the theme."""
    roots = [(settings["PATH"], os.path.basename(os.path.normpath(settings["PATH"])) or "content"),
             (settings["THEME"], "theme")]
    return [problem(shown, None, f"a link to {target}, outside the {kind} folder: its file would be published. "
                    "Replace the link with a copy of the file, or remove it.")
            for root, kind in roots for shown, target in escapes(root, kind)]
