"""Drafts stay private: no trace of a draft outside its own preview page.

pelican-related-posts scores drafts too, by reading ``generator.tags[tag]``
for each of their tags. ``generator.tags`` is a defaultdict, so a tag used
only by drafts (or by future-dated posts, which production treats as drafts)
gets an empty entry, and Pelican then writes a tag page and two feeds for it,
the feeds stamped with the build time. This removes those entries after every
generator is done and before anything is written.

related_posts scores at ``article_generator_finalized``, which Pelican
sends before ``all_generators_finalized``, when this runs.
"""

from pelican import signals
from pelican.generators import ArticlesGenerator


def prune_draft_only_tags(generators):
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            for tag in [tag for tag, articles in generator.tags.items() if not articles]:
                del generator.tags[tag]


def register():
    signals.all_generators_finalized.connect(prune_draft_only_tags)
