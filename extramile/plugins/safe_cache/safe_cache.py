"""Safe cache: a damaged content cache costs a slower build, never a crash.

Pelican writes its cache files in place: a build stopped while saving leaves
a truncated file, and the next build dies in ``pickle.load``
(docs/pelican-cache-bug.md). After a generator saved its caches this plugin
notes their stamps (``file_stamp``) in ``CACHE_PATH/STAMPS``; before any
generator loads one, a cache file whose stamp is not the one noted is removed
with a warning, and its sources are read again. Key: a file is loaded only as
a finished save left it (its ctime, which no program can set back).
"""

import json
import logging
import os

from pelican import signals

from extramile.buildcache import atomic_write, file_stamp
from extramile.pelican_internals import generator_cache_files, pelican_cache_files

logger = logging.getLogger(__name__)

STAMPS = "safe-cache-stamps.json"


def noted(folder):
    try:
        with open(os.path.join(folder, STAMPS), encoding="utf-8") as f:
            return {name: tuple(stamp) for name, stamp in json.load(f).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def remove_unsaved(pelican):
    """Before any cache is loaded: remove each cache file no finished save left."""
    folder = pelican.settings["CACHE_PATH"]
    stamps = noted(folder)
    for name in pelican_cache_files(folder):
        if stamps.get(name) != file_stamp(os.path.join(folder, name)):
            logger.warning("safe_cache: the build cache %s was damaged or changed since its last save; "
                           "rebuilding it", os.path.join(folder, name))
            os.remove(os.path.join(folder, name))


def note_saved(generator):
    """The generator has just saved its caches: note their stamps."""
    folder = generator.settings["CACHE_PATH"]
    stamps = noted(folder)
    for name in generator_cache_files(generator):
        stamps[name] = file_stamp(os.path.join(folder, name))
        if stamps[name] is None:  # this generator keeps no cache at this level
            del stamps[name]
    if os.path.isdir(folder):
        atomic_write(os.path.join(folder, STAMPS), json.dumps(stamps).encode())


def register():
    # get_generators: after every `initialized` receiver, before any generator loads its cache.
    signals.get_generators.connect(remove_unsaved)
    # Sent right after the generator's save_cache() and its readers' save_cache().
    signals.article_generator_finalized.connect(note_saved)
    signals.page_generator_finalized.connect(note_saved)
