"""Builds that never leave a stale or half-written site in a kept output folder.

Pelican writes into its output folder as it goes and, when the folder is kept
between builds (development: ``DELETE_OUTPUT_DIRECTORY = False``), leaves behind
every file the new build no longer makes: the page of a deleted post, its
feed entry's old file, a renamed tag's pages. A failed build leaves half a site.

``StagedPelican`` (``PELICAN_CLASS`` in pelicanconf.py, Pelican's documented
way to change how a build runs) builds such a site into a fresh sibling folder
and then brings the kept folder to exactly that content: a file whose bytes
changed is moved in (an atomic rename, so a browser never reads half a page),
a file with the same bytes is left alone (its mtime stays, so the development
server reloads only pages that changed), a file the build did not make is
removed. The kept folder is then byte for byte what a build from nothing
gives. Names in ``OUTPUT_RETENTION`` (Pelican's setting for files a clean
output keeps) are left alone: the search index that a background job writes
after the build lives there.

During the build ``OUTPUT_PATH`` is the fresh folder; ``SITE_OUTPUT_PATH``
is always the folder the finished site is served from. After the site is in
place the blinker signal ``site_ready`` is sent with the Pelican object, for
work that needs the finished site (the background search index).
"""

import logging
import os
import shutil

import blinker
from pelican import Pelican

from extramile.buildcache import declare_run_settings

logger = logging.getLogger(__name__)

site_ready = blinker.signal("site_ready")

# Where the finished site is served, and what a clean output keeps: neither changes a page.
declare_run_settings("SITE_OUTPUT_PATH", "OUTPUT_RETENTION")


def same_bytes(a, b, chunk=1 << 16):
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                block = fa.read(chunk)
                if block != fb.read(chunk):
                    return False
                if not block:
                    return True
    except OSError:
        return False


def sync_tree(fresh, site, keep=()):
    """Make `site` hold exactly the files of `fresh` (both on one file system).
    Returns the relative paths that changed (added, replaced or removed)."""
    changed = []
    made = set()
    for folder, dirs, files in os.walk(fresh):
        rel_folder = os.path.relpath(folder, fresh)
        if rel_folder == ".":
            rel_folder = ""
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
        rel_folder = os.path.relpath(folder, site)
        if rel_folder == ".":
            rel_folder = ""
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
    """Pelican, building a kept output folder through a fresh one (module docstring)."""

    def run(self):
        site = os.path.abspath(self.output_path)
        self.settings["SITE_OUTPUT_PATH"] = site
        if self.delete_outputdir or not os.path.isdir(site) or not os.listdir(site):
            super().run()  # an empty or emptied folder: nothing in it can be stale
        else:
            parent, name = os.path.split(site)
            staging = os.path.join(parent, f".{name}-staging")
            shutil.rmtree(staging, ignore_errors=True)
            self.output_path = self.settings["OUTPUT_PATH"] = staging
            try:
                super().run()
                changed = sync_tree(staging, site, keep=self.settings["OUTPUT_RETENTION"])
                logger.info("staging: %d files changed in %s", len(changed), site)
            finally:
                self.output_path = self.settings["OUTPUT_PATH"] = site
                shutil.rmtree(staging, ignore_errors=True)
        site_ready.send(self)
