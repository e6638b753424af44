"""The servers `invoke serve`, `livereload` and `preview` start beside the site,
and the ports they take.

pelicanconf.py names the subscribe receiver's and Isso's addresses (8001 and
8002) and the editor's backend (8081) for a site on the default port 8000.
With another --port N they take N+1, N+2 and N+3, so a second site can be
served beside the first. Every server listens on 127.0.0.1 only and ends with
the task (and with it if it is killed: processes.preexec).
"""

import contextlib
import json
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from invoke import Exit

from extramile.devtools.dev_server import port_in_use, with_settings
from extramile.processes import preexec, stop

HOST = "127.0.0.1"
PORT = 8000


def dev_ports(settings, port):
    """(the subscribe receiver's, the local Isso's, the editor's backend's port) for a site on `port`."""
    from extramile.plugins.editor.editor import DEFAULTS

    if port != PORT:
        return port + 1, port + 2, port + 3
    editor = settings.get("EDITOR_LOCAL_BACKEND", DEFAULTS["EDITOR_LOCAL_BACKEND"])
    return tuple(urlsplit(url).port for url in (settings["SUBSCRIBE_ACTION"], settings["ISSO_URL"], editor))


def dev_addresses(settings, port):
    """The development build's absolute addresses for a site served on `port`:
    its own (feeds, share links, social images), the subscribe form's, Isso's and the editor's backend."""
    receiver, isso, editor = dev_ports(settings, port)
    action = urlsplit(settings["SUBSCRIBE_ACTION"])
    return {"SITEURL": f"http://{HOST}:{port}",
            "SUBSCRIBE_ACTION": action._replace(netloc=f"{HOST}:{receiver}").geturl(),
            "ISSO_URL": f"http://{HOST}:{isso}",
            "EDITOR_LOCAL_BACKEND": f"http://{HOST}:{editor}/api/v1"}


def dev_settings(settings, port):
    """Pelican `-e` arguments that point the development build at `port`."""
    return with_settings((), *(f"{name}={json.dumps(value)}" for name, value in dev_addresses(settings, port).items()))


def local_isso_wanted(settings, isso_url):
    """Whether a local Isso serves the replies: REPLIES is isso, ISSO_URL is on
    this machine and Isso is installed (script/bootstrap installs it)."""
    return (settings.get("REPLIES") == "isso" and urlsplit(isso_url).hostname == HOST
            and Path(sys.executable).with_name("isso").exists())


def claim_ports(settings, port, receiver=True, isso=True, editor=False):
    """Exit 1 with one line, before anything is built or served, if a port
    the task needs is taken: the site's, the subscribe receiver's, the local Isso's or the editor's."""
    receiver_port, isso_port, editor_port = dev_ports(settings, port)
    needed = [(port, "the site's")] + ([(editor_port, "the editor's backend")] if editor else [])
    if receiver:
        needed.append((receiver_port, "the subscribe receiver's"))
    if isso:
        needed.append((isso_port, "the local Isso's"))
    for number, user in needed:
        if not 0 < number < 65536:
            raise Exit(f"Port {number} for {user} does not exist: choose another with --port.", code=1)
        with socket.socket() as probe:
            # As the servers bind: SO_REUSEADDR, so only a listening socket makes it busy.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, number))
            except OSError as err:
                raise Exit(port_in_use(HOST, number, err, port, user), code=1) from None


@contextlib.contextmanager
def subscribe_receiver(site_port, receiver_port, database):
    """The development subscribe receiver (devtools/subscribe_receiver.py) on
    `receiver_port`, accepting fetches from the site on `site_port`, while the block runs."""
    proc = subprocess.Popen([sys.executable, "-m", "extramile.devtools.subscribe_receiver",
                             "--port", str(receiver_port), "--site", f"http://{HOST}:{site_port}/",
                             "--db", str(database)],
                            preexec_fn=preexec())
    try:
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def isso_server(site_port, isso_port, folder):
    """A local Isso (devtools/isso_server.py) on `isso_port` for the site on
    `site_port` while the block runs: its own database in `folder`, moderation on."""
    from extramile.devtools import isso_server as local_isso

    proc = local_isso.start(folder, isso_port, [f"http://{HOST}:{site_port}", f"http://localhost:{site_port}"],
                            preexec_fn=preexec())
    print(f"Isso on http://{HOST}:{isso_port} (moderate at http://{HOST}:{isso_port}/admin/, "
          f"password in {Path(folder) / 'admin-password'})")
    try:
        yield proc
    finally:
        stop(proc)


def listen(output, port, announce=True):
    """Serve `output` with Pelican's own file server (pelican.server, what
    `pelican --listen` runs), in this process, until Ctrl-C or SIGTERM. Bound
    before anything is printed: a busy port exits 1 with one line."""
    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    RootedHTTPServer.allow_reuse_address = True
    try:
        httpd = RootedHTTPServer(str(output), (HOST, port), ComplexHTTPRequestHandler)
    except OSError as err:
        raise Exit(port_in_use(HOST, port, err), code=1) from None
    if announce:
        print(f"Serving on http://{HOST}:{port}/  (Ctrl-C stops)", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
