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


def session_store(tmp_path_factory, name: str, snap: Path | None = None) -> Path:
    """A store built from ``snap`` (default: the bundled real snapshot) once per test run.
    With ``PACTE_TEST_STORES=DIR``, the store is ``DIR/<name>.duckdb``, kept between runs
    and shared by parallel workers: rebuilt (under a lock) only when its build hash is not
    the one of the current snapshot and code. Under pytest-xdist without it, the workers
    share one store per run (the first worker builds it, the others wait for it)."""
    from pacte.handlers.build import build_store
    from pacte.settings import package_data

    shared = os.environ.get("PACTE_TEST_STORES")
    if not shared and os.environ.get("PYTEST_XDIST_WORKER"):  # parallel workers: one build
        shared = str(tmp_path_factory.getbasetemp().parent / "stores")  # per run, shared
    if not shared:
        path = tmp_path_factory.mktemp(name) / "pacte.duckdb"
        build_store(path, snap=snap) if snap else build_store(path)
        return path
    import fcntl

    root = Path(shared)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{name}.duckdb"
    expected = store.build_hash(store.read_provenance(snap or package_data()))
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with store.connect(path) as c:
                current = store.read_meta(c).get("build_hash")
        except Exception:  # absent or unreadable: rebuilt below
            current = None
        if current != expected:
            build_store(path, snap=snap) if snap else build_store(path)
    return path


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """Path of a DuckDB store built from the real bundled snapshot."""
    return session_store(tmp_path_factory, "real")


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
