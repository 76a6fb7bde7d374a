"""The dashboard's browser tests: one uvicorn server on a free loopback port over the real
store for the session, Debian's /usr/bin/chromium driven by Playwright (never a downloaded
browser), waits on flags the page sets (``window.pacte``), never sleeps."""

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from pacte.api import Settings, create_app

sys.path.insert(0, str(Path(__file__).parent))  # webhelpers importable
#: Development only: the URL of a running ``pacte serve`` over the store $PACTE_DB, used
#: instead of building a store and starting a server (the browser tests in seconds).
DEV_URL = os.environ.get("PACTE_WEB_TEST_URL")


@pytest.fixture(scope="session")
def web_store(request) -> Path:
    """The store the server reads (the CLI checks in the tests read the same)."""
    if DEV_URL:
        return Path(os.environ["PACTE_DB"])
    return request.getfixturevalue("built_store")


@pytest.fixture(scope="session")
def server(web_store):
    import uvicorn

    if DEV_URL:
        yield DEV_URL
        return
    built_store = web_store
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(db=built_store))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert th.is_alive() and time.monotonic() < deadline, "uvicorn n'a pas démarré"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    th.join(10)
