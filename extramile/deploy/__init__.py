"""Deploy the built site (output/) to the host that DEPLOY_TARGET names.

Each target is a small module naming its VARIABLES (REQUIRED ones are checked
before anything is built) and a ``deploy(output, config, dry_run)`` that
uploads or, with ``dry_run``, prints what would change. Settings come from the
environment, or from publishconf.py under the same names; only the chosen
target's variables are read, so no rsync/SSH setting is needed to publish to
GitHub Pages or S3.
"""

import subprocess

from . import ghpages, rsync, s3
from .errors import DeployError

__all__ = ["DeployError", "TARGETS", "configure", "deploy"]
TARGETS = {"rsync": rsync, "ghpages": ghpages, "s3": s3}


def configure(environ, settings):
    """Return (target module, config) or raise DeployError naming what is missing."""
    lookup = lambda name, default="": environ.get(name) or settings.get(name) or default  # noqa: E731
    name = lookup("DEPLOY_TARGET")
    if name not in TARGETS:
        raise DeployError(f"DEPLOY_TARGET is {name!r}: set it to one of {', '.join(TARGETS)} "
                          "(in the environment or publishconf.py). See README.md, 'Deploying'.")
    target = TARGETS[name]
    config = {var: lookup(var, default) for var, default in target.VARIABLES.items()}
    missing = [var for var in target.REQUIRED if not config[var]]
    if missing:
        raise DeployError(f"DEPLOY_TARGET={name} needs {', '.join(missing)}. See README.md, 'Deploying'.")
    return target, config


def deploy(target, output, config, dry_run=False):
    """Run the target; a failure of its tools becomes a DeployError saying what failed."""
    try:
        return target.deploy(output, config, dry_run=dry_run)
    except subprocess.CalledProcessError as err:
        detail = (err.stderr or "").strip() if isinstance(err.stderr, str) else ""
        raise DeployError(f"{err.cmd[0]} failed (exit status {err.returncode}): {detail or 'see its output above'}. "
                          "Check the target's variables and your access to it.") from None
    except Exception as err:
        # boto3's errors (no credentials, no such bucket, endpoint down) come from botocore.
        if type(err).__module__.startswith(("botocore", "boto3", "s3transfer")):
            raise DeployError(f"the object storage refused: {err}. Check S3_* and the AWS credentials.") from None
        raise
