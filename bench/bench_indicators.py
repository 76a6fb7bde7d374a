"""Benchmark: the whole indicator catalogue for every level, read from a built store.

Times ``compute_indicators`` (all indicators, all levels: ZE2010, ZE2020, EPCI,
départements, régions) and ``national_values`` on one read-only connection, best of
``REPEAT`` runs after one warm-up.

Run from the repository root:  python bench/bench_indicators.py [path/to/store.duckdb]
(default: $PACTE_DB, else the user's store). Target: < 2 s on a 2-core machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pacte import store
from pacte.indicators.engine import compute_indicators, national_values

REPEAT = 3
TARGET_S = 2.0


def main(db: Path | None = None) -> float:
    with store.connect(db) as con:
        compute_indicators(con)  # warm-up: DuckDB caches, numpy imports
        best, rows = float("inf"), 0
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            df = compute_indicators(con)
            nat = national_values(con)
            best = min(best, time.perf_counter() - t0)
            rows = len(df) + len(nat)
    by_level = df.groupby("level").size().to_dict()
    print(f"catalogue complet, tous niveaux : {best:.2f} s (meilleur de {REPEAT}), "
          f"{rows} valeurs {by_level} + France ({len(nat)})")
    print("objectif < 2 s : " + ("atteint" if best < TARGET_S else "NON atteint"))
    return best


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
