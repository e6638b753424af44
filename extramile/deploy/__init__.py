"""Deploy the built site to the host that DEPLOY_TARGET names (docs/deploying.md).

Each target module names its VARIABLES (REQUIRED ones are checked before anything
is built) and has `deploy(output, config, dry_run, manifest)` and
`read_manifest(config)`; rsync also has a `lock`. Only the chosen target's
variables are read, so no SSH setting is needed to publish to GitHub Pages or S3.
"""

import contextlib
import subprocess
from pathlib import Path

from . import ghpages, manifest, rsync, s3
from .errors import DeployError

__all__ = ["DeployError", "TARGETS", "chosen", "configure", "deploy", "reporting"]
TARGETS = {"rsync": rsync, "ghpages": ghpages, "s3": s3}
FAILURE_WORDS = ("fatal", "error", "rejected", "denied", "refused", "failed", "not found", "no such", "could not")


def chosen(environ, settings):
    """(DEPLOY_TARGET, its module or None, its variables or None): each from the environment, else publishconf.py."""
    lookup = lambda name, default="": environ.get(name) or settings.get(name) or default  # noqa: E731
    name = lookup("DEPLOY_TARGET")
    target = TARGETS.get(name)
    config = {var: lookup(var, default) for var, default in target.VARIABLES.items()} if target else None
    return name, target, config


def configure(environ, settings):
    """Return (target module, config), or raise DeployError naming, at once,
    everything missing: the target's variables and, for production settings
    (publishconf.py: PRODUCTION), every setting the build would stop on."""
    name, target, config = chosen(environ, settings)
    problems = []
    if target is None:
        problems.append(f"DEPLOY_TARGET is {name!r}: set it to one of {', '.join(TARGETS)} "
                        "(in the environment or publishconf.py)")
    elif missing := [var for var in target.REQUIRED if not config[var]]:
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


def deploy(target, output, config, dry_run=False, built=None):
    """Run the target on the build in `output` (`built`: its manifest, if computed
    already), leaving the manifest on the host after the files."""
    # A host would serve what a symbolic link points to on the host itself.
    links = sorted(str(p.relative_to(output)) for p in Path(output).rglob("*") if p.is_symlink())
    if links:
        raise DeployError(f"the build holds symbolic links ({', '.join(links[:5])}): nothing was deployed.")
    with reporting():
        return target.deploy(output, config, dry_run=dry_run, manifest=built or manifest.of(output, target, config))
