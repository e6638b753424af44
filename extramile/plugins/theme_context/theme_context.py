"""Theme context: what the templates need beyond Pelican's own variables.

* ``SITE_ABSURL``: the absolute site address. With RELATIVE_URLS Pelican
  rewrites ``SITEURL`` per page, but canonical links, OpenGraph and JSON-LD
  must stay absolute.
* ``asset(path)``: the URL of a theme file with its content hash in the name
  (``css/style.3f9a1c2b7e.css``), so hosts can cache it for a year; the hashed
  copies are written next to the originals when the build ends.
* ``INLINE_SCRIPT``: the small head script, inlined so the theme is set
  before first paint.
* ``CSP_META`` and ``CSP_HEADER``: the ``CSP`` setting as policy strings, with
  the inline script's hash, the subscribe form's origin and the Isso
  server's (connect-src, when REPLIES is isso) added. The meta
  version leaves out what browsers ignore in ``<meta>`` (frame-ancestors).
* ``jsonld(schema, breadcrumbs)``: the page's JSON-LD blocks (jsonld.py).
* The feed stylesheet and the favicon get the colour tokens of style.css
  written into them at build time (palette.py): the palette is typed once.

Pelican calls each signal's receivers in the order of PLUGINS, so the
``initialized`` receivers of subscribe and replies, listed before this
plugin, have set ``SUBSCRIBE`` and ``REPLIES_CONFIG`` when the CSP is made.
"""

import base64
import hashlib
import os
import shutil
from pathlib import Path

from markupsafe import Markup
from pelican import signals

from extramile.buildcache import atomic_write
from extramile.plugins.theme_context.jsonld import jsonld
from extramile.plugins.theme_context.palette import PaletteError, insert_tokens, theme_palette

# Directives a <meta http-equiv="Content-Security-Policy"> cannot carry.
HEADER_ONLY_DIRECTIVES = {"frame-ancestors", "report-uri", "sandbox"}

# Theme files referenced through asset(): fingerprinted.
FINGERPRINTED = ("css/style.css", "favicon.svg", "css/search.css", "js/search.js", "css/feed.css", "js/replies.js")
INLINE_SCRIPT = "js/inline.js"
# Theme files with a palette marker: built from the source and style.css's tokens.
WITH_TOKENS = ("css/feed.css", "favicon.svg")


def built_files(theme_dir):
    """{rel: bytes} of the theme files that get the colour tokens."""
    tokens = theme_palette(theme_dir)
    static_dir = os.path.join(theme_dir, "static")
    return {rel: insert_tokens(tokens, Path(static_dir, rel).read_bytes().decode("utf-8"),
                               os.path.join(static_dir, rel)).encode("utf-8")
            for rel in WITH_TOKENS}


def build_manifest(static_dir, built):
    """Map each fingerprinted file to its hashed name (of the bytes written)."""
    manifest = {}
    for rel in FINGERPRINTED:
        data = built[rel] if rel in built else Path(static_dir, rel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        stem, ext = os.path.splitext(rel)
        manifest[rel] = f"{stem}.{digest[:10]}{ext}"
    return manifest


def csp_hash(text):
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def csp_policies(settings, script_hash):
    """Return (meta, header) policy strings built from the CSP setting."""
    policy = {name: list(values) for name, values in settings.get("CSP", {}).items()}
    policy.setdefault("script-src", ["'self'"]).append(script_hash)
    origin = (settings.get("SUBSCRIBE") or {}).get("form_origin")
    if origin:
        policy.setdefault("form-action", ["'self'"]).append(origin)
        if (settings.get("SUBSCRIBE") or {}).get("ajax"):
            policy.setdefault("connect-src", ["'self'"]).append(origin)
    replies_origin = (settings.get("REPLIES_CONFIG") or {}).get("isso_origin")
    if replies_origin:  # the reply form's script posts to Isso (plugins/replies)
        policy.setdefault("connect-src", ["'self'"]).append(replies_origin)
    header = "; ".join(f"{name} {' '.join(dict.fromkeys(values))}" for name, values in policy.items())
    meta = "; ".join(f"{name} {' '.join(dict.fromkeys(values))}" for name, values in policy.items()
                     if name not in HEADER_ONLY_DIRECTIVES)
    return meta, header


def add_context(pelican):
    settings = pelican.settings
    static_dir = os.path.join(settings["THEME"], "static")
    static_url = settings["THEME_STATIC_DIR"]
    try:
        pelican.theme_built = built_files(settings["THEME"])
    except PaletteError as err:
        raise SystemExit(f"Build stopped: theme palette: {err}") from None  # a message, not a traceback
    manifest = build_manifest(static_dir, pelican.theme_built)
    pelican.theme_manifest = manifest
    settings["THEME_ASSETS"] = {rel: f"{static_url}/{name}" for rel, name in manifest.items()}

    script = Path(static_dir, INLINE_SCRIPT).read_bytes().decode("utf-8").strip()
    settings["SITE_ABSURL"] = settings["SITEURL"]
    settings["INLINE_SCRIPT"] = Markup(script)
    settings["CSP_META"], settings["CSP_HEADER"] = csp_policies(settings, csp_hash(script))


def add_asset_function(generator):
    # A Jinja global, not a setting: settings are pickled into the content cache.
    assets = generator.settings.get("THEME_ASSETS", {})
    static_url = generator.settings["THEME_STATIC_DIR"]
    generator.env.globals["asset"] = lambda rel: assets.get(rel, f"{static_url}/{rel}")
    generator.env.globals["jsonld"] = jsonld


def write_fingerprinted_copies(pelican):
    out = os.path.join(pelican.output_path, pelican.settings["THEME_STATIC_DIR"])
    built = getattr(pelican, "theme_built", {})
    for rel, hashed in getattr(pelican, "theme_manifest", {}).items():
        src = os.path.join(out, rel)
        if not os.path.exists(src):
            continue
        if rel in built:
            # A new file (atomic_write replaces, never writes in place): the static
            # copy may be a hard link to the theme's source, which must not change.
            for path in (src, os.path.join(out, hashed)):
                atomic_write(path, built[rel])
        else:
            shutil.copyfile(src, os.path.join(out, hashed))


def register():
    signals.initialized.connect(add_context)
    signals.generator_init.connect(add_asset_function)
    # `finalized` runs after the static generator copied the theme files.
    signals.finalized.connect(write_fingerprinted_copies)
