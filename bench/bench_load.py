"""Load test of the API on loopback: a real uvicorn server, 1 then 2 workers,
against a real store; an async httpx generator drives each endpoint for a fixed duration.

Usage: python bench/bench_load.py [--db PATH] [--seconds 60] [--rate 300] [--workers 1 2]
                                  [--endpoints territory indicators ranking profile]
       (without --db a store is built into a temporary folder first)

Territory and indicator endpoints run open-loop at ``--rate`` requests/s (a request is due
every 1/rate s whether or not the previous ones are answered; latency is counted from the
due time, so a slow server is not hidden by a slow client). The ranking with weights (POST
of a custom rule) and the profile are heavier: they run closed-loop with ``--concurrency``
clients and report the throughput they reach. Printed per endpoint and worker count:
throughput, p50, p99, errors (non-200, transport, not sent in time) and answers whose
figures differed for the same address (must be 0); then the ratio to the target: one worker sustains 300 req/s for 60 s on the territory and indicator endpoints
with p99 < 50 ms and no error. Not a test: the machine is shared and the load generator
runs on the same cores as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import time
from collections import defaultdict
from pathlib import Path

import httpx
from _server import start_server, store_or_build

TARGET_RATE = 300.0
TARGET_P99_MS = 50.0
OPEN_LOOP = ("territory", "indicators")
INDICATORS = "api/indicators?level=epci&indicator=industry_share&period=2016&source=rp"


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


class Stats:
    def __init__(self):
        self.lat: list[float] = []
        self.errors: dict[str, int] = defaultdict(int)
        self.bodies: dict[str, set[str]] = defaultdict(set)

    def ok(self, url: str, ms: float, body: bytes) -> None:
        self.lat.append(ms)
        self.bodies[url].add(hashlib.sha1(body).hexdigest())

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    @property
    def divergent(self) -> int:
        return sum(len(h) - 1 for h in self.bodies.values())


def rule_with_weights() -> dict:
    """The default rule with other weights: the ranking is computed, not read."""
    import yaml

    from pacte.settings import package_data

    rule = yaml.safe_load(package_data("composite_default.yaml").read_text(encoding="utf-8"))
    rule["name"] = "règle de charge"
    for i, dim in enumerate(rule["dimensions"]):
        dim["weight"] = 1 + i
    return rule


async def one(client: httpx.AsyncClient, req: tuple, stats: Stats, due: float) -> None:
    method, url, body = req
    try:
        r = await (client.get(url) if method == "GET" else client.post(url, json=body))
        ms = 1000 * (time.perf_counter() - due)
        if r.status_code == 200:
            stats.ok(url, ms, r.content)
        else:
            stats.errors[f"HTTP {r.status_code}"] += 1
    except httpx.HTTPError as exc:
        stats.errors[type(exc).__name__] += 1


async def open_loop(base: str, reqs: list[tuple], rate: float, seconds: float,
                    max_inflight: int) -> tuple[Stats, float]:
    stats = Stats()
    limits = httpx.Limits(max_connections=max_inflight, max_keepalive_connections=max_inflight)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        tasks: set[asyncio.Task] = set()
        t0 = time.perf_counter()
        i = 0
        while True:
            due = t0 + i / rate
            if due - t0 >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= max_inflight:
                stats.errors["non envoyée (trop de requêtes en attente)"] += 1
            else:
                t = asyncio.create_task(one(client, reqs[i % len(reqs)], stats, due))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
            i += 1
        if tasks:
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return stats, elapsed


async def closed_loop(base: str, reqs: list[tuple], concurrency: int,
                      seconds: float) -> tuple[Stats, float]:
    stats = Stats()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        t0 = time.perf_counter()
        counter = iter(range(10**9))

        async def worker():
            while time.perf_counter() - t0 < seconds:
                await one(client, reqs[next(counter) % len(reqs)], stats, time.perf_counter())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return stats, elapsed


def requests_for(base: str) -> dict[str, list[tuple]]:
    with httpx.Client(base_url=base, timeout=30) as c:
        codes = [r["code"] for r in c.get("api/territories?level=epci").json()["data"]]
        deps = [r["code"] for r in c.get("api/territories?level=dep").json()["data"]]
    rule = rule_with_weights()
    return {
        # warm-up of the territory route on other addresses (départements): the process and
        # its store are warm, but every EPCI answer of the measured run is computed once
        # (not served from the answer cache) on its first pass
        "territory_warmup": [("GET", f"api/territories/dep/{c}", None) for c in deps],
        "territory": [("GET", f"api/territories/epci/{c}", None) for c in codes],
        "indicators": [("GET", INDICATORS, None)],
        "ranking": [("POST", "api/ranking?level=epci&top=20", rule)],
        "profile": [("GET", f"api/profile/epci/{c}", None) for c in codes],
    }


LABELS = {"territory": "territoire (1 255 EPCI tournants, 1er tour sans cache)",
          "indicators": "indicateur, niveau EPCI entier (1 255 lignes)",
          "ranking": "classement avec pondérations (POST règle)",
          "profile": "profil JSON (EPCI tournants)"}


def run(args, db: Path) -> list[dict]:
    rows = []
    for workers in args.workers:
        proc, base = start_server(db, workers)
        try:
            reqs = requests_for(base)
            for name in args.endpoints:
                rs = reqs[name]
                # warm-up: imports, store, every worker's first answers
                asyncio.run(closed_loop(base, reqs.get(f"{name}_warmup", rs), 4,
                                        min(3.0, args.seconds)))
                if name in OPEN_LOOP and args.rate > 0:
                    stats, elapsed = asyncio.run(open_loop(base, rs, args.rate, args.seconds,
                                                           args.max_inflight))
                    mode = f"{args.rate:g} req/s visées"
                else:
                    stats, elapsed = asyncio.run(closed_loop(base, rs, args.concurrency,
                                                             args.seconds))
                    mode = f"{args.concurrency} clients en boucle"
                row = {"workers": workers, "endpoint": name, "mode": mode,
                       "seconds": round(elapsed, 1), "answered": len(stats.lat),
                       "throughput": round(len(stats.lat) / elapsed, 1),
                       "p50_ms": round(pct(stats.lat, 0.50), 1),
                       "p99_ms": round(pct(stats.lat, 0.99), 1),
                       "errors": stats.n_errors, "error_kinds": dict(stats.errors),
                       "divergent": stats.divergent}
                rows.append(row)
                print(f"{workers} processus  {LABELS[name]:58s} {mode:22s} "
                      f"{row['throughput']:7.1f} req/s  p50 {row['p50_ms']:7.1f} ms  "
                      f"p99 {row['p99_ms']:7.1f} ms  erreurs {row['errors']}"
                      f"{' ' + json.dumps(row['error_kinds'], ensure_ascii=False) if row['errors'] else ''}"
                      f"  réponses divergentes {row['divergent']}", flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    return rows


def verdict(rows: list[dict], seconds: float) -> None:
    print(f"\nObjectif : 1 processus, {TARGET_RATE:g} req/s pendant 60 s, "
          f"p99 < {TARGET_P99_MS:g} ms, aucune erreur (mesure : {seconds:g} s par route)")
    for r in rows:
        if r["workers"] != 1 or r["endpoint"] not in OPEN_LOOP:
            continue
        met = (r["throughput"] >= 0.98 * TARGET_RATE and r["p99_ms"] < TARGET_P99_MS
               and r["errors"] == 0 and seconds >= 60)
        print(f"  {LABELS[r['endpoint']]:58s} débit / objectif {r['throughput'] / TARGET_RATE:5.2f}"
              f"   p99 / objectif {r['p99_ms'] / TARGET_P99_MS:5.2f}   erreurs {r['errors']}"
              f"   -> {'atteint' if met else 'NON atteint'}"
              f"{' (durée < 60 s)' if seconds < 60 else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--seconds", type=float, default=60.0, help="durée par route (60 s)")
    ap.add_argument("--rate", type=float, default=TARGET_RATE,
                    help="req/s visées, territoire et indicateur (0 : en boucle fermée)")
    ap.add_argument("--concurrency", type=int, default=4, help="clients en boucle fermée")
    ap.add_argument("--max-inflight", type=int, default=256)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--endpoints", nargs="+", default=list(LABELS), choices=list(LABELS))
    ap.add_argument("--json", type=Path, help="écrire aussi les chiffres en JSON ici")
    args = ap.parse_args()
    db, tmp = store_or_build(args.db)
    print(f"Charge sur boucle locale, {os.cpu_count()} cœurs (générateur compris), "
          f"charge moyenne {os.getloadavg()[0]:.1f}, {args.seconds:g} s par route", flush=True)
    try:
        rows = run(args, db)
    finally:
        if tmp:
            tmp.cleanup()
    verdict(rows, args.seconds)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
