"""The private parts of Pelican our plugins rely on, each named once here.

Pelican offers no public hook for these. Each entry says who relies on it
and how; ``test_pelican_internals.py`` checks every one against the installed
Pelican (version pinned in requirements.lock), so an upgrade that changes one
fails a test instead of a build.
"""

import os

# (module, name, dotted attribute or None, who relies on it and how)
INTERNALS = (
    ("pelican.cache", "FileStampDataCacher", "_get_file_stamp",
     "speedups.prefill: a source's stamp (path) -> what the cache compares"),
    ("pelican.cache", "FileDataCacher", "_cache",
     "speedups.prefill: the loaded cache dict, {path: (stamp, (content, metadata))} for Readers"),
    ("pelican.readers", "_filter_discardable_metadata", None,
     "speedups.prefill: what Readers.read_file drops from a reader's metadata before caching it"),
    ("pelican.writers", "Writer", "_open_w",
     "speedups._FirstWriter: (filename, encoding, override) -> the file a page is written to"),
    ("pelican.writers", "Writer", "_create_new_feed",
     "feeds.FeedWriter: (feed_type, feed_title, context) -> the feed object write_feed fills"),
    ("pelican.writers", "Writer", "_add_item_to_the_feed",
     "feeds.FeedWriter: (feed, item) adds one item for the article `item` at the end of feed.items"),
    ("pelican.generators", "CachingGenerator", None,
     "safe_cache, speedups: its cache files in CACHE_PATH are named after the generator's "
     "class, and its readers' after the class + '-Readers' (CACHE_SUFFIXES)"),
)

# The names CachingGenerator gives its cache files and its Readers' (see INTERNALS).
CACHE_SUFFIXES = ("Generator", "Generator-Readers")


def pelican_cache_files(folder):
    """The names of Pelican's content cache files in `folder` (CACHE_PATH)."""
    try:
        return sorted(name for name in os.listdir(folder) if name.endswith(CACHE_SUFFIXES))
    except OSError:
        return []


def generator_cache_files(generator):
    """The names of a caching generator's own cache file and its readers' (see INTERNALS)."""
    name = type(generator).__name__
    return name, f"{name}-Readers"
