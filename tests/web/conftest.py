"""The dashboard's browser tests: one uvicorn server on a free loopback port over the real
store and one Debian /usr/bin/chromium (driven by Playwright; never a downloaded browser) for
the session, a new context per page; waits on flags the page sets (``window.pacte``), never
sleeps. Contexts ask for reduced motion, so the map jumps to a territory instead of
animating the move (the frames of an animation cost CPU and prove nothing here)."""

import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from pacte.api import Settings, create_app

# webhelpers importable; appended, so that ``conftest`` stays the tests' root one
sys.path.append(str(Path(__file__).parent))


@pytest.fixture(scope="session")
def web_store(built_store) -> Path:
    """The store the server reads (the CLI checks in the tests read the same)."""
    return built_store


@pytest.fixture(scope="session")
def server(web_store):
    import uvicorn

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


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    from webhelpers import ARGS, CHROMIUM, OUTPUT

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
