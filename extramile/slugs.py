"""A post's slug (its web address) made from its title, as Pelican makes it:
one rule for `invoke new-post`, validate and the browser editor.

The editor runs the same rule in the browser (plugins/editor/slug.js), with
what ``browser_rule`` gives it: the site's slug settings and unidecode's
transliteration of the characters a title is likely to hold, so that neither
side decides anything of its own (plugins/editor/test_slug.py compares them).
"""

import functools
import re
import unicodedata

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify
from unidecode import unidecode

# slugify's options, by the setting each comes from.
OPTIONS = {"regex_subs": "SLUG_REGEX_SUBSTITUTIONS", "preserve_case": "SLUGIFY_PRESERVE_CASE",
           "use_unicode": "SLUGIFY_USE_UNICODE"}

# The characters whose transliteration the browser gets (others stop a new
# post's save with a message): Latin, IPA, Greek, Cyrillic, punctuation,
# currency, arrows, symbols and the emoji planes (which unidecode drops).
TRANSLITERATED = ((0x80, 0x530), (0x1E00, 0x2C00), (0x1F000, 0x1FB00))

# Python's regular expressions as JavaScript spells them (the substitutions
# Pelican ships use \A, \Z and the (?u) flag, which JavaScript lacks).
PYTHON_TO_JS = [(re.compile(r"\(\?u\)"), ""), (re.compile(r"\\A"), "^"), (re.compile(r"\\Z"), "$"),
                (re.compile(r"\(\?P<"), "(?<"), (re.compile(r"\(\?P=(\w+)\)"), r"\\k<\1>")]
REPLACEMENT_TO_JS = [(re.compile(r"\$"), "$$"), (re.compile(r"\\g<(\w+)>"), r"$<\1>"),
                     (re.compile(r"\\(\d+)"), r"$\1")]


def options(settings):
    return {option: settings.get(name, DEFAULT_CONFIG[name]) for option, name in OPTIONS.items()}


def slug_of_title(title, settings):
    """The slug Pelican gives a post with this title and no Slug: line."""
    return slugify(title, **options(settings))


def to_js(pattern, rules):
    for python, js in rules:
        pattern = python.sub(js, pattern)
    return pattern


@functools.cache
def transliterations():
    """{character: unidecode's ASCII for it} over TRANSLITERATED (a constant of
    the installed unidecode, so computed once a process)."""
    table = {}
    for start, end in TRANSLITERATED:
        for point in range(start, end):
            char = chr(point)
            if unicodedata.normalize("NFKC", char) == char and unidecode(char) != char:
                table[char] = unidecode(char)
    return table


def browser_rule(settings):
    """What slug.js needs to make the slug `slug_of_title` makes (JSON)."""
    rule = options(settings)
    return {
        "subs": [[to_js(unicodedata.normalize("NFKC", src), PYTHON_TO_JS),
                  to_js(unicodedata.normalize("NFKC", dst), REPLACEMENT_TO_JS)] for src, dst in rule["regex_subs"]],
        "preserve_case": bool(rule["preserve_case"]),
        "use_unicode": bool(rule["use_unicode"]),
        "table": {} if rule["use_unicode"] else transliterations(),
    }
