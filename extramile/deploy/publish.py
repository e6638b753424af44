"""`invoke publish`: build the production site into a private folder, check it
against the host, deploy exactly that build (docs/deploying.md). The host's
manifest, and after a deploy the one left there, is kept in `cache` for the
checks at the desk (deploy/published.py).
"""

import contextlib
import json
import tempfile
from pathlib import Path

from extramile import clock, deploy
from extramile.deploy import lock as locks
from extramile.deploy import manifest, moves, published, schedule


def publish(build, settings, environ, cache, lock, output=None, dry_run=False, if_due=False):
    """Deploy what `build(folder, settings_pairs)` makes (it raises if the build
    fails); raise DeployError, having changed nothing on the host. With `if_due`,
    deploy only if the build differs from the host's manifest."""
    target, config = deploy.configure(environ, settings)
    try:
        now = clock.now()
    except ValueError as err:
        raise deploy.DeployError(str(err)) from None
    # One publish at a time from this checkout and, where the target has a lock, on the target.
    target_lock = target.lock(config) if hasattr(target, "lock") else contextlib.nullcontext()
    with locks.held(lock), deploy.reporting(), target_lock, tempfile.TemporaryDirectory(prefix="publish-") as scratch:
        # The host first: one that cannot be reached fails the run before a build.
        # Read on every publish: a page the host serves may not disappear (deploy/moves.py).
        deployed = target.read_manifest(config)
        published.keep(cache, target, config, deployed)
        report, pages_report = Path(scratch) / "schedule.json", Path(scratch) / "pages.json"
        site = Path(output) if output else Path(scratch) / "site"
        # Nothing deploys unless the build and its checks passed.
        build(site, [f"SCHEDULE_REPORT={json.dumps(str(report))}", f"PAGES_REPORT={json.dumps(str(pages_report))}"])
        upcoming = schedule.next_due(schedule.read_report(report), now)
        pages = moves.read_report(pages_report)
        built = manifest.of(site, target, config, pages)
        lost = moves.dropped(deployed, built, pages, settings)
        if lost:
            raise deploy.DeployError("this build would drop pages readers reach, and nothing was changed "
                                     "on the host:\n" + "\n".join("  " + line for line in lost))
        if if_due:
            changes = manifest.differences(deployed, built)
            if not changes:
                print(f"Nothing is due: the host already has this build. {upcoming}")
                return []
            say_due(changes, manifest.new_articles(site, deployed, settings))
        result = deploy.deploy(target, site, config, dry_run=dry_run, built=built)
        if not dry_run:
            published.keep(cache, target, config, built)
        print(upcoming)
        return result


def say_due(changes, new_articles, shown=20):
    print(f"Due: {len(changes)} difference{'s' if len(changes) > 1 else ''} from the build on the host:")
    for line in [*new_articles, *changes[:shown]]:
        print("  " + line)
    if len(changes) > shown:
        print(f"  ... and {len(changes) - shown} more")
