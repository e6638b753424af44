"""A test-only Pelican plugin: a build that waits at `initialized` until the test lets it go.

With BUILD_GATE set to a folder, each build writes `started-<pid>` there, then
waits until the file `open` exists. A test then knows a build is running (it
saves while the build provably runs) without guessing how long builds take."""

import os
import time
from pathlib import Path

from pelican import signals

LIMIT = 300  # seconds: a test that never opens the gate fails instead of hanging


def hold(pelican):
    gate = pelican.settings.get("BUILD_GATE")
    if not gate:
        return
    Path(gate, f"started-{os.getpid()}").touch()
    deadline = time.monotonic() + LIMIT
    while not Path(gate, "open").exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def register():
    signals.initialized.connect(hold)
