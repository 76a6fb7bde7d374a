"""Shared fixtures: one real store, built once per test session from the bundled snapshot."""

import gc
import os
import shutil
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import settings

from pacte import store

sys.path.insert(0, str(Path(__file__).parent))  # tests/fixtures importable as "fixtures"
# The processes a run starts (xdist workers, background builds, CLI and server subprocesses)
# write the bytecode they compile and read it back, even where PYTHONDONTWRITEBYTECODE is set
# (as on CI machines): otherwise each of them compiles again every module it imports.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
# the tiny fictional store (fictional_store, fictional_con): a whole store in seconds
pytest_plugins = ["fixtures.conftest_fictional"]

#: Allocations between two passes of the cyclic garbage collector (Python's default: 700).
#: A test process allocates millions of short-lived objects (data frames, hypothesis draws,
#: requests): at the default, the collector ran about 7,000 times per xdist worker and took
#: 8 to 11 s of its CPU; rare passes find the same garbage for a fraction of it (and the
#: long-lived heap is frozen after collection: :func:`pytest_collection_finish`).
GC_THRESHOLD = 10_000
gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])

# Property tests explore the same examples on every run (CI must not fail at random);
# run with HYPOTHESIS_PROFILE=explore to search new examples locally.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


#: Session fixtures that need the real store: the tests using them run last, while the
#: store is built in the background (:func:`pytest_collection_modifyitems`).
REAL = "built_store"


def stores_dir(tmp_path_factory) -> Path | None:
    """Where test stores are shared between processes: ``PACTE_TEST_STORES`` (kept between
    runs), else, under pytest-xdist, one folder per run shared by the workers; None for a
    plain single-process run (stores in the session's own temporary folder)."""
    shared = os.environ.get("PACTE_TEST_STORES")
    if not shared and os.environ.get("PYTEST_XDIST_WORKER"):  # parallel workers: one build
        shared = str(tmp_path_factory.getbasetemp().parent / "stores")  # per run, shared
    return Path(shared) if shared else None


def expected_hash(snap: Path | None) -> str:
    from pacte.settings import package_data

    return store.build_hash(store.read_provenance(snap or package_data()))


def current_hash(path: Path) -> str | None:
    try:
        with store.connect(path) as c:
            return store.read_meta(c).get("build_hash")
    except Exception:  # absent or unreadable: rebuilt
        return None


def session_store(tmp_path_factory, name: str, snap: Path | None = None) -> Path:
    """A store built from ``snap`` (default: the bundled real snapshot) once per test run.
    With ``PACTE_TEST_STORES=DIR``, the store is ``DIR/<name>.duckdb``, kept between runs
    and shared by parallel workers: rebuilt (under a lock) only when its build hash is not
    the one of the current snapshot and code. Under pytest-xdist without it, the workers
    share one store per run (the first worker builds it, or the background build started at
    collection, and the others wait for it)."""
    from pacte.handlers.build import build_store

    root = stores_dir(tmp_path_factory)
    if root is None:
        cached = getattr(tmp_path_factory, "_pacte_background", {}).get(name)
        if cached is not None:  # built in the background (single process): wait for it
            cached["process"].wait()
            if current_hash(cached["path"]) == expected_hash(snap):
                return cached["path"]
        path = tmp_path_factory.mktemp(name) / "pacte.duckdb"
        build_store(path, snap=snap) if snap else build_store(path)
        return path
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{name}.duckdb"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if current_hash(path) != expected_hash(snap):
            build_store(path, snap=snap) if snap else build_store(path)
    return path


def run_store(tmp_path_factory, name: str, make) -> Path:
    """A folder ``name`` made by ``make(folder)`` once per test run: under pytest-xdist the
    workers share it (the first one makes it under a lock, the others wait and reuse it);
    never kept between runs (for stores whose inputs are written by the tests)."""
    import fcntl

    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.getbasetemp().parent / "run_stores"
    else:
        root = tmp_path_factory.getbasetemp() / "run_stores"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / f"{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a make that failed in another worker
            folder.mkdir()
            make(folder)
            (root / f"{name}.done").touch()
    return folder


def start_background_build(tmp_path_factory, name: str, snap: Path | None = None) -> None:
    """Start building the store ``name`` in a child process, so that the tests not needing
    it run meanwhile on every core. Under a shared folder, the child holds the store's lock
    until the store is written (a worker asking for it waits; a second worker calling this
    finds the lock taken and leaves it); nothing is started when the store is current. A
    failed build in the child is built again, and its error raised, by
    :func:`session_store`."""
    import fcntl
    import subprocess

    root = stores_dir(tmp_path_factory)
    code = ("import sys; from pathlib import Path; from pacte.handlers.build import "
            "build_store; build_store(Path(sys.argv[1]), "
            "**({'snap': Path(sys.argv[2])} if len(sys.argv) > 2 else {}))")
    if root is None:
        path = tmp_path_factory.mktemp(f"{name}_bg") / "pacte.duckdb"
        proc = subprocess.Popen([sys.executable, "-c", code, str(path),
                                 *([str(snap)] if snap else [])],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not hasattr(tmp_path_factory, "_pacte_background"):
            tmp_path_factory._pacte_background = {}
        tmp_path_factory._pacte_background[name] = {"process": proc, "path": path}
        BACKGROUND.append(proc)
        return
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{name}.duckdb"
    with open(root / f"{name}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # being built by another process
            return
        if current_hash(path) == expected_hash(snap):
            return
        # the child inherits the locked file: the lock is released when the child exits
        BACKGROUND.append(subprocess.Popen(
            [sys.executable, "-c", code, str(path), *([str(snap)] if snap else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(lock.fileno(),)))


#: Background builds started by this process, stopped if still running at the session's end
#: (a run interrupted or limited to tests not needing them).
BACKGROUND: list = []


def pytest_sessionfinish(session, exitstatus):
    for proc in BACKGROUND:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()


def pytest_collection_modifyitems(session, config, items):
    """Modules run in three bands: those needing no store first, then those using the
    fictional store, then those using the real one; both stores are built in the background
    from the start. The pure tests keep every core busy while the fictional store builds
    (a few seconds), and the fictional ones while the real store builds, instead of a
    worker waiting for a build. The order of modules is otherwise kept, and a module is
    never split (its module fixtures are built once)."""
    from fixtures.conftest_fictional import FICTIONAL, SNAPSHOT

    band: dict[str, int] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        names = getattr(item, "fixturenames", ())
        need = 2 if REAL in names else 1 if FICTIONAL in names else 0
        band[module.__name__] = max(band.get(module.__name__, 0), need)
    items.sort(key=lambda item: band.get(getattr(getattr(item, "module", None), "__name__",
                                                  ""), 0))
    needed = set(band.values())
    if 1 in needed:
        start_background_build(config._tmp_path_factory, "fictional", SNAPSHOT)
    if 2 in needed:
        start_background_build(config._tmp_path_factory, "real")


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """Path of a DuckDB store built from the real bundled snapshot."""
    return session_store(tmp_path_factory, "real")


@pytest.fixture(scope="session")
def con(built_store):
    """A read-only connection to the real store, shared by the tests that only read it."""
    with store.connect(built_store) as c:
        yield c


@pytest.fixture(scope="session")
def raw_con(built_store):
    """A read-only connection to the real store with the snapshot tables that only the
    build reads put back (temporary tables, :func:`pacte.store.build_tables.
    load_build_tables`), for the tests that recompute from the raw files."""
    from pacte.store.build_tables import load_build_tables

    with store.connect(built_store) as c:
        load_build_tables(c)
        yield c


@pytest.fixture(scope="module")
def client(built_store, tmp_path_factory):
    """An in-process API client on the real store (the API tests, and the one-truth tests
    that read the API beside the CLI and the exports)."""
    from fastapi.testclient import TestClient

    from pacte.api import Settings, create_app

    app = create_app(Settings(db=built_store, cache=tmp_path_factory.mktemp("cache")))
    with TestClient(app) as c:
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


def pytest_collection_finish(session):
    """The imports and the collection leave a heap of long-lived objects (pandas, hypothesis,
    schemathesis, FastAPI, the test modules): frozen, the collector's full passes no longer
    walk it again and again (with :data:`GC_THRESHOLD`, the workers' time in the collector fell
    from 3.8 s to 1.3 s of 41 s of CPU on the fuzz, targeting and handler tests)."""
    gc.freeze()
