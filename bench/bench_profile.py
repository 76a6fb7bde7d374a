"""Benchmark of the territory profile: one EPCI profile PDF (target < 1 s) and all 1,255 EPCI
with ``pacte profile --all``, 2 processes (target < 4 min on this 2-core machine). Not a test.

    .venv/bin/python bench/bench_profile.py [--db STORE] [-n 8] [--all-sample 40] [--full] [--jobs 2]

1. Times each stage per profile in one process (handler: reading the store; html:
   template, chart and map PNGs; pdf: WeasyPrint) after one warm-up profile (imports,
   fonts, level-wide caches), on ``n`` EPCI spread over the code list, with the page count
   of each PDF (target: 2 at most).
2. Runs ``pacte profile --all``'s writer (process pool, ``--jobs`` workers, each opening
   the store once) on ``--all-sample`` EPCI and estimates the 1,255: linearly from the
   sample's wall time (pool start-up included, pessimistic) and at the steady rate (the
   start-up measured on one profile per worker), and from the workers' CPU time (what the
   wall time would be with ``--jobs`` cores free: the machine is shared). ``--all-sample 0``
   skips it; ``--full`` writes the 1,255 for real and prints the wall and CPU times.
3. The floor of the PDF stage: WeasyPrint alone (layout, drawing, writing) on a tree parsed
   beforehand, median over the same profiles, and what the 1,255 would take on ``--jobs``
   processes if the rest cost nothing; before it, WeasyPrint with and without the profile's
   two shortcuts (columns in one pass, page read by expat), alternated on the same pages.

The machine is shared: the load average is printed first, and CPU times beside wall times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

from pacte.cli.profile import write_all
from pacte.handlers.profile import profile
from pacte.report.profile import pdf_from_html, print_html
from pacte.store import connect

TARGET_ONE, TARGET_ALL, MAX_PAGES = 1.0, 240.0, 2


def _pages(pdf: bytes) -> int:
    return len(pdfium.PdfDocument(pdf))


def _sample(codes: list[str], n: int) -> list[str]:
    step = max(1, len(codes) // n)
    return ["200023414"] + [c for c in codes[::step] if c != "200023414"][: n - 1]


def _floor(htmls: list[str]) -> tuple[float, float]:
    """Median wall and CPU seconds of WeasyPrint alone (layout, drawing, PDF) on trees
    parsed beforehand."""
    from pacte.report.profile import TEMPLATES, _weasy

    fonts, css, html_class = _weasy()
    wall, cpu = [], []
    for html in htmls:
        doc = html_class(string=html, base_url=str(TEMPLATES))
        t, c = time.perf_counter(), time.process_time()
        doc.write_pdf(stylesheets=[css], font_config=fonts)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def _shortcuts(htmls: list[str]) -> None:
    """WeasyPrint with and without the profile's two shortcuts (columns in one pass, page
    read by expat), alternated on the same pages: medians of CPU seconds, and their ratio
    (on a shared machine the CPU times of one run compare better than its wall times)."""
    from weasyprint import HTML

    from pacte.report import pdf_columns
    from pacte.report.profile import TEMPLATES, _weasy

    fonts, css, html_class = _weasy()
    cpu: dict[str, list[float]] = {"avec": [], "sans": []}
    for html in htmls:
        for mode in ("sans", "avec"):
            c = time.process_time()
            if mode == "sans":
                pdf_columns.uninstall()
                doc = html_class.__new__(html_class)
                HTML.__init__(doc, string=html, base_url=str(TEMPLATES))
            else:
                pdf_columns.install()
                doc = html_class(string=html, base_url=str(TEMPLATES))
            doc.write_pdf(stylesheets=[css], font_config=fonts)
            cpu[mode].append(time.process_time() - c)
    pdf_columns.install()
    with_, without = statistics.median(cpu["avec"]), statistics.median(cpu["sans"])
    print(f"WeasyPrint (lecture + mise en page + PDF), CPU médian : sans les raccourcis "
          f"{without:.3f} s, avec {with_:.3f} s (colonnes en une passe, lecture expat) ; "
          f"ratio {with_ / without:.2f}")


def _stages(con, codes: list[str], n: int, jobs: int) -> tuple[float, list[int]]:
    sample = _sample(codes, n)
    t0 = time.perf_counter()
    pdf_from_html(print_html(con, profile(con, sample[0], "epci")))
    print(f"échauffement (imports, polices, caches du niveau) : {time.perf_counter() - t0:.2f} s")
    stages: dict[str, list[float]] = {"handler": [], "html": [], "pdf": [], "total": []}
    pages, htmls = [], []
    cpu = time.process_time()
    for code in sample:
        t = time.perf_counter()
        ans = profile(con, code, "epci")
        t1 = time.perf_counter()
        html = print_html(con, ans)
        t2 = time.perf_counter()
        pdf = pdf_from_html(html)
        t3 = time.perf_counter()
        htmls.append(html)
        for v, x in zip(stages.values(), (t1 - t, t2 - t1, t3 - t2, t3 - t), strict=True):
            v.append(x)
        pages.append(_pages(pdf))
        print(f"  {code} {ans.data['territory']['name'][:40]:40s} {t3 - t:5.2f} s "
              f"({len(pdf) / 1e3:.0f} ko, {pages[-1]} pages)")
    cpu = (time.process_time() - cpu) / len(sample)
    for k, v in stages.items():
        print(f"{k:8s} médiane {statistics.median(v):.3f} s  (min {min(v):.3f}, max {max(v):.3f})")
    print(f"temps CPU moyen par profil : {cpu:.3f} s (mur : moyenne "
          f"{statistics.mean(stages['total']):.3f} s)")
    _shortcuts(htmls)
    floor, floor_cpu = _floor(htmls)
    print(f"plancher de l'étape pdf (WeasyPrint seul, arbre déjà lu) : médiane {floor:.3f} s "
          f"(CPU {floor_cpu:.3f} s) ; {len(codes)} EPCI sur {jobs} processus à ce seul coût : "
          f"{floor * len(codes) / jobs / 60:.1f} min (CPU : "
          f"{floor_cpu * len(codes) / jobs / 60:.1f} min)")
    return statistics.median(stages["total"]), pages


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: the pool's workers
    once the pool is shut down."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _pool(db, codes: list[str], n: int, jobs: int) -> None:
    step = max(1, len(codes) // n)
    sample = codes[::step][:n]
    with tempfile.TemporaryDirectory() as tmp:
        t, c = time.perf_counter(), _children_cpu()
        write_all(db, "epci", "pdf", Path(tmp) / "start", jobs, sample[:jobs], progress=False)
        start, start_cpu = time.perf_counter() - t, _children_cpu() - c
        t, c = time.perf_counter(), _children_cpu()
        done, failed = write_all(db, "epci", "pdf", Path(tmp) / "all", jobs, sample,
                                 progress=False)
        wall, cpu = time.perf_counter() - t, _children_cpu() - c
        pages = [_pages(p.read_bytes()) for p in sorted((Path(tmp) / "all").glob("*.pdf"))]
    rate = (wall - start) / max(1, len(sample) - jobs) * jobs  # seconds per profile, 1 worker
    rate_cpu = (cpu - start_cpu) / max(1, len(sample) - jobs)  # CPU seconds per profile
    linear = wall * len(codes) / len(sample)
    steady = start + rate * (len(codes) - jobs) / jobs
    # the workers' CPU time on ``jobs`` cores of their own: what the wall time would be on
    # this machine without the other loads (start-up in parallel, then the steady rate)
    free = start_cpu / jobs + rate_cpu * (len(codes) - jobs) / jobs
    print(f"--all, {jobs} processus, {len(sample)} EPCI : {wall:.1f} s ({len(done)} écrits, "
          f"{len(failed)} échecs ; démarrage du pool + 1 profil par processus : {start:.1f} s)")
    print(f"  pages par PDF : max {max(pages)}, {sum(p > MAX_PAGES for p in pages)} au-delà "
          f"de {MAX_PAGES} ; répartition {sorted(set(pages))}")
    print(f"  débit : {len(sample) / wall:.2f} profils/s ; {rate:.2f} s par profil et processus")
    print(f"  CPU des processus : {cpu:.1f} s ; démarrage + 1 profil : {start_cpu / jobs:.2f} s "
          f"par processus ; {rate_cpu:.3f} s par profil (régime établi)")
    for label, est in (("linéaire (échantillon)", linear), ("régime établi", steady),
                       (f"CPU, {jobs} cœurs libres", free)):
        print(f"  estimation {len(codes)} EPCI, {label} : {est / 60:.1f} min — cible "
              f"{TARGET_ALL / 60:.0f} min, ratio {est / TARGET_ALL:.2f}")


def _full(db, codes: list[str], jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t, c = time.perf_counter(), _children_cpu()
        done, failed = write_all(db, "epci", "pdf", Path(tmp), jobs, codes, progress=False)
        wall, cpu = time.perf_counter() - t, _children_cpu() - c
        pages = [_pages(p.read_bytes()) for p in Path(tmp).glob("*.pdf")]
        size = sum(p.stat().st_size for p in Path(tmp).glob("*.pdf"))
    print(f"--all réel, {jobs} processus, {len(codes)} EPCI : {wall / 60:.1f} min ({len(done)} "
          f"écrits, {len(failed)} échecs ; pages max {max(pages)} ; {size / 1e6:.0f} Mo) — "
          f"cible {TARGET_ALL / 60:.0f} min, ratio {wall / TARGET_ALL:.2f} ; CPU des processus "
          f"{cpu / 60:.1f} min, soit {cpu / jobs / 60:.1f} min sur {jobs} cœurs libres")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None)
    ap.add_argument("-n", type=int, default=8)
    ap.add_argument("--all-sample", type=int, default=40)
    ap.add_argument("--full", action="store_true", help="les 1 255 EPCI pour de vrai")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print(f"charge moyenne : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    con = connect(args.db)
    codes = [r[0] for r in con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    one, pages = _stages(con, codes, args.n, args.jobs)
    con.close()
    print(f"un profil PDF : {one:.2f} s — cible {TARGET_ONE:.0f} s, ratio {one / TARGET_ONE:.2f}"
          f" ; pages : {pages} (cible <= {MAX_PAGES})")
    print(f"estimation {len(codes)} EPCI (1 processus) : {one * len(codes) / 60:.1f} min")
    if args.all_sample:
        _pool(args.db, codes, args.all_sample, args.jobs)
    if args.full:
        _full(args.db, codes, args.jobs)


if __name__ == "__main__":
    main()
