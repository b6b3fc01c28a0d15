"""A real document portal on 127.0.0.1, mounted at /docs as the demo server mounts it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from docportal_fixtures import Clock, Faults, Portal
from starlette.applications import Starlette
from starlette.routing import Mount

from legacy_apps.docportal import create_docportal


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    faults, clock = Faults(), Clock()
    app = Starlette(routes=[Mount("/docs", app=create_docportal(42, faults_state=faults, clock=clock))])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # wait for the server to accept connections, at most 10 s
        if time.monotonic() > deadline:
            raise RuntimeError("the document portal did not start within 10 s")
        time.sleep(0.02)
    yield Portal(f"http://127.0.0.1:{port}", faults, clock)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def faults(portal: Portal) -> Iterator[Faults]:
    """The portal's faults, reset to healthy after each test."""
    yield portal.faults
    portal.faults.changed_layout = False
    portal.faults.session_expiry_after = None
    portal.faults.session_idle_seconds = 15 * 60
