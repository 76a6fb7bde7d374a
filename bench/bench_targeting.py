"""Benchmark: the full ranking of every EPCI with 1,000 Monte Carlo draws.

Times ``rank_territories`` (one ``compute_indicators`` call, imputation, winsorisation,
normalisations, aggregation, 1,000 draws of weights and normalisation, rank intervals,
typology and peers) and, apart, the pure ``calc_index`` on the already loaded matrix; best of
``REPEAT`` runs after one warm-up.

Run from the repository root:  python bench/bench_targeting.py [path/to/store.duckdb]
(default: $PACTE_DB, else the user's store). Target: < 5 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _timing import best_of

from pacte import store
from pacte.targeting.index import calc_index, load_matrix, rank_territories
from pacte.targeting.rule import load_config

REPEAT = 3
DRAWS = 1000
TARGET_S = 5.0


def _best(fn) -> tuple[float, object]:
    t, out = best_of(fn, REPEAT)
    return t, out


def main(db: Path | None = None) -> float:
    config = load_config()
    with store.connect(db) as con:
        full, df = _best(lambda: rank_territories(con, "epci", config, seed=0, draws=DRAWS))
        _, X = load_matrix(con, "epci", config)
    pure, _ = _best(lambda: calc_index(X, config, seed=0, draws=DRAWS))
    print(f"classement complet des {len(df)} EPCI, {DRAWS} tirages Monte Carlo : {full:.2f} s "
          f"(meilleur de {REPEAT}) ; dont calc_index seul (matrice chargée) : {pure:.2f} s")
    print("objectif < 5 s : " + ("atteint" if full < TARGET_S else "NON atteint"))
    return full


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
