"""The editor's git host from the environment: Decap's backend block, or one line naming the variable."""

import pytest

from extramile.plugins.editor import git_host


def backend(**environ):
    return git_host.from_environment(environ)


def test_no_backend_no_editor():
    assert backend() is None
    assert backend(EDITOR_BACKEND="  ") is None


def test_github_with_an_oauth_provider():
    made = backend(EDITOR_BACKEND="github", EDITOR_REPO="owner/blog", EDITOR_AUTH_URL="https://auth.example.org/")
    assert made == {"name": "github", "repo": "owner/blog", "branch": "main", "base_url": "https://auth.example.org"}
    assert git_host.publish_mode(made) == {"publish_mode": "editorial_workflow"}  # each draft a pull request
    assert git_host.origins(made) == {"connect-src": ["https://api.github.com"]}  # the login is a window, not a fetch


def test_forgejo_logs_in_with_pkce_on_its_own_host():
    made = backend(EDITOR_BACKEND="forgejo", EDITOR_REPO="team/blog", EDITOR_BRANCH="site",
                   EDITOR_API_ROOT="https://code.example.org/api/v1", EDITOR_APP_ID="0b5c-44d1")
    assert made == {"name": "forgejo", "repo": "team/blog", "branch": "site",
                    "api_root": "https://code.example.org/api/v1", "app_id": "0b5c-44d1"}
    assert git_host.publish_mode(made) == {"publish_mode": "editorial_workflow"}
    assert git_host.origins(made) == {"connect-src": ["https://code.example.org"], "img-src": ["https://code.example.org"]}


def test_gitea_gets_its_login_address_and_no_workflow_it_lacks():
    made = backend(EDITOR_BACKEND="gitea", EDITOR_REPO="team/blog",
                   EDITOR_API_ROOT="https://gitea.example.org/git/api/v1", EDITOR_APP_ID="abc")
    assert made["base_url"] == "https://gitea.example.org/git"  # Decap's default would be try.gitea.io
    assert git_host.publish_mode(made) == {}


@pytest.mark.parametrize("environ, message", [
    ({"EDITOR_BACKEND": "gitlab"}, "EDITOR_BACKEND must be github, forgejo or gitea, not 'gitlab'"),
    ({"EDITOR_REPO": "owner/blog"}, "EDITOR_REPO is set but EDITOR_BACKEND is not"),
    ({"EDITOR_BACKEND": "github"}, "EDITOR_BACKEND=github needs EDITOR_REPO"),
    ({"EDITOR_BACKEND": "github", "EDITOR_REPO": "blog"}, "EDITOR_REPO must be owner/name, not 'blog'"),
    ({"EDITOR_BACKEND": "github", "EDITOR_REPO": "o/b", "EDITOR_APP_ID": "x"},
     "EDITOR_APP_ID is not read with EDITOR_BACKEND=github"),
    ({"EDITOR_BACKEND": "github", "EDITOR_REPO": "o/b", "EDITOR_BRANCH": "a b"}, "EDITOR_BRANCH is not a branch name"),
    ({"EDITOR_BACKEND": "github", "EDITOR_REPO": "o/b", "EDITOR_AUTH_URL": "http://auth.example.org"},
     "EDITOR_AUTH_URL must be an https:// address"),
    ({"EDITOR_BACKEND": "forgejo", "EDITOR_REPO": "o/b", "EDITOR_APP_ID": "x"}, "EDITOR_BACKEND=forgejo needs EDITOR_API_ROOT"),
    ({"EDITOR_BACKEND": "forgejo", "EDITOR_REPO": "o/b", "EDITOR_API_ROOT": "https://h/api/v1", "EDITOR_APP_ID": "a b"},
     "EDITOR_APP_ID must be the OAuth2 application's client id"),
])
def test_a_bad_value_stops_with_one_line_naming_the_variable(environ, message):
    with pytest.raises(SystemExit) as stopped:
        git_host.from_environment(environ)
    assert str(stopped.value).startswith("Build stopped: ") and message in str(stopped.value)
    assert "\n" not in str(stopped.value)


def test_plain_http_only_on_this_machine():
    made = backend(EDITOR_BACKEND="forgejo", EDITOR_REPO="o/b", EDITOR_API_ROOT="http://127.0.0.1:3000/api/v1",
                   EDITOR_APP_ID="a")
    assert made["api_root"] == "http://127.0.0.1:3000/api/v1"


def test_the_builds_environment_passes_the_editors_variables_and_no_token():
    from extramile.buildenv import build_environment

    environ = {name: "x" for name in git_host.VARIABLES} | {"GITHUB_TOKEN": "secret", "EDITOR_TOKEN": "secret"}
    assert set(build_environment(environ=environ)) == set(git_host.VARIABLES)
