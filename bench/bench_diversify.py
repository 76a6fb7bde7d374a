"""Time ``pacte diversify`` on a national-size store (target: under 2 s per territory).

The store is built with the synthetic national URSSAF file of ``bench_urssaf_national.py``
(the real Rouen extract's rows replicated over all 34,875 communes of COG 2025: a file for
timing only, not data), placed in a fetch cache and loaded by ``store.build(with_fetched=
True)``, and the build step of ``pacte build`` that stores the matrices and every complexity
measure (:func:`pacte.handlers.diversify_store.write_diversify_matrix`) is run and timed.
Then :func:`pacte.handlers.diversify.diversify` answers for several EPCI (88 divisions, then
the 732 APE codes) and one zone d'emploi, each call timed on its own: the call reads one
territory's measures from the store (the eigenproblem and the 1,255 x 732 x 732 products run
once, at build).

On a shared 2-core machine the BLAS threads fight the other processes: the eigenproblem of
the 732-code matrix is several times faster with ``OPENBLAS_NUM_THREADS=1`` (run both).

Usage: python bench/bench_diversify.py [--rows 1200000] [--keep DIR] (``--keep`` reuses the
store built there by a previous run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_S = 2.0


def build(work: Path, rows: int) -> Path:
    import hashlib
    import json
    import os
    import shutil

    from bench_urssaf_national import make_national_file

    from pacte import store
    from pacte.sources.download import cache_path
    from pacte.sources.registry import get_source

    db = work / "national.duckdb"
    if db.exists():
        return _with_matrix(db)
    path = work / "urssaf_national_synthetic.csv"
    t0 = time.perf_counter()
    n = make_national_file(path, rows)
    source = get_source("urssaf_commune_ape")
    cached = cache_path(source, work / "cache")
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, cached)
    cached.with_name(cached.name + ".meta.json").write_text(json.dumps({
        "url": "file://bench (fichier synthétique, mesure de temps uniquement)",
        "sha256": hashlib.sha256(cached.read_bytes()).hexdigest(),
        "size": os.path.getsize(cached), "fetched_at": "bench", "licence": source.licence,
        "vintage": source.vintage}))
    t1 = time.perf_counter()
    store.build(db, with_fetched=True, cache_dir=work / "cache")
    print(f"store          {n:,} rows of the synthetic file, made in {t1 - t0:.1f} s, "
          f"built in {time.perf_counter() - t1:.1f} s (timing only, not data)")
    return _with_matrix(db)


def _with_matrix(db: Path) -> Path:
    """The build step of ``pacte build`` that stores the matrices and the measures, run on
    the store here (the bench's ``store.build`` skips the derived answers) and timed."""
    import duckdb

    from pacte.handlers.diversify_store import CELLS, write_diversify_matrix

    with duckdb.connect(str(db)) as con:
        if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [CELLS]).fetchall()[0][0]:
            return db
        t0 = time.perf_counter()
        rows = write_diversify_matrix(con)
        print(f"build step     {', '.join(f'{t} {n:,} rows' for t, n in rows.items())} "
              f"in {time.perf_counter() - t0:.1f} s")
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_200_000)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the store here")
    args = ap.parse_args()
    from pacte import store
    from pacte.handlers.diversify import diversify

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = build(work, args.rows)
        with store.connect(db) as con:
            epci = [r[0] for r in con.execute(
                "SELECT code FROM epci ORDER BY population_dgcl DESC NULLS LAST").fetchall()]
            cases = [(c, "epci", "a88") for c in (epci[0], epci[300], epci[900], epci[-1])]
            ze = con.execute("SELECT ze2020 FROM communes WHERE epci = ? LIMIT 1",
                             [epci[0]]).fetchone()[0]
            cases += [(epci[0], "epci", "ape"), (epci[300], "epci", "ape"),
                      (ze, "ze2020", "a88"), (ze, "ze2020", "ape")]
            for code, level, industries in cases:
                t0 = time.perf_counter()
                ans = diversify(con, code, level, industries)
                s = time.perf_counter() - t0
                t = ans.data["territory"]
                ok = "OK" if s < TARGET_S else "OVER TARGET"
                print(f"diversify {level:6} {code:9} {industries:3}  {s:5.2f} s  "
                      f"({t['n_territories']} territories x {len(ans.data['industries'])} "
                      f"industries, ECI rank {t['eci_rank']}, "
                      f"{len(ans.data['opportunities'])} paths)  "
                      f"[target < {TARGET_S:.0f} s: {ok}, ratio {s / TARGET_S:.2f}]")


if __name__ == "__main__":
    main()
