"""What the API benchmarks share: a store (the given one, or one built into a temporary
folder), a free loopback port, and a real uvicorn server started on it (``pacte serve``'s
protocol, with Nagle off) and waited for until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

#: ``pacte.api.protocol.SPEC``, written out (tests/api/test_protocol.py checks it): importing
#: ``pacte.api`` loads FastAPI, DuckDB and pandas into the load generator, which then falls
#: behind (measured on the indicators route: 300 req/s, p99 3.9 ms without the import;
#: 202-235 req/s, p99 4.5-5.4 s with it).
SPEC = "pacte.api.protocol:NoDelayH11Protocol"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_or_build(db: Path | None) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """``db``, or a store built from the bundled data into a temporary folder (returned, to
    be cleaned up by the caller)."""
    if db is not None:
        return db, None
    from pacte.handlers.build import build_store

    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / "pacte.duckdb"
    print("Construction du store…", flush=True)
    build_store(path)
    return path, tmp


def start_server(db: Path, workers: int = 1, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """A uvicorn server on ``db`` with ``workers`` processes: (process, base URL)."""
    port = free_port()
    env = {**os.environ, "PACTE_DB": str(db)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory",
                             "pacte.api.app:app_from_env", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", str(workers), "--log-level", "warning",
                             "--no-access-log", "--http", SPEC], env=env)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=10) as c:
        while True:
            try:
                if c.get("api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("le serveur ne répond pas")
            time.sleep(0.2)
    return proc, base
