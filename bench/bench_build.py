"""Time a full store build from the bundled snapshot and the first queries (targets: the
build in under 8 s and 450 MB; wall and CPU time, since the machine may be shared), with the
CPU of each step of the build (from one progress message to the next: every thread of the
process, DuckDB's and the compression's included), and what bounds the build's wall time:

* per phase (derive, catalogue, rankings, cards): wall, CPU (user + system, every thread),
  the cores it kept busy (CPU / wall), its minor page faults, and the floor its CPU sets on
  this machine's cores (CPU / cores: no schedule of that work can end sooner);
* ``--keep-memory``: the same build with every allocator keeping what it frees (glibc's
  large buffers in its heap, no ``malloc_trim``, no purge of DuckDB's jemalloc, Arrow's
  mimalloc pool), to measure what giving memory back between steps costs (page faults,
  system time) against what it saves (the peak).

Usage: python bench/bench_build.py [--keep-memory] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from pacte import store
from pacte.handlers.build import build_store
from pacte.store import queries

FICTIONAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "fictional"

#: The build's phases, each from the first message starting with its prefix to the next
#: phase's (the steps of :func:`pacte.handlers.build.steps`, the derive steps before them).
PHASES = (("derive", "Vérification du snapshot"),
          ("catalogue", "Calcul de tous les indicateurs"),
          ("rankings", "Mondialisation : industries en cause"),
          ("cards", "Fiches des territoires"))


def _usage() -> tuple[float, float, int]:
    """(user CPU, system CPU, minor page faults) of the process so far, every thread."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime, u.ru_stime, u.ru_minflt


class StepClock:
    """Progress callback: the wall clock, the process CPU time and its page faults at each
    of the build's messages."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, float, float, int, str]] = []

    def __call__(self, message: str) -> None:
        self.marks.append((time.perf_counter(), *_usage(), message))

    def report(self, end: tuple[float, float, float, int]) -> list[tuple[float, str]]:
        """(CPU seconds, step) from each message to the next (the last one to ``end``)."""
        ends = [m[:4] for m in self.marks[1:]] + [end]
        return [(e[1] + e[2] - m[1] - m[2], m[4]) for m, e in zip(self.marks, ends,
                                                                   strict=True)]

    def phases(self, end: tuple[float, float, float, int]) -> list[dict]:
        """Wall, CPU, system CPU and page faults of each of :data:`PHASES`."""
        starts = []
        for name, prefix in PHASES:
            at = next((m for m in self.marks if m[4].startswith(prefix)), None)
            if at is None:
                raise SystemExit(f"message « {prefix} » absent : les étapes du build ont changé")
            starts.append((name, at[:4]))
        out = []
        for (name, a), (_, b) in zip(starts, [*starts[1:], ("end", end)], strict=True):
            cpu = b[1] + b[2] - a[1] - a[2]
            out.append({"phase": name, "wall_s": b[0] - a[0], "cpu_s": cpu,
                        "sys_s": b[2] - a[2], "faults": b[3] - a[3]})
        return out


def keep_memory() -> None:
    """Every allocator keeps what it frees, for this process (see the module's doc): the
    release functions of :mod:`pacte.store.heap` made no-ops in every module holding them,
    glibc's large buffers taken from its heap up to 32 MB (its maximum threshold: the
    build's :func:`pacte.store.heap.bound_heap` sets it)."""
    import sys

    import pyarrow as pa

    from pacte.store import heap

    def keep() -> None:
        return None

    originals = (heap.release_heap, heap.release_duckdb_heap, heap.system_arrow_pool)
    for module in list(sys.modules.values()):
        for name, value in list(vars(module).items()) if module is not None else ():
            if any(value is f for f in originals):
                setattr(module, name, keep)
    heap.MMAP_THRESHOLD = 32 << 20
    pa.set_memory_pool(pa.mimalloc_memory_pool())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep-memory", action="store_true",
                    help="allocators keeping freed memory (the cost of giving it back)")
    ap.add_argument("--json", action="store_true", help="one JSON line of the figures")
    args = ap.parse_args()
    if args.keep_memory:
        import pacte.handlers.build as hb

        hb.steps()  # the steps' modules imported, so that their release functions are too
        keep_memory()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.duckdb"
        clock = StepClock()
        t0, c0 = time.perf_counter(), time.process_time()
        meta = build_store(db, progress=clock)
        end = (time.perf_counter(), *_usage())
        t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
        steps = clock.report(end)
        phases = clock.phases(end)
        peak_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        with store.connect(db) as con:
            queries.national_summary(con)
            queries.territories(con, "commune")
            terr = queries.find_territory(con, "200023414")
            queries.territory_jobs(con, terr["level"], terr["code"])
        t_query = time.perf_counter() - t0
        size = db.stat().st_size / 1e6
    cpu = sum(p["cpu_s"] for p in phases)
    sys_s = sum(p["sys_s"] for p in phases)
    faults = sum(p["faults"] for p in phases)
    floor = cpu / cores
    if args.json:
        print(json.dumps({"keep_memory": args.keep_memory, "cores": cores, "wall_s": t_build,
                          "cpu_s": cpu, "sys_s": sys_s, "faults": faults,
                          "floor_s": floor, "peak_mb": peak_build, "phases": phases}))
        return
    print(f"build          {t_build:6.1f} s   CPU {c_build:6.1f} s   (target < 8 s: ratio "
          f"{t_build / 8:.2f}){'   [allocators keeping freed memory]' if args.keep_memory else ''}")
    print(f"  {'phase':10s} {'wall s':>7s} {'CPU s':>7s} {'sys s':>6s} {'cores':>6s} "
          f"{'faults':>8s} {'floor s':>8s}")
    for p in phases:
        print(f"  {p['phase']:10s} {p['wall_s']:7.2f} {p['cpu_s']:7.2f} {p['sys_s']:6.2f} "
              f"{p['cpu_s'] / max(p['wall_s'], 1e-9):6.2f} {p['faults']:8,d} "
              f"{p['cpu_s'] / cores:8.2f}")
    print(f"  {'total':10s} {sum(p['wall_s'] for p in phases):7.2f} {cpu:7.2f} {sys_s:6.2f} "
          f"{cpu / max(t_build, 1e-9):6.2f} {faults:8,d} {floor:8.2f}")
    print(f"floor          {floor:6.2f} s   (the build's CPU on {cores} cores: no schedule ends "
          f"sooner; ratio to the target {floor / 8:.2f})")
    for c, step in sorted(steps, reverse=True)[:8]:  # the costliest steps
        print(f"  CPU {c:5.1f} s   {step}")
    print(f"queries        {t_query:6.2f} s   (summary, 34,875 communes, one EPCI profile)")
    print(f"store size     {size:6.1f} MB   build hash {meta['build_hash']}")
    print(f"peak memory    {peak_build:6.0f} MB   (target < 450 MB: ratio {peak_build / 450:.2f})")
    if args.keep_memory:
        return
    with tempfile.TemporaryDirectory() as d:  # the tests' fictional store (tests/fixtures)
        t0, c0 = time.perf_counter(), time.process_time()
        build_store(Path(d) / "fictional.duckdb", snap=FICTIONAL)
        t_fictional, c_fictional = time.perf_counter() - t0, time.process_time() - c0
    print(f"fictional      {t_fictional:6.1f} s   CPU {c_fictional:6.1f} s   (store of the tests, "
          "tests/data/fictional)")


if __name__ == "__main__":
    main()
