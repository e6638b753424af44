"""What is published, known at the author's desk (deploy/published.py):
`invoke publish` keeps the host's manifest in the checkout's cache, the
development builds (`invoke livereload`) report a renamed published post with
its Aliases: line from that copy, a manifest written before it listed the
pages still stops a publish that drops one, and a deployed site's manifest is
fetched over HTTP with a one-line note when it cannot be. Every test keeps its
cache, its host and its copies in its own temporary folders."""

import json
import os
import subprocess
import sys

import pytest
from browser import StaticServer
from invoke import Exit
from livereload_support import connected, start_server, stop_server, wait_for, wait_for_builds
from support import (
    PROD_ENV,
    cache_override,
    checkout,
    digests,
    make_content,
    post,
    renamed_content,
    run_pelican,
    task_context,
)

import tasks
from extramile.deploy import manifest, published
from extramile.devtools.dev_server import with_settings

SECRET = "marker-secret-4b1d"
WARNING = ("  content/posts/moving.md:1: its published address /posts/old-slug/ would disappear (the slug or "
           "category changed?). Add the line 'Aliases: /posts/old-slug/' to its header, so the old address "
           "leads here.")


def publish(tmp_path, content, **options):
    return tasks.publish_site(task_context(), output=tmp_path / "output", content=content,
                              lock=tmp_path / "publish.lock", extra=cache_override(tmp_path / "cache"),
                              cache=tmp_path / "desk", **options)


@pytest.fixture
def host(site_env, tmp_path):
    """A local rsync target holding the deploy of a post published as old-slug."""
    www = tmp_path / "www"
    www.mkdir()
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(www))
    site_env.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    publish(tmp_path, make_content(tmp_path / "old", {
        "posts/moving.md": post(title="A moving story", extra="Slug: old-slug\n")}))
    return www


def test_publish_keeps_the_hosts_manifest_and_livereload_names_a_renamed_slug(host, tmp_path, page):
    [copy] = (tmp_path / "desk" / published.FOLDER).glob("rsync-*.json")
    assert copy.read_bytes() == (host / manifest.NAME).read_bytes()
    # Served from the site's root to anyone: file names, digests and the pages' titles, no secret.
    served = json.loads(copy.read_bytes())
    assert set(served) == {"format", "target", "settings", "files", "pages"} and SECRET not in json.dumps(served)
    assert tasks.last_deploy(tmp_path / "desk") == [f"LAST_DEPLOY_MANIFEST={json.dumps(str(copy))}"]

    # The author renames the slug and runs `invoke livereload`: its first build, then a save.
    content = renamed_content(tmp_path / "desk-site", aliases=False)
    extra = with_settings(tasks.dev_build_settings(tasks.PORT, cache=tmp_path / "desk"),
                          f'CACHE_PATH="{tmp_path / "dev-cache"}"')
    first = run_pelican(tmp_path / "dev", content=content, extra=extra)
    assert first.returncode == 0, first.log  # a warning in development: the preview still builds
    assert WARNING in first.log.splitlines()
    proc, url = start_server(tmp_path, content, tmp_path / "dev", extra)
    try:
        page.goto(f"{url}/posts/new-slug/")
        connected(page, url, 1)
        moving = content / "posts/moving.md"
        moving.write_text(moving.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        wait_for_builds(url, 1)
        # The open page shows it at its foot (the build passed: no overlay over the page).
        wait_for(page, "() => !!document.querySelector('.dev-notes')")
        where, what = WARNING.strip().split(": ", 1)
        assert page.locator(".dev-notes li code").all_inner_texts() == [where]
        assert [text.strip() for text in page.locator(".dev-notes li span").all_inner_texts()] == [what]
        assert page.locator(".dev-problems").count() == 0 and page.errors == []
    finally:
        assert stop_server(proc) == 0
    assert WARNING in (tmp_path / "server.log").read_text(encoding="utf-8").splitlines()


def test_in_a_checkout_publish_then_check_and_build_name_the_renamed_slug(tmp_path):
    """The commands themselves, in a checkout of the site (its own .cache/): `invoke publish`
    to a local folder, the slug renamed, then `invoke check` fails and `invoke build` warns."""
    root = checkout(tmp_path, "site", {"posts/moving.md": post(title="A moving story", extra="Slug: old-slug\n")})
    (tmp_path / "www").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOY_", "RSYNC_", "S3_", "GHPAGES_"))}
    env.update(PROD_ENV, DEPLOY_TARGET="rsync", RSYNC_DEST=str(tmp_path / "www"))

    def invoke(*args):
        return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=300)

    published_run = invoke("publish")
    assert published_run.returncode == 0, published_run.stdout + published_run.stderr
    [copy] = (root / ".cache" / published.FOLDER).glob("rsync-*.json")
    assert copy.read_bytes() == (tmp_path / "www" / manifest.NAME).read_bytes()

    moving = root / "content/posts/moving.md"
    moving.write_text(moving.read_text(encoding="utf-8").replace("Slug: old-slug", "Slug: new-slug"), encoding="utf-8")
    checked = invoke("check")
    assert checked.returncode == 1 and WARNING in checked.stderr.splitlines(), checked.stdout + checked.stderr
    built = invoke("build")
    assert built.returncode == 0 and WARNING in built.stderr.splitlines(), built.stdout + built.stderr


def test_no_copy_no_setting(tmp_path):
    assert tasks.last_deploy(tmp_path / "desk") == []


def test_a_dry_run_keeps_the_hosts_copy_not_its_own_build(host, tmp_path):
    before = (host / manifest.NAME).read_bytes()
    publish(tmp_path, renamed_content(tmp_path / "new"), dry_run=True)
    [copy] = (tmp_path / "desk" / published.FOLDER).glob("rsync-*.json")
    assert copy.read_bytes() == before


def test_a_manifest_without_a_page_list_still_stops_a_drop(host, tmp_path):
    """The first publish after a manifest written before it listed the pages: the pages are
    read from its files, and the publish stops, the host unchanged byte for byte."""
    old = json.loads((host / manifest.NAME).read_bytes())
    del old["pages"]
    (host / manifest.NAME).write_bytes(manifest.dumps(old))
    before = digests(host)
    with pytest.raises(Exit) as stopped:
        publish(tmp_path, renamed_content(tmp_path / "new", aliases=False))
    message = stopped.value.message
    assert message.startswith("Not published: this build would drop pages readers reach, and nothing was changed")
    assert "  /posts/old-slug/ is on the host but not in this build.\n" in message
    assert "Most likely moved to content/posts/moving.md (a page new since that deploy)" in message
    assert "\n        Aliases: /posts/old-slug/\n" in message
    assert digests(host) == before

    publish(tmp_path, renamed_content(tmp_path / "fixed"))  # with the Aliases: line
    assert (host / "posts/new-slug/index.html").is_file() and (host / "posts/old-slug/index.html").is_file()


@pytest.fixture
def site_server(tmp_path):
    server = StaticServer(tmp_path / "site").start()
    yield server
    server.stop()


def test_the_deployed_sites_manifest_is_fetched_from_its_root(site_server, tmp_path):
    (tmp_path / "site" / "blog").mkdir(parents=True)
    data = manifest.dumps({"format": manifest.FORMAT, "target": "rsync", "settings": "", "files": {}, "pages": {}})
    (tmp_path / "site" / "blog" / manifest.NAME).write_bytes(data)
    assert published.fetch(site_server.origin + "/blog/", tmp_path / "m.json") == (
        True, f"{site_server.origin}/blog/{manifest.NAME}")
    assert (tmp_path / "m.json").read_bytes() == data


def test_a_manifest_that_cannot_be_fetched_is_one_reason(site_server, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / manifest.NAME).write_text("<html>a login page</html>")
    origin = site_server.origin
    assert published.fetch(origin + "/blog", tmp_path / "m.json") == (
        False, f"{origin}/blog/{manifest.NAME} answered 404 File not found")
    assert published.fetch(origin, tmp_path / "m.json") == (
        False, f"{origin}/{manifest.NAME} is not a manifest this version reads")
    assert published.fetch("ftp://example.org", tmp_path / "m.json") == (
        False, "'ftp://example.org' is not an http(s) address of the deployed site")
    assert not (tmp_path / "m.json").exists()


def test_the_copys_name_holds_no_credential(tmp_path):
    from extramile.deploy import ghpages

    one = published.copy_path(tmp_path, ghpages, {"GHPAGES_REMOTE": "https://x-access-token:aaa@github.com/o/s.git",
                                                  "GHPAGES_BRANCH": "gh-pages", "GHPAGES_CNAME": ""})
    other = published.copy_path(tmp_path, ghpages, {"GHPAGES_REMOTE": "https://x-access-token:bbb@github.com/o/s.git",
                                                    "GHPAGES_BRANCH": "gh-pages", "GHPAGES_CNAME": ""})
    assert one == other and "aaa" not in str(one)  # a token that changes each run is the same destination


def test_invoke_clean_keeps_the_record_of_what_is_live(tmp_path):
    """The build caches go; .cache/deployed/ (the desk check's copy of the host's manifest) stays."""
    checkout_root = checkout(tmp_path, "site", {"posts/a.md": post()})
    for path in ("output/index.html", ".cache/deployed/rsync-x.json", ".cache/pictures/a.webp", ".cache/links.json",
                 ".output-staging-1/index.html"):
        (checkout_root / path).parent.mkdir(parents=True, exist_ok=True)
        (checkout_root / path).write_text("x", encoding="utf-8")
    cleaned = subprocess.run([sys.executable, "-m", "invoke", "clean"], cwd=checkout_root, capture_output=True, text=True,
                             timeout=60)
    assert cleaned.returncode == 0, cleaned.stderr
    left = sorted(str(p.relative_to(checkout_root)) for p in checkout_root.rglob("*")
                  if p.is_file() and p.parts[len(checkout_root.parts)] in ("output", ".cache", ".output-staging-1"))
    assert left == [".cache/deployed/rsync-x.json"]
