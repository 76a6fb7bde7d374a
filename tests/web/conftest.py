"""The dashboard's browser tests: uvicorn servers on free loopback ports and one Debian
/usr/bin/chromium (driven by Playwright; never a downloaded browser) for the session, a new
context per page; waits on flags the page sets (``window.pacte``), never sleeps. Contexts ask
for reduced motion, so the map jumps to a territory instead of animating the move (the frames
of an animation cost CPU and prove nothing here).

Two servers: ``server`` over the real store (the dashboard's own layers, 1,255 EPCI) for the
checks that need real data, and ``fictional_server`` over the fictional store (3 EPCI), whose
map layers are written from that store's contours by scripts/snapshot_web.py, the script that
writes the shipped ones. Every action re-renders the map and the table of every territory:
1,255 rows cost Chromium about 1.5 s of CPU per action, three rows almost nothing, so the
checks that hold on any store run on the fictional one."""

import importlib.util
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from pacte.api import Settings, create_app

# webhelpers importable; appended, so that ``conftest`` stays the tests' root one
sys.path.append(str(Path(__file__).parent))


def pytest_configure(config):
    """``xdist_group`` known even when pytest-xdist is not loaded (``-p no:xdist``)."""
    config.addinivalue_line("markers", "xdist_group(name): tests run on one xdist worker "
                            "under --dist loadgroup")


@pytest.fixture(scope="session")
def web_store(built_store) -> Path:
    """The store the server reads (the CLI checks in the tests read the same)."""
    return built_store


def serve(app):
    """Run ``app`` in a thread on a free loopback port: yields its root address."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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
def server(web_store):
    yield from serve(create_app(Settings(db=web_store)))


@pytest.fixture(scope="session")
def fictional_web(fictional_store, tmp_path_factory) -> Path:
    """A copy of the shipped dashboard with map layers written from the fictional store by
    scripts/snapshot_web.py."""
    import shutil

    from pacte.api.app import web_dir

    spec = importlib.util.spec_from_file_location(
        "snapshot_web", Path(__file__).resolve().parents[2] / "scripts" / "snapshot_web.py")
    snapshot_web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(snapshot_web)
    root = tmp_path_factory.mktemp("web") / "web"
    shutil.copytree(web_dir(), root, ignore=shutil.ignore_patterns("geo"))
    snapshot_web.snapshot(fictional_store, root / "geo")
    return root


@pytest.fixture(scope="session")
def fictional_server(fictional_store, fictional_web):
    """The API over the fictional store, with the dashboard of :func:`fictional_web`."""
    from fastapi.staticfiles import StaticFiles

    app = create_app(Settings(db=fictional_store, web=False))
    app.mount("/", StaticFiles(directory=fictional_web, html=True), name="web")
    yield from serve(app)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    from webhelpers import ARGS, CHROMIUM, OUTPUT

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shared_real_page(browser, server):
    """One page over the real store, opened on FttH (hundreds of EPCI tied at 0), for the
    checks that need the real data and leave nothing behind that another one reads: one
    page load instead of one per test. Yields ``(page, errors, outside)``."""
    from webhelpers import wait_flag

    errors: list[str] = []
    outside: list[str] = []
    ctx = browser.new_context(viewport={"width": 1100, "height": 850}, locale="fr-FR",
                              reduced_motion="reduce")
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((server, "blob:", "data:"))
            else outside.append(r.url))
    page.goto(server + "?indicateur=ftth_connectable_share")
    wait_flag(page, "window.pacte && window.pacte.mapIdle")
    yield page, errors, outside
    ctx.close()


@pytest.fixture
def real_page(shared_real_page):
    """The shared real-store page; no page error and no request outside the server during
    the test, checked at its end."""
    page, errors, outside = shared_real_page
    errors.clear()
    outside.clear()
    yield page
    assert errors == []
    assert outside == []
