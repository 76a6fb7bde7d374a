"""Snapshot tables that only the build reads, and what readers keep of them.

The per-commune files of past geographies and of the anchoring model (COG code lists of
every year, commune -> EPCI tables 2008-2024, old codes -> current codes, BPE, fibre,
grants: about 60 % of the snapshot's rows) are read by the derive steps and by the catalogue's computation, never by
a reader: the build loads them as temporary tables of its connection (:data:`BUILD_TABLES`),
which are never written into the store file. Their sources stay named in ``provenance``.

What a reader needs of them is materialised small: :func:`write_epci_history` keeps, for
every EPCI SIREN of 2008-2024, the current EPCI holding most of its population (``pacte
validate`` maps an old list onto today's EPCI with it). :func:`load_build_tables` puts the
tables back, from the snapshot, on a connection that recomputes from the raw files (the
conservation checks of the tests).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

#: Snapshot tables read only by the build (derive steps, catalogue computation): temporary
#: tables of the build's connection, absent from the store file.
BUILD_TABLES = frozenset({"cog_codes", "commune_supracom", "commune_passage", "anchoring_bpe",
                          "anchoring_ftth_communes", "anchoring_grants_2018",
                          "anchoring_grants_2019"})

#: Old EPCI SIREN -> today's EPCI (table written by :func:`write_epci_history`).
EPCI_HISTORY = "epci_history"


def write_epci_history(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Table ``epci_history`` (listed, year, code, share): for every EPCI SIREN of the
    commune -> EPCI tables (``commune_supracom``), the last year it existed, the current EPCI
    holding most of its communes' current population (their codes of today through
    ``commune_passage``) and that share; ties to the smallest code."""
    con.execute(f"""CREATE TABLE {EPCI_HISTORY} AS
        WITH m AS (
            SELECT epci AS listed, max(year) AS year FROM commune_supracom
            WHERE epci IS NOT NULL GROUP BY epci),
        c AS (
            SELECT m.listed, m.year, coalesce(p.code, s.code) AS commune
            FROM m JOIN commune_supracom s ON s.epci = m.listed AND s.year = m.year
            LEFT JOIN commune_passage p ON p.hist_code = s.code),
        w AS (
            SELECT c.listed, c.year, k.epci AS code, sum(k.population) AS pop
            FROM (SELECT DISTINCT * FROM c) c JOIN communes k ON k.code = c.commune
            WHERE k.epci IS NOT NULL GROUP BY ALL)
        SELECT listed, CAST(year AS SMALLINT) AS year, code,
               pop / sum(pop) OVER (PARTITION BY listed) AS share
        FROM w QUALIFY row_number() OVER (PARTITION BY listed ORDER BY pop DESC, code) = 1
        ORDER BY listed""")
    n = con.execute(f"SELECT count(*) FROM {EPCI_HISTORY}").fetchall()[0][0]
    return {EPCI_HISTORY: n}


def load_build_tables(con: duckdb.DuckDBPyConnection, snap: Path | None = None,
                      names: frozenset[str] = BUILD_TABLES) -> None:
    """Put the build-only tables ``names`` back on ``con`` (a store opened read-only
    included), as temporary tables read from the snapshot ``snap`` (default: the bundled
    one), for a computation that reads the raw files after the build."""
    from pacte.settings import package_data
    from pacte.store.build import read_provenance

    snap = Path(snap or package_data())
    prov = read_provenance(snap)
    for name in sorted(names):
        path = snap / prov[name].get("file", f"{name}.parquet")
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS '
                    "SELECT * FROM read_parquet(?)", [str(path)])
