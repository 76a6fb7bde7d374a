"""Faults the server must survive without a wrong figure or a lost request:
the store replaced by a new build while readers read, a missing or corrupted store, and a
uvicorn worker killed (SIGKILL) under load. On the fictional store (built in seconds)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from pacte.api import Settings, create_app

URLS = ["/api/indicators?level=epci", "/api/territories?level=dep", "/api/ranking?level=epci"]


def failed_503(r):
    assert r.status_code == 503, r.text
    body = r.json()
    assert set(body) == {"error", "meta"} and body["error"]["type"] == "StoreError"
    assert "pacte build" in body["error"]["message"]
    return body["error"]["message"]


def figures(r) -> object:
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_readers_keep_identical_figures_while_a_build_replaces_the_store(fictional_store,
                                                                       tmp_path, monkeypatch):
    """Readers in threads ask the same addresses while the build (``store.build``) writes a
    new store next to the served one and renames it over it: every answer is 200 with the
    same figures, and the server ends up on the new file (new build date, new inode).

    The build is the real one (snapshot checked, base tables, meta, validation, temporary
    file renamed over the store), but its derived answers (indicators, ranking, cards...)
    are copied from the fictional store instead of computed again (:func:`copied_steps`):
    what is tested is the swap under load, not the computations, which the fictional store
    itself was built with.

    While the new store is written (seconds), each reader pauses 250 ms between requests (the
    build keeps its core), and the rename waits for more than 20 answers from the old file;
    from just before the rename to the end, they ask without pause, so that requests are in
    flight on the old file when it is replaced and on the new one when it is opened (the
    moments a wrong swap would break)."""
    from fixtures.conftest_fictional import SNAPSHOT

    from pacte import store

    db = tmp_path / "pacte.duckdb"
    shutil.copy(fictional_store, db)
    derived = tmp_path / "derived.duckdb"  # its own file: the served one stays untouched
    shutil.copy(fictional_store, derived)
    app = create_app(Settings(db=db, web=False))
    with TestClient(app) as c:
        expected = {u: figures(c.get(u)) for u in URLS}
        built_at = c.get("/api/health").json()["meta"]["built_at"]
        inode = db.stat().st_ino
        stop, hot, seen, bad = threading.Event(), threading.Event(), [0, 0], []
        replace = os.replace

        def replace_under_load(src, dst):
            if Path(dst) == db:
                wait_until(lambda: seen[0] > 20)  # answers from the old file first
                hot.set()
                time.sleep(0.2)  # every reader asking without pause
                seen[1] = seen[0]
            replace(src, dst)

        monkeypatch.setattr(os, "replace", replace_under_load)

        def reader(k):
            i = k
            while not stop.is_set():
                u = URLS[i % len(URLS)]
                r = c.get(u)
                if r.status_code != 200 or r.json()["data"] != expected[u]:
                    bad.append((u, r.status_code, r.text[:200]))
                seen[0] += 1
                i += 1
                if not hot.is_set():
                    stop.wait(0.25)

        threads = [threading.Thread(target=reader, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        try:
            store.build(db, snap=SNAPSHOT, steps=[copied_steps(derived)])  # temporary
            # file, then os.replace over db
            wait_until(lambda: seen[0] > seen[1] + 30)  # answers from the new file
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        assert db.stat().st_ino != inode  # the file was replaced, not rewritten
        assert bad == []
        assert seen[1] > 20 and seen[0] > seen[1] + 20  # read before and after the rename
        assert app.state.store.generation == 2  # reopened once, on the new file
        after = c.get("/api/health").json()["meta"]
        assert after["built_at"] != built_at
        for u in URLS:
            assert figures(c.get(u)) == expected[u]


def copied_steps(source: Path):
    """A build step writing the tables of the store ``source`` that the base build has not
    (the derived answers ``pacte.handlers.build.steps()`` compute), copied as they are."""
    def step(con, say) -> dict:
        con.execute(f"ATTACH '{source}' AS source (READ_ONLY)")
        try:
            have = {r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND NOT temporary").fetchall()}
            names = [r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'source'"
                " ORDER BY table_name").fetchall()]
            out = {}
            for name in names:
                if name not in have:
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM source."{name}"')
                    out[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            return out
        finally:
            con.execute("DETACH source")
    return step


def test_missing_store_then_built_is_picked_up(fictional_store, tmp_path):
    db = tmp_path / "absent.duckdb"
    app = create_app(Settings(db=db, web=False))
    with TestClient(app) as c:
        assert failed_503(c.get("/api/health")).startswith("store introuvable")
        assert failed_503(c.get("/api/indicators?level=epci")).startswith("store introuvable")
        shutil.copy(fictional_store, db)  # a store appears: no restart needed
        assert c.get("/api/health").status_code == 200


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupted_store_is_503_in_french(fictional_store, tmp_path, damage):
    db = tmp_path / "pacte.duckdb"
    if damage == "garbage":
        db.write_bytes(b"ceci n'est pas un store DuckDB\n" * 1000)
    elif damage == "truncated":
        data = fictional_store.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    else:
        db.write_bytes(b"")
    app = create_app(Settings(db=db, web=False))
    with TestClient(app) as c:
        for url in ("/api/health", "/api/catalogue", "/api/territories/epci/x"):
            msg = failed_503(c.get(url))
            assert msg.startswith("store illisible ou corrompu"), msg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float = 30.0) -> None:
    """Poll ``condition`` every 10 ms (no fixed sleep); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "délai dépassé"
        time.sleep(0.01)


def opened(pid: int, path: Path) -> bool:
    """Whether process ``pid`` holds ``path`` open."""
    target = str(Path(path).resolve())
    try:
        return any(os.readlink(fd) == target for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # a descriptor closed while listed
        return False


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(x) for x in text]
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="Linux /proc requis")
def test_sigkill_of_one_worker_loses_only_its_requests_in_flight(fictional_store):
    """A real uvicorn with 2 workers; 4 clients send requests without pause; one worker is
    killed with SIGKILL. Failed requests are at most the requests in flight at that moment
    (one per client), and the service keeps answering (the other worker, then a
    replacement)."""
    port = free_port()
    env = {**os.environ, "PACTE_DB": str(fictional_store), "PACTE_WEB": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory",
                             "pacte.api.app:app_from_env", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", "2", "--log-level", "error"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "serveur absent"
            time.sleep(0.2)
        # the 2 workers started (their lifespan opened the store), so both take requests;
        # the server's other children (multiprocessing's resource tracker) are not workers
        def serving() -> list[int]:
            return [c for c in children(proc.pid) if opened(c, fictional_store)]

        wait_until(lambda: len(serving()) == 2)
        workers = serving()
        stop = threading.Event()
        ok, failures = [0], []

        def client(k):
            # one connection per request: a kept-alive socket of the dead worker would fail
            # on its next use, which is not a request in flight
            with httpx.Client(base_url=base, timeout=30,
                              limits=httpx.Limits(max_keepalive_connections=0)) as c:
                i = k
                while not stop.is_set():
                    try:
                        r = c.get(URLS[i % 2])
                        if r.status_code == 200:
                            ok[0] += 1
                        else:
                            failures.append(r.status_code)
                    except httpx.TransportError as exc:
                        failures.append(type(exc).__name__)
                    i += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: ok[0] > 20)
            before = ok[0]
            os.kill(workers[0], signal.SIGKILL)
            wait_until(lambda: ok[0] > before + 100)  # ~0.2 s on the surviving worker
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert len(failures) <= len(threads), failures
        assert ok[0] > before + 100  # still answering after the kill
        r = httpx.get(base + "/api/health", timeout=10)
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
