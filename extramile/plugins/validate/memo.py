"""What validate worked out in the last build, kept for the next (see Memo)."""

import os

from pelican.contents import Article, Page
from pelican.urlwrappers import Category
from pelican.utils import get_date

from extramile.buildcache import code_key, file_stamp, load_pickle, save_pickle, settings_key
from extramile.plugins.schedule.schedule import is_scheduled


def save_as(kind, inputs, settings):
    """(path, date) where Pelican will write a source with these inputs, as
    Pelican itself computes it; date is a post's date (None for a page)."""
    meta = dict(inputs)
    if kind == "page":
        return Page("", metadata=meta, settings=settings).save_as, None
    meta["date"] = get_date(meta["date"])
    meta["category"] = Category(meta["category"], settings)
    article = Article("", metadata=meta, settings=settings)
    return article.save_as, article.date


class Memo:
    """What the last build worked out, by its inputs and the settings: each
    source's output path (Pelican works it out by making an Article, signals
    included: 0.4 s for 1000 posts) and each file's own checks (`check_file`: 0.1 s), by the file's stamp.
    Most sources keep theirs from one build to the next. Kept in
    CACHE_PATH/validate-memo.pickle; a damaged file is simply forgotten.

    Key: the code (code_key: Pelican, dateutil, every plugin whose signals
    making an Article runs) and every setting but RUN_SETTINGS; each entry
    by its own inputs (a file's stamp, the metadata that decides
    an output path). Those are all a check reads, so a kept answer is the one
    the check would give again.
    """

    def __init__(self, settings):
        self.key = (code_key(), settings_key(settings))
        if None in self.key:
            self.key = None  # a setting without stable text: nothing is kept
        cache = settings.get("CACHE_PATH")
        self.path = os.path.join(cache, "validate-memo.pickle") if cache and settings.get("CACHE_CONTENT") else None
        self.old = load_pickle(self.path, self.key, {}) if self.path else {}
        self.new = {}
        self.settings, self.made = settings, {}

    def named(self, wrapper, name):
        """The category, tag, author or series called `name`: one object per name,
        as each slug and address costs a slugify (thousands for a large blog)."""
        made = self.made.get((wrapper, name))
        if made is None:
            made = self.made[(wrapper, name)] = wrapper(name, self.settings)
        return made

    def save_as(self, kind, inputs, settings):
        # Keyed by the metadata written in the source and, for a post, by
        # whether its date is still ahead (scheduled: a draft until then).
        key = (kind, tuple(sorted(inputs.items())))
        known = self.old.get(key)
        if known is not None and (known[1] is None or is_scheduled(known[1], settings) == known[2]):
            path, date, _ = known
        else:
            path, date = save_as(kind, inputs, settings)
        self.new[key] = (path, date, date is not None and is_scheduled(date, settings))
        return path

    def file_checks(self, check, kind, abspath, shown, settings):
        """`check`'s answer for a file, the remembered one if the file has not changed since."""
        stamp = file_stamp(abspath)
        key = ("file", kind, abspath, shown)
        known = self.old.get(key)
        if stamp is not None and known is not None and known[0] == stamp:
            result = known[1]
        else:
            result = check(kind, abspath, shown, settings, self)
        if stamp is not None:
            self.new[key] = (stamp, result)
        return result

    def save(self):
        if self.path and self.key is not None and self.new != self.old:
            save_pickle(self.path, self.key, self.new)
