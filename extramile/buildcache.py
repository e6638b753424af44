"""What every plugin that keeps work between builds shares: one way to stamp a
file, to key settings and code, to save and load a cache file, to link a kept
file into the output, and to give a plugin's settings their defaults.

The rule each cache follows (docs/performance.md, "What is cached"): a cache entry is a pure
function of its key. Every cache says in one line what its key covers and why
nothing outside it can change the result. Where a key cannot be worked out
(a setting whose value has no stable text, say), the helpers here return None
and the caller recomputes: a cache may only fail closed.
"""

import contextlib
import hashlib
import inspect
import logging
import os
import pickle
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import MappingProxyType

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent


# -- Settings ----------------------------------------------------------------
# Settings that say how or where a build runs, never what it writes, so no key of
# the output includes them (``settings_key(settings)``). Who sets each:
# OUTPUT_PATH (`invoke build` builds into a new folder each time); staging's
# SITE_OUTPUT_PATH (the served folder) and OUTPUT_RETENTION (what a clean output
# keeps); speedups' RENDER_FIRST (new for every save); search_index's
# SEARCH_INDEX_BACKGROUND and SEARCH_INDEX_TIMEOUT (when and how long it indexes);
# schedule's SCHEDULE_NOW (the build's one "now", read once when it starts).
RUN_SETTINGS = frozenset({"OUTPUT_PATH", "SITE_OUTPUT_PATH", "OUTPUT_RETENTION", "RENDER_FIRST",
                          "SEARCH_INDEX_BACKGROUND", "SEARCH_INDEX_TIMEOUT", "SCHEDULE_NOW"})


def add_defaults(settings, defaults):
    """Give a plugin's settings their defaults where pelicanconf.py is silent (at ``initialized``)."""
    for name, value in defaults.items():
        settings.setdefault(name, value)


def stable_text(value):
    """A text that is the same in every process for equal values, or None (an object
    printed with its address, such as a lock): then the caller does not cache.
    A function or class is named by its module, name and the hash of its source."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [stable_text(v) for v in value]
        if None in items:
            return None
        if isinstance(value, (set, frozenset)):
            items.sort()
        return f"{type(value).__name__}[{','.join(items)}]"
    if isinstance(value, dict):
        texts = {key: stable_text(value[key]) for key in sorted(value, key=repr)}
        return None if None in texts.values() else "{" + ",".join(f"{k!r}:{text}" for k, text in texts.items()) + "}"
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isclass(value):
        try:
            source = inspect.getsource(value)
        except (OSError, TypeError):
            return None
        return f"<{value.__module__}.{value.__qualname__}:{hashlib.sha256(source.encode()).hexdigest()}>"
    if inspect.isbuiltin(value) or inspect.ismodule(value):
        return f"<{getattr(value, '__module__', '')}.{value.__name__}>"
    if type(value).__repr__ is object.__repr__ and hasattr(value, "__dict__"):
        # A plain Python object (Jinja's FileSystemBytecodeCache in
        # JINJA_ENVIRONMENT): the code of its classes and its attributes, or
        # None if a class is not Python (C state) or an attribute has no text.
        classes = [stable_text(cls) for cls in type(value).__mro__[:-1]]
        state = stable_text(vars(value))
        return None if None in classes or state is None else f"<{','.join(classes)}:{state}>"
    text = repr(value)
    return None if " at 0x" in text else f"<{type(value).__qualname__}:{text}>"


def settings_key(settings, names=None):
    """SHA-256 of the settings (`names`, or all but RUN_SETTINGS), or None if one has no stable text."""
    if names is None:
        names = sorted(name for name in settings if name not in RUN_SETTINGS)
    chosen = {name: settings.get(name) for name in names}
    text = stable_text(chosen)
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


# -- Code ----------------------------------------------------------------------
def file_stamp(path):
    """What changes whenever a file's bytes may have: device, inode, size,
    mtime and ctime (which no program can set back). None if it is missing."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _process_started_ns():
    """When this process started, on the wall clock in ns (Linux's /proc), or None.
    Rounded down to the kernel's tick: never later than the true start."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        since_boot = int(fields[19]) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return time.time_ns() - (time.clock_gettime_ns(time.CLOCK_BOOTTIME) - since_boot)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# When this process's code began to load: its start, or this module's import
# where /proc is missing (then a module imported before this one is covered
# only by its distribution). A file changed after it may differ from the code
# that runs (see code_key).
LOADED_SINCE_NS = min(filter(None, (_process_started_ns(), time.time_ns())))


class _Process:
    """The earliest moment each module's code can have been read, as a fact of
    this process, set when it is born and never changed by a build: a forked
    child (a warm builder's build) runs what its parent had imported, dated as
    the parent dated it, and what it imports itself is dated by the fork."""

    def __init__(self, since_ns, inherited):
        self.since_ns = since_ns  # a module first imported in this process: not before this
        self.inherited = MappingProxyType(inherited)  # module name -> the date its importer gave it

    def since(self, module_name):
        return self.inherited.get(module_name, self.since_ns)


_process = _Process(LOADED_SINCE_NS, {})


def _born_by_fork():
    global _process  # a new process: its own, unchanging, record
    _process = _Process(time.time_ns(), {name: _process.since(name) for name in list(sys.modules)})


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere nothing forks
    os.register_at_fork(after_in_child=_born_by_fork)

# File times may come from a clock that lags the true time by up to one kernel
# tick (10 ms at 100 Hz): a change a moment after loading may show a time a
# moment before it. Anything stamped this close to the load counts as after.
CLOCK_GRAIN_NS = 20_000_000


def changed_since(stamp, since_ns):
    """Whether a file with this `file_stamp` (None: missing) may have changed
    after `since_ns`: its ctime, which no program can set back, is not
    clearly earlier."""
    return stamp is None or stamp[4] >= since_ns - CLOCK_GRAIN_NS


def installed_distributions():
    """Each installed distribution on sys.path as its metadata folder's path
    (``name-version.dist-info``, as the wheel format names it) and its metadata
    file's stamp (an egg-info's name may lack the version; a reinstall shows).
    The folders importlib.metadata finds, without parsing their metadata: that
    took 0.2 s of every build for 107 distributions, this takes 2 ms."""
    records = []
    for entry in dict.fromkeys(sys.path):
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                records.append((os.path.join(entry, name), file_stamp(os.path.join(entry, name, "METADATA"))))
            elif name.endswith(".egg-info"):
                path = os.path.join(entry, name)
                records.append((path, file_stamp(os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path)))
    return records


# The distributions installed when this module was imported: one removed
# since leaves no stamp to see, so the list itself is compared.
_LOADED_DISTRIBUTIONS = frozenset(path for path, _ in installed_distributions())


def code_files():
    """{path: (file_stamp, since)} of the Python sources code_key covers: this
    package's, and every other loaded module's from outside site-packages and
    the standard library (a plugin in a PLUGIN_PATHS folder); `since` is the
    earliest moment its code can have been read (see _Process)."""
    # Installed and standard modules are known by the distributions above and
    # the interpreter: told apart by their folder, as text (resolving each of
    # 400 modules' paths took 0.3 s).
    installed = tuple({os.path.join(path, "") for name, path in sysconfig.get_paths().items()
                       if name in ("stdlib", "platstdlib", "purelib", "platlib")}
                      | {os.path.join(os.path.dirname(os.__file__), "")})
    since = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and path.endswith(".py") and not path.startswith(installed):
            resolved = Path(path).resolve()
            if not str(resolved).startswith(installed) and "site-packages" not in resolved.parts:
                moment = _process.since(name)
                since[resolved] = min(since.get(resolved, moment), moment)
    for path in PACKAGE.rglob("*.py"):  # a module not imported yet would be read now
        since.setdefault(path, _process.since_ns)
    return {path: (file_stamp(path), since[path]) for path in sorted(since)}


def loaded_code_is_current(distributions=None, files=None):
    """Whether the code on disk is still the code this process loaded: no
    source code_key covers, and no distribution, changed or went since.
    (`distributions` and `files`: installed_distributions() and code_files().)"""
    distributions = installed_distributions() if distributions is None else distributions
    files = code_files() if files is None else files
    if frozenset(path for path, _ in distributions) != _LOADED_DISTRIBUTIONS:
        return False
    return not (any(changed_since(stamp, LOADED_SINCE_NS) for _, stamp in distributions)
                or any(changed_since(stamp, since) for stamp, since in files.values()))


def code_key():
    """SHA-256 of the code a build runs: Python's version, every installed
    distribution, and the sources code_files() covers. None (nothing is cached)
    when a source or a distribution changed after this process loaded its code
    (a long-lived warm builder imported the old one). Worked out anew on each
    call (5 ms): a caller keeps its answer in its own per-build state."""
    distributions, files = installed_distributions(), code_files()
    if not loaded_code_is_current(distributions, files):
        return None
    digest = hashlib.sha256(sys.version.encode())
    for path, stamp in distributions:
        digest.update(f"{path}:{stamp}\n".encode())
    for path in files:
        try:
            source = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            source = b""
        digest.update(str(path).encode() + b"\0" + source + b"\0")
    return digest.hexdigest()


def hashed(*parts):
    """SHA-256 of the texts `parts`, or None if one is None (no key: no cache)."""
    return None if None in parts else hashlib.sha256("\0".join(parts).encode()).hexdigest()


def keyed_folder(settings, kind, key):
    """CACHE_PATH/kind/key, with the folders of other keys removed."""
    root = os.path.join(settings["CACHE_PATH"], kind)
    if os.path.isdir(root):
        for name in os.listdir(root):
            if name != key:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    folder = os.path.join(root, key)
    os.makedirs(folder, exist_ok=True)
    return folder


# -- Files -------------------------------------------------------------------
def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def atomic_write(path, data):
    """Write bytes to `path` through a temporary file in the same folder, so a
    reader (or a build stopped half-way) sees the old file or the new, whole."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        # mkstemp makes the file private (0600); a kept file may be linked into
        # the output, which a web server's user must read: the umask's mode.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_pickle(path, key, data):
    """Keep `data` under `key`; a cache that cannot be saved costs time only."""
    try:
        atomic_write(path, pickle.dumps((key, data), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError) as err:
        logger.debug("could not save %s (%s)", path, err)


def load_pickle(path, key, default=None):
    """What `save_pickle` kept under exactly `key`; `default` if anything differs
    or the file is missing or damaged (a damaged cache costs time, not a crash)."""
    if key is None:
        return default
    try:
        with open(path, "rb") as f:
            found, data = pickle.load(f)
    except Exception:  # any damage at all (truncated, another format): start again
        return default
    return data if found == key else default


def link_or_copy(source, target):
    """Put a kept file at `target` without copying its bytes (a hard link; a copy
    across file systems). Safe because no one writes into a kept file in place:
    every writer replaces files whole (atomic_write)."""
    tmp = f"{target}.tmp-{os.getpid()}"
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def link_all(pairs):
    """link_or_copy each (kept file, target) pair, making the target folders;
    a target that already is the kept file (a kept output folder) stays."""
    made = set()
    for source, target in pairs:
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        with contextlib.suppress(FileNotFoundError):
            if os.path.samefile(source, target):
                continue
        link_or_copy(source, target)
