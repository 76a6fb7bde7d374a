"""Can one client starve the others? A real uvicorn server (one worker) on loopback; for each
heavy route in turn, ``--clients`` clients hammer it in closed loop for ``--seconds`` while a
light route (a territory card, warm) is asked open-loop at ``--rate`` requests/s. Printed per
heavy route: the light route's p50/p99 and errors, the heavy route's answers by status (200,
503 refused by the concurrency limit, other errors), and the server's peak resident memory
during that phase (sampled from /proc every 100 ms) and over the whole run (VmHWM).

Usage: python bench/bench_heavy.py [--db PATH] [--seconds 30] [--clients 4] [--rate 20]
                                   [--routes ranking pdf html export]
       (without --db a store is built into a temporary folder first)

Not a test: the machine is shared and the load generator runs on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from _server import start_server, store_or_build
from bench_load import pct, rule_with_weights

LABELS = {"ranking": "classement, règle envoyée (POST)",
          "pdf": "profil PDF (EPCI tournants)",
          "html": "profil HTML (EPCI tournants)",
          "export": "export EPCI (gpkg et xlsx en alternance)"}


def heavy_requests(name: str, codes: list[str]) -> list[tuple]:
    if name == "ranking":
        return [("POST", "api/ranking?level=epci&top=20", rule_with_weights())]
    if name in ("pdf", "html"):
        return [("GET", f"api/profile/epci/{c}?format={name}", None) for c in codes]
    return [("GET", f"api/export?level=epci&format={f}", None) for f in ("gpkg", "xlsx")]


class Memory:
    """Samples the resident memory of ``pid`` every 100 ms in a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def field(self, name: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.field("VmRSS"))
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


async def _send(client, req) -> tuple[int | str, float]:
    method, url, body = req
    t0 = time.perf_counter()
    try:
        r = await (client.get(url) if method == "GET" else client.post(url, json=body))
        return r.status_code, time.perf_counter() - t0
    except httpx.HTTPError as exc:
        return type(exc).__name__, time.perf_counter() - t0


async def phase(base: str, heavy: list[tuple], light: list[str], clients: int, rate: float,
                seconds: float) -> dict:
    heavy_status: Counter = Counter()
    light_lat: list[float] = []
    light_err: Counter = Counter()
    async with httpx.AsyncClient(base_url=base, timeout=120) as hc, \
            httpx.AsyncClient(base_url=base, timeout=120) as lc:
        t0 = time.perf_counter()
        counter = iter(range(10**9))

        async def worker():
            while time.perf_counter() - t0 < seconds:
                status, _ = await _send(hc, heavy[next(counter) % len(heavy)])
                heavy_status[status] += 1
                if status == 503:  # refused at once: do as a client told Retry-After would
                    await asyncio.sleep(0.2)

        async def one_light(url: str, due: float):
            try:
                r = await lc.get(url)
                if r.status_code == 200:
                    light_lat.append(1000 * (time.perf_counter() - due))
                else:
                    light_err[f"HTTP {r.status_code}"] += 1
            except httpx.HTTPError as exc:
                light_err[type(exc).__name__] += 1

        async def light_loop():
            tasks, i = [], 0
            while True:
                due = t0 + i / rate
                if due - t0 >= seconds:
                    break
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                tasks.append(asyncio.create_task(one_light(light[i % len(light)], due)))
                i += 1
            await asyncio.gather(*tasks)

        await asyncio.gather(light_loop(), *(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    return {"seconds": round(elapsed, 1), "heavy": {str(k): v for k, v in heavy_status.items()},
            "light_answered": len(light_lat), "light_p50_ms": round(pct(light_lat, 0.5), 1),
            "light_p99_ms": round(pct(light_lat, 0.99), 1), "light_errors": dict(light_err)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rate", type=float, default=20.0, help="req/s sur la route légère")
    ap.add_argument("--routes", nargs="+", default=list(LABELS), choices=list(LABELS))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    db, tmp = store_or_build(args.db)
    print(f"{os.cpu_count()} cœurs (générateur compris), charge moyenne "
          f"{os.getloadavg()[0]:.1f} ; 1 processus ; {args.clients} clients par route lourde, "
          f"{args.seconds:g} s ; route légère à {args.rate:g} req/s", flush=True)
    rows = []
    proc, base = start_server(db, 1)
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            codes = [r["code"] for r in c.get("api/territories?level=epci").json()["data"]]
            light = [f"api/territories/epci/{code}" for code in codes[:200]]
            for url in light:  # warm: the light route is served as it is in steady state
                c.get(url)
        mem = Memory(proc.pid)
        print(f"mémoire du serveur au repos : {mem.field('VmRSS') / 2**20:.0f} Mo", flush=True)
        for name in args.routes:
            sampler = Memory(proc.pid)
            with sampler:
                row = asyncio.run(phase(base, heavy_requests(name, codes[::7]), light,
                                        args.clients, args.rate, args.seconds))
            row.update(route=name, peak_rss_mb=round(sampler.peak / 2**20))
            rows.append(row)
            print(f"{LABELS[name]:42s} route légère p50 {row['light_p50_ms']:7.1f} ms  "
                  f"p99 {row['light_p99_ms']:7.1f} ms  erreurs {sum(row['light_errors'].values())}"
                  f" ; route lourde {json.dumps(row['heavy'])} ; pic mémoire "
                  f"{row['peak_rss_mb']} Mo", flush=True)
        hwm = mem.field("VmHWM")
        print(f"pic de mémoire du serveur sur toute la mesure (VmHWM) : {hwm / 2**20:.0f} Mo")
    finally:
        proc.terminate()
        proc.wait(30)
        if tmp:
            tmp.cleanup()
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "vmhwm_mb": round(hwm / 2**20)},
                                        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
