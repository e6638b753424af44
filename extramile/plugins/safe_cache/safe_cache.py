"""Safe cache: a damaged content cache costs a slower build, never a crash.

Pelican writes its cache files in place, so a build stopped half-way (Ctrl-C
during `invoke livereload`) or two builds sharing CACHE_PATH leave a truncated
file. The next build then dies in ``pickle.load`` with ``EOFError`` and a
traceback, because Pelican only catches ``OSError`` and ``PickleError`` there.
This plugin changes Pelican's ``FileDataCacher`` in two small ways:

* saving writes a temporary file in the same folder and renames it over the
  old one, so a cache file is always whole (the last writer wins);
* loading treats any unreadable cache as empty, with a warning, and the build
  reads every source again.
"""

import gzip
import logging
import pickle

from pelican.cache import FileDataCacher

from extramile.buildcache import atomic_write

logger = logging.getLogger(__name__)

_original_init = FileDataCacher.__init__


def _init(self, settings, cache_name, caching_policy, load_policy):
    try:
        _original_init(self, settings, cache_name, caching_policy, load_policy)
    except (EOFError, ValueError, AttributeError, ImportError, IndexError) as err:
        # The attributes were set before loading began; only the data is lost.
        logger.warning("safe_cache: the build cache %s was damaged (%s: %s); rebuilding it",
                       self._cache_path, type(err).__name__, err)
        self._cache = {}


def _save_cache(self):
    # Pelican's own cache: what it keeps and by what key is Pelican's; this
    # changes only how the file is written (whole, gzipped as GZIP_CACHE says).
    if not self._cache_data_policy:
        return
    try:
        data = pickle.dumps(self._cache)
        if self.settings["GZIP_CACHE"]:
            data = gzip.compress(data, mtime=0)
        atomic_write(self._cache_path, data)
    except (OSError, pickle.PicklingError, TypeError) as err:
        logger.warning("Could not save cache %s\n ... %s", self._cache_path, err)


def register():
    # Patched when the plugin loads: before any generator opens its cache.
    FileDataCacher.__init__ = _init
    FileDataCacher.save_cache = _save_cache
