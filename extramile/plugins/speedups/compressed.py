"""Compressed copies for speedups: the ``.gz`` pelican-precompress made of a
file's bytes before is put back before it runs (it keeps an existing ``.gz``
when ``PRECOMPRESS_OVERWRITE`` is False), and this build's are kept after.

Key (``CACHE_PATH/gzip/<key>/<sha256>.gz``): the file's bytes (the name), the
``PRECOMPRESS_*`` settings and the code; kept only while precompress writes
gzip alone (its zopfli also writes ``.gz``).
"""

import contextlib
import hashlib
import logging
import os
import time

from extramile.buildcache import code_key, hashed, keyed_folder, link_or_copy, stable_text

logger = logging.getLogger(__name__)


def gzip_cache(settings):
    """The keyed cache folder, when precompress writes gzip only (its zopfli also writes .gz)."""
    if (not settings.get("SPEEDUPS", True) or not settings.get("CACHE_CONTENT") or settings.get("PRECOMPRESS_OVERWRITE")
            or not settings.get("PRECOMPRESS_GZIP", True) or settings.get("PRECOMPRESS_ZOPFLI", True)):
        return None
    options = {name: value for name, value in settings.items() if name.startswith("PRECOMPRESS_")}
    key = hashed(code_key(), stable_text(options))
    return keyed_folder(settings, "gzip", key) if key else None


def compressible(pelican):
    """{path: SHA-256 of its bytes} of each file precompress will compress."""
    from pelican.plugins import precompress

    options = precompress.get_settings(pelican)
    found = {}
    for path in precompress.get_paths_to_compress(options):
        data = path.read_bytes()
        if not options["PRECOMPRESS_MIN_SIZE"] or len(data) >= options["PRECOMPRESS_MIN_SIZE"]:
            found[str(path)] = hashlib.sha256(data).hexdigest()
    return found


def put_back_gzip(pelican):
    """Before precompress: the .gz of every file whose bytes were compressed before."""
    cache = gzip_cache(pelican.settings)
    if not cache:
        return
    started, reused, sources = time.perf_counter(), 0, compressible(pelican)
    for path, digest in sources.items():
        cached = os.path.join(cache, digest + ".gz")
        if os.path.exists(cached) and not os.path.exists(f"{path}.gz"):
            link_or_copy(cached, f"{path}.gz")
            reused += 1
    logger.info("speedups: %d of %d compressed copies reused in %.2f s", reused, len(sources),
                time.perf_counter() - started)


def keep_gzip(pelican):
    """After precompress: keep this build's .gz copies, and only those."""
    cache = gzip_cache(pelican.settings)
    if not cache:
        return
    used = set()
    for path, digest in compressible(pelican).items():
        name = digest + ".gz"
        if os.path.exists(f"{path}.gz"):  # precompress skips files it cannot make smaller
            used.add(name)
            if not os.path.exists(os.path.join(cache, name)):
                link_or_copy(f"{path}.gz", os.path.join(cache, name))
    for name in set(os.listdir(cache)) - used:
        with contextlib.suppress(OSError):
            os.remove(os.path.join(cache, name))
