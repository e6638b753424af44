"""GitHub Pages: ghp-import commits the site to a branch (gh-pages) and pushes.

It runs in a scratch repository, so the author's own repository, index and
branches are never touched; the branch keeps its history (one commit per
publish, none when nothing changed). The manifest is committed with the site,
so both change together. Precompressed copies and _headers are left out:
GitHub Pages compresses by itself and ignores _headers. Two publishes at once
cannot both land: git refuses a push that is not a fast-forward.
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import manifest as manifests
from .errors import DeployError
from .published import without_credentials

VARIABLES = {"GHPAGES_REMOTE": "", "GHPAGES_BRANCH": "gh-pages", "GHPAGES_CNAME": ""}
REQUIRED = []
SERVED_SETTINGS = ("GHPAGES_CNAME",)  # written into the branch as CNAME
SKIP = ("*.gz", "*.br", "_headers")


def git(*args, cwd, **kwargs):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, **kwargs).stdout


def remote_url(config):
    """GHPAGES_REMOTE, or the origin of the repository we publish from."""
    if config["GHPAGES_REMOTE"]:
        return config["GHPAGES_REMOTE"]
    try:
        return git("remote", "get-url", "origin", cwd=Path(__file__).resolve().parent).strip()
    except subprocess.CalledProcessError:
        raise DeployError("This repository has no 'origin' remote: set GHPAGES_REMOTE to the "
                          "repository to push the site to.") from None


@contextlib.contextmanager
def scratch_repo(url):
    """An empty repository in a temporary folder, `url` its remote "target". git's
    error messages name the remote: never with the token the URL may hold."""
    try:
        with tempfile.TemporaryDirectory(prefix="ghpages-") as scratch:
            repo = Path(scratch) / "repo"
            repo.mkdir()
            git("init", "-q", cwd=repo)
            git("remote", "add", "target", url, cwd=repo)
            yield repo
    except subprocess.CalledProcessError as err:
        clean = lambda text: text.replace(url, shown(url)) if isinstance(text, str) else text  # noqa: E731
        raise subprocess.CalledProcessError(err.returncode, [clean(str(a)) for a in err.cmd],
                                            clean(err.stdout), clean(err.stderr)) from None


def shown(url):
    return without_credentials(url, mask="***@")


def branch_exists(repo, branch):
    """Whether the remote has the branch; a remote that cannot be reached raises CalledProcessError."""
    found = subprocess.run(["git", "ls-remote", "--exit-code", "target", f"refs/heads/{branch}"],
                           cwd=repo, capture_output=True, text=True)
    if found.returncode not in (0, 2):  # 2: reached, no such branch
        raise subprocess.CalledProcessError(found.returncode, found.args, found.stdout, found.stderr)
    return found.returncode == 0


def read_manifest(config):
    """The manifest on the branch, or None if there is none yet."""
    branch = config["GHPAGES_BRANCH"]
    with scratch_repo(remote_url(config)) as repo:
        if not branch_exists(repo, branch):
            return None
        git("fetch", "-q", "--depth", "1", "target", f"refs/heads/{branch}", cwd=repo)
        found = subprocess.run(["git", "show", f"FETCH_HEAD:{manifests.NAME}"], cwd=repo, capture_output=True)
        return manifests.loads(found.stdout) if found.returncode == 0 else None


def blob_id(data):
    """The id git gives a file's bytes, to compare without checking out."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def deploy(output, config, dry_run=False, manifest=None):
    url, branch = remote_url(config), config["GHPAGES_BRANCH"]
    with scratch_repo(url) as repo:
        site = repo.parent / "site"
        shutil.copytree(output, site, ignore=shutil.ignore_patterns(*SKIP))
        if config["GHPAGES_CNAME"]:
            (site / "CNAME").write_text(config["GHPAGES_CNAME"] + "\n")
        (site / ".nojekyll").write_bytes(b"")
        if manifest is not None:
            (site / manifests.NAME).write_bytes(manifests.dumps(manifest))
        published = {}
        if branch_exists(repo, branch):
            git("fetch", "-q", "target", f"{branch}:refs/remotes/target/{branch}", cwd=repo)
            for line in git("ls-tree", "-r", f"target/{branch}", cwd=repo).splitlines():
                meta, path = line.split("\t", 1)
                published[path] = meta.split()[2]
        local = {str(p.relative_to(site)): blob_id(p.read_bytes()) for p in sorted(site.rglob("*")) if p.is_file()}
        changes = manifests.changes(published, local)
        manifests.say_changes(f"{shown(url)} {branch}", changes, dry_run)
        if dry_run or not changes:
            return changes
        env = {**os.environ, "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "The Extra Mile publisher"),
               "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "publisher@localhost")}
        pushed = subprocess.run([sys.executable, "-m", "ghp_import", "--push", "--remote", "target",
                                 "--branch", branch, "--message", "Publish the site", str(site)],
                                cwd=repo, env=env, capture_output=True, text=True)
        if pushed.returncode:  # the remote refused (a hook, a push that is not a fast-forward) or is gone
            raise subprocess.CalledProcessError(pushed.returncode, ["ghp-import", *pushed.args[3:]],
                                                pushed.stdout, pushed.stderr)
        return changes
