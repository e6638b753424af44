"""The private parts of Pelican our plugins rely on, each named once here.

Pelican offers no public hook for these; test_pelican_internals.py checks each
against the installed Pelican (pinned in requirements.lock), so an upgrade
that changes one fails a test instead of a build.
"""

import os

# (module, name, attribute or None, who relies on it and how)
INTERNALS = (
    ("pelican.cache", "FileStampDataCacher", "_get_file_stamp", "speedups.prefill: a source's stamp"),
    ("pelican.cache", "FileDataCacher", "_cache", "speedups.prefill: {path: (stamp, (content, metadata))}"),
    ("pelican.readers", "_filter_discardable_metadata", None, "speedups.prefill: as Readers.read_file caches"),
    ("pelican.writers", "Writer", "_open_w", "speedups._FirstWriter: the file a page is written to"),
    ("pelican.writers", "Writer", "_create_new_feed", "feeds.FeedWriter: the feed object write_feed fills"),
    ("pelican.writers", "Writer", "_add_item_to_the_feed", "feeds.FeedWriter: one item for an article"),
    # Cache files in CACHE_PATH are named after the generator's class, its
    # readers' after the class + "-Readers": safe_cache, speedups' content-key.
    ("pelican.generators", "CachingGenerator", None, "CACHE_SUFFIXES"),
)
CACHE_SUFFIXES = ("Generator", "Generator-Readers")


def pelican_cache_files(folder):
    """The names of Pelican's content cache files in `folder` (CACHE_PATH)."""
    try:
        return sorted(name for name in os.listdir(folder) if name.endswith(CACHE_SUFFIXES))
    except OSError:
        return []


def generator_cache_files(generator):
    """The names of a caching generator's own cache file and its readers'."""
    name = type(generator).__name__
    return name, f"{name}-Readers"
