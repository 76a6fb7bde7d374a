"""Answers on the candidate industrial basins and the spatial statistics, read from the
store (computed at build time by :mod:`pacte.spatial.materialise`; readers never
recompute): the basins ranked, one basin with its members, Moran's I and the LISA clusters,
a list of EPCI mapped onto basins, and the exports of the level ``bassin``."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from pacte.errors import InvalidParameterError, StoreError, UnknownTerritoryError
from pacte.geography import Level
from pacte.handlers.envelope import Answer, envelope
from pacte.spatial.autocorr import CLUSTER_LABELS
from pacte.spatial.materialise import SPATIAL_LEVELS

#: The level of candidate basins (groupings of 1 to 4 EPCI).
BASIN_LEVEL = Level.BASSIN.value
#: Sources behind the basins' figures (census job counts; populations from the territory).
SOURCES = ("rp",)
METHOD = ("bassins candidats : regroupements contigus de 1 à 4 EPCI formés autour des "
          "grappes Haut-Haut du score (Moran local) ; score, rang et intervalle calculés "
          "sur les emplois sommés des EPCI membres, rang parmi les bassins ; une proposition "
          "à discuter, pas un périmètre")


def _require(con: duckdb.DuckDBPyConnection) -> None:
    n = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                    "('basin', 'basin_member', 'spatial_moran', 'spatial_lisa')"
                    ).fetchall()[0][0]
    if n < 4:
        raise StoreError("ce store ne contient pas les bassins ni les statistiques spatiales "
                         "(store d'une version antérieure) — relancez « pacte build »")


def read_spatial_meta(con: duckdb.DuckDBPyConnection) -> dict:
    """Parameters (dict), rule and islands of the stored spatial step."""
    _require(con)
    meta = dict(con.execute("SELECT key, value FROM spatial_meta").fetchall())
    meta["params"] = json.loads(meta.get("params", "{}"))
    return meta


def _envelope(con, **extra) -> dict:
    meta = read_spatial_meta(con)
    return envelope(con, SOURCES, method=METHOD, parameters=meta["params"],
                    rule=meta.get("rule"), **extra)


def basin_ranking(con: duckdb.DuckDBPyConnection, top: int | None = None) -> Answer:
    """The candidate basins by rank (1 = most vulnerable among basins), with their members."""
    _require(con)
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidParameterError(f"--top doit être un entier ≥ 1 (valeur : {top!r})")
    df = con.execute("SELECT * FROM basin ORDER BY rank NULLS LAST, code").df()
    if top is not None:
        df = df.head(top).reset_index(drop=True)
    return Answer(df, _envelope(con, level=BASIN_LEVEL))


def basin(con: duckdb.DuckDBPyConnection, code: str) -> Answer:
    """One basin: its row and its members (``{"basin": dict, "members": DataFrame}``)."""
    _require(con)
    row = con.execute("SELECT * FROM basin WHERE code = ?", [code]).df()
    if row.empty:
        known = [r[0] for r in con.execute("SELECT code FROM basin ORDER BY code LIMIT 5"
                                           ).fetchall()]
        raise UnknownTerritoryError(code, BASIN_LEVEL, known, detail=(
            f"bassin inconnu : {code!r} (codes de la forme {', '.join(known) or 'B001'}… ; "
            "liste : pacte basins)"))
    members = con.execute("SELECT * FROM basin_member WHERE basin = ? ORDER BY joined",
                          [code]).df()
    members["cluster_label"] = members["cluster"].map(CLUSTER_LABELS)
    return Answer({"basin": row.iloc[0].to_dict(), "members": members},
                  _envelope(con, level=BASIN_LEVEL, code=code))


def basin_members(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every (basin, EPCI) row."""
    _require(con)
    return con.execute("SELECT * FROM basin_member ORDER BY basin, joined").df()


def spatial_statistics(con: duckdb.DuckDBPyConnection, level: str = "epci") -> Answer:
    """Moran's I of the score and of each rule indicator, LISA cluster counts, islands:
    ``{"moran": DataFrame, "clusters": DataFrame, "islands": [codes]}``."""
    _check_level(level)
    meta = read_spatial_meta(con)
    moran = con.execute("SELECT * FROM spatial_moran WHERE level = ? ORDER BY rowid",
                        [level]).df()
    counts = con.execute("SELECT cluster, count(*) AS n FROM spatial_lisa WHERE level = ? "
                         "GROUP BY cluster", [level]).df()
    counts["label"] = counts["cluster"].map(CLUSTER_LABELS)
    order = {c: i for i, c in enumerate(CLUSTER_LABELS)}
    counts = counts.sort_values("cluster", key=lambda s: s.map(order)).reset_index(drop=True)
    islands = [c for c in meta.get(f"islands_{level}", "").split(", ") if c]
    return Answer({"moran": moran, "clusters": counts, "islands": islands},
                  _envelope(con, level=level))


def lisa_clusters(con: duckdb.DuckDBPyConnection, level: str = "epci") -> Answer:
    """Local Moran cluster of every territory of ``level`` (with its name)."""
    _check_level(level)
    _require(con)
    df = con.execute("""SELECT l.code, t.name, l.score, l.local_i, l.p_sim, l.cluster,
                               l.n_neighbours
                        FROM spatial_lisa l LEFT JOIN territory t
                             ON t.level = l.level AND t.code = l.code
                        WHERE l.level = ? ORDER BY l.code""", [level]).df()
    df["cluster_label"] = df["cluster"].map(CLUSTER_LABELS)
    return Answer(df, _envelope(con, level=level))


def _check_level(level: str) -> None:
    if level not in SPATIAL_LEVELS:
        raise InvalidParameterError(f"niveau sans statistiques spatiales : {level!r} "
                                    f"(niveaux : {', '.join(SPATIAL_LEVELS)})")


def validate_basins(con: duckdb.DuckDBPyConnection, list_file: Path | str,
                    code_column: str | None = None) -> Answer:
    """A list of EPCI codes mapped onto the basins: a basin is listed when any member is;
    ``share_listed`` is the share of its population living in listed EPCI. Former SIREN
    (2008-2024) are first mapped to today's EPCI holding most of their population, as in
    ``pacte validate``. ``data``: ``{"basins": DataFrame, "n_listed", "n_known",
    "n_in_basins", "outside": [codes], "unknown", "mapped"}``."""
    from pacte.handlers.validate import read_list
    from pacte.targeting.validate import map_codes

    _require(con)
    codes = list(dict.fromkeys(read_list(list_file, "epci", code_column)))
    mapping, unknown = map_codes(con, "epci", codes)  # old SIREN -> today's EPCI
    listed = set(mapping["code"])
    members = basin_members(con).assign(listed=lambda d: d["code"].isin(listed))
    g = members.groupby("basin", sort=True)
    pop_listed = members["population"].where(members["listed"], 0.0).groupby(
        members["basin"]).sum()
    table = pd.DataFrame({"n_members": g.size(), "n_listed": g["listed"].sum(),
                          "population": g["population"].sum(),
                          "population_listed": pop_listed})
    table["share_listed"] = table["population_listed"] / table["population"]
    table = table[table["n_listed"] > 0].reset_index().rename(columns={"basin": "code"})
    ranks = con.execute("SELECT code, name, rank FROM basin").df()
    table = ranks.merge(table, on="code").sort_values("rank").reset_index(drop=True)
    in_basins = listed & set(members["code"])
    data = {"basins": table, "n_listed": len(codes), "n_known": len(listed),
            "mapped": mapping[mapping["listed"] != mapping["code"]].to_dict("records"),
            "n_in_basins": len(in_basins), "outside": sorted(listed - in_basins),
            "unknown": unknown, "n_basins": int(con.execute("SELECT count(*) FROM basin"
                                                            ).fetchall()[0][0])}
    return Answer(data, _envelope(con, level=BASIN_LEVEL, list_file=str(list_file)))


def export_basins(con: duckdb.DuckDBPyConnection, fmt, out: Path,
                  attribution_file: bool = True) -> tuple[int, dict]:
    """The basins table (figures and members) in any export format; geographic formats
    carry each basin's outline (union of its members' contours)."""
    from pacte.export.formats import ExportFormat
    from pacte.export.geo import write_geojson, write_gpkg
    from pacte.export.parquet import write_parquet
    from pacte.export.tables import write_csv_fr
    from pacte.export.workbook import write_wide_xlsx

    fmt = ExportFormat(fmt)
    ans = basin_ranking(con)
    df = ans.data[["code", "name", *[c for c in ans.data.columns if c not in ("code", "name")]]]
    meta = {**ans.meta, "level": BASIN_LEVEL}
    if fmt is ExportFormat.csv:
        df.to_csv(out, index=False, encoding="utf-8")
    elif fmt is ExportFormat.csv_fr:
        write_csv_fr(df, out, attribution=meta["attribution"] if attribution_file else None)
    elif fmt is ExportFormat.xlsx:
        write_wide_xlsx(df, out, meta, title="Bassins industriels candidats")
    elif fmt is ExportFormat.geojson:
        write_geojson(con, df, BASIN_LEVEL, out, meta)
    elif fmt is ExportFormat.gpkg:  # GeoPackage layers hold code, name and numbers
        numeric = [c for c in df.columns[2:] if pd.api.types.is_numeric_dtype(df[c])]
        write_gpkg(con, df[["code", "name", *numeric]], BASIN_LEVEL, out, meta)
    else:
        write_parquet(df, out, meta)
    return len(df), meta
