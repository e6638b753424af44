"""`invoke publish`: the production build, checked, deployed to local stand-ins
for each host: rsync to a folder, ghp-import into a bare git repository, a moto
S3 server on 127.0.0.1. Nothing deploys when the build fails."""

import json
import os
import shutil

import pytest
from invoke import Exit
from support import GOOD, ROOT, cache_override, digests, git, make_content, post, renamed_content, task_context

import tasks
from extramile import deploy
from extramile.deploy import manifest


def publish(tmp_path, dry_run=False, content=ROOT / "content"):
    return tasks.publish_site(task_context(), dry_run=dry_run, output=tmp_path / "output", content=content,
                              extra=cache_override(tmp_path / "cache"), cache=tmp_path / "desk")


def deploy_again(tmp_path, dry_run=False):
    """Deploy the build already in tmp_path/output, as publish does after building."""
    target, config = deploy.configure(os.environ, {})
    return deploy.deploy(target, tmp_path / "output", config, dry_run=dry_run)


def published_files(output, skip=(".gz", ".br", "_headers")):
    return {rel: digest for rel, digest in digests(output).items() if not rel.endswith(skip)}


def test_rsync_dry_run_then_publish(site_env, tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()
    (www / "stale.html").write_text("a page the site no longer has")
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(www))

    changes = publish(tmp_path, dry_run=True)
    assert "*deleting   stale.html" in changes and any(c.endswith(" index.html") for c in changes)
    assert [p.name for p in www.iterdir()] == ["stale.html"]  # a dry run changes nothing

    deploy_again(tmp_path)
    # The site, and beside it the manifest of what was deployed (for publish --if-due).
    sent = digests(www)
    del sent[manifest.NAME]
    assert sent == digests(tmp_path / "output")
    assert json.loads((www / manifest.NAME).read_text())["files"] == sent
    assert not (www / "stale.html").exists()
    # The same commit again: byte-identical build, nothing to send.
    assert publish(tmp_path) == []
    assert "Nothing to change." in capsys.readouterr().out


def test_failed_build_deploys_nothing(site_env, tmp_path):
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(tmp_path / "www"))
    bad = make_content(tmp_path / "bad", {"posts/good.md": GOOD, "posts/bad.md": post(author="Nobody")})
    with pytest.raises(Exit):
        publish(tmp_path, content=bad)
    assert not (tmp_path / "www").exists() and not (tmp_path / "output").exists()


def test_a_failing_host_is_a_message_not_a_traceback(site_env, tmp_path):
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(tmp_path / "no" / "such" / "folder"))
    with pytest.raises(Exit) as stopped:
        publish(tmp_path)
    # Found when the destination is locked, before anything is built.
    assert stopped.value.message == (f"Not published: RSYNC_DEST '{tmp_path}/no/such/folder' does not exist and "
                                     "cannot be made: create its parent folder, or correct RSYNC_DEST.")
    assert not (tmp_path / "output").exists() and not (tmp_path / "no").exists()


def test_missing_settings_are_named_before_building(site_env, tmp_path):
    site_env.setenv("DEPLOY_TARGET", "s3")
    with pytest.raises(Exit) as stopped:
        publish(tmp_path)
    assert stopped.value.message == "Not published: DEPLOY_TARGET=s3 needs S3_BUCKET. See README.md, 'Deploying'."
    assert not (tmp_path / "output").exists()


def test_github_pages_into_a_bare_repository(site_env, tmp_path):
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    # GitHub Pages needs no SSH or rsync settings: none are set here.
    site_env.setenv("DEPLOY_TARGET", "ghpages")
    site_env.setenv("GHPAGES_REMOTE", str(remote))
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)

    publish(tmp_path, content=content)
    listing = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    expected = set(published_files(tmp_path / "output")) | {".nojekyll", manifest.NAME}
    assert set(listing) == expected
    assert git("show", "gh-pages:index.html", cwd=remote) == (tmp_path / "output/index.html").read_text()

    # A new post: one more commit on the branch, history kept.
    (content / "posts/new.md").write_text(GOOD, encoding="utf-8")
    changes = publish(tmp_path, dry_run=True, content=content)
    assert "new      posts/a-good-post/index.html" in changes and "changed  index.html" in changes
    assert git("rev-list", "--count", "gh-pages", cwd=remote).strip() == "1"
    deploy_again(tmp_path)
    assert git("rev-list", "--count", "gh-pages", cwd=remote).strip() == "2"
    assert "posts/a-good-post/index.html" in git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote)


# -- S3 against a moto server on 127.0.0.1 -----------------------------------

def test_s3_types_caching_and_stale_objects(s3, tmp_path, monkeypatch):
    s3.put_object(Bucket="site", Key="blog/old-post/index.html", Body=b"gone")
    s3.put_object(Bucket="site", Key="elsewhere.txt", Body=b"not ours: outside the prefix")

    # Record the order of requests: every upload before any deletion.

    calls, make_client = [], deploy.s3.client

    def recording_client(config):
        client = make_client(config)
        client.meta.events.register("before-call.s3.*", lambda model, **kw: calls.append(model.name))
        return client

    monkeypatch.setattr(deploy.s3, "client", recording_client)
    uploads, deletions = publish(tmp_path, dry_run=True)
    assert deletions == ["blog/old-post/index.html"] and "PutObject" not in calls
    deploy_again(tmp_path)
    puts = [i for i, name in enumerate(calls) if name == "PutObject"]
    # The site's files, then the stale objects go, then the manifest, last.
    *site, last = puts
    assert len(site) == len(uploads) and site[-1] < calls.index("DeleteObjects") < last == len(calls) - 1

    output = tmp_path / "output"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert keys == {f"blog/{rel}" for rel in published_files(output)} | {"elsewhere.txt", f"blog/{manifest.NAME}"}

    def head(rel):
        meta = s3.head_object(Bucket="site", Key=f"blog/{rel}")
        return meta["ContentType"], meta["CacheControl"]

    [css] = [p.relative_to(output).as_posix() for p in output.glob("theme/css/style.*.css")]
    assert head(css) == ("text/css; charset=utf-8", "public, max-age=31536000, immutable")
    assert head("index.html") == ("text/html; charset=utf-8", "public, max-age=0, must-revalidate")
    assert head("feeds/all.atom.xml") == ("application/atom+xml; charset=utf-8", "public, max-age=0, must-revalidate")
    assert head("feeds/all.rss.xml")[0] == "application/rss+xml; charset=utf-8"

    # Published again from the same commit: nothing to send.
    assert publish(tmp_path, dry_run=True) == ([], [])

    # A bucket that does not exist: the storage's answer, no traceback.
    monkeypatch.setenv("S3_BUCKET", "no-such-bucket")
    with pytest.raises(deploy.DeployError, match=r"^the object storage refused: .*NoSuchBucket"):
        deploy_again(tmp_path)


def test_github_pages_a_publish_that_lost_the_race_is_refused(tmp_path, monkeypatch):
    """GitHub Pages has no lock: git refuses a push that is not a fast-forward
    of the commit the publish fetched, so of two publishes at once one lands
    whole and the other fails, saying so; nothing of the first is lost."""
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    config = {"GHPAGES_REMOTE": str(remote), "GHPAGES_BRANCH": "gh-pages", "GHPAGES_CNAME": ""}
    builds = {}
    for name in ("first", "other", "late"):
        builds[name] = tmp_path / name
        builds[name].mkdir()
        (builds[name] / "index.html").write_text(f"the {name} build")
    deploy.deploy(deploy.ghpages, builds["first"], config)

    raced, plain_git = [], deploy.ghpages.git

    def git_with_another_publish(*args, cwd, **kwargs):
        answer = plain_git(*args, cwd=cwd, **kwargs)
        if args[0] == "ls-tree" and not raced:  # the late publish has fetched the branch: the other lands now
            raced.append(True)
            deploy.deploy(deploy.ghpages, builds["other"], config)
        return answer

    monkeypatch.setattr(deploy.ghpages, "git", git_with_another_publish)
    with pytest.raises(deploy.DeployError, match=r"^ghp-import failed \(exit status \d+\): .*rejected"):
        deploy.deploy(deploy.ghpages, builds["late"], config)
    assert git("show", "gh-pages:index.html", cwd=remote) == "the other build"
    assert git("rev-list", "--count", "gh-pages", cwd=remote).strip() == "2"


def test_a_build_holding_a_link_is_not_deployed(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "index.html").write_text("a page")
    (build / "passwd.txt").symlink_to("/etc/passwd")  # on the host, its own /etc/passwd
    config = {"RSYNC_DEST": str(tmp_path / "www"), "RSYNC_SSH_PORT": "22"}
    with pytest.raises(deploy.DeployError, match=r"^the build holds symbolic links \(passwd.txt\)"):
        deploy.deploy(deploy.rsync, build, config)
    assert not (tmp_path / "www").exists()


def test_s3_an_old_address_is_a_redirect_object(s3, tmp_path):
    publish(tmp_path, content=renamed_content(tmp_path / "src"))
    old = s3.head_object(Bucket="site", Key="blog/posts/old-slug/index.html")
    assert old["WebsiteRedirectLocation"] == "/blog/posts/new-slug/"
    assert "WebsiteRedirectLocation" not in s3.head_object(Bucket="site", Key="blog/posts/new-slug/index.html")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert "blog/_redirects" not in keys and "blog/_headers" not in keys


def test_a_publish_that_would_drop_a_page_stops_and_says_which_line_to_add(site_env, tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()
    site_env.setenv("DEPLOY_TARGET", "rsync")
    site_env.setenv("RSYNC_DEST", str(www))
    old = make_content(tmp_path / "old", {"posts/moving.md": post(title="A moving story", extra="Slug: old-slug\n")})
    publish(tmp_path, content=old)
    assert (www / "posts/old-slug/index.html").is_file()
    before = digests(www)

    for if_due in (False, True):
        with pytest.raises(Exit) as stopped:
            new = renamed_content(tmp_path / "new", aliases=False)
            tasks.publish_site(task_context(), output=tmp_path / "output", content=new,
                               extra=cache_override(tmp_path / "cache"), if_due=if_due, cache=tmp_path / "desk")
        message = stopped.value.message
        assert message.startswith("Not published: this build would drop pages readers reach, and nothing was changed")
        assert "/posts/old-slug/ ('A moving story', 2026-11-20) is on the host but not in this build." in message
        assert "Most likely moved to content/posts/moving.md (same source file, title, date)" in message
        assert "\n        Aliases: /posts/old-slug/\n" in message
        assert digests(www) == before  # byte for byte

    publish(tmp_path, content=renamed_content(tmp_path / "fixed"))
    refresh = (www / "posts/old-slug/index.html").read_text()
    assert 'http-equiv="refresh" content="0; url=../new-slug/"' in refresh
    assert (www / "posts/new-slug/index.html").is_file()
