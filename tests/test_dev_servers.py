"""The development servers (`invoke serve`: Pelican's server; `invoke
livereload`: devtools/dev_server.py) listen on 127.0.0.1 only, refuse oversized and
malformed requests, and serve nothing outside the output folder."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from extramile.tools.serving import free_port, wait_for_port

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
    "serve": "import sys, runpy; sys.argv = ['pelican', '--listen', '--bind', '127.0.0.1', '--port', '{port}', "
             "'-o', '{output}']; runpy.run_module('pelican', run_name='__main__')",
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
    assert wait_for_port(port, proc), "the server did not start"
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


def test_invoke_serve_ends_without_a_traceback_at_ctrl_c_when_stdin_is_closed(tmp_path):
    """`invoke serve` or `preview` with stdin closed (a service manager, `< /dev/null`):
    invoke used to close the server's stdin at the end of its own, then fail with a
    traceback writing Ctrl-C to it."""
    (tmp_path / "index.html").write_text("<p>Served.</p>")
    port = free_port()
    code = f"import invoke, tasks; tasks.OUTPUT = {str(tmp_path)!r}; tasks.listen(invoke.Context(), {port})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert wait_for_port(port, proc), "the server did not start"
        time.sleep(0.5)  # invoke has read its stdin to the end
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole process group
        out, _ = proc.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Keyboard interrupt received" in out and "Traceback" not in out, out
    assert not listening_addresses(port)


def test_the_files_a_page_fetches_are_found_as_the_browser_would_ask_for_them():
    from extramile.devtools.dev_server import fetched_files

    page = b"""<img src="../../pictures/a-800.jpg" srcset="../../pictures/a-480.avif 480w,
      ../../pictures/a-800.avif 800w" alt=""><source srcset='/pictures/b%20c.webp 1x'>
      <script src="/theme/js/x.js?v=1"></script><img src="data:image/png;base64,AA==">
      <img src="https://cdn.example.org/p.jpg"><img src="http://127.0.0.1:8123/own.jpg"><a href="/skip/">
      <img src="../other/"><img src="../../../../outside.jpg">"""
    assert fetched_files(page, "posts/one/index.html", {"127.0.0.1:8123"}) == {
        "pictures/a-800.jpg", "pictures/a-480.avif", "pictures/a-800.avif", "pictures/b c.webp",
        "theme/js/x.js", "own.jpg", "posts/other/index.html"}
