"""Benchmark of the territory profile (issue 15): one EPCI profile PDF (target < 1 s) and an
estimate for all 1,255 EPCI (target < 10 min). Not a test.

    .venv/bin/python bench/bench_profile.py [--db STORE] [-n 8]

Times each stage per profile (handler: reading the store; html: template, chart and map
PNGs; pdf: WeasyPrint) after one warm-up profile (imports, fonts), on ``n`` EPCI spread
over the code list, and prints the figures and their ratios to the targets.
"""

from __future__ import annotations

import argparse
import statistics
import time

from pacte.handlers.profile import profile
from pacte.report.profile import render_html
from pacte.store import connect

TARGET_ONE, TARGET_ALL = 1.0, 600.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None)
    ap.add_argument("-n", type=int, default=8)
    args = ap.parse_args()
    from weasyprint import HTML

    con = connect(args.db)
    codes = [r[0] for r in con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    step = max(1, len(codes) // args.n)
    sample = ["200023414"] + codes[::step][: args.n - 1]
    t0 = time.perf_counter()
    HTML(string=render_html(con, profile(con, sample[0]))).write_pdf()
    print(f"échauffement (imports, polices) : {time.perf_counter() - t0:.2f} s")
    stages = {"handler": [], "html": [], "pdf": [], "total": []}
    for code in sample:
        t = time.perf_counter()
        ans = profile(con, code, "epci")
        t1 = time.perf_counter()
        html = render_html(con, ans)
        t2 = time.perf_counter()
        pdf = HTML(string=html).write_pdf()
        t3 = time.perf_counter()
        for v, x in zip(stages.values(), (t1 - t, t2 - t1, t3 - t2, t3 - t), strict=True):
            v.append(x)
        print(f"  {code} {ans.data['territory']['name'][:40]:40s} {t3 - t:5.2f} s "
              f"({len(pdf) / 1e3:.0f} ko)")
    for k, v in stages.items():
        print(f"{k:8s} médiane {statistics.median(v):.3f} s  (min {min(v):.3f}, max {max(v):.3f})")
    one = statistics.median(stages["total"])
    est = one * len(codes)
    print(f"un profil PDF : {one:.2f} s — cible {TARGET_ONE:.0f} s, ratio {one / TARGET_ONE:.2f}")
    print(f"estimation {len(codes)} EPCI (1 processus) : {est / 60:.1f} min — cible "
          f"{TARGET_ALL / 60:.0f} min, ratio {est / TARGET_ALL:.2f}")


if __name__ == "__main__":
    main()
