"""Benchmark: the full ranking of every EPCI with 1,000 Monte Carlo draws.

Times ``rank_territories`` (stored indicators read, imputation, winsorisation, normalisation,
aggregation, 1,000 draws varying every source of uncertainty of the rule: weights,
normalisation, imputation, winsorisation, aggregation, one indicator left out, census
sampling error; rank intervals, typology and peers), the same with the method-only Monte
Carlo (weights and normalisation) for comparison, and, apart, the pure ``calc_index`` on the
already loaded matrix; best of ``REPEAT`` runs after one warm-up.

Run from the repository root:  python bench/bench_targeting.py [path/to/store.duckdb]
(default: $PACTE_DB, else the user's store). Target: < 2 s with every source on.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from _timing import best_of

from pacte import store
from pacte.targeting.index import calc_index, load_matrix, rank_territories
from pacte.targeting.rule import load_config

REPEAT = 3
DRAWS = 1000
TARGET_S = 2.0


def _best(fn) -> tuple[float, object]:
    t, out = best_of(fn, REPEAT)
    return t, out


def main(db: Path | None = None) -> float:
    config = load_config()  # the default rule: every source of uncertainty on
    method = replace(config, uncertainty=config.uncertainty.only("weights", "normalisation"))
    with store.connect(db) as con:
        full, df = _best(lambda: rank_territories(con, "epci", config, seed=0, draws=DRAWS))
        only, _ = _best(lambda: rank_territories(con, "epci", method, seed=0, draws=DRAWS))
        _, X = load_matrix(con, "epci", config)
    pure, _ = _best(lambda: calc_index(X, config, seed=0, draws=DRAWS))
    print(f"classement complet des {len(df.frame)} EPCI, {DRAWS} tirages, toutes les sources "
          f"d'incertitude : {full:.2f} s (meilleur de {REPEAT}) ; incertitude de méthode "
          f"seule : {only:.2f} s (rapport {full / only:.2f}) ; calc_index seul (matrice "
          f"chargée, sans l'erreur d'échantillonnage) : {pure:.2f} s")
    print(f"objectif < {TARGET_S:g} s : {full / TARGET_S:.2f} × l'objectif, "
          + ("atteint" if full < TARGET_S else "NON atteint"))
    return full


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
