"""Who a reply may be signed by: never one of the blog's authors by accident
or disguise, never an email address.

A stranger can type any name into Isso's form or an email's From header. A
reply signed with an AUTHORS_INFO name is shown as the author's answer, so a
name that reads as an author's once lookalike and invisible characters are
set aside (Cyrillic "о" for "o", "rn" for "m", a right-to-left override, a
zero-width space, fullwidth letters, accents) is held for the owner to
confirm. The lookalike table is Unicode's (confusables.txt, via
confusable_homoglyphs).
"""

import re
import unicodedata

from confusable_homoglyphs.confusables import confusables_data

# user@host.tld as mail programs and people write it, also inside a mailto: or URL.
ADDRESS = re.compile(r"[^\s<>()\[\]{}@,;:\"'`]+@[^\s<>()\[\]{}@,;:\"'`]+\.[^\s<>()\[\]{}@,;:\"'`.]+")
ADDRESS_REMOVED = "(address removed)"
# Marks and formatting (bidi overrides, zero-width characters) leave no trace on screen.
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zl", "Zp"}


def has_address(text):
    return bool(ADDRESS.search(text or ""))


def without_addresses(text):
    """The text with every email address replaced by "(address removed)"."""
    return ADDRESS.sub(ADDRESS_REMOVED, text)


def _plain_letter(char):
    """The ASCII prototype Unicode gives a lookalike character, else the character."""
    if char.isascii():
        return char
    for homoglyph in confusables_data.get(char, ()):
        if homoglyph["c"].isascii():
            return homoglyph["c"]
    return char


def skeleton(name):
    """The name as it reads: compatibility forms folded (NFKC), accents and
    invisible characters dropped, lookalikes mapped to their ASCII letter,
    case ignored, only letters and digits kept ("rn" reads as "m", "0" as "o",
    "1" and "i" as "l")."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    visible = "".join(ch for ch in decomposed if unicodedata.category(ch) not in INVISIBLE)
    mapped = "".join(_plain_letter(ch) for ch in visible).casefold()
    mapped = "".join(ch for ch in unicodedata.normalize("NFKD", mapped) if unicodedata.category(ch) not in INVISIBLE)
    letters = "".join(ch for ch in mapped if ch.isalnum())
    return letters.replace("rn", "m").replace("vv", "w").translate(str.maketrans("01i|", "olll"))


def author_it_reads_as(name, authors):
    """The author (from AUTHORS_INFO) whose name `name` reads as, or None."""
    signed = skeleton(name)
    for author in authors:
        wanted = skeleton(author)
        if wanted and wanted in signed:
            return author
    return None
