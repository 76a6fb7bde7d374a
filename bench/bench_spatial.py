"""Benchmark: the spatial build step (contiguity, Moran's I, local Moran, candidate basins).

Times, on a built store: the queen contiguity of the EPCI from their contours (shared
vertices, numpy; libpysal's answer in the tests), Moran's I of the score with 999
permutations, the local Moran of the score with 999 conditional permutations (numpy, esda's
draws; esda's answer in the tests), and the whole ``write_spatial`` step (both
levels, every rule indicator, basins, basin scores with 1,000 Monte Carlo draws) in a copy
of the store; best of ``REPEAT`` runs after one warm-up for the parts.

Run from the repository root:  python bench/bench_spatial.py [path/to/store.duckdb]
(default: $PACTE_DB, else the user's store). Target: the whole step < 30 s.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
from _timing import best_of

from pacte import store
from pacte.settings import default_db_path
from pacte.spatial.autocorr import calc_lisa, calc_moran
from pacte.spatial.materialise import load_contiguity, write_spatial

REPEAT = 3
TARGET_S = 30.0
TABLES = ("spatial_neighbour", "spatial_moran", "spatial_lisa", "basin", "basin_member",
          "basin_failed", "contours_bassin", "spatial_meta")


def main(db: Path | None = None) -> float:
    db = Path(db or default_db_path())
    with store.connect(db) as con:
        t_w, cont = best_of(lambda: load_contiguity(con, "epci"), REPEAT)
        score = con.execute("SELECT code, score FROM ranking WHERE level = 'epci'").df()
    y = score.set_index("code")["score"].reindex(list(cont.codes)).to_numpy(float)
    keep = np.array([bool(cont.neighbours[c]) for c in cont.codes]) & np.isfinite(y)
    w = cont.to_w(np.array(cont.codes, dtype=object)[keep])
    t_m, _ = best_of(lambda: calc_moran(y[keep], w, 999, 0), REPEAT)
    t_l, _ = best_of(lambda: calc_lisa(y[keep], w, 999, 0), REPEAT)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copie.duckdb"
        shutil.copy(db, copy)
        con = duckdb.connect(str(copy))
        for t in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {t}")
        t0 = time.perf_counter()
        rows = write_spatial(con)
        step = time.perf_counter() - t0
        con.close()
    print(f"contiguïté des {len(cont.codes)} EPCI : {t_w:.2f} s ; I de Moran (999 "
          f"permutations) : {t_m:.3f} s ; Moran local (999 permutations) : {t_l:.2f} s "
          f"(meilleur de {REPEAT})")
    print(f"étape complète (EPCI et ZE2020, {rows['spatial_moran']} tests globaux, "
          f"{rows['basin']} bassins) : {step:.1f} s")
    print(f"objectif < {TARGET_S:.0f} s : " + ("atteint" if step < TARGET_S else "NON atteint"))
    return step


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
