"""Builds that never leave a stale or half-written site: the one "fresh folder,
then swap" of the project, used by every build (docs/architecture.md).

``StagedPelican`` (``PELICAN_CLASS``, Pelican's documented hook) builds into a
fresh sibling folder; Pelican itself would keep every file a build no longer
makes and leave half a site when one fails. Only once the build passed is the
output made of it: a missing output folder is the fresh one renamed; in an
existing one a changed file is moved in (an atomic rename: no browser reads half
a page), a file with the same bytes is left alone (its mtime stays: the
development server reloads only changed pages), a file the build did not make
is removed. Names in ``OUTPUT_RETENTION`` stay (the background search index).

During the build ``OUTPUT_PATH`` is the fresh folder and ``SITE_OUTPUT_PATH`` the
served one; once the site is in place the blinker signal ``site_ready`` is sent.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

import blinker
from pelican import Pelican

logger = logging.getLogger(__name__)

site_ready = blinker.signal("site_ready")

# SITE_OUTPUT_PATH and OUTPUT_RETENTION change no page: buildcache.RUN_SETTINGS lists them.


def same_bytes(a, b):
    try:
        return os.path.getsize(a) == os.path.getsize(b) and Path(a).read_bytes() == Path(b).read_bytes()
    except OSError:
        return False


def sync_tree(fresh, site, keep=()):
    """Make `site` hold exactly the files of `fresh` (both on one file system).
    Returns the relative paths that changed (added, replaced or removed)."""
    changed = []
    made = set()
    for folder, dirs, files in os.walk(fresh):
        rel_folder = "" if folder == fresh else os.path.relpath(folder, fresh)
        target_folder = os.path.join(site, rel_folder)
        if os.path.lexists(target_folder) and not os.path.isdir(target_folder):
            os.remove(target_folder)  # a file where the build now has a folder
        os.makedirs(target_folder, exist_ok=True)
        for name in files:
            rel = os.path.join(rel_folder, name)
            made.add(rel)
            source, target = os.path.join(folder, name), os.path.join(target_folder, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif same_bytes(source, target):
                continue
            os.replace(source, target)
            changed.append(rel)
        made.update(os.path.join(rel_folder, d) for d in dirs)
    for folder, dirs, files in os.walk(site, topdown=False):
        rel_folder = "" if folder == site else os.path.relpath(folder, site)
        if rel_folder.split(os.sep)[0] in keep:
            continue
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            rel = os.path.join(rel_folder, name)
            if rel not in made and not (rel_folder == "" and name in keep):
                os.remove(os.path.join(folder, name))
                changed.append(rel)
        for name in dirs:
            rel = os.path.join(rel_folder, name)
            path = os.path.join(folder, name)
            if rel not in made and name not in keep and os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
    return changed


class StagedPelican(Pelican):
    """Pelican, building its output folder through a fresh one (module docstring)."""

    def run(self):
        site = os.path.abspath(self.output_path)
        self.settings["SITE_OUTPUT_PATH"] = site
        parent, name = os.path.split(site)
        os.makedirs(parent, exist_ok=True)
        # Its own name: two builds of one folder at once never share a staging folder.
        staging = tempfile.mkdtemp(prefix=f".{name}-staging-", dir=parent)
        self.output_path = self.settings["OUTPUT_PATH"] = staging
        try:
            super().run()
            if os.path.isdir(site):
                changed = sync_tree(staging, site, keep=self.settings["OUTPUT_RETENTION"])
                logger.info("staging: %d files changed in %s", len(changed), site)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(staging, 0o777 & ~umask)  # mkdtemp's 0700: a web server must read it
                os.rename(staging, site)
        finally:
            self.output_path = self.settings["OUTPUT_PATH"] = site
            shutil.rmtree(staging, ignore_errors=True)
        site_ready.send(self)
