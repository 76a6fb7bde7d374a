"""Benchmark: the value-chain engine on the real store, all 1,255 EPCI.

Times ``compute_valuechain(con, "epci")`` (SQL reads + sector conversions + vectorised
regional tables), its model part alone (``calc_supported_jobs`` on the loaded blocks), and
the same model written territory by territory around pymrio (``pymrio.calc_A`` once,
``pymrio.calc_L`` and ``pymrio.calc_x_from_L`` per territory) on the same inputs; checks
that both give the same jobs. Then prints France's 2010 national output multipliers (WIOD,
35 sectors, and SUT A17) and the "industrie élargie" share of France and of the five most
and five least industrial EPCI.

Run from the repository root:  python bench/bench_valuechain.py [STORE]
(without STORE, a store is built from the bundled snapshot in a temporary directory).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pymrio

from pacte import store
from pacte.engine.valuechain import (
    A17_TO_16,
    INDUSTRY,
    SECTORS,
    calc_aggregate_table,
    calc_jobs_per_output,
    compute_valuechain,
    load_blocks,
    load_sut,
    national_multipliers,
)
from pacte.indicators.inputoutput import calc_A, calc_L, calc_output_multipliers
from pacte.indicators.regional_io import calc_supported_jobs
from pacte.settings import package_data
from pacte.sources.io_tables import parse_wiod_crosswalk

DELTA = 0.3


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def model_inputs(con):
    sut16 = calc_aggregate_table(load_sut(con), A17_TO_16, SECTORS)
    salaried_fr = con.execute(
        "SELECT sector, jobs FROM jobs WHERE source = 'trim' AND level = 'fr' "
        "AND period = '2010-T4' AND scheme = 'A17'").df()
    salaried_fr = (salaried_fr.assign(sector=salaried_fr["sector"].str[4:])
                   .set_index("sector")["jobs"].reindex(SECTORS).to_numpy())
    return sut16, salaried_fr


def vectorised(blocks, sut16, salaried_fr):
    A = calc_A(sut16.Z, sut16.x)
    industry = np.isin(SECTORS, INDUSTRY)
    out = []
    for b in blocks:
        jpo = calc_jobs_per_output(sut16, salaried_fr if b.salaried else None)
        out.append(calc_supported_jobs(b.E, jpo, A, industry, DELTA, E_nation=b.E_nation))
    return out


def pymrio_loop(blocks, sut16, salaried_fr):
    """One territory at a time, pymrio for A, L and x = L y."""
    A = pymrio.calc_A(sut16.Z, sut16.x)
    industry = np.isin(SECTORS, INDUSTRY)
    s = ~industry
    L_nat = pymrio.calc_L(A[np.ix_(s, s)])
    out = []
    for b in blocks:
        jpo = calc_jobs_per_output(sut16, salaried_fr if b.salaried else None)
        keep = ~industry * jpo
        share_n = b.E_nation / b.E_nation.sum()
        local, leaked = np.zeros(len(b.E)), np.zeros(len(b.E))
        for r, e in enumerate(b.E):
            slq = np.divide(e / e.sum(), share_n, out=np.zeros(len(e)), where=share_n > 0)
            inv = np.divide(1.0, slq, out=np.full(len(e), np.inf), where=slq > 0)
            lam = np.log2(1 + e.sum() / b.E_nation.sum()) ** DELTA
            with np.errstate(invalid="ignore"):
                flq = lam * slq[:, None] * inv[None, :]
            flq[slq == 0] = 0.0
            np.fill_diagonal(flq, lam * slq)
            A_r = A * np.minimum(flq, 1.0)
            L_r = pymrio.calc_L(A_r[np.ix_(s, s)])  # mixed model: industry output fixed
            x_ind = np.divide(e, jpo, out=np.zeros(len(e)), where=jpo > 0)[~s]
            loc = np.minimum(pymrio.calc_x_from_L(L_r, A_r[np.ix_(s, ~s)] @ x_ind) * keep[s],
                             e[s])
            nat = pymrio.calc_x_from_L(L_nat, A[np.ix_(s, ~s)] @ x_ind) * keep[s]
            local[r], leaked[r] = loc.sum(), np.maximum(nat - loc, 0).sum()
        out.append({"local_jobs": local, "leaked_jobs": leaked})
    return out


def wiod_multipliers(con, year: int = 2010):
    fl = con.execute("SELECT row_sector, col_sector, value_musd FROM io_wiod_fra_flows "
                     "WHERE year = ?", [year]).df()
    x = con.execute("SELECT sector, gross_output_musd FROM io_wiod_fra_output WHERE year = ?",
                    [year]).df().set_index("sector")["gross_output_musd"]
    order = list(x.index)
    Z = fl.pivot(index="row_sector", columns="col_sector", values="value_musd").loc[order, order]
    m = calc_output_multipliers(calc_L(calc_A(Z.to_numpy(), x.to_numpy())))
    labels = (parse_wiod_crosswalk(package_data("crosswalk_wiod_a17.csv"), "a17").drop_duplicates("wiod_sector")
              .set_index("wiod_sector")["wiod_label"])
    return [(s, labels.get(s, ""), v) for s, v in zip(order, m, strict=True)]


def main(path: Path) -> None:
    con = duckdb.connect(str(path), read_only=True)
    n_epci = con.execute("SELECT count(*) FROM territory WHERE level = 'epci'").fetchone()[0]
    t_engine, vc = best_of(lambda: compute_valuechain(con, "epci", DELTA), 5)
    blocks = load_blocks(con, "epci")
    sut16, salaried_fr = model_inputs(con)
    t_vec, res_vec = best_of(lambda: vectorised(blocks, sut16, salaried_fr), 10)
    t_loop, res_loop = best_of(lambda: pymrio_loop(blocks, sut16, salaried_fr), 3)
    gap = max(np.abs(a[k] - b[k]).max() for a, b in zip(res_vec, res_loop, strict=True)
              for k in ("local_jobs", "leaked_jobs"))
    print(f"== value chains, {n_epci} EPCI x {len(SECTORS)} sectors, delta = {DELTA} ==")
    print(f"compute_valuechain(con, 'epci') (SQL + conversions + model): {t_engine * 1e3:8.1f} ms")
    print(f"  model only, vectorised calc_supported_jobs on the blocks:  {t_vec * 1e3:8.1f} ms")
    print(f"  same model, loop over EPCI around pymrio calc_L/calc_x_from_L: "
          f"{t_loop * 1e3:8.1f} ms (max gap {gap:.1e} jobs)")
    print(f"ratio pymrio loop / vectorised model: {t_loop / t_vec:6.1f}x ; "
          f"pymrio loop / whole compute_valuechain: {t_loop / t_engine:6.1f}x")

    print("\n== France 2010, type-I output multipliers (domestic table) ==")
    print("WIOD 2013, 35 sectors:")
    for s, label, v in wiod_multipliers(con):
        print(f"  {s:4s} {label[:58]:58s} {v:5.3f}")
    print("TRE 2010 A17 (ThreeME), with type-I employment multipliers:")
    for r in national_multipliers(con).itertuples():
        print(f"  {r.sector:4s} {r.label[:58]:58s} {r.output_multiplier:5.3f}  "
              f"{r.employment_multiplier:5.2f}")

    allfr = compute_valuechain(con, "fr", DELTA)
    w = vc.pivot_table(index=["code", "name"], columns="indicator", values="value")
    fr = allfr.set_index("indicator")["value"]
    print("\n== Industrie élargie (industry + local non-industrial jobs it supports) ==")
    print(f"France (salaried, T4 2010): industry {fr['industry_share']:.1f} % -> industrie "
          f"élargie {fr['industrie_elargie_share']:.1f} % "
          f"({fr['supported_jobs_local']:,.0f} supported jobs)")
    w = w.sort_values("industry_share")
    for title, part in (("five most industrial EPCI", w.iloc[::-1].head(5)),
                        ("five least industrial EPCI", w.head(5))):
        print(f"{title}:")
        for (code, name), r in part.iterrows():
            print(f"  {code} {name[:42]:42s} industry {r['industry_share']:5.1f} % -> élargie "
                  f"{r['industrie_elargie_share']:5.1f} % (local {r['supported_jobs_local']:7.0f}"
                  f", elsewhere {r['supported_jobs_leaked']:7.0f})")
    for d in (0.0, 0.1):
        wd = compute_valuechain(con, "epci", d).pivot_table(index="code", columns="indicator",
                                                            values="value")
        print(f"delta = {d}: median EPCI industrie élargie - industry = "
              f"{(wd['industrie_elargie_share'] - wd['industry_share']).median():.2f} points")
    print(f"delta = {DELTA}: median EPCI industrie élargie - industry = "
          f"{(w['industrie_elargie_share'] - w['industry_share']).median():.2f} points")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            store.build(Path(tmp) / "pacte.duckdb")
            main(Path(tmp) / "pacte.duckdb")
