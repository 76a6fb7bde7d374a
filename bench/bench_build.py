"""Time a full store build from the bundled snapshot and the first queries (targets: the
build in under 8 s and 450 MB; wall and CPU time, since the machine may be shared), with the
CPU of each step of the build (from one progress message to the next: every thread of the
process, DuckDB's and the compression's included).

Usage: python bench/bench_build.py
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from pacte import store
from pacte.handlers.build import build_store
from pacte.store import queries

FICTIONAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "fictional"


class StepClock:
    """Progress callback: the process CPU time at each of the build's messages."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, str]] = []

    def __call__(self, message: str) -> None:
        self.marks.append((time.process_time(), message))

    def report(self, end: float) -> list[tuple[float, str]]:
        """(CPU seconds, step) from each message to the next (the last one to ``end``)."""
        ends = [c for c, _ in self.marks[1:]] + [end]
        return [(e - c, m) for (c, m), e in zip(self.marks, ends, strict=True)]


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.duckdb"
        clock = StepClock()
        t0, c0 = time.perf_counter(), time.process_time()
        meta = build_store(db, progress=clock)
        t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
        steps = clock.report(c0 + c_build)
        t0 = time.perf_counter()
        with store.connect(db) as con:
            queries.national_summary(con)
            queries.territories(con, "commune")
            terr = queries.find_territory(con, "200023414")
            queries.territory_jobs(con, terr["level"], terr["code"])
        t_query = time.perf_counter() - t0
        size = db.stat().st_size / 1e6
    with tempfile.TemporaryDirectory() as d:  # the tests' fictional store (tests/fixtures)
        t0, c0 = time.perf_counter(), time.process_time()
        build_store(Path(d) / "fictional.duckdb", snap=FICTIONAL)
        t_fictional, c_fictional = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU time (every thread of the process, DuckDB's included): steadier than the wall
    # clock on a shared machine
    print(f"build          {t_build:6.1f} s   CPU {c_build:6.1f} s   (target < 8 s: ratio "
          f"{t_build / 8:.2f})")
    for cpu, step in sorted(steps, reverse=True)[:8]:  # the costliest steps
        print(f"  CPU {cpu:5.1f} s   {step}")
    print(f"queries        {t_query:6.2f} s   (summary, 34,875 communes, one EPCI profile)")
    print(f"store size     {size:6.1f} MB   build hash {meta['build_hash']}")
    print(f"fictional      {t_fictional:6.1f} s   CPU {c_fictional:6.1f} s   (store of the tests, "
          "tests/data/fictional)")
    print(f"peak memory    {peak:6.0f} MB   (target < 450 MB: ratio {peak / 450:.2f})")


if __name__ == "__main__":
    main()
