"""A stand-in for a Forgejo or Gitea host on 127.0.0.1, for the production editor's tests.

It answers what Decap CMS 3.16.3's forgejo and gitea backends ask (their
src/API.ts), with the hosts' own shapes and statuses: the OAuth2 login with
PKCE (a token only for the verifier whose S256 challenge it was shown), the
user and the repository, and the repository's content from a real bare git
repository in a temporary folder: branches, trees, blobs, a file's contents,
its last commit, and the batch change (POST /repos/{owner}/{repo}/contents)
that a save makes, committed with git itself. As on Forgejo and Gitea, a change
whose `sha` is not the file's current blob is refused (422, "sha does not
match [given: ..., expected: ...]": routers/api/v1/repo/file.go), and so is a
create of a file that exists. For Decap's editorial workflow on Forgejo:
branches made and deleted, pull requests (opened, listed, compared with their
base, labelled, merged with a real merge commit), and labels."""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

REPO, APP_ID, BRANCH = "owner/blog", "extramile-test-app", "main"
USER = {"login": "author", "full_name": "An Author", "email": "author@example.org"}


class Refused(Exception):
    """A request the host refuses: its status and message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


class Repository:
    """A bare git repository, read and changed with git's plumbing commands."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.lock = threading.Lock()  # one change at a time, as the host's own repository lock
        self.git("init", "-q", "--bare", "-b", BRANCH)

    def git(self, *args, data=None, env=None):
        done = subprocess.run(["git", "--git-dir", str(self.folder), *args], input=data, capture_output=True,
                              env={**os.environ, **(env or {})}, check=False)
        if done.returncode:
            raise Refused(404, done.stderr.decode(errors="replace").strip() or "not found")
        return done.stdout

    def seed(self, root, *paths):
        """The first commit on BRANCH: `paths` of the folder `root` (its .gitignore applies)."""
        with tempfile.TemporaryDirectory() as scratch:
            env = {"GIT_INDEX_FILE": f"{scratch}/index", "GIT_WORK_TREE": str(root)}
            self.git("add", "--", *paths, env=env)
            tree = self.git("write-tree", env=env).decode().strip()
        commit = self.git("commit-tree", tree, "-m", "The site as it is", env=self.identity()).decode().strip()
        self.git("update-ref", f"refs/heads/{BRANCH}", commit)

    def branch(self, name, start):
        """A new branch at `start`'s commit; refused if it exists (Forgejo: 409)."""
        if self.blob_at_ref(f"refs/heads/{name}"):
            raise Refused(409, f"The branch {name} already exists.")
        self.git("update-ref", f"refs/heads/{name}", self.rev(f"refs/heads/{start}"), "0" * 40)

    def blob_at_ref(self, ref):
        try:
            return self.rev(ref)
        except Refused:
            return None

    def merge(self, base, head, message):
        """A merge commit of `head` into `base`, as a pull request's merge makes it; 409 on a conflict."""
        with self.lock:
            ours, theirs = self.rev(f"refs/heads/{base}"), self.rev(f"refs/heads/{head}")
            try:
                tree = self.git("merge-tree", "--write-tree", ours, theirs).decode().split()[0]
            except Refused:
                raise Refused(409, "Merge conflict") from None
            commit = self.git("commit-tree", tree, "-p", ours, "-p", theirs, "-m", message,
                              env=self.identity()).decode().strip()
            self.git("update-ref", f"refs/heads/{base}", commit, ours)

    def compare(self, base, head):
        """Forgejo's compare: the files `head` changed since it left `base`, and its commits."""
        status = {"A": "added", "M": "modified", "D": "removed"}
        files = []
        for line in self.git("diff", "--raw", "--no-abbrev", f"{base}...{head}").decode().splitlines():
            info, path = line.split("\t", 1)
            _, _, _, blob, change = info.split()
            files.append({"filename": path, "status": status.get(change[0], "changed"), "sha": blob})
        commits = [{"sha": sha, "commit": {"message": message}} for sha, message in (
            line.split("\0", 1) for line in self.git("log", "--format=%H%x00%s", f"{base}..{head}").decode().splitlines())]
        return {"files": files, "commits": commits, "total_commits": len(commits)}

    @staticmethod
    def identity():
        return {"GIT_AUTHOR_NAME": USER["full_name"], "GIT_AUTHOR_EMAIL": USER["email"],
                "GIT_COMMITTER_NAME": USER["full_name"], "GIT_COMMITTER_EMAIL": USER["email"]}

    def rev(self, ref):
        return self.git("rev-parse", "--verify", "--quiet", ref).decode().strip()

    def blob_at(self, ref, path):
        """The blob sha of `path` at `ref`, or None."""
        try:
            return self.rev(f"{ref}:{path}")
        except Refused:
            return None

    def file(self, path, ref=BRANCH):
        """The bytes of a file at `ref` (by default, the branch's last commit)."""
        return self.git("cat-file", "blob", f"{ref}:{path}")

    def tree(self, ref, recursive):
        sha = self.rev(f"{ref}^{{tree}}") if ":" not in ref else self.rev(ref)
        entries = []
        for line in self.git("ls-tree", "-l", *(["-r", "-t"] if recursive else []), sha).decode().splitlines():
            info, path = line.split("\t", 1)
            mode, kind, blob, size = info.split()
            entries.append({"path": path, "mode": mode, "type": kind, "sha": blob,
                            "size": int(size) if size != "-" else 0})
        return {"sha": sha, "tree": entries, "truncated": False}

    def change(self, branch, files, message):
        """Forgejo's batch change: every file's operation in one commit on `branch`, or nothing."""
        with self.lock, tempfile.TemporaryDirectory() as scratch:
            head = self.rev(f"refs/heads/{branch}")
            env = {"GIT_INDEX_FILE": f"{scratch}/index"}
            self.git("read-tree", head, env=env)
            for change in files:
                path, operation = change["path"], change["operation"]
                current = self.blob_at(head, change.get("from_path") or path)
                if operation == "create" and current:
                    raise Refused(422, f"repository file already exists [path: {path}]")
                if operation in ("update", "delete"):
                    if not current:
                        raise Refused(404, f"repository file does not exist [path: {path}]")
                    if change.get("sha") != current:
                        raise Refused(422, f"sha does not match [given: {change.get('sha')}, expected: {current}]")
                if change.get("from_path") or operation == "delete":
                    self.git("update-index", "--force-remove", change.get("from_path") or path, env=env)
                if operation != "delete":
                    blob = self.git("hash-object", "-w", "--stdin", data=base64.b64decode(change["content"]))
                    self.git("update-index", "--add", "--cacheinfo", f"100644,{blob.decode().strip()},{path}",
                             env=env)
            tree = self.git("write-tree", env=env).decode().strip()
            commit = self.git("commit-tree", tree, "-p", head, "-m", message or "Update",
                              env=self.identity()).decode().strip()
            self.git("update-ref", f"refs/heads/{branch}", commit, head)
        return commit


class Forge:
    """The stand-in host: its address is `origin`, its API `origin + /api/v1`."""

    def __init__(self, repository):
        self.challenges, self.token, self.sites = {}, secrets.token_hex(8), set()
        self.asked = []
        self.repository = repository
        self.pulls, self.labels = [], []
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if self.headers.get("Origin") in forge.sites:  # CORS for the site's pages, as a host allows
                    self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
                self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
                for name, value in headers:
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_OPTIONS(self):
                self.answer(204)

            def do_GET(self):
                url = urlsplit(self.path)
                forge.asked.append(("GET", url.path))
                if url.path == "/login/oauth/authorize":
                    query = {key: values[0] for key, values in parse_qs(url.query).items()}
                    assert query["client_id"] == APP_ID and query["code_challenge_method"] == "S256"
                    code = secrets.token_hex(8)
                    forge.challenges[code] = query["code_challenge"]
                    back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                    return self.answer(302, headers=[("Location", back)])
                self.api("GET", url)

            def do_POST(self):
                url = urlsplit(self.path)
                forge.asked.append(("POST", url.path))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/login/oauth/access_token":
                    return self.api("POST", url, body)
                verifier = body.get("code_verifier", "").encode()
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if body.get("client_id") != APP_ID or forge.challenges.pop(body.get("code"), None) != challenge:
                    return self.answer(400, {"error": "invalid_grant"})
                self.answer(200, {"access_token": forge.token, "token_type": "bearer", "expires_in": 3600})

            def do_PUT(self):
                self.other("PUT")

            def do_PATCH(self):
                self.other("PATCH")

            def do_DELETE(self):
                self.other("DELETE")

            def other(self, method):
                url = urlsplit(self.path)
                forge.asked.append((method, url.path))
                length = int(self.headers.get("Content-Length") or 0)
                self.api(method, url, json.loads(self.rfile.read(length)) if length else None)

            def api(self, method, url, body=None):
                if self.headers.get("Authorization") != f"token {forge.token}":
                    return self.answer(401, {"message": "token is required"})
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                try:
                    status, answer = forge.call(method, url.path, query, body)
                except Refused as refused:
                    status, answer = refused.status, {"message": refused.message}
                self.answer(status, answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def call(self, method, path, query, body):
        """The API's answer (status, JSON) to one request; Refused for the host's errors."""
        if (method, path) == ("GET", "/api/v1/user"):
            return 200, {**USER, "avatar_url": f"{self.origin}/avatars/author"}
        prefix = f"/api/v1/repos/{REPO}"
        if path == prefix and method == "GET":
            return 200, {"owner": {"login": REPO.split("/")[0]}, "full_name": REPO, "permissions": {"push": True}}
        rest = unquote(path.removeprefix(prefix + "/")) if path.startswith(prefix + "/") else None
        repository = self.repository
        if rest is None:
            raise Refused(404, "not found")
        if rest.startswith(("pulls", "labels", "issues/", "compare/")) or (rest == "branches" and method == "POST"):
            return self.workflow(method, rest, query, body)
        if method == "DELETE" and rest.startswith("branches/"):
            repository.rev(f"refs/heads/{rest.removeprefix('branches/')}")  # 404 if there is none
            repository.git("update-ref", "-d", f"refs/heads/{rest.removeprefix('branches/')}")
            return 204, None
        if method == "POST" and rest == "contents":
            commit = repository.change(body.get("branch") or BRANCH, body["files"], body.get("message"))
            return 201, {"files": [self.content(f["path"], commit) for f in body["files"]
                                   if f["operation"] != "delete"],
                         "commit": {"sha": commit}}
        if method != "GET":
            raise Refused(404, "not found")
        if rest.startswith("branches/"):
            name = rest.removeprefix("branches/")
            return 200, {"name": name, "commit": {"id": repository.rev(f"refs/heads/{name}")}}
        if rest.startswith("git/trees/"):
            return 200, repository.tree(rest.removeprefix("git/trees/"), query.get("recursive") == "1")
        if rest.startswith("git/blobs/"):
            sha = rest.removeprefix("git/blobs/")
            data = repository.git("cat-file", "blob", sha)
            return 200, {"sha": sha, "size": len(data), "encoding": "base64",
                         "content": base64.b64encode(data).decode()}
        if rest.startswith("contents/"):
            return 200, self.content(rest.removeprefix("contents/"), query.get("ref") or BRANCH)
        if rest == "commits":
            line = repository.git("log", "-1", "--format=%H%x00%an%x00%ae%x00%aI%x00%s",
                                  query.get("sha") or BRANCH, "--", query.get("path", ".")).decode().strip()
            if not line:
                return 200, []
            sha, name, email, date, subject = line.split("\0")
            return 200, [{"sha": sha, "commit": {"message": subject,
                                                 "author": {"name": name, "email": email, "date": date}}}]
        raise Refused(404, "not found")

    def workflow(self, method, rest, query, body):
        """Branches, pull requests and labels: what Decap's forgejo backend uses for drafts."""
        repository, owner = self.repository, REPO.split("/")[0]
        if rest == "branches":
            repository.branch(body["new_branch_name"], body.get("old_ref_name") or BRANCH)
            return 201, {"name": body["new_branch_name"],
                         "commit": {"id": repository.rev(f"refs/heads/{body['new_branch_name']}")}}
        if rest == "labels":
            if method == "POST":
                self.labels.append({"id": len(self.labels) + 1, "name": body["name"], "color": body.get("color")})
                return 201, self.labels[-1]
            return 200, self.labels
        if rest.startswith("compare/"):
            base, _, head = rest.removeprefix("compare/").partition("...")
            return 200, repository.compare(base, head.removeprefix(f"{owner}:"))
        if rest == "pulls" and method == "POST":
            head = body["head"].removeprefix(f"{owner}:")
            self.pulls.append({"number": len(self.pulls) + 1, "title": body["title"], "body": body.get("body", ""),
                               "state": "open", "merged": False, "merged_at": None, "labels": [],
                               "head": {"ref": head, "label": head}, "base": {"ref": body["base"]},
                               "user": {"login": USER["login"]}})
            return 201, self.pull(self.pulls[-1])
        if rest == "pulls":
            state = query.get("state", "open")
            return 200, [self.pull(pr) for pr in self.pulls if state in ("all", pr["state"])]
        number = int(rest.split("/")[1])
        pr = self.pulls[number - 1]
        if rest == f"issues/{number}/labels" and method == "PUT":
            pr["labels"] = [label for label in self.labels if label["id"] in body["labels"]]
            return 200, pr["labels"]
        if rest == f"pulls/{number}/merge" and method == "POST":
            if pr["state"] != "open":
                raise Refused(405, "The pull request is closed.")
            repository.merge(pr["base"]["ref"], pr["head"]["ref"], body.get("MergeMessageField") or "Merge")
            pr.update(state="closed", merged=True, merged_at=datetime.now(timezone.utc).isoformat())
            return 200, None
        if rest == f"pulls/{number}" and method == "PATCH":
            pr["state"] = body.get("state", pr["state"])
            return 201, self.pull(pr)
        if rest == f"pulls/{number}/files":
            return 200, self.repository.compare(pr["base"]["ref"], pr["head"]["ref"])["files"]
        raise Refused(404, "not found")

    def pull(self, pr):
        """A pull request as the API shows it: its head's commit is the branch's, now."""
        head = self.repository.blob_at_ref(f"refs/heads/{pr['head']['ref']}")
        return {**pr, "head": {**pr["head"], "sha": head},
                "updated_at": datetime.now(timezone.utc).isoformat()}

    def content(self, path, ref):
        """A file's contents answer, as GET /repos/{owner}/{repo}/contents/{path} gives it."""
        sha = self.repository.blob_at(ref, path)
        if not sha:
            raise Refused(404, f"object does not exist [id: , rel_path: {path}]")
        data = self.repository.git("cat-file", "blob", sha)
        return {"type": "file", "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "size": len(data),
                "encoding": "base64", "content": base64.b64encode(data).decode()}

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
