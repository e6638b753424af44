"""Deploy the built site (output/) to the host that DEPLOY_TARGET names.

Each target is a small module naming its VARIABLES (REQUIRED ones are checked
before anything is built, with every setting the production build needs) and
a ``deploy(output, config, dry_run, manifest)`` that uploads or, with
``dry_run``, prints what would change, then leaves the manifest
(deploy/manifest.py) on the host; ``read_manifest(config)`` reads it back for `invoke publish --if-due`. Settings come from the environment, or
from publishconf.py under the same names; only the chosen target's variables
are read, so no rsync/SSH setting is needed to publish to GitHub Pages or S3.
"""

import contextlib
import subprocess
from pathlib import Path

from . import ghpages, manifest, rsync, s3
from .errors import DeployError

__all__ = ["DeployError", "TARGETS", "configure", "deploy", "locked", "read_manifest"]
TARGETS = {"rsync": rsync, "ghpages": ghpages, "s3": s3}
FAILURE_WORDS = ("fatal", "error", "rejected", "denied", "refused", "failed", "not found", "no such", "could not")


def configure(environ, settings):
    """Return (target module, config), or raise DeployError naming, at once,
    everything missing: the target's variables and, for production settings
    (publishconf.py: PRODUCTION), every setting the build would stop on."""
    lookup = lambda name, default="": environ.get(name) or settings.get(name) or default  # noqa: E731
    name = lookup("DEPLOY_TARGET")
    problems, target, config = [], TARGETS.get(name), None
    if target is None:
        problems.append(f"DEPLOY_TARGET is {name!r}: set it to one of {', '.join(TARGETS)} "
                        "(in the environment or publishconf.py)")
    else:
        config = {var: lookup(var, default) for var, default in target.VARIABLES.items()}
        missing = [var for var in target.REQUIRED if not config[var]]
        if missing:
            problems.append(f"DEPLOY_TARGET={name} needs {', '.join(missing)}")
    if settings.get("PRODUCTION"):
        problems += build_problems(settings)
    problems = [problem.rstrip(".") for problem in problems]
    if len(problems) == 1:
        raise DeployError(f"{problems[0]}. See README.md, 'Deploying'.")
    if problems:
        raise DeployError(f"{len(problems)} settings to set first (in the environment or publishconf.py):\n"
                          + "".join(f"  - {problem}\n" for problem in problems) + "See README.md, 'Deploying'.")
    return target, config


def build_problems(settings):
    """What would stop the production build with these settings, each said by the
    plugin that checks it (validate, subscribe, replies), all of them at once."""
    from extramile.plugins.replies.config import RepliesConfigError, replies_config
    from extramile.plugins.subscribe.subscribe import SubscribeConfigError, check_public, form_config
    from extramile.plugins.validate.validate import check_settings

    problems = [str(problem) for problem in check_settings(settings)]
    try:
        check_public(form_config(settings.get("SUBSCRIBE_PROVIDER"), settings.get("SUBSCRIBE_ACTION")), settings)
    except SubscribeConfigError as err:
        problems.append(str(err))
    # replies_config stops at its first problem (REPLY_EMAIL before ISSO_URL):
    # asked again with a good address, it names the next one too.
    for tried in (settings, {**settings, "REPLY_EMAIL": "replies@example.org"}):
        try:
            replies_config(tried)
        except RepliesConfigError as err:
            problems += [str(err)] * (str(err) not in problems)
    return problems


def one_line(text):
    """The line of a tool's error output that says why: the first that names a
    failure (git prints progress and advice around it), else the first."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    telling = [line for line in lines if any(word in line.lower() for word in FAILURE_WORDS)]
    return (telling or lines or [""])[0]


@contextlib.contextmanager
def reporting():
    """A failure of a target's tools becomes a DeployError saying, on one line, what failed."""
    try:
        yield
    except subprocess.CalledProcessError as err:
        detail = one_line(err.stderr) if isinstance(err.stderr, str) else ""
        raise DeployError(f"{err.cmd[0]} failed (exit status {err.returncode}): {detail or 'see its output above'}. "
                          "Check the target's variables and your access to it.") from None
    except Exception as err:
        # boto3's errors (no credentials, no such bucket, endpoint down) come from botocore.
        if type(err).__module__.startswith(("botocore", "boto3", "s3transfer")):
            raise DeployError(f"the object storage refused: {err}. Check S3_* and the AWS credentials.") from None
        raise


def read_manifest(target, config):
    """The manifest the last publish left on the host (None: none yet); DeployError if unreachable."""
    with reporting():
        return target.read_manifest(config)


@contextlib.contextmanager
def locked(target, config):
    """One publish at a time on the target, where the target has a lock (rsync's
    folder lock). GitHub Pages needs none: git refuses a push that is not a
    fast-forward of the commit the publish started from. S3 has none: two
    publishes at once may interleave (the per-checkout lock, tasks.py, and one
    scheduled publisher keep them apart)."""
    with reporting():
        hold = target.lock(config) if hasattr(target, "lock") else contextlib.nullcontext()
        with hold:
            yield


def links_in(folder):
    """Symbolic links in a build: a host would serve what they point to on the host itself."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_symlink())


def deploy(target, output, config, dry_run=False, built=None):
    """Run the target on the build in `output` (`built`: its manifest, if computed
    already), leaving the manifest on the host after the files."""
    links = links_in(output)
    if links:
        raise DeployError(f"the build holds symbolic links ({', '.join(links[:5])}): nothing was deployed.")
    with reporting():
        return target.deploy(output, config, dry_run=dry_run, manifest=built or manifest.of(output, target, config))
