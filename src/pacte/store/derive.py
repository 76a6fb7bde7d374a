"""Derived tables of the store: snapshot tables -> DuckDB, harmonised onto COG 2025, aggregated.

``run`` loads the snapshot's Parquet tables straight into an open DuckDB connection
(``read_parquet``; the reviewed CSV files through their parsers), then derives in SQL: the
territories (:mod:`pacte.store.territories`), the census harmonised onto COG 2025
(:mod:`pacte.store.census_jobs`), ESTEL and the quarterly series
(:mod:`pacte.store.estel_jobs`), URSSAF (:mod:`pacte.store.urssaf_jobs`; the national file
is too large for pandas). The unified ``jobs`` table has one row per source x level x
territory x period x sector, with the resolution of the series and flags for estimates and
partial coverage.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd

from pacte.catalogue import MODEL_NAMES, SERIES, SOURCE_TEXTS, source_name
from pacte.errors import BuildError
from pacte.sources.census import FUNCTIONS
from pacte.sources.estel import SECTORS
from pacte.sources.io_tables import parse_wiod_crosswalk
from pacte.sources.wiod_trade import parse_low_wage_table, parse_wiod_sector_labels
from pacte.store.census_jobs import commune_keyed_rows, harmonise_census, insert_census_jobs
from pacte.store.estel_jobs import insert_estel_jobs, insert_quarterly_jobs
from pacte.store.harmonise import create_ze2010_weights
from pacte.store.heap import release_duckdb_heap, release_heap
from pacte.store.layout import KeyedRows, write_jobs_table
from pacte.store.reading import (
    BUILD_ONLY,
    build_table_views,
    create_view,
    early_tables,
    is_temporary,
    late_tables,
    preload,
    read_parquet_tables,
    table_path,
)
from pacte.store.territories import create_territory
from pacte.store.urssaf_jobs import insert_urssaf_jobs

#: Columns of the jobs table and their types, in order.
JOBS_SCHEMA = (("source", "VARCHAR"), ("level", "VARCHAR"), ("code", "VARCHAR"),
               ("year", "SMALLINT"), ("period", "VARCHAR"), ("scheme", "VARCHAR"),
               ("sector", "VARCHAR"), ("jobs", "DOUBLE"), ("n_missing", "INTEGER"),
               ("estimate", "BOOLEAN"), ("partial", "BOOLEAN"))
JOB_COLS = [c for c, _ in JOBS_SCHEMA]


#: Reviewed CSV files of the snapshot (checked in, reviewed like code) and their parsers.
CSV_PARSERS = {
    "commune_splits": lambda p: pd.read_csv(p, dtype={"parent": str, "child": str}),
    "wiod_crosswalk_a17": lambda p: parse_wiod_crosswalk(p, "a17"),
    "wiod_crosswalk_a38": lambda p: parse_wiod_crosswalk(p, "a38"),
    "wiod_low_wage": parse_low_wage_table,
    "wiod_sector_labels": parse_wiod_sector_labels,
}


def load(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict,
         parsed: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """Create a table of ``con`` for every table of the snapshot listed in ``prov``
    (PROVENANCE.json): Parquet read by DuckDB (:func:`pacte.store.reading.
    read_parquet_tables`: temporary tables for those only the build reads, views of their
    files for most of those only the derive steps read), the reviewed CSV files by their
    parsers (returned as DataFrames; those of ``parsed`` taken as they are)."""
    read_parquet_tables(con, snap, prov)
    return load_csv(con, snap, prov, parsed)


def load_csv(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict,
             parsed: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """The reviewed CSV files of ``prov`` as tables of ``con``, by their parsers (see
    :func:`load`)."""
    frames = {}
    for name, meta in prov.items():
        path = table_path(snap, name, meta)
        if path.suffix != ".csv":
            continue
        parse = CSV_PARSERS.get(name)
        if parse is None:
            raise BuildError(f"{path} : aucun lecteur pour la table {name!r}")
        frames[name] = parsed[name] if name in (parsed or {}) else parse(path)
        _create(con, name, frames[name], temp=is_temporary(name))
    return frames


def sector_labels(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """French label of every sector code of every scheme (A5, RP15, APE, A17, A38...)."""
    rows = [("A5", k, v) for k, v in SECTORS.items()]
    rows += [("RP15", k, v) for k, v in FUNCTIONS.items()]
    rows += [("RP15", "CFM", "Cadres des fonctions métropolitaines")]
    rows += [(s, "TOTAL", "Total") for s in ("A5", "RP15", "APE", "TOTAL")]
    rows += [("APE", a, lab) for a, lab in con.execute(
        "SELECT ape, libelle_sous_classe FROM naf ORDER BY rowid").fetchall()]
    for scheme, code, lab in (("A38", "a38", "libelle_a38"), ("A17", "a17", "libelle_a17"),
                              ("A88", "division_a88", "libelle_division")):
        rows += [(scheme, c, lb) for c, lb in con.execute(
            f"SELECT {code}, arg_min({lab}, rowid) FROM naf GROUP BY {code} "
            "ORDER BY min(rowid)").fetchall()]
    rows += [("trim", c, lb) for c, lb in con.execute(
        "SELECT sector, arg_min(sector_label, rowid) FROM quarterly_jobs GROUP BY sector "
        "ORDER BY min(rowid)").fetchall()]
    return pd.DataFrame(rows, columns=["scheme", "sector", "label"]).drop_duplicates(
        ["scheme", "sector"])


def run(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict, say,
        overrides: dict | None = None, lanes: bool = True, read: bool = False,
        early: Callable[[], Callable[[duckdb.DuckDBPyConnection], None] | None] | None = None
        ) -> dict[str, int]:
    """Build every table; ``overrides`` (fetched official files, e.g. the national URSSAF
    file) replace the bundled snapshot's tables of the same name: a DataFrame, or a loader
    ``load(con, name) -> rows`` streaming a large file straight into the store (its row
    count then goes into ``prov``). The bundled snapshot's steps run in two lanes
    (:func:`_run_lanes`) unless not ``lanes``: the same tables. With ``read``, the bundled
    snapshot's first Parquet tables are already read (:func:`pacte.store.reading.preload`,
    "Lecture du snapshot" said by the caller). ``early``: on the bundled snapshot's lanes,
    asked once the jobs table is written for the later steps' early work (a function
    started then on a cursor seeing the build-only tables, which it closes), or None
    (:class:`pacte.store.early.EarlyWork`)."""
    overrides = overrides or {}
    if lanes and not overrides:
        return _run_lanes(con, snap, prov, say, read, early)
    say("Lecture du snapshot")
    frames = load(con, snap, {k: v for k, v in prov.items() if k not in overrides})
    loaders = {name: df for name, df in overrides.items() if callable(df)}
    for name, df in overrides.items():
        if not callable(df):
            _create(con, name, df, temp=is_temporary(name))
            frames[name] = df
    if not loaders:
        return _derive(con, frames, say, bool(overrides))
    # the fetched files streamed into the store on a cursor, in a thread, beside the
    # bundled snapshot's steps (none reads them; the URSSAF harmonisation waits for them):
    # the file's parsing, mostly Python on one core, leaves the other to DuckDB's
    # territories, census, ESTEL and labels (2.7 s of CPU on the national-size bench
    # file, run after the load until then). Their sums of doubles and the order of their
    # aggregates' rows vary from one national build to the next as they did (ESTEL's
    # ZE2020 estimates by ~1e-16, the census rows of some levels, URSSAF's commune rows:
    # measured between two builds of main's code); the bundled build is not concerned
    # (its two lanes, :func:`_run_lanes`)
    cur = con.cursor()
    try:
        with ThreadPoolExecutor(1) as pool:
            loading = pool.submit(_load_fetched, cur, loaders, prov, say)
            try:
                return _derive(con, frames, say, True, loading)
            except BaseException:
                loading.exception()  # waits for the loaders before the connection closes
                raise
    finally:
        cur.close()


def _load_fetched(cur: duckdb.DuckDBPyConnection, loaders: dict, prov: dict, say) -> None:
    """Run the ``loaders`` of fetched files on ``cur``; their rows counted into ``prov``."""
    cur.execute("SET enable_progress_bar = false")
    for name, load_table in loaders.items():
        say(f"Chargement de {name} (fichier téléchargé)")
        prov[name]["rows"] = load_table(cur, name)


def _derive(con: duckdb.DuckDBPyConnection, frames: dict, say, overrides: bool,
            loading: Future | None = None) -> dict[str, int]:
    """The derive steps of :func:`run` in one lane, once the snapshot is loaded (with
    ``overrides``: fetched tables replace bundled ones); the URSSAF harmonisation once
    ``loading`` (the fetched files' loaders, in a thread) is done."""
    splits = frames["commune_splits"]
    say("Territoires et populations")
    create_ze2010_weights(con, "_w_ze2010", splits)
    create_territory(con, "_w_ze2010")
    log: list[dict] = []
    say("Harmonisation du recensement sur le COG 2025")
    rp_cols = harmonise_census(con, splits, log, "_rp")
    say("ESTEL : zones d'emploi 2010 et estimations ZE2020")
    # bundled snapshot: rows gathered in a temporary table, then written sorted (a small
    # store); with fetched national files, written as derived (sorting ~20 M rows spills),
    # block by block
    table = "jobs" if overrides else "_jobs"
    _create_jobs(con, table, temp=not overrides)
    insert_estel_jobs(con, table, "_rp", "_w_ze2010")
    insert_quarterly_jobs(con, table)
    say("Libellés des secteurs")
    create_labels(con)
    insert_census_jobs(con, "_rp", rp_cols, table, "_rpw", communes=bool(overrides))
    con.execute("DROP TABLE _rp")
    con.execute("DROP TABLE _w_ze2010")
    if loading is not None:
        loading.result()
    say("Harmonisation URSSAF sur le COG 2025")
    # with fetched files, URSSAF's EPCI rows (~5 M for the national file) are written
    # sorted by territory: a reader's lookup of one EPCI, and the cards' ranges of codes,
    # read a few row groups (min/max per row group). No index on the whole table: building
    # it took 20 s of CPU on the national-size bench file, a sort of its 12 M commune rows
    # half that; one commune's rows are read in 5-13 ms there without either
    insert_urssaf_jobs(con, splits, log, table, order=bool(overrides))
    _create(con, "harmonisation_log", pd.DataFrame(log))
    if not overrides:
        write_jobs(con, [table], commune_keyed_rows("_rpw", rp_cols))
    con.execute("DROP TABLE _rpw")
    return _finish(con)


#: The in-memory database attached for the intermediate tables of both lanes
#: (:func:`_run_lanes`): a cursor does not see its connection's temporary tables.
SCRATCH = "_derive"

#: Temporary snapshot tables the side lane reads, as views of their Parquet files on its
#: own cursor.
SIDE_VIEWS = ("cog_codes", "commune_passage", "census_functions", "urssaf_jobs")


def _run_lanes(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict, say,
               read: bool = False, early=None) -> dict[str, int]:
    """The bundled snapshot's steps in two lanes, each on its own DuckDB connection to the
    store: the census and URSSAF harmonisations, their jobs rows and the territories on a
    cursor, in a thread (:func:`_side_lane`), beside the snapshot's load, the ZE2010
    weights, ESTEL, the quarterly series and the labels on ``con`` (DuckDB runs both at
    once, the GIL released; most of these statements read small tables, one core each).
    Their intermediate tables are shared in :data:`SCRATCH`; the jobs table is written,
    sorted, once both are done: the same rows, in the same order, as one lane gives.

    The census sums to every level run alone (``con`` waits): DuckDB's sums of doubles
    depend on how its threads share the rows, and France's census jobs must be the
    same to the last bit (the industrial mix of France, ~1e-10 from their differences,
    is stored).

    Without ``read``, the snapshot's Parquet tables the derive steps read and those kept
    in the store are read first (:func:`pacte.store.reading.preload`; the build reads them
    while its modules are imported)."""
    if not read:
        say("Lecture du snapshot")
        preload(con, snap, prov)
    path = table_path(snap, "commune_splits", prov["commune_splits"])
    splits = CSV_PARSERS["commune_splits"](path)
    ready: Future = Future()  # the build's connection idle (or failed)
    census: Future = Future()
    con.execute(f"ATTACH ':memory:' AS {SCRATCH}")
    cur = None
    try:
        cur = con.cursor()
        with ThreadPoolExecutor(1) as pool:
            side = pool.submit(_side_lane, cur, snap, prov, splits, ready, census)
            try:
                # the reviewed CSV files (the later steps' kept in the store)
                load_csv(con, snap, early_tables(prov), parsed={"commune_splits": splits})
                say("Territoires et populations")
                create_ze2010_weights(con, f"{SCRATCH}._w_ze2010", splits)
                say("Harmonisation du recensement sur le COG 2025")
                ready.set_result(True)
                rp_cols, log = census.result()
                say("ESTEL : zones d'emploi 2010 et estimations ZE2020")
                _create_jobs(con, "_jobs", temp=True)
                insert_estel_jobs(con, "_jobs", f"{SCRATCH}._rp", f"{SCRATCH}._w_ze2010")
                insert_quarterly_jobs(con, "_jobs")
                say("Libellés des secteurs")
                create_labels(con)
                con.execute("DROP TABLE quarterly_jobs")  # read: 10 MB less under the sort
                say("Harmonisation URSSAF sur le COG 2025")
                log = log + side.result()
            except BaseException as exc:
                if not ready.done():
                    ready.set_exception(exc)
                side.exception()  # waits for the side lane before the connection closes
                raise
        con.execute(f"DROP TABLE {SCRATCH}._rp")
        _create(con, "harmonisation_log", pd.DataFrame(log))
        write_jobs(con, ["_jobs", f"{SCRATCH}._jobs"],
                   commune_keyed_rows(f"{SCRATCH}._rpw", rp_cols))
    finally:
        if cur is not None:
            cur.close()
        with contextlib.suppress(duckdb.Error):  # a failed build's error stays the one raised
            con.execute(f"DETACH DATABASE IF EXISTS {SCRATCH}")
    # the later steps' early work, if any, beside the rest of the build (the catalogue's
    # anchoring model, :class:`pacte.engine.materialise.Catalogue`: 1.1-1.4 s of CPU, half
    # of it its DuckDB queries, then beside the catalogue's other models, mostly pandas,
    # holding the GIL); started beside the jobs table's write, it raised the build's peak
    # by 35-40 MB (458-464 against 417-420 MB, 2 alternated pairs): not done
    start = early() if early is not None else None
    if start is None:
        # the later steps' temporary tables, once the jobs table's sort has given its
        # memory back
        load(con, snap, late_tables(prov))
    else:
        # read by the early work on its cursor, and once by the build (the EPCI history):
        # views of their files, their 57 MB as tables not loaded
        for name, meta in late_tables(prov).items():
            create_view(con, name, table_path(snap, name, meta))
        # what the sort freed given back first, not held under the early work's memory
        release_duckdb_heap()
        release_heap()
        start(build_table_views(con, snap, prov))
    return _finish(con)


def _side_lane(cur: duckdb.DuckDBPyConnection, snap: Path, prov: dict, splits: pd.DataFrame,
               ready: Future, census: Future) -> list[dict]:
    """The side lane of :func:`_run_lanes`, on the cursor ``cur``: the census harmonised
    (``_rp`` of :data:`SCRATCH`), then, once ``ready`` (the build's connection idle), its
    jobs rows at every level but the communes' (``_jobs``) and its wide table (``_rpw``),
    their columns and log given to ``census``; then URSSAF's rows (``_jobs``), the
    ``coverage`` table and the territories. Returns URSSAF's harmonisation log."""
    try:
        cur.execute("SET enable_progress_bar = false")
        for name in SIDE_VIEWS:
            create_view(cur, name, table_path(snap, name, prov[name]))
        log: list[dict] = []
        rp_cols = harmonise_census(cur, splits, log, f"{SCRATCH}._rp")
        ready.result()
        _create_jobs(cur, f"{SCRATCH}._jobs")
        insert_census_jobs(cur, f"{SCRATCH}._rp", rp_cols, f"{SCRATCH}._jobs",
                           f"{SCRATCH}._rpw", communes=False)
    except BaseException as exc:
        census.set_exception(exc)
        raise
    census.set_result((rp_cols, log))
    log = []
    insert_urssaf_jobs(cur, splits, log, f"{SCRATCH}._jobs")
    create_territory(cur, f"{SCRATCH}._w_ze2010")
    return log


def _create_jobs(con: duckdb.DuckDBPyConnection, name: str, temp: bool = False) -> None:
    """An empty table ``name`` with the jobs table's columns."""
    con.execute(f'CREATE {"TEMP " if temp else ""}TABLE {name} ('
                + ", ".join(f"{c} {t}" for c, t in JOBS_SCHEMA) + ")")


def create_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Tables ``series`` (the sources' labels), ``sector_label`` and ``source_name``."""
    series = pd.DataFrame([{"source": k, "label": v.label, "resolution": v.resolution,
                            "licence": v.licence} for k, v in SOURCE_TEXTS.items()])
    names = pd.DataFrame([{"source": s, "name": source_name(s)}  # short names, for readers
                          for s in (*SERIES, *MODEL_NAMES)])
    for name, df in {"series": series, "sector_label": sector_labels(con),
                     "source_name": names}.items():
        _create(con, name, df)


def _finish(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Drop the snapshot tables only the derive steps read; the derived tables' rows."""
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() "
                                       "WHERE temporary").fetchall()}
    for name in BUILD_ONLY:
        con.execute(f'DROP {"VIEW" if name in views else "TABLE"} IF EXISTS "{name}"')
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            for name in ("territory", "series", "sector_label", "source_name", "jobs",
                         "coverage", "harmonisation_log")}


def write_jobs(con: duckdb.DuckDBPyConnection, sources: list[str], *keyed: KeyedRows
               ) -> None:
    """The ``jobs`` table from the tables ``sources`` (dropped) and the ``keyed``
    rows (the census commune rows, from their wide table), sorted by level and territory:
    a reader's lookup of one territory then reads a few row groups (DuckDB's min/max per
    row group) and the columns compress into runs. No index: on sorted rows the lookups
    take the same time without it (measured: Rouen's 8,715 rows, one EPCI, a région, a
    commune), and it weighed 6 MB of the store."""
    write_jobs_table(con, [f"SELECT * FROM {source}" for source in sources],
                     (("level", "code"), ("source", "scheme", "sector", "period")), keyed)
    for source in sources:
        con.execute(f"DROP TABLE {source}")


def _create(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame, temp: bool = False
            ) -> None:
    con.register("_df", df)
    con.execute(f'CREATE {"TEMP " if temp else ""}TABLE "{name}" AS SELECT * FROM _df')
    con.unregister("_df")


def validate(con: duckdb.DuckDBPyConnection) -> None:
    """Conservation: for every source, year and sector, each level sums to the France total
    (missing territories aside); harmonisation kept every commune series' totals."""
    bad = con.execute("""
        SELECT source, level, period, sector, s, f FROM (
          SELECT j.source, j.level, j.period, j.sector, sum(j.jobs) s, any_value(f.jobs) f
          FROM jobs j JOIN jobs f ON f.source = j.source AND f.level = 'fr'
               AND f.period = j.period AND f.sector = j.sector
          WHERE j.level IN ('epci', 'ze2020', 'ze2010', 'dep', 'reg') AND j.source IN ('rp', 'estel')
            AND NOT (j.source = 'rp' AND j.level = 'epci')
          GROUP BY ALL)
        WHERE abs(s - f) > 1e-6 * greatest(abs(f), 1)
        LIMIT 5""").fetchall()
    if bad:
        raise BuildError(f"conservation des emplois non respectée : {bad}")
    log = con.execute("""SELECT source, year, total_before, total_after FROM harmonisation_log
                         WHERE abs(total_before - total_after) > 1e-9 * greatest(total_before, 1)
                      """).fetchall()
    if log:
        raise BuildError(f"harmonisation non conservative : {log}")
