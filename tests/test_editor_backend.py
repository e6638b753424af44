"""decap-server as the editor's local backend (extramile/devtools/editor_backend.py)."""

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from browser import require_node_modules
from waiting import wait_until

from extramile.devtools.editor_backend import BackendError, serving
from extramile.tools.serving import free_port


@pytest.fixture(autouse=True)
def _node_modules():
    require_node_modules()


SITE = "http://127.0.0.1:8000"


def call(url, action, params=None, origin=SITE):
    body = json.dumps({"action": action, "params": params or {}}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json", "Origin": origin})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response), response.headers.get("Access-Control-Allow-Origin")


def test_it_edits_the_folder_for_the_site_only(tmp_path, capsys):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    with serving(tmp_path, {"EDITOR_LOCAL_BACKEND": url}, site=SITE) as server:
        info, allowed = call(url, "info")
        assert info["type"] == "local_fs" and allowed == SITE  # files only, no commits
        _, allowed = call(url, "info", origin="http://127.0.0.1:9")
        assert allowed == SITE  # not the asking page's: browsers refuse it the answer (and the JSON post)
        entry = {"slug": "a", "path": "content/posts/a.md", "raw": "Title: A\n\nText.\n"}
        call(url, "persistEntry", {"branch": "main", "entry": entry, "assets": [],
                                   "options": {"collectionName": "posts", "commitMessage": "a",
                                               "useWorkflow": False, "status": "draft"}})
        assert (tmp_path / "content" / "posts" / "a.md").read_bytes() == b"Title: A\n\nText.\n"
        assert server.poll() is None
    assert server.poll() is not None  # stopped with the block
    assert f"decap-server on {url[7:-7]}" in capsys.readouterr().out


def test_a_busy_port_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        url = f"http://127.0.0.1:{taken.getsockname()[1]}/api/v1"
        with pytest.raises(BackendError, match="decap-server ended"), serving(tmp_path, {"EDITOR_LOCAL_BACKEND": url}):
            pass


def test_it_listens_on_127_0_0_1_only(tmp_path):
    with pytest.raises(BackendError, match="must be on 127.0.0.1"), \
            serving(tmp_path, {"EDITOR_LOCAL_BACKEND": "http://0.0.0.0:8081/api/v1"}):
        pass


def test_it_ends_with_the_process_that_started_it(tmp_path):
    """Even a parent killed with SIGKILL (no cleanup runs) takes decap-server with it."""
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    script = ("import sys; from extramile.devtools.editor_backend import serving\n"
              f"with serving({str(tmp_path)!r}, {{'EDITOR_LOCAL_BACKEND': {url!r}}}) as server:\n"
              "    print(server.pid, flush=True); sys.stdin.read()\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines = iter(parent.stdout.readline, "")
    child = int(next(line for line in lines if line.strip().isdigit()))
    call(url, "info")  # it answers
    parent.kill()
    parent.wait()
    wait_until(lambda: ended(child), f"decap-server (pid {child}) to end with its parent")


def ended(pid):
    """Gone, or a zombie waiting for init to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
