"""One territory's answer, ``GET /api/territories/epci/200023414`` (Métropole Rouen
Normandie), against a real store: what the stored card costs to serve, and its size.

Usage: python bench/bench_card.py [--db PATH] [-n 300]
       (without --db a store is built into a temporary folder first)

Prints:
- the size of the table ``territory_card``: its card bytes, and the size of a DuckDB file
  holding that table alone; and the size of the store file;
- in a fresh process (the FastAPI app without its response cache, so that every request
  reads the card): the first request (the cards not yet read) and p50/p99 of ``-n``
  requests after it, for a client accepting gzip and for one that does not;
- the handler and the wire response alone, without the framework: first call, then median
  and p99 of ``10 × n`` calls;
- over loopback (one uvicorn worker, a fresh server per encoding): the first request.
Not a test: the figures are what this machine showed in this run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
from _server import start_server, store_or_build

URL = "/api/territories/epci/200023414"
ENCODINGS = {"gzip": "gzip", "identité": "identity"}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def table_size(db: Path) -> tuple[int, int, int]:
    """(rows, bytes of the card bodies as stored, bytes of a DuckDB file holding the table
    ``territory_card`` alone) of the store ``db``."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        alone = Path(tmp) / "cards.duckdb"
        with duckdb.connect(str(db), read_only=True) as con:
            blob = next(c for c in ("body", "data") if con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                "'territory_card' AND column_name = ?", [c]).fetchone()[0])
            rows, data = con.execute(f"SELECT count(*), sum(octet_length({blob})) "
                                     "FROM territory_card").fetchone()
            con.execute(f"ATTACH '{alone}' AS alone (READ_ONLY false)")
            con.execute("CREATE TABLE alone.territory_card AS SELECT * FROM territory_card")
            con.execute("DETACH alone")
        return rows, data, alone.stat().st_size


def in_process(db: Path, n: int, encoding: str) -> tuple[float, list[float], int]:
    """(first request ms, following requests ms, body bytes) on a fresh app whose
    response cache is removed."""
    from fastapi.testclient import TestClient

    from pacte.api.app import create_app
    from pacte.api.cache import ResponseCache
    from pacte.api.settings import Settings

    app = create_app(Settings(db=db, web=False))
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ResponseCache]
    headers = {"accept-encoding": encoding}
    with TestClient(app) as c:
        t0 = time.perf_counter()
        r = c.get(URL, headers=headers)
        first = 1000 * (time.perf_counter() - t0)
        r.raise_for_status()
        assert r.json()["data"]["territory"]["code"] == "200023414"
        size = int(r.headers.get("content-length", len(r.content)))
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            c.get(URL, headers=headers).raise_for_status()
            times.append(1000 * (time.perf_counter() - t0))
    return first, times, size


def handler_and_wire(db: Path, n: int) -> tuple[float, dict[bool, tuple[list[float], int]]]:
    """(first call ms, {gzip accepted: (following calls µs, body bytes)}) of the handler and
    the wire response alone (:func:`pacte.handlers.cards.stored_answer`,
    :func:`pacte.api.response.answer_stored`): what the card costs beyond the framework."""
    from pacte.api.response import answer_stored
    from pacte.handlers.cards import stored_answer

    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.cursor()
        t0 = time.perf_counter()
        stored_answer(cur, "200023414", "epci")
        first = 1000 * (time.perf_counter() - t0)
        for ok in (True, False):
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = answer_stored(stored_answer(cur, "200023414", "epci"), ok)
                times.append(1e6 * (time.perf_counter() - t0))
            out[ok] = times, len(r.body)
    return first, out


def fresh_process(db: Path, n: int, encoding: str) -> tuple[float, list[float], int]:
    """:func:`in_process` in a new Python process (nothing of the store read yet)."""
    out = subprocess.run([sys.executable, __file__, "--db", str(db), "-n", str(n),
                          "--one", encoding], check=True, capture_output=True, text=True)
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def over_http(db: Path, encoding: str) -> float:
    """First request to a fresh uvicorn server (ms)."""
    proc, base = start_server(db)
    try:
        with httpx.Client(base_url=base, timeout=30) as c:
            t0 = time.perf_counter()
            c.get(URL.lstrip("/"), headers={"accept-encoding": encoding}).raise_for_status()
            return 1000 * (time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--one", help=argparse.SUPPRESS)  # one encoding, in this process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(in_process(args.db, args.n, args.one)))
        return
    db, tmp = store_or_build(args.db)
    try:
        rows, data, alone = table_size(db)
        print(f"Table territory_card : {rows} fiches, {data / 1e6:.1f} Mo de fiches compressées, "
              f"{alone / 1e6:.1f} Mo dans un fichier DuckDB à elle seule ; fichier du store "
              f"{db.stat().st_size / 1e6:.1f} Mo")
        print(f"\nGET {URL}, dans un processus neuf (sans le cache des réponses), "
              f"{args.n} requêtes après la première :")
        for name, enc in ENCODINGS.items():
            first, xs, size = fresh_process(db, args.n, enc)
            print(f"  client {name:9s} première {first:7.1f} ms   p50 {pct(xs, 0.5):6.2f} ms   "
                  f"p99 {pct(xs, 0.99):6.2f} ms   moyenne {statistics.fmean(xs):6.2f} ms   "
                  f"corps {size / 1e3:.1f} ko")
        first, runs = handler_and_wire(db, 10 * args.n)
        print(f"\nGestionnaire et réponse seuls (sans FastAPI) : premier appel {first:.1f} ms, "
              f"puis {10 * args.n} appels :")
        for name, ok in (("gzip", True), ("identité", False)):
            xs, size = runs[ok]
            print(f"  client {name:9s} médiane {pct(xs, 0.5):6.0f} µs   p99 {pct(xs, 0.99):6.0f} µs"
                  f"   corps {size / 1e3:.1f} ko")
        print("\nGET sur boucle locale, serveur uvicorn neuf, première requête :")
        for name, enc in ENCODINGS.items():
            print(f"  client {name:9s} {over_http(db, enc):7.1f} ms")
    finally:
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    main()
