"""One territory as typed rows, without pandas or numpy (``pacte show``): the stored card
(:mod:`pacte.handlers.cards`, written at build time with the same readers as
:func:`pacte.handlers.territory.territory`) gives the identity, parents, coverage,
indicators, anchoring, key figures, rank and comparison group; the job series, every
sector of every source, come from one query (:func:`pacte.store.queries.territory_jobs`'s).

:func:`territory_rows` answers None when the store cannot answer this way (a name to
resolve, an ambiguous or unknown code, a commune, a store without cards): the caller then
takes :func:`pacte.handlers.territory.territory`, which gives the same answer.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass

import duckdb

from pacte.geography import ALL_LEVELS
from pacte.store.rows import NUMERIC_TYPES, Rows, query, territory_jobs_sql

#: The card table (:mod:`pacte.handlers.card_build`).
CARD_TABLE = "territory_card"
#: Columns held as doubles in the answer's frames: a whole value stays a float.
FLOAT_COLUMNS = frozenset({"value", "national", "percentile", "peers_median"})
IDENTITY_FLOATS = ("population", "population_dgcl", "urban_share")
#: The columns of a territory's job rows (:func:`pacte.store.rows.territory_jobs_sql`).
JOB_COLUMNS = ("source", "source_label", "resolution", "scheme", "period", "year", "sector",
               "sector_label", "jobs", "n_missing", "estimate", "partial")


@dataclass
class TerritoryRows:
    """The answer of :func:`pacte.handlers.territory.territory`, as rows and dicts."""

    identity: dict
    parents: Rows
    coverage: Rows
    indicators: Rows | None
    anchoring: Rows | None
    jobs: Rows
    headline: list[dict]
    ranking: dict | None
    comparison: dict | None
    sources: list[str]
    source_names: dict[str, str]


def _card_json(blob: bytes) -> dict | None:
    """The data of a stored card (the API's whole answer as one gzip member), or None."""
    try:
        return json.loads(zlib.decompress(blob, 16 + zlib.MAX_WBITS))["data"]
    except (zlib.error, ValueError, KeyError, TypeError):
        return None


def _float(v):
    return math.nan if v is None else float(v)


def _rows(items: list[dict] | None, columns: tuple[str, ...] | None = None) -> Rows | None:
    """Records as rows (gaps of double columns as NaN, as in a frame)."""
    if items is None:
        return None
    cols = columns or (tuple(items[0]) if items else ())
    floats = [c in FLOAT_COLUMNS for c in cols]
    rows = [tuple(_float(r.get(c)) if f else r.get(c) for c, f in zip(cols, floats,
                                                                     strict=True))
            for r in items]

    def is_number(c: str) -> bool:  # a column of numbers, as a frame's dtype would say
        vals = [r.get(c) for r in items if r.get(c) is not None]
        return bool(vals) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                  for v in vals)

    return Rows(cols, rows, tuple(f or is_number(c) for c, f in zip(cols, floats,
                                                                    strict=True)))


def _exact(con: duckdb.DuckDBPyConnection, code: str, level: str | None) -> tuple | None:
    """(level, code) of the one territory whose code is ``code`` (any level, or ``level``)."""
    if level is not None and level not in (*ALL_LEVELS,):
        return None
    levels = [level] if level else list(ALL_LEVELS)
    hits = con.execute(f"SELECT level, code FROM territory WHERE level IN "
                       f"({', '.join('?' * len(levels))}) AND upper(code) = ?",
                       [*levels, str(code).strip().upper()]).fetchall()
    return hits[0] if len(hits) == 1 else None


def job_rows(con: duckdb.DuckDBPyConnection, level: str, code: str) -> Rows:
    """Every job series of one territory, every sector (URSSAF: each APE code): the rows
    of :func:`pacte.store.rows.territory_jobs_sql`, its labels (the series' and the
    sectors', thousands of copies of a few texts) joined here from two small tables rather
    than fetched on every row; the query itself when a label table has a repeated key."""
    labels = con.execute("SELECT scheme, sector, label FROM sector_label WHERE scheme IS NOT "
                         "NULL AND sector IS NOT NULL").fetchall()
    series = con.execute("SELECT source, label, resolution FROM series WHERE source IS NOT "
                         "NULL").fetchall()
    sector_label = {(scheme, sector): label for scheme, sector, label in labels}
    of_source = {source: (label, resolution) for source, label, resolution in series}
    if len(sector_label) != len(labels) or len(of_source) != len(series):
        return query(con, *territory_jobs_sql(level, code))
    trim = {sector: label for (scheme, sector), label in sector_label.items()
            if scheme == "trim"}
    cur = con.execute("SELECT source, scheme, period, year, sector, jobs, n_missing, estimate, "
                      "partial FROM jobs WHERE level = ? AND code = ? "
                      "ORDER BY source, scheme, sector, period", [level, code])
    numeric = tuple(str(d[1]) in NUMERIC_TYPES for d in cur.description)
    out = []
    for source, scheme, period, year, sector, jobs, missing, estimate, partial in cur.fetchall():
        series_of = of_source.get(source)
        if series_of is None:  # an inner join on the series
            continue
        label = sector_label.get((scheme, sector))
        if label is None:
            label = trim.get(sector)
        out.append((source, *series_of, scheme, period, year, sector,
                    sector if label is None else label, jobs, missing, estimate, partial))
    return Rows(JOB_COLUMNS, out, (False, False, False, *numeric[1:5], False, *numeric[5:]))


def territory_rows(con: duckdb.DuckDBPyConnection, code: str, level: str | None = None
                   ) -> TerritoryRows | None:
    """One territory by its code from its stored card, or None (see the module)."""
    hit = _exact(con, code, level)
    if hit is None:
        return None
    lv, code = hit
    try:
        stored = con.execute(f"SELECT body, sources FROM {CARD_TABLE} WHERE key = ?",
                             [f"{lv}/{code}"]).fetchall()
        names = dict(con.execute("SELECT source, name FROM source_name").fetchall())
    except (duckdb.CatalogException, duckdb.BinderException):  # a store built before the
        # cards (or cards of an older form) or the names
        return None
    data = _card_json(stored[0][0]) if stored else None
    if data is None:
        return None
    ident = dict(data["territory"])
    for k in IDENTITY_FLOATS:
        if isinstance(ident.get(k), int):
            ident[k] = float(ident[k])
    return TerritoryRows(
        identity=ident, parents=_rows(data["parents"], ("level", "code", "name")),
        coverage=_rows(data["coverage"]), indicators=_rows(data.get("indicators")),
        anchoring=_rows(data.get("anchoring")), jobs=job_rows(con, lv, code),
        headline=data.get("headline") or [], ranking=data.get("ranking"),
        comparison=data.get("comparison"), sources=json.loads(stored[0][1]),
        source_names=names)
