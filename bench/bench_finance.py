"""Benchmark: one DCRTP cut scenario over a national-size input (fictional demo).

Builds the fictional national input (35,000 communes, 1,255 EPCI, ``pacte.finance.demo``,
seed 0; « données fictives ») once, then times ``simulate`` (legal key, 2026 bill, with the
industrial and vulnerability quintile summaries) and, apart, the pure allocation
(``calc_allocation``) and ``compare_keys`` over every key; best of ``REPEAT`` runs after one
warm-up. Loading is not timed.

Run from the repository root:  python bench/bench_finance.py [seed]
Target: < 100 ms for one scenario after loading.
"""

from __future__ import annotations

import sys
import time

from _timing import best_of

from pacte.finance import compare_keys, simulate
from pacte.finance.demo import demo_inputs, demo_national
from pacte.finance.simulator import calc_allocation, prepare

REPEAT = 5
TARGET_MS = 100.0


def _best(fn) -> tuple[float, object]:
    t, out = best_of(fn, REPEAT)
    return t * 1000.0, out


def main(seed: int = 0) -> float:
    t0 = time.perf_counter()
    demo = demo_national(seed)
    inputs = demo_inputs(seed, demo=demo)
    load_ms = (time.perf_counter() - t0) * 1000.0
    ents = inputs.entities
    n_com, n_epci = int((ents["level"] == "commune").sum()), int((ents["level"] == "epci").sum())
    full, sim = _best(lambda: simulate(inputs, year=2026, key="legal",
                                       industrial=demo.industrial,
                                       vulnerability=demo.vulnerability))
    arrays = prepare(ents)
    target = int(round(sim.totals["target"] * 100))
    pure, _ = _best(lambda: calc_allocation(arrays, target, "legal"))
    every, _ = _best(lambda: compare_keys(inputs, year=2026, industrial=demo.industrial,
                                          vulnerability=demo.vulnerability))
    print(f"données fictives : {n_com} communes, {n_epci} EPCI (chargement {load_ms:.0f} ms, "
          "non chronométré)")
    amount = f"{sim.totals['target']:,.0f}".replace(",", " ")
    print(f"simulate (clé légale, PLF 2026, {amount} €, résumé par quintiles) : {full:.1f} ms "
          f"(meilleur de {REPEAT}) ; dont répartition seule : {pure:.1f} ms ; compare_keys "
          f"(4 clés) : {every:.1f} ms")
    print(f"objectif < {TARGET_MS:.0f} ms : " + ("atteint" if full < TARGET_MS else
                                                 "NON atteint"))
    return full


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
