"""The dashboard's basin layer in a real headless Chromium (Debian's /usr/bin/chromium,
as the dashboard's own test): the outlines of every stored basin are drawn above the
territories, and the toggle hides them."""

import socket
import threading
import time
from pathlib import Path

import pytest

from pacte.api import Settings, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def _wait(page, expr: str, timeout: float = 60.0) -> None:
    """Poll (the page's CSP forbids Playwright's eval-based waits)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({expr})"):
        assert time.monotonic() < deadline, f"délai dépassé en attendant {expr}"
        page.wait_for_timeout(100)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium absent (apt-get install "
                    "chromium) : test navigateur non exécuté")
def test_basin_layer_drawn_and_toggled(built_store, con):
    import uvicorn
    from playwright.sync_api import sync_playwright

    n = con.execute("SELECT count(*) FROM basin").fetchall()[0][0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(Settings(db=built_store)), host="127.0.0.1",
                                        port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        assert th.is_alive()
        time.sleep(0.02)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{port}/")
            _wait(page, "window.pacteMap && window.pacteMap.getLayer('bassins-line')")
            assert page.evaluate("window.__pacteBasins") == n
            assert page.inner_text("#basins-toggle") == f"Bassins candidats ({n})"
            layers = page.evaluate("window.pacteMap.getStyle().layers.map(l => l.id)")
            assert layers.index("bassins-line") > layers.index("terr-hl")  # drawn above
            page.click("#basins-toggle")
            assert page.evaluate(
                "window.pacteMap.getLayoutProperty('bassins-line', 'visibility')") == "none"
            assert errors == []
            browser.close()
    finally:
        srv.should_exit = True
        th.join(10)
