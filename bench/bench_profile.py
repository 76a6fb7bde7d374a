"""Benchmark of the territory profile (issue 15): one EPCI profile PDF (target < 1 s) and
all 1,255 EPCI with ``pacte profile --all`` (target < 10 min on this machine). Not a test.

    .venv/bin/python bench/bench_profile.py [--db STORE] [-n 8] [--all-sample 40] [--jobs J]

1. Times each stage per profile in one process (handler: reading the store; html:
   template, chart and map PNGs; pdf: WeasyPrint) after one warm-up profile (imports,
   fonts, level-wide caches), on ``n`` EPCI spread over the code list, with the page count
   of each PDF (target: 2 at most).
2. Runs ``pacte profile --all``'s writer (process pool, ``--jobs`` workers, each opening
   the store once) on ``--all-sample`` EPCI and estimates the 1,255: linearly from the
   sample's wall time (pool start-up included, pessimistic) and at the steady rate (the
   start-up measured on one profile per worker).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

from pacte.cli.profile import write_all
from pacte.handlers.profile import profile
from pacte.report.profile import pdf_from_html, print_html
from pacte.store import connect

TARGET_ONE, TARGET_ALL, MAX_PAGES = 1.0, 600.0, 2


def _pages(pdf: bytes) -> int:
    return len(pdfium.PdfDocument(pdf))


def _stages(con, codes: list[str], n: int) -> tuple[float, list[int]]:
    step = max(1, len(codes) // n)
    sample = ["200023414"] + [c for c in codes[::step] if c != "200023414"][: n - 1]
    t0 = time.perf_counter()
    pdf_from_html(print_html(con, profile(con, sample[0], "epci")))
    print(f"échauffement (imports, polices, caches du niveau) : {time.perf_counter() - t0:.2f} s")
    stages: dict[str, list[float]] = {"handler": [], "html": [], "pdf": [], "total": []}
    pages = []
    for code in sample:
        t = time.perf_counter()
        ans = profile(con, code, "epci")
        t1 = time.perf_counter()
        html = print_html(con, ans)
        t2 = time.perf_counter()
        pdf = pdf_from_html(html)
        t3 = time.perf_counter()
        for v, x in zip(stages.values(), (t1 - t, t2 - t1, t3 - t2, t3 - t), strict=True):
            v.append(x)
        pages.append(_pages(pdf))
        print(f"  {code} {ans.data['territory']['name'][:40]:40s} {t3 - t:5.2f} s "
              f"({len(pdf) / 1e3:.0f} ko, {pages[-1]} pages)")
    for k, v in stages.items():
        print(f"{k:8s} médiane {statistics.median(v):.3f} s  (min {min(v):.3f}, max {max(v):.3f})")
    return statistics.median(stages["total"]), pages


def _pool(db, codes: list[str], n: int, jobs: int) -> None:
    step = max(1, len(codes) // n)
    sample = codes[::step][:n]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write_all(db, "epci", "pdf", Path(tmp) / "start", jobs, sample[:jobs], progress=False)
        start = time.perf_counter() - t
        t = time.perf_counter()
        done, failed = write_all(db, "epci", "pdf", Path(tmp) / "all", jobs, sample,
                                 progress=False)
        wall = time.perf_counter() - t
        pages = [_pages(p.read_bytes()) for p in sorted((Path(tmp) / "all").glob("*.pdf"))]
    rate = (wall - start) / max(1, len(sample) - jobs) * jobs  # seconds per profile, 1 worker
    linear = wall * len(codes) / len(sample)
    steady = start + rate * (len(codes) - jobs) / jobs
    print(f"--all, {jobs} processus, {len(sample)} EPCI : {wall:.1f} s ({len(done)} écrits, "
          f"{len(failed)} échecs ; démarrage du pool + 1 profil par processus : {start:.1f} s)")
    print(f"  pages par PDF : max {max(pages)}, {sum(p > MAX_PAGES for p in pages)} au-delà "
          f"de {MAX_PAGES} ; répartition {sorted(set(pages))}")
    print(f"  débit : {len(sample) / wall:.2f} profils/s ; {rate:.2f} s par profil et processus")
    for label, est in (("linéaire (échantillon)", linear), ("régime établi", steady)):
        print(f"  estimation {len(codes)} EPCI, {label} : {est / 60:.1f} min — cible "
              f"{TARGET_ALL / 60:.0f} min, ratio {est / TARGET_ALL:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None)
    ap.add_argument("-n", type=int, default=8)
    ap.add_argument("--all-sample", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    con = connect(args.db)
    codes = [r[0] for r in con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    one, pages = _stages(con, codes, args.n)
    con.close()
    print(f"un profil PDF : {one:.2f} s — cible {TARGET_ONE:.0f} s, ratio {one / TARGET_ONE:.2f}"
          f" ; pages : {pages} (cible <= {MAX_PAGES})")
    print(f"estimation {len(codes)} EPCI (1 processus) : {one * len(codes) / 60:.1f} min")
    if args.all_sample:
        _pool(args.db, codes, args.all_sample, args.jobs)


if __name__ == "__main__":
    main()
