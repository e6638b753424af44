"""What is already published, for the checks at the desk and in a pull request
(docs/deploying.md): `invoke publish` keeps a copy of the host's manifest in the
checkout's cache, one per target and destination; `invoke check --deployed URL`
fetches the one every publish leaves at the site's root instead.
"""

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from extramile.buildcache import atomic_write

from . import manifest

FOLDER = "deployed"  # inside the checkout's .cache/
FETCH_TIMEOUT = 20  # seconds
MAX_BYTES = 32 * 1024 * 1024  # a manifest lists every file: about 100 bytes each


def without_credentials(value, mask=""):
    """A URL without the user and password (a token) it may hold, `mask` in their
    place (https://x-access-token:...@github.com/...); other values as they are."""
    parts = urlsplit(str(value))
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=mask + parts.netloc.rsplit("@", 1)[1]))
    return str(value)


def copy_path(cache, target, config):
    """Where the desk copy of `target`'s manifest lives: one file per target and destination
    (its variables, without credentials: a token that changes on each run is the same host)."""
    name = target.__name__.rsplit(".", 1)[-1]
    where = {var: without_credentials(config.get(var, "")) for var in sorted(target.VARIABLES)}
    key = hashlib.sha256(json.dumps(where, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache) / FOLDER / f"{name}-{key}.json"


def keep(cache, target, config, deployed):
    """Save `deployed` (a manifest, or None: nothing to keep) as the desk copy."""
    if deployed is not None:
        path = copy_path(cache, target, config)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, manifest.dumps(deployed))


def desk_copy(cache, environ, settings):
    """The desk copy to check against: DEPLOY_TARGET's (environment, else publishconf.py's
    `settings`) if there is one, else the one a publish wrote last; None if none."""
    from . import chosen  # the package imports this module's siblings

    _, target, config = chosen(environ, settings)
    if target is not None and copy_path(cache, target, config).is_file():
        return copy_path(cache, target, config)
    copies = sorted((Path(cache) / FOLDER).glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return copies[-1] if copies else None


def fetch(address, into):
    """Fetch the manifest of the site at `address` (https://example.org/blog, or the manifest's
    own address) into the file `into`: (True, what was fetched) or (False, a one-line reason).
    Never raises for the network or a bad answer: a site that cannot be reached fails no check."""
    address = address.strip()
    url = address if address.endswith(".json") else address.rstrip("/") + "/" + manifest.NAME
    if urlsplit(url).scheme not in ("http", "https"):
        return False, f"{address!r} is not an http(s) address of the deployed site"
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as answer:
            data = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as err:
        return False, f"{url} answered {err.code} {err.reason}"
    except (urllib.error.URLError, OSError, ValueError) as err:
        return False, f"{url} could not be read ({getattr(err, 'reason', err)})"
    if len(data) > MAX_BYTES:
        return False, f"{url} is larger than {MAX_BYTES // 1024 // 1024} MB: not a manifest"
    if manifest.loads(data) is None:
        return False, f"{url} is not a manifest this version reads"
    Path(into).write_bytes(data)
    return True, url
