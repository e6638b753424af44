"""GitHub Pages: ghp-import commits the site to a branch (gh-pages) and pushes.

It runs in a scratch repository, so the author's own repository, index and
branches are never touched; the branch keeps its history (one commit per
publish). Precompressed copies and _headers are left out: GitHub Pages
compresses by itself and ignores _headers.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import DeployError

VARIABLES = {"GHPAGES_REMOTE": "", "GHPAGES_BRANCH": "gh-pages", "GHPAGES_CNAME": ""}
REQUIRED = []
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


def blob_id(data):
    """The id git gives a file's bytes, to compare without checking out."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def deploy(output, config, dry_run=False):
    url, branch = remote_url(config), config["GHPAGES_BRANCH"]
    with tempfile.TemporaryDirectory(prefix="ghpages-") as scratch:
        repo, site = Path(scratch) / "repo", Path(scratch) / "site"
        shutil.copytree(output, site, ignore=shutil.ignore_patterns(*SKIP))
        if config["GHPAGES_CNAME"]:
            (site / "CNAME").write_text(config["GHPAGES_CNAME"] + "\n")
        (site / ".nojekyll").write_bytes(b"")
        repo.mkdir()
        git("init", "-q", cwd=repo)
        git("remote", "add", "target", url, cwd=repo)
        exists = subprocess.run(["git", "ls-remote", "--exit-code", "target", f"refs/heads/{branch}"],
                                cwd=repo, capture_output=True).returncode == 0
        published = {}
        if exists:
            git("fetch", "-q", "target", f"{branch}:refs/remotes/target/{branch}", cwd=repo)
            for line in git("ls-tree", "-r", f"target/{branch}", cwd=repo).splitlines():
                meta, path = line.split("\t", 1)
                published[path] = meta.split()[2]
        local = {str(p.relative_to(site)): blob_id(p.read_bytes()) for p in sorted(site.rglob("*")) if p.is_file()}
        changes = [f"new      {p}" for p in local if p not in published]
        changes += [f"changed  {p}" for p in local if p in published and published[p] != local[p]]
        changes += [f"deleted  {p}" for p in published if p not in local]
        verb = "would change" if dry_run else "changed"
        print(f"{url} {branch}: {len(changes)} {verb}" if changes else f"{url} {branch}: nothing to change.")
        for line in changes:
            print("  " + line)
        if dry_run or not changes:
            return changes
        env = {**os.environ, "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "The Extra Mile publisher"),
               "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "publisher@localhost")}
        subprocess.run([sys.executable, "-m", "ghp_import", "--push", "--remote", "target", "--branch", branch,
                        "--message", "Publish the site", str(site)], cwd=repo, check=True, env=env)
        return changes
