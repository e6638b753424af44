"""The editor's git host in production, from the environment (publishconf.py).

    EDITOR_BACKEND  github, forgejo or gitea; not set: no editor
    EDITOR_REPO     owner/name of the site's repository
    EDITOR_BRANCH   the branch the site is built from (default main)
    EDITOR_API_ROOT forgejo and gitea: the host's API, https://git.example.org/api/v1;
                    github: only for GitHub Enterprise (https://github.example.org/api/v3)
    EDITOR_APP_ID   forgejo and gitea: the client id of the OAuth2 application
    EDITOR_AUTH_URL github: the OAuth provider that holds the app's client secret
                    (default Decap's, https://api.netlify.com, which serves sites on Netlify)

None of these is a secret: a browser reads them all in /admin/config.yml.
Each becomes a field of Decap's `backend` block (Decap CMS 3.16.3's own names:
repo, branch, api_root, app_id, base_url). A malformed value stops the build
with one line naming the variable.

Decap's gitea backend has no editorial workflow (it throws "The Gitea backend
does not support editorial workflow."); github and forgejo make each draft a
pull request.
"""

import re
from urllib.parse import urlsplit

from extramile import LOOPBACK

BACKENDS = ("github", "forgejo", "gitea")
VARIABLES = ("EDITOR_BACKEND", "EDITOR_REPO", "EDITOR_BRANCH", "EDITOR_API_ROOT", "EDITOR_APP_ID", "EDITOR_AUTH_URL")
# Which variables each backend reads, beyond EDITOR_BACKEND; the first of each is required.
READS = {
    "github": ("EDITOR_REPO", "EDITOR_BRANCH", "EDITOR_API_ROOT", "EDITOR_AUTH_URL"),
    "forgejo": ("EDITOR_REPO", "EDITOR_API_ROOT", "EDITOR_APP_ID", "EDITOR_BRANCH"),
    "gitea": ("EDITOR_REPO", "EDITOR_API_ROOT", "EDITOR_APP_ID", "EDITOR_BRANCH"),
}
REQUIRED = {"github": ("EDITOR_REPO",), "forgejo": ("EDITOR_REPO", "EDITOR_API_ROOT", "EDITOR_APP_ID"),
            "gitea": ("EDITOR_REPO", "EDITOR_API_ROOT", "EDITOR_APP_ID")}
WITHOUT_WORKFLOW = {"gitea"}
DRAFT_BRANCHES = "cms"  # Decap's CMS_BRANCH_PREFIX: a draft of posts/<slug> is on the branch cms/posts/<slug>
GITHUB_API = "https://api.github.com"
# The API of the hosts Decap knows without an api_root.
API_ORIGINS = {"github": GITHUB_API, "gitlab": "https://gitlab.com", "bitbucket": "https://api.bitbucket.org"}

NAME = re.compile(r"[A-Za-z0-9_.-]+")
BRANCH = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./-]*")


def stop(message):
    raise SystemExit(f"Build stopped: {message} (docs/editor.md, \"In production\").")


def address(name, value):
    """An http(s) address without query or fragment: https, or http on this machine only."""
    parts = urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
            or (parts.scheme == "http" and parts.hostname not in LOOPBACK)):
        stop(f"{name} must be an https:// address, not {value!r}")
    return value.rstrip("/")


def host_root(api_root):
    """The web address of a Gitea/Forgejo host from its API root (…/api/v1), as Decap's forgejo backend derives it."""
    return re.sub(r"/api/[^/]+$", "", api_root)


def from_environment(environ):
    """Decap's `backend` block for the git host the environment names, or None: no editor."""
    given = {name: environ.get(name, "").strip() for name in VARIABLES}
    kind = given.pop("EDITOR_BACKEND")
    if not kind:
        extra = [name for name, value in given.items() if value]
        if extra:
            stop(f"{extra[0]} is set but EDITOR_BACKEND is not (github, forgejo or gitea)")
        return None
    if kind not in BACKENDS:
        stop(f"EDITOR_BACKEND must be github, forgejo or gitea, not {kind!r}")
    for name, value in given.items():
        if value and name not in READS[kind]:
            stop(f"{name} is not read with EDITOR_BACKEND={kind}")
    for name in REQUIRED[kind]:
        if not given[name]:
            stop(f"EDITOR_BACKEND={kind} needs {name}")
    owner, _, repo = given["EDITOR_REPO"].partition("/")
    if not (NAME.fullmatch(owner) and NAME.fullmatch(repo)):
        stop(f"EDITOR_REPO must be owner/name, not {given['EDITOR_REPO']!r}")
    branch = given["EDITOR_BRANCH"] or "main"
    if not BRANCH.fullmatch(branch) or ".." in branch:
        stop(f"EDITOR_BRANCH is not a branch name: {branch!r}")
    backend = {"name": kind, "repo": given["EDITOR_REPO"], "branch": branch}
    if given["EDITOR_API_ROOT"]:
        backend["api_root"] = address("EDITOR_API_ROOT", given["EDITOR_API_ROOT"])
    if kind == "github":
        if given["EDITOR_AUTH_URL"]:
            backend["base_url"] = address("EDITOR_AUTH_URL", given["EDITOR_AUTH_URL"])
        return backend
    if not NAME.fullmatch(given["EDITOR_APP_ID"]):
        stop(f"EDITOR_APP_ID must be the OAuth2 application's client id, not {given['EDITOR_APP_ID']!r}")
    backend["app_id"] = given["EDITOR_APP_ID"]
    if kind == "gitea":  # Decap's gitea login page reads base_url (default try.gitea.io), not api_root
        backend["base_url"] = host_root(backend["api_root"])
    return backend


def publish_mode(backend):
    """Decap's publish_mode for a production backend: drafts as pull requests where it has them."""
    return {} if backend["name"] in WITHOUT_WORKFLOW else {"publish_mode": "editorial_workflow"}


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def origins(backend):
    """{directive: [origins]} the editor page talks to: the API, and on Gitea/Forgejo the
    host's token endpoint (PKCE) and its avatars. GitHub's login is a window on the OAuth
    provider (EDITOR_AUTH_URL), which needs no entry: the page only receives its message."""
    name = backend.get("name")
    if name == "proxy":  # decap-server in development
        return {"connect-src": [origin(backend["proxy_url"])]}
    if name in ("forgejo", "gitea"):
        host = origin(host_root(backend["api_root"]))
        return {"connect-src": list(dict.fromkeys([origin(backend["api_root"]), host])), "img-src": [host]}
    api = backend.get("api_root") or API_ORIGINS.get(name)
    return {"connect-src": [origin(api)]} if api else {}
