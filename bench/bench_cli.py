"""The readers (``pacte show``, ``rank``, ``indicators``) in each format against their floor.

Usage (from the repository root, with a built store):

    .venv/bin/python bench/bench_cli.py STORE [--runs 7] [--only show]

Each command runs as a whole process, as a user runs it; the runs are interleaved (one of
each command per round) so that a burst of load on this shared machine falls on every
command alike. Printed per command: the median wall time and the median CPU time (user +
system of the child) of the rounds, each as a ratio to the floor measured in the same run
(modules read from their bytecode, as a user runs them, whatever PYTHONDONTWRITEBYTECODE says):
a bare Python process importing DuckDB and running one query (``plancher``) and the same
after importing the CLI (``plancher CLI``). The target of a reader is 0.4 s. Nothing here is a
test: the figures say what was seen, once, on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PACTE = str(Path(PY).with_name("pacte"))
TARGET = 0.4

QUERY = ("duckdb.connect(sys.argv[1], read_only=True).sql(\"SELECT * FROM territory WHERE "
         "level = 'epci' AND code = '200023414'\").fetchall()")
FLOORS = [("plancher : Python + DuckDB + une requête", f"import sys, duckdb; {QUERY}"),
          ("plancher CLI : le même après l'import du CLI",
           f"import sys, duckdb, pacte.cli.main; {QUERY}")]
READERS = [("show 200023414", ["show", "200023414"]),
           ("rank --top 20", ["rank", "--top", "20"]),
           ("indicators epci industry_share",
            ["indicators", "--level", "epci", "--indicator", "industry_share"])]


def run(args: list[str], env: dict) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one child process, in seconds."""
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                         cwd=ROOT)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"échec de {' '.join(args)}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", default="", help="ne mesurer que les lecteurs dont le libellé "
                    "contient ce texte")
    ap.add_argument("--formats", default="table,csv,json")
    args = ap.parse_args()
    env = {**os.environ, "PACTE_DB": str(args.store.resolve()),
           "COLUMNS": os.environ.get("COLUMNS", "80")}
    # as a user runs pacte: modules read from their bytecode, not compiled by every process
    # (with PYTHONDONTWRITEBYTECODE set, each reader recompiled pacte's modules each time)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    jobs = [(label, [PY, "-c", code, str(args.store)]) for label, code in FLOORS]
    jobs += [(f"{label} --format {fmt}", [PACTE, *argv, "--format", fmt])
             for label, argv in READERS if args.only in label
             for fmt in args.formats.split(",")]
    for _, argv in jobs:  # warm the page cache (and write the bytecode)
        run(argv, env)
    times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in jobs}
    for _ in range(args.runs):
        for label, argv in jobs:
            times[label].append(run(argv, env))
    print(f"médianes de {args.runs} processus entrelacés ; charge {os.getloadavg()[0]:.2f}")
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in times.items()}
    floor_wall, floor_cpu = med[FLOORS[0][0]]
    for label, _ in jobs:
        wall, cpu = med[label]
        verdict = "" if label in dict(FLOORS) else (
            f"  objectif {TARGET} s : {'atteint' if wall <= TARGET else 'NON atteint'}")
        print(f"{label:55s} {wall:6.3f} s ({wall / floor_wall:4.2f} x)  CPU {cpu:6.3f} s "
              f"({cpu / floor_cpu:4.2f} x){verdict}")


if __name__ == "__main__":
    main()
