"""Shared by the tests that talk to a real server or need an outside tool: the app served by uvicorn in a
thread on a free local port, and skipping (or, in CI, failing) when a tool is missing."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
import uvicorn

REQUIRE_ENV = "CARBONTRAIL_REQUIRE_INTEROP"
"""Set to 1 (as .ci/run does), a missing tool fails the tests that need it instead of skipping them."""


def missing_tool(reason: str, install: str) -> NoReturn:
    """Skip the test, or fail it when the environment requires the interop run (CI).

    Raises:
        pytest.fail.Exception: ``CARBONTRAIL_REQUIRE_INTEROP=1`` is set.
        pytest.skip.Exception: otherwise (the message says how to ``install`` the tool).
    """
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
    pytest.skip(f"{reason} ({install})")


@contextlib.contextmanager
def served_app(app: Any, *, timeout: float = 20) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free port of 127.0.0.1; yield its base URL
    (``http://127.0.0.1:<port>``) and stop it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
