"""Time parsing and loading a national-size URSSAF commune x APE file.

The file is made for timing only: the rows of the real Rouen extract (exact national format,
tests/data/raw/urssaf_rouen_raw.csv.gz) are replicated over all 34,875 communes of COG 2025
(commune j gets the rows of Rouen commune j mod 218, scaled to ~1.2 M rows in all, 17 years,
~0.5 GB), written to a temporary directory. Each stage then runs in a fresh process, so that
its peak memory (``resource.getrusage``, ``ru_maxrss``) is its own:

- ``parse``: :func:`pacte.fetched.parse_urssaf_jobs` (streaming parser -> the ``urssaf_jobs``
  DataFrame that ``snapshot_overrides`` hands to the build);
- ``parse+duckdb``: the same, then ``CREATE TABLE urssaf_jobs`` in a DuckDB file;
- ``stream-duckdb``: chunks of :func:`pacte.sources.urssaf.iter_urssaf` appended to DuckDB
  one by one (the low-memory path);
- ``derive`` (with ``--derive``): the whole ``pacte build --with-fetched`` from that file
  (harmonisation onto COG 2025 and EPCI aggregation at APE detail, in DuckDB), then every
  catalogue indicator for all EPCI at APE detail.

Targets: under 45 s and under 1.5 GB peak memory on the 2-core machine.

Usage: python bench/bench_urssaf_national.py [--rows 1200000] [--derive] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
ROUEN = ROOT / "tests/data/raw/urssaf_rouen_raw.csv.gz"
#: The issue's targets for the national build with the EPCI indicators (each stage
#: is held to them).
TARGET_S, TARGET_MB = 45.0, 1536.0


def _field_span(line: bytes, index: int) -> tuple[int, int]:
    """Byte span of field ``index`` of a ``;`` line (separators inside quotes skipped)."""
    seps, quoted = [-1], False
    for pos, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x3B and not quoted:
            seps.append(pos)
    seps.append(len(line))
    return seps[index] + 1, seps[index + 1]


def make_national_file(out: Path, rows: int) -> int:
    """Write the replicated file; returns its number of data rows."""
    raw = gzip.decompress(ROUEN.read_bytes())
    header, *lines = raw.split(b"\r\n")
    lines = [line for line in lines if line]
    col = header.decode("utf-8-sig").split(";").index("Code commune")
    blocks: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for line in lines:
        start, end = _field_span(line, col)
        blocks.setdefault(line[start:end], []).append((line[:start], line[end:]))
    rouen = list(blocks.values())
    communes = pd.read_parquet(ROOT / "src/pacte/data/communes.parquet")["code"].tolist()
    full = sum(len(rouen[j % len(rouen)]) for j in range(len(communes)))
    ratio = min(1.0, rows / full)
    written = 0
    with open(out, "wb", buffering=1 << 22) as f:
        f.write(header + b"\r\n")
        for j, code in enumerate(communes):
            block = rouen[j % len(rouen)]
            take = block[:max(1, round(len(block) * ratio))]
            enc = code.encode()
            f.write(b"".join(before + enc + after + b"\r\n" for before, after in take))
            written += len(take)
    return written


def _cpu_s() -> float:
    """CPU seconds of this process so far (user + system, all threads): on a shared
    machine, steadier than the wall time."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stage(stage: str, path: Path, work: Path) -> dict:
    """Body of one stage, in the child process."""
    import duckdb

    from pacte.sources.urssaf import iter_urssaf
    from pacte.store.fetched import parse_urssaf_jobs

    t0 = time.perf_counter()
    out: dict = {"stage": stage}
    if stage == "derive":  # its own process: the build parses the file itself
        out.update(_build_and_indicators(path, work))
    elif stage in ("parse", "parse+duckdb"):
        df = parse_urssaf_jobs(path)
        out.update(rows=len(df), jobs_2008=int(df.loc[df["year"] == 2008, "jobs"].sum()))
        out["parse_s"] = time.perf_counter() - t0
        if stage == "parse+duckdb":
            with duckdb.connect(str(work / "parse.duckdb")) as con:
                con.register("_df", df)
                con.execute("CREATE TABLE urssaf_jobs AS SELECT * FROM _df")
                out["db_rows"] = con.execute("SELECT count(*) FROM urssaf_jobs").fetchone()[0]
    elif stage == "stream-duckdb":
        rows = 0
        with duckdb.connect(str(work / "stream.duckdb")) as con:
            con.execute("CREATE TABLE urssaf_jobs (commune VARCHAR, ape VARCHAR, "
                        "year SMALLINT, establishments BIGINT, jobs BIGINT)")
            for chunk in iter_urssaf(path):
                con.register("_chunk", chunk)
                con.execute("INSERT INTO urssaf_jobs SELECT * FROM _chunk")
                con.unregister("_chunk")
                rows += len(chunk)
            out["jobs_2008"] = con.execute(
                "SELECT sum(jobs) FROM urssaf_jobs WHERE year = 2008").fetchone()[0]
        out["rows"] = rows
    out.update(total_s=time.perf_counter() - t0, peak_mb=_peak_mb())
    return out


def _build_and_indicators(path: Path, work: Path) -> dict:
    """The file placed in a fetch cache (with its sidecar), then the real
    ``store.build(with_fetched=True)`` (harmonisation onto COG 2025, EPCI aggregation at APE
    detail) and every catalogue indicator for all EPCI."""
    import hashlib
    import os
    import shutil

    import duckdb

    from pacte.engine import compute_indicators
    from pacte.handlers.build import build_store
    from pacte.sources.download import cache_path
    from pacte.sources.registry import get_source
    from pacte.store.build_tables import load_build_tables

    source = get_source("urssaf_commune_ape")
    cached = cache_path(source, work / "cache")
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, cached)
    sha = hashlib.sha256(cached.read_bytes()).hexdigest()
    cached.with_name(cached.name + ".meta.json").write_text(json.dumps({
        "url": "file://bench (fichier synthétique, mesure de temps uniquement)",
        "sha256": sha, "size": os.path.getsize(cached), "fetched_at": "bench",
        "licence": source.licence, "vintage": source.vintage}))
    t1, c1 = time.perf_counter(), _cpu_s()
    db = work / "national.duckdb"
    build_store(db, with_fetched=True, cache_dir=work / "cache")
    t2, c2 = time.perf_counter(), _cpu_s()
    with duckdb.connect(str(db), read_only=True) as con:
        load_build_tables(con)  # the snapshot tables only the build keeps (temporary here)
        ind = compute_indicators(con, "epci")
        n_urssaf = int((ind["source"] == "urssaf").sum())
        epci = con.execute("SELECT count(DISTINCT code) FROM jobs WHERE source = 'urssaf' "
                           "AND level = 'epci'").fetchall()[0][0]
    return {"build_s": t2 - t1, "indicators_s": time.perf_counter() - t2,
            "build_cpu_s": c2 - c1, "indicators_cpu_s": _cpu_s() - c2,
            "urssaf_epci": epci, "urssaf_values": n_urssaf}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_200_000)
    ap.add_argument("--derive", action="store_true", help="also time the build with the national file and the EPCI indicators")
    ap.add_argument("--keep", type=Path, help="write the file here and keep it")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:  # child process
        print(json.dumps(run_stage(args.stage, args.file, args.file.parent)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        path = work / "urssaf_national_synthetic.csv"
        t0 = time.perf_counter()
        n = make_national_file(path, args.rows)
        print(f"file           {n:,} rows x 17 years, {path.stat().st_size / 1e6:,.0f} MB, "
              f"made in {time.perf_counter() - t0:.1f} s (timing only, not data)")
        stages = ["parse", "parse+duckdb", "stream-duckdb"] + (["derive"] if args.derive else [])
        for stage in stages:
            res = subprocess.run([sys.executable, __file__, "--stage", stage, "--file", str(path)],
                                 capture_output=True, text=True)
            if res.returncode != 0:
                why = "killed: out of memory" if res.returncode == -9 else res.stderr.strip()[-400:]
                print(f"{stage:14} FAILED (exit {res.returncode}): {why}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            ok = "OK" if r["total_s"] < TARGET_S and r["peak_mb"] < TARGET_MB else "OVER TARGET"
            extra = "".join(f", {k} {v:.1f} s" for k, v in r.items()
                            if k.endswith("_s") and k != "total_s")
            print(f"{stage:14} {r['total_s']:6.1f} s  peak {r['peak_mb']:6.0f} MB  "
                  f"({r.get('rows', r.get('urssaf_values', 0)):,} "
                  f"{'long rows' if 'rows' in r else 'EPCI indicator values'}{extra})  "
                  f"[target < {TARGET_S:.0f} s, < {TARGET_MB / 1024:.1f} GB: {ok}; "
                  f"ratio {r['total_s'] / TARGET_S:.2f} x, {r['peak_mb'] / TARGET_MB:.2f} x]")


if __name__ == "__main__":
    main()
