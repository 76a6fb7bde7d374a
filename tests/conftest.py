"""Shared fixtures: one real store, built once per test session from the bundled snapshot."""

import os
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import settings

from pacte import store

sys.path.insert(0, str(Path(__file__).parent))  # tests/fixtures importable as "fixtures"
# the tiny fictional store (fictional_store, fictional_con): a whole store in seconds
pytest_plugins = ["fixtures.conftest_fictional"]

# Property tests explore the same examples on every run (CI must not fail at random);
# run with HYPOTHESIS_PROFILE=explore to search new examples locally.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """Path of a DuckDB store built from the real bundled snapshot."""
    path = tmp_path_factory.mktemp("store") / "pacte.duckdb"
    from pacte.handlers.build import build_store

    build_store(path)
    return path


@pytest.fixture(scope="session")
def con(built_store):
    """A read-only connection to the real store, shared by the tests that only read it."""
    with store.connect(built_store) as c:
        yield c


@pytest.fixture
def local_server():
    """Start loopback HTTP servers for download tests (never the internet):
    ``local_server(handler_class, files)`` returns the server, with ``files`` (path -> bytes)
    and ``base`` (its URL) set; every server is stopped after the test."""
    servers = []

    def start(handler, files: dict):
        srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        srv.daemon_threads = True
        srv.files = files
        srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()
