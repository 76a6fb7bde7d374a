"""Local multipliers at employment-zone (ZE2010) and EPCI level: local non-industry jobs per
industry job, type I (supply chain, FLQ regional tables) and type II (plus the spending of
the wages earned locally), beside the published French figure.

Published figure: Frocrain & Giraud (2018), "The Evolution of Tradable and Non-Tradable
Employment: Evidence from France", Économie et Statistique / Economics and Statistics
503-504: about 0.8 non-tradable jobs per additional tradable job at employment-zone level
(econometric estimate over 1999-2015, shift-share instrument). It is not a target: pacte's
parameters come from the literature (Flegg's delta 0.1-0.3; household closure of Miller &
Blair 2009 §2.5) and are not fitted to it.

Reads the store the way ``pacte.engine.valuechain`` does (read only): ``load_blocks`` for
the territory x 16-sector matrices (ZE2010: ESTEL A5 split into A17 by the région's mix;
EPCI: URSSAF private salaried jobs), the 2010 SUT A17 aggregated to 16 sectors, jobs per
output for salaried sources from the quarterly national series.

Run from the repository root:  python bench/bench_local_multipliers.py [STORE.duckdb]
(without a store path, one is built from the bundled data in a temporary folder).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pacte import store
from pacte.engine import valuechain as vc
from pacte.indicators.households import calc_household_coefficients, calc_local_multipliers
from pacte.indicators.inputoutput import calc_A

FROCRAIN_GIRAUD_2018 = 0.8
DELTAS = (0.1, 0.2, 0.3)
RETAINED = (None, 0.5, 1.0)  # None: FLQ rule for households (lambda SLQ_i, capped at 1)


def national_inputs(con):
    """16-sector A, household closure (w, c) and salaried jobs per output (T4 2010)."""
    sut = vc.load_sut(con)
    t16 = vc.calc_aggregate_table(sut, vc.A17_TO_16, vc.SECTORS)
    sec = con.execute("SELECT sector, wages, household_consumption_domestic "
                      "FROM io_sut_a17_sectors WHERE year = 2010").df().set_index("sector")
    S = np.zeros((len(vc.SECTORS), len(sut.sectors)))
    for j, s in enumerate(sut.sectors):
        S[vc.SECTORS.index(vc.A17_TO_16.get(s, s)), j] = 1.0
    wages = S @ sec.loc[sut.sectors, "wages"].to_numpy()
    cons = S @ sec.loc[sut.sectors, "household_consumption_domestic"].to_numpy()
    w, c = calc_household_coefficients(wages, t16.x, cons)
    trim = con.execute("""SELECT sector, jobs FROM jobs WHERE source = 'trim' AND level = 'fr'
                          AND period = ? AND scheme = 'A17'""", [vc.TRIM_PERIOD]).df()
    trim["sector"] = trim["sector"].str.split("-").str[1]
    salaried = trim.groupby("sector")["jobs"].sum().reindex(vc.SECTORS).fillna(0).to_numpy()
    return t16, calc_A(t16.Z, t16.x), w, c, salaried


def quantiles(v: np.ndarray) -> str:
    v = v[np.isfinite(v)]
    q = np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9])
    return " ".join(f"{x:5.2f}" for x in q) + f"   mean {v.mean():5.2f}"


def report(level: str, con, t16, A, w, c, salaried) -> None:
    industry = np.isin(vc.SECTORS, vc.INDUSTRY)
    blocks = [b for b in vc.load_blocks(con, level) if b.salaried]
    if not blocks:
        print(f"{level}: no salaried block in the store")
        return
    b = blocks[0]
    jpo = vc.calc_jobs_per_output(t16, salaried)
    print(f"\n== {level}: {len(b.codes)} territories, {b.resolution} ==")
    print("local non-industry jobs per industry job, deciles 10/25/50/75/90 and mean")
    t0 = time.perf_counter()
    for delta in DELTAS:
        for rho in RETAINED:
            m = calc_local_multipliers(b.E, jpo, A, industry, w, c, delta, retained_share=rho,
                                       E_nation=b.E_nation)
            if rho is None:
                print(f"delta {delta:.1f} type I                 : {quantiles(m['type1'])}")
            label = "FLQ rule" if rho is None else f"share {rho:.1f}"
            print(f"delta {delta:.1f} type II (households {label:9}): "
                  f"{quantiles(m['type2'])}")
    print(f"({(time.perf_counter() - t0) * 1e3:.0f} ms for {len(DELTAS) * len(RETAINED)} runs)")


def main() -> None:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        path = Path(tempfile.mkdtemp()) / "pacte.duckdb"
        t0 = time.perf_counter()
        store.build(path)
        print(f"store built in {time.perf_counter() - t0:.1f} s: {path}")
    with store.connect(path) as con:
        t16, A, w, c, salaried = national_inputs(con)
        print(f"household closure (Miller & Blair 2009 §2.5): consumption of domestic output "
              f"per euro of wages {c.sum():.2f}; wages per euro of output "
              f"{(w * t16.x).sum() / t16.x.sum():.2f}")
        for level in ("ze2010", "epci"):
            report(level, con, t16, A, w, c, salaried)
    print(f"\nPublished (Frocrain & Giraud 2018, ZE level): ~{FROCRAIN_GIRAUD_2018} non-tradable "
          "jobs per tradable job (all tradable sectors, econometric, 1999-2015)")


if __name__ == "__main__":
    main()
