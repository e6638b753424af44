"""The development servers (`invoke serve`: Pelican's server; `invoke
livereload`: devtools/dev_server.py, dev_pages.py) listen on 127.0.0.1 only, refuse oversized and
malformed requests, and serve nothing outside the output folder."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from support import ROOT
from waiting import LIMIT, answers, listening, wait_until

from extramile.processes import alive, descendants
from extramile.tools.serving import bindable, free_port, free_ports

SECRET = "not-for-the-web-7f3a"
TRAVERSALS = [
    "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
    "/..%2fsecret.txt", "/..%2Fsecret.txt", "/%2e%2e%2fsecret.txt", "/%252e%252e/secret.txt",
    "/..%5csecret.txt", "/..\\secret.txt", "//../secret.txt", "/./../secret.txt",
    "/%c0%ae%c0%ae/secret.txt", "/posts/../../secret.txt", "/../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]



def raw(port, data, timeout=10):
    """Send raw bytes (no client-side path cleaning) and return the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(data)
        reply = b""
        try:
            while chunk := conn.recv(65536):
                reply += chunk
        except (ConnectionResetError, TimeoutError, socket.timeout):
            pass
    return reply.decode("latin-1")


def status(reply):
    return int(reply.split(" ", 2)[1]) if reply.startswith("HTTP/") else None


def listening_addresses(port):
    """Local addresses of sockets listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


SERVERS = {
    "serve": "from extramile.devtools.local_servers import listen; listen('{output}', {port})",
    "livereload": "from tasks import livereload_server; "
                  "livereload_server(output='{output}', content='{content}', port={port}).serve_forever()",
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request, dev_site):
    tmp = dev_site.output.parent
    (tmp / "secret.txt").write_text(SECRET)  # beside the output folder
    port = free_port()
    code = SERVERS[request.param].format(port=port, output=dev_site.output, root=ROOT, content=ROOT / "content")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: listening(port) or proc.poll() is not None, "the server to listen")
    assert proc.poll() is None, "the server did not start"
    yield request.param, port
    proc.terminate()
    proc.wait(timeout=10)


def test_listens_on_loopback_only(server):
    _, port = server
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else


def test_serves_the_site(server):
    _, port = server
    reply = raw(port, b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    assert status(reply) == 200 and "The Extra Mile" in reply


@pytest.mark.parametrize("path", ["/__dev__/reload.js/../../secret.txt", "/__dev__/../../secret.txt",
                                  "/__dev__/overlay.css/../../secret.txt",
                                  "/__dev__/events/../../secret.txt", "/__dev__/status/%2e%2e/%2e%2e/secret.txt"])
def test_nothing_outside_the_output_folder_through_the_dev_routes(server, path):
    _, port = server
    reply = raw(port, f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"), timeout=3)
    assert SECRET not in reply


@pytest.mark.parametrize("path", TRAVERSALS)
def test_nothing_outside_the_output_folder(server, path):
    _, port = server
    reply = raw(port, f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
    assert SECRET not in reply and "root:x:0:0" not in reply
    assert status(reply) in (None, 400, 403, 404), reply[:200]


@pytest.mark.parametrize("request_bytes", [
    b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",                 # huge request line
    b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(300)) + b"\r\n",  # too many headers
    b"GET / HTTP/1.1\r\nX-Big: " + b"z" * 200_000 + b"\r\n\r\n",                 # a huge header
    b"GARBAGE\r\n\r\n",                                                          # not HTTP
    b"GET / HTTP/9.9\r\n\r\n",                                                   # unknown version
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc",      # a body it will not read
], ids=["request-line", "header-count", "header-size", "garbage", "version", "huge-post"])
def test_refuses_oversized_and_malformed_requests(server, request_bytes):
    _, port = server
    reply = raw(port, request_bytes)
    assert status(reply) in (None, 400, 405, 413, 414, 431, 501, 505), reply[:200]
    # And it still serves the next reader.
    assert status(raw(port, b"GET / HTTP/1.0\r\n\r\n")) == 200


# -- The tasks themselves: `invoke serve`, `livereload` and `preview` ------------
TASK = """import sys
from pathlib import Path
from invoke import Collection, Program
import tasks
tasks.CONTENT, tasks.OUTPUT, tasks.CACHE = Path({content!r}), Path({output!r}), Path({cache!r})
tasks.ISSO_FOLDER = tasks.CACHE / "isso"
Program(namespace=Collection.from_module(tasks)).run(["invoke", *sys.argv[1:]])
"""


def run_task(tmp_path, *args, stdin=subprocess.DEVNULL, **popen):
    """`invoke ARGS` on a copy of the content, building into tmp_path (ROOT's caches, as the task has)."""
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(ROOT / "content", content)
    script = TASK.format(content=str(content), output=str(tmp_path / "output"), cache=str(tmp_path / "cache"))
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **popen)


def ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell script's `cmd &` starts it


def fetch(url):
    with urllib.request.urlopen(url, timeout=LIMIT) as response:
        return response.read().decode("utf-8")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("name", ["serve", "livereload", "preview"])
def test_a_serving_task_ends_with_every_process_it_started(tmp_path, name, sig):
    """Started in the background from a script (SIGINT ignored), then stopped
    with SIGINT or SIGTERM: no server, build or helper is left, every port is
    free. The site, its feeds and its forms use the --port given."""
    port = free_ports(3)
    proc = run_task(tmp_path, name, "--port", str(port), preexec_fn=ignore_sigint)
    try:
        site = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(site + "/") or proc.poll() is not None, "the site to be served")
        assert proc.poll() is None, proc.stdout.read()
        wait_until(lambda: listening(port + 1) and listening(port + 2), "the subscribe receiver and Isso")
        home, feed = fetch(site + "/"), fetch(site + "/feeds/all.atom.xml")
        # Absolute links follow the port: the feed, the share and social image links, the forms.
        assert f"{site}/posts/" in feed and "127.0.0.1:8000" not in feed + home
        assert f"http://127.0.0.1:{port + 1}/subscribe" in home
        below = descendants(proc.pid)
        assert len(below) >= 2, [cmdline(p) for p in below]  # the receiver and Isso, the warm builder
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=LIMIT)
    finally:
        if proc.poll() is None:
            for pid in descendants(proc.pid):
                os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in out, out
    assert [f"{p}: {cmdline(p)}" for p in below if alive(p)] == []
    assert leftovers(tmp_path) == []
    assert all(bindable(port + i) for i in range(3))


@pytest.mark.parametrize("taken", [0, 1, 2], ids=["site", "receiver", "isso"])
@pytest.mark.parametrize("name", ["serve", "livereload", "preview"])
def test_a_taken_port_is_one_line_and_a_failure_before_anything_is_built(tmp_path, name, taken):
    port = free_ports(3)
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port + taken))
        other.listen()
        proc = run_task(tmp_path, name, "--port", str(port))
        out, _ = proc.communicate(timeout=LIMIT)
    assert proc.returncode != 0
    assert out.strip().count("\n") == 0 and f"Port {port + taken} on 127.0.0.1" in out and "--port" in out, out
    assert "Serving" not in out and not (tmp_path / "output").exists()


def leftovers(tmp_path):
    """Running processes whose command line mentions the test's folder."""
    return [f"{pid}: {cmdline(pid)}" for pid in filter(str.isdigit, os.listdir("/proc"))
            if str(tmp_path).encode() in cmdline(pid) and alive(int(pid))]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ")
    except OSError:
        return b""


def test_the_files_a_page_fetches_are_found_as_the_browser_would_ask_for_them():
    from extramile.devtools.dev_pages import fetched_files

    page = b"""<img src="../../pictures/a-800.jpg" srcset="../../pictures/a-480.avif 480w,
      ../../pictures/a-800.avif 800w" alt=""><source srcset='/pictures/b%20c.webp 1x'>
      <script src="/theme/js/x.js?v=1"></script><img src="data:image/png;base64,AA==">
      <img src="https://cdn.example.org/p.jpg"><img src="http://127.0.0.1:8123/own.jpg"><a href="/skip/">
      <img src="../other/"><img src="../../../../outside.jpg">"""
    assert fetched_files(page, "posts/one/index.html", {"127.0.0.1:8123"}) == {
        "pictures/a-800.jpg", "pictures/a-480.avif", "pictures/a-800.avif", "pictures/b c.webp",
        "theme/js/x.js", "own.jpg", "posts/other/index.html"}
