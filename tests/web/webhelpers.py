"""Helpers of the dashboard's browser tests (imported by name: tests/web is put on the path
by its conftest)."""

import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUTPUT = Path(__file__).resolve().parents[1] / "output"
#: Every browser test on one pytest-xdist worker under ``--dist loadgroup`` (one Chromium,
#: one pair of servers, one warm-up); ignored by the other ``--dist`` modes.
web_group = pytest.mark.xdist_group("web")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium absent "
                                    "(apt-get install chromium) : test navigateur non exécuté")


def wait_flag(page, expr: str, timeout: float = 60.0) -> None:
    """Poll a flag the page sets (the CSP forbids Playwright's eval-based wait_for_function):
    the flag and the page's error in one round trip (a poll costs the browser and this
    process CPU: about 0.15 s a second of waiting with two round trips)."""
    deadline = time.monotonic() + timeout
    while True:
        done, err = page.evaluate(f"[Boolean({expr}), (window.pacte && window.pacte.error) "
                                  "|| null]")
        if done:
            return
        assert not err, f"erreur du tableau de bord : {err}"
        assert time.monotonic() < deadline, f"délai dépassé en attendant {expr}"
        page.wait_for_timeout(50)
