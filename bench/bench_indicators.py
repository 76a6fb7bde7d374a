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
from pacte.catalogue import INDICATORS
from pacte.engine import compute_indicators, national_values
from pacte.store.build_tables import load_build_tables

REPEAT = 3
TARGET_S = 2.0


def _time(con, indicators) -> tuple[float, int, dict]:
    compute_indicators(con, indicators=indicators)  # warm-up: DuckDB caches, numpy imports
    best, rows, by_level = float("inf"), 0, {}
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        df = compute_indicators(con, indicators=indicators)
        nat = national_values(con, indicators)
        best = min(best, time.perf_counter() - t0)
        rows, by_level = len(df) + len(nat), df.groupby("level").size().to_dict()
    return best, rows, by_level


def main(db: Path | None = None) -> float:
    """Two timings: the job-series indicators (industrial weight, specialisation, 2008-2012
    shock: the < 2 s target), then the whole catalogue with the value-chain and exposure
    models."""
    series = [i for i, ind in INDICATORS.items() if ind.kind != "model"]
    with store.connect(db) as con:
        load_build_tables(con)  # the snapshot tables only the build keeps (temporary here)
        t_series, n_series, by_level = _time(con, series)
        t_all, n_all, _ = _time(con, None)
    print(f"indicateurs d'emploi ({len(series)}), tous niveaux : {t_series:.2f} s (meilleur de "
          f"{REPEAT}), {n_series} valeurs {by_level}")
    print("objectif < 2 s : " + ("atteint" if t_series < TARGET_S else "NON atteint")
          + f" (rapport {t_series / TARGET_S:.2f})")
    print(f"catalogue complet ({len(INDICATORS)} indicateurs, avec chaînes de valeur et "
          f"exposition) : {t_all:.2f} s, {n_all} valeurs")
    return t_series


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
