"""Snapshot tables rebuilt from fetched official files (``pacte build --with-fetched``).

:func:`snapshot_overrides` looks in the cache for every registry source that names a store
table (``"table"`` in ``sources.json``), parses the newest complete vintage fetched, and
returns the tables that replace the bundled ones together with their provenance entries
(same keys as ``PROVENANCE.json``: the fetched file's URL, sha256, licence, rows).
Sources not fetched keep the bundled snapshot.

Today: ``urssaf_jobs`` from the national URSSAF commune x APE file (732 APE codes for every
commune instead of the bundled Rouen extract); ``dgcl_criteres``, ``census_diplomas``,
``cog_communes_fetched`` and ``ofgl_rei`` (DCRTP and FNGIR per commune and EPCI, OFGL REI),
which the bundled snapshot does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pacte.errors import BuildError, ChecksumError
from pacte.labels import fr_number
from pacte.settings import sha256_file
from pacte.sources.cache import Fetched, read_cached
from pacte.sources.cog import parse_cog_communes
from pacte.sources.dgcl import parse_dgcl_criteres
from pacte.sources.diplomas import parse_census_diplomas
from pacte.sources.ofgl import parse_ofgl_rei
from pacte.sources.registry import Source, all_sources
from pacte.sources.urssaf import COLUMNS as URSSAF_COLUMNS
from pacte.sources.urssaf import iter_urssaf, parse_urssaf


def parse_urssaf_jobs(path: str | Path, chunk_rows: int = 200_000) -> pd.DataFrame:
    """The national URSSAF file in the ``urssaf_jobs`` schema of the snapshot: ``commune``,
    ``ape`` (str), ``year`` (int16), ``establishments``, ``jobs`` (int64); streamed in
    chunks by :func:`pacte.sources.urssaf.iter_urssaf`, validated (file, line, value)."""
    frames, pairs = [], []
    for chunk in iter_urssaf(path, chunk_rows):
        frames.append(chunk.astype({"year": "int16"}))
        pairs.append(chunk[["commune", "ape"]].drop_duplicates())
    if not frames:
        return parse_urssaf(path, chunk_rows).astype({"year": "int16"})[URSSAF_COLUMNS]
    # a commune x APE repeated across chunks (iter_urssaf checks within a chunk): checked on
    # the ~1 M distinct pairs rather than the ~12 M long rows, to keep memory low
    if pd.concat(pairs, ignore_index=True).duplicated().any():
        parse_urssaf(path, chunk_rows)  # error path: raises with the file and line
    del pairs
    out = pd.concat(frames, ignore_index=True)
    del frames
    return out[URSSAF_COLUMNS]


def load_urssaf_jobs(path: str | Path, con, table: str, chunk_rows: int = 100_000,
                     fast: bool = True) -> int:
    """Load the national URSSAF file into DuckDB table ``table`` (``urssaf_jobs`` schema):
    the rows of :func:`parse_urssaf_jobs`, in its order; its errors (file, line, value).

    With ``fast``, DuckDB reads the file alone when its checks vouch for it
    (:func:`pacte.store.urssaf_fast.fast_load`); else, or if they do not, the file is
    streamed by the Python parser, chunk by chunk: memory stays that of two chunks, not of
    ~12 M long rows. A commune x APE pair repeated across chunks raises ParseError (file,
    line), as :func:`parse_urssaf`.

    The next chunk is parsed in a thread (mostly Python, one core) while DuckDB inserts
    this one: chunks of 100,000 lines, two at a time, hold less than one of 200,000 held.
    Measured on the national-size bench file, the load alone (and the repeated rows'
    check, :func:`has_repeated_rows`): 14.3 -> 12.5 s of CPU, peak 1,032 -> 602 MB
    (medians of 3 alternated pairs); the fast path: 7.0 s of CPU on both cores, 357 MB."""
    from concurrent.futures import ThreadPoolExecutor

    from pacte.store.urssaf_fast import fast_load

    if fast and (rows := fast_load(path, con, table)) is not None:
        return rows
    con.execute(f'CREATE TABLE "{table}" (commune VARCHAR, ape VARCHAR, year SMALLINT, '
                'establishments BIGINT, jobs BIGINT)')
    rows = 0
    chunks = iter_urssaf(path, chunk_rows)
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(_next_arrow, chunks)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(_next_arrow, chunks)
            con.register("_chunk", chunk)
            con.execute(f'INSERT INTO "{table}" SELECT * FROM _chunk')
            con.unregister("_chunk")
            rows += chunk.num_rows
            del chunk
    if has_repeated_rows(con, table):
        parse_urssaf(path, chunk_rows)  # error path: raises with the file and line
    return rows


def _next_arrow(chunks):
    """The next chunk of ``chunks`` as an Arrow table (DuckDB reads its strings in half the
    time of a DataFrame's), or None at the end."""
    import pyarrow as pa

    chunk = next(chunks, None)
    return None if chunk is None else pa.Table.from_pandas(chunk[URSSAF_COLUMNS],
                                                           preserve_index=False)


def has_repeated_rows(con, table: str) -> bool:
    """Whether a commune x APE x year occurs twice in ``table`` (``urssaf_jobs`` schema).

    Grouped by commune x APE (1.2 M groups on the national-size bench file) with each
    group's years as bits of one integer (a year twice: fewer bits than rows), rather than
    by commune x APE x year (12 M groups): 2.2 -> 0.7 s of CPU. Years more than 63 apart
    (not in the URSSAF file: 17 years) take the direct grouping."""
    low, high = con.execute(f'SELECT min(year), max(year) FROM "{table}"').fetchall()[0]
    if low is None:
        return False
    if high - low < 64:
        query = (f'SELECT commune, ape FROM "{table}" GROUP BY ALL HAVING count(*) > '
                 f'bit_count(bit_or(CAST(1 AS UBIGINT) << CAST(year - {int(low)} AS UBIGINT)))')
    else:
        query = f'SELECT commune, ape, year FROM "{table}" GROUP BY ALL HAVING count(*) > 1'
    return bool(con.execute(query + " LIMIT 1").fetchall())


#: Store table -> parser of the fetched file (a DataFrame, for tests and small files).
PARSERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "urssaf_jobs": parse_urssaf_jobs,
    "dgcl_criteres": parse_dgcl_criteres,
    "census_diplomas": parse_census_diplomas,
    "cog_communes_fetched": parse_cog_communes,
    "ofgl_rei": parse_ofgl_rei,
}


def frame_loader(parse: Callable[[Path], pd.DataFrame]) -> Callable[..., int]:
    """Loader of a file small enough to parse whole: create ``table`` from the DataFrame."""
    def load(path: str | Path, con, table: str) -> int:
        frame = parse(path)
        con.register("_frame", frame)
        con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _frame')
        con.unregister("_frame")
        return len(frame)
    return load


#: Store table -> loader into the store being built: ``load(path, con, table) -> rows``
#: (streamed for the national URSSAF file, parsed whole for the others).
LOADERS: dict[str, Callable[..., int]] = {
    table: load_urssaf_jobs if table == "urssaf_jobs" else frame_loader(parse)
    for table, parse in PARSERS.items()}


#: Communes of the reference geography (COG 2025, rows of the snapshot's ``communes``).
N_COMMUNES = 34_875
#: Share of the communes a fetched national file must cover (else refused unless
#: ``allow_partial``): a truncated download or an extract must not pass for the national file.
MIN_COVERAGE = {"urssaf_jobs": 0.9, "dgcl_criteres": 0.9, "census_diplomas": 0.9,
                "cog_communes_fetched": 0.9, "ofgl_rei": 0.9}
#: Column holding the commune code in each table (default ``commune``).
COMMUNE_COLUMN = {"cog_communes_fetched": "code"}


def check_coverage(table: str, path: str | Path, rows: int, n_covered: int,
                   n_communes: int | None = None, allow_partial: bool = False) -> None:
    """Refuse a fetched file that would replace a bundled table with nothing (0 rows, even
    with ``allow_partial``) or with an extract (under :data:`MIN_COVERAGE` of the communes,
    unless ``allow_partial``): BuildError naming the file."""
    n_communes = n_communes or N_COMMUNES
    if rows == 0:
        raise BuildError(f"{path} : aucune ligne de données, la table {table} serait vide ; "
                         "fichier refusé, le store précédent est intact (retéléchargez-le "
                         "avec « pacte fetch … --force »)")
    need = MIN_COVERAGE.get(table, 0.0)
    share = n_covered / n_communes
    if share < need and not allow_partial:
        raise BuildError(
            f"{path} : fichier national partiel, {fr_number(n_covered)} communes sur "
            f"{fr_number(n_communes)} ({fr_number(100 * share, 1)} %, moins de "
            f"{fr_number(100 * need)} %) ; fichier refusé, le store précédent est intact "
            "(ajoutez --allow-partial pour l'utiliser quand même)")


def checked_loader(load: Callable[..., int], table: str, path: Path,
                   n_communes: int | None, allow_partial: bool) -> Callable[..., int]:
    """``load(con, table) -> rows`` that checks the loaded table with :func:`check_coverage`
    (rows and distinct communes counted in the store being built)."""
    col = COMMUNE_COLUMN.get(table, "commune")

    def run(con, name: str) -> int:
        rows = load(path, con, name)
        covered = con.execute(f'SELECT count(DISTINCT "{col}") FROM "{name}"').fetchall()[0][0]
        check_coverage(table, path, rows, covered, n_communes, allow_partial)
        return rows
    return run


@dataclass
class Overrides:
    """Tables to use instead of the bundled snapshot's, and their provenance entries."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: dict[str, dict] = field(default_factory=dict)


def _newest_fetched(sources: list[Source], table: str,
                    cache_dir: str | Path | None) -> tuple[Source, Fetched] | None:
    for source in reversed([s for s in sources if s.table == table]):
        if (hit := read_cached(source, cache_dir)) is not None:
            return source, hit
    return None


def provenance_entry(source: Source, fetched: Fetched, frame: pd.DataFrame | None) -> dict:
    """A PROVENANCE.json-like entry for a table built from a fetched file (``frame`` None:
    streamed into the store, rows counted there)."""
    meta = fetched.meta
    return {"source": f"{source.title} (fichier officiel téléchargé)",
            "vintage": f"{source.vintage} : {source.label}",
            "origin": f"{meta['url']} (téléchargé le {meta['fetched_at']})",
            "licence": source.licence, "rows": None if frame is None else len(frame),
            "sha256": meta["sha256"],
            "columns": None if frame is None else list(frame.columns),
            "file": str(fetched.path)}


def snapshot_overrides(cache_dir: str | Path | None = None, registry: dict | None = None,
                       say: Callable[[str], None] | None = None,
                       stream: bool = False, allow_partial: bool = False,
                       n_communes: int | None = None) -> Overrides:
    """Parse every fetched file that replaces a snapshot table (see module doc).

    The file is rehashed first: a cached file whose sha256 no longer matches its sidecar
    raises :class:`pacte.fetch.ChecksumError` rather than building from altered data. A file
    with no data row, or covering under 90 % of the ``n_communes`` communes (default
    :data:`N_COMMUNES`) unless ``allow_partial``, raises BuildError (:func:`check_coverage`;
    checked as the file is loaded when ``stream``).
    """
    say = say or (lambda _msg: None)
    sources = all_sources(registry)
    out = Overrides()
    for table, parse in PARSERS.items():
        found = _newest_fetched(sources, table, cache_dir)
        if found is None:
            continue
        source, fetched = found
        say(f"Lecture du fichier téléchargé {fetched.path.name} ({source.id} {source.vintage})")
        sha = sha256_file(fetched.path)
        if sha != fetched.meta["sha256"]:
            raise ChecksumError(f"{fetched.path} : le fichier a changé depuis son "
                                f"téléchargement (sha256 {sha[:12]}… au lieu de "
                                f"{fetched.meta['sha256'][:12]}…) ; relancez "
                                f"« pacte fetch {source.id} --force »")
        if stream:  # the build streams the file into the store: ``load(con, table)``
            out.tables[table] = checked_loader(LOADERS[table], table, fetched.path,
                                               n_communes, allow_partial)
            out.provenance[table] = provenance_entry(source, fetched, None)
            continue
        frame = parse(fetched.path)
        col = COMMUNE_COLUMN.get(table, "commune")
        check_coverage(table, fetched.path, len(frame),
                       frame[col].nunique() if col in frame else 0, n_communes, allow_partial)
        out.tables[table] = frame
        out.provenance[table] = provenance_entry(source, fetched, frame)
    return out
