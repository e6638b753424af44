"""The site's colours, defined once: the ``--color-*`` custom properties of the
first ``:root`` block of ``theme/static/css/style.css``.

Each token is ``--color-name: light-dark(LIGHT, DARK);``, a single value for
both schemes, or ``var(--color-other)``. Everything else that needs a colour
takes it from here:

* theme files that cannot see style.css (the feed stylesheet, the favicon)
  carry a ``/* palette */`` marker, replaced at build time by the tokens they
  use (``insert_tokens``, called by theme_context);
* the social images read the light values (``colour``).
"""

import re
from functools import lru_cache
from pathlib import Path

TOKENS_FILE = "css/style.css"  # under the theme's static folder
MARKER = "/* palette */"

ROOT_BLOCK = re.compile(r":root\s*\{(?P<body>[^}]*)\}")
DECLARATION = re.compile(r"(--color-[\w-]+)\s*:\s*([^;]+);")
LIGHT_DARK = re.compile(r"light-dark\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$")
REFERENCE = re.compile(r"var\(\s*(--color-[\w-]+)\s*\)")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class PaletteError(ValueError):
    """A token missing or written in a form the palette does not read."""


# Keyed by the file's whole text and name: the same text always parses the same.
@lru_cache(maxsize=8)
def parse_tokens(css, source="style.css"):
    """``{"--color-bg": (light, dark), ...}`` from a stylesheet's first :root block.

    A value of ``var(--color-x)`` is kept as written for both schemes."""
    # Comments out (their line breaks kept, so lines are counted right).
    css = COMMENT.sub(lambda m: "\n" * m[0].count("\n"), css)
    block = ROOT_BLOCK.search(css)
    if not block:
        raise PaletteError(f"{source}: no :root {{ ... }} block holding the colour tokens")
    first_line = css.count("\n", 0, block.start("body")) + 1
    tokens = {}
    for match in DECLARATION.finditer(block["body"]):
        name, value = match[1], " ".join(match[2].split())
        line = first_line + block["body"].count("\n", 0, match.start())
        pair = LIGHT_DARK.fullmatch(value)
        if pair:
            tokens[name] = (pair[1], pair[2])
        elif "(" in value and not REFERENCE.fullmatch(value):
            raise PaletteError(f"{source}:{line}: {name}: write light-dark(LIGHT, DARK), "
                               f"one colour or var(--color-...), not {value!r}")
        else:
            tokens[name] = (value, value)
    if not tokens:
        raise PaletteError(f"{source}:{first_line}: the :root block defines no --color-* token")
    return tokens


def theme_palette(theme_dir):
    """The tokens of a theme (its path as in the THEME setting)."""
    path = Path(theme_dir, "static", TOKENS_FILE)
    try:
        css = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PaletteError(f"{path}: missing; it holds the theme's colour tokens") from None
    return parse_tokens(css, str(path))


def _lookup(tokens, name, source):
    if name not in tokens:
        raise PaletteError(f"{source}: no colour token {name} in the :root block of {TOKENS_FILE} "
                           f"(it has {', '.join(sorted(tokens))})")
    return tokens[name]


def colour(tokens, name, scheme="light", source=TOKENS_FILE):
    """One token's value in a scheme, var() references followed (--color-link
    gives --color-accent's value)."""
    seen = []
    value = _lookup(tokens, name, source)[scheme == "dark"]
    while REFERENCE.fullmatch(value):
        seen.append(name)
        name = REFERENCE.fullmatch(value)[1]
        if name in seen:
            raise PaletteError(f"{source}: the colour tokens {' -> '.join([*seen, name])} refer to each other")
        value = _lookup(tokens, name, source)[scheme == "dark"]
    return value


def used_tokens(tokens, text, source):
    """The tokens `text` uses, with those they refer to, in the palette's order."""
    wanted, todo = set(), REFERENCE.findall(text)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += REFERENCE.findall(" ".join(_lookup(tokens, name, source)))
    return [name for name in tokens if name in wanted]


def tokens_block(tokens, names):
    """CSS defining `names` for the reader's scheme. A media query rather than
    light-dark(): it also works inside an SVG favicon, which has no
    color-scheme of its own in every browser."""
    light = "".join(f"{n}:{tokens[n][0]};" for n in names)
    dark = "".join(f"{n}:{tokens[n][1]};" for n in names if tokens[n][1] != tokens[n][0])
    css = f":root{{{light}}}"
    if dark:
        css += f"@media (prefers-color-scheme:dark){{:root{{{dark}}}}}"
    return css


def insert_tokens(tokens, text, source):
    """`text` (a theme file) with its MARKER replaced by the tokens it uses."""
    if text.count(MARKER) != 1:
        raise PaletteError(f"{source}: needs exactly one {MARKER} marker where the colour tokens go")
    return text.replace(MARKER, tokens_block(tokens, used_tokens(tokens, text, source)))
