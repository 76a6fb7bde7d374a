"""The spatial answers computed once at build time into the store (after the default
ranking), read back by every reader:

* ``spatial_neighbour`` (level, code, neighbour): queen contiguity of EPCI and ZE2020;
* ``spatial_moran``: global Moran's I of the score and of each indicator of the rule;
* ``spatial_lisa``: local Moran clusters of the score, one row per territory;
* ``basin``, ``basin_member``, ``basin_failed``: the candidate basins, their members and the
  High-High seeds that formed none; ``contours_bassin``: each basin's outline (union of its
  members' contours);
* ``spatial_meta`` (key, value): parameters (JSON), islands, rule.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.spatial.autocorr import (
    NO_NEIGHBOUR,
    NO_SCORE,
    NOT_SIGNIFICANT,
    calc_lisa,
    calc_moran,
)
from pacte.spatial.basin_index import (
    calc_basin_matrix,
    calc_basin_programme_size,
    calc_industry_jobs,
    calc_membership,
    load_epci_panels,
)
from pacte.spatial.basins import calc_basins
from pacte.spatial.params import SpatialParams, load_params
from pacte.spatial.weights import (
    Contiguity,
    Weights,
    calc_connected,
    calc_queen_shapes,
    contiguity_from_positions,
    parse_contours,
    queen_sql,
)
from pacte.targeting.index import calc_index, load_matrix
from pacte.targeting.materialise import DEFAULT_SEED, read_default_ranking
from pacte.targeting.rule import Config, load_config
from pacte.targeting.tiers import UNRANKED, calc_selection_tiers

#: Levels whose contiguity, Moran and LISA are stored.
SPATIAL_LEVELS = ("epci", "ze2020")
SCORE = "score"
EMPTY_MORAN = {"I": np.nan, "expected": np.nan, "z_norm": np.nan, "p_norm": np.nan,
               "p_sim": np.nan, "permutations": 0, "seed": 0}


def load_contiguity(con: duckdb.DuckDBPyConnection, level: str) -> Contiguity:
    """Queen contiguity of ``level`` from the store's contours, computed by DuckDB
    (:func:`pacte.spatial.weights.queen_sql`: the same neighbours as :func:`load_contours`'
    through shapely, without holding the GIL)."""
    codes = [r[0] for r in con.execute(f"SELECT code FROM contours_{level} ORDER BY code"
                                       ).fetchall()]
    if len(set(codes)) != len(codes):
        raise InvalidParameterError(f"contours {level} : codes en double")
    try:
        pairs = con.execute(queen_sql(f"contours_{level}")).fetchnumpy()
    except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
        raise InvalidParameterError(f"contours {level} : géométrie GeoJSON illisible "
                                    f"({exc})") from None
    return contiguity_from_positions(level, codes, pairs["a"], pairs["b"])


def load_contours(con: duckdb.DuckDBPyConnection, level: str
                  ) -> tuple[Contiguity, pd.Series]:
    """Queen contiguity of ``level`` and its contours parsed (shapely, by code)."""
    df = con.execute(f"SELECT code, geometry FROM contours_{level} ORDER BY code").df()
    shapes = parse_contours(df["geometry"], level)
    return calc_queen_shapes(df["code"], shapes, level), pd.Series(shapes, index=df["code"])


def calc_level_statistics(con, level: str, cont: Contiguity, config: Config,
                          params: SpatialParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(moran rows, lisa rows) of one level: the stored score and each rule indicator."""
    st = params.statistics
    ranking = read_default_ranking(con, level).frame.set_index("code")
    ter, X = load_matrix(con, level, config)
    raw = pd.DataFrame(X, index=ter["code"], columns=[s.id for s in config.specs])
    variables = {SCORE: ("Score de vulnérabilité (défaut)", ranking["score"])}
    for spec in config.specs:
        variables[spec.id] = (spec.label, raw[spec.id])
    codes = np.array(cont.codes, dtype=object)
    alone = np.array([not cont.neighbours[c] for c in codes])
    values = {var: series.reindex(codes).to_numpy(float)
              for var, (_, series) in variables.items()}
    masks = {var: calc_connected(cont, y) for var, y in values.items()}
    # the variables of as many territories one after the other (their rows then in the
    # order of ``variables``): the permutations of n territories are made once
    # (autocorr.permutation_indices keeps the last n's; EPCI: the score's 1,245
    # territories, then 1,249, then 1,245 again made them three times, 20 ms of CPU each)
    order = sorted(variables, key=lambda v: int(masks[v].sum()))
    # the weights of a set of territories made once (the score's Moran and LISA, the
    # indicators of the same territories): 3.5 ms each at EPCI
    made: dict[bytes, Weights] = {}

    def weights(mask: np.ndarray) -> Weights:
        key = mask.tobytes()
        if key not in made:
            made[key] = cont.to_w(codes[mask])
        return made[key]

    rows = {}
    lisa = None
    for var in order:
        label, y, mask = variables[var][0], values[var], masks[var]
        try:
            res = calc_moran(y[mask], weights(mask), st.permutations, st.seed)
            note = ""
        except InvalidParameterError as exc:  # too few territories, a constant variable
            res, note = {**EMPTY_MORAN, "n": int(mask.sum())}, str(exc)
        rows[var] = {"level": level, "variable": var, "label": label, **res,
                     "n_left_out": int((~mask).sum()), "note": note}
        if var == SCORE:
            lisa = pd.DataFrame({"code": codes, SCORE: y, "local_i": np.nan,
                                 "quadrant": None, "p_sim": np.nan,
                                 "cluster": np.where(mask, NOT_SIGNIFICANT, np.where(
                                     alone, NO_NEIGHBOUR, NO_SCORE))})
            if not note:
                lt = calc_lisa(y[mask], weights(mask), st.permutations, st.seed, st.alpha)
                for col in ("local_i", "quadrant", "p_sim", "cluster"):
                    lisa.loc[mask, col] = lt[col].to_numpy()
    lisa["n_neighbours"] = [len(cont.neighbours[c]) for c in codes]
    lisa.insert(0, "level", level)
    moran = pd.DataFrame([rows[v] for v in variables]).rename(columns={"I": "moran_i"})
    return moran, lisa


BASIN_TYPES = {"rank": "Int64", "code": str, "name": str, "score": float, "rank_low": "Int64",
               "rank_high": "Int64", "p_top": float, "tier": str, "tier_size": "int64",
               "n_members": "int64", "members": str,
               "member_names": str, "population": float, "industry_jobs": float,
               "jobs": float, "industry_share": float, "census_year": "int64",
               "n_high_high": "int64", "reg": str, "note": str}
BASIN_COLUMNS = list(BASIN_TYPES)
MEMBER_TYPES = {"basin": str, "code": str, "name": str, "role": str, "joined": "int64",
                "population": float, "industry_jobs": float, "jobs": float, SCORE: float,
                "cluster": str, "nature": str, "reg": str}
MEMBER_COLUMNS = list(MEMBER_TYPES)


def calc_basin_tables(con, cont: Contiguity, lisa: pd.DataFrame, config: Config,
                      params: SpatialParams) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(basin, basin_member, basin_failed) from the EPCI LISA clusters and counts."""
    ter = con.execute("SELECT code, name, population, nature, reg FROM territory "
                      "WHERE level = 'epci'").df().set_index("code")
    codes = list(cont.codes)
    panels = load_epci_panels(con, config)
    counts = calc_industry_jobs(panels["rp"]).set_index("code")
    lisa = lisa.set_index("code")
    pop = ter["population"].reindex(codes).to_numpy(float)
    ind = counts["industry_jobs"].reindex(codes).to_numpy(float)
    members, failed = calc_basins(cont, lisa[SCORE].reindex(codes).to_numpy(float),
                                  lisa["cluster"].reindex(codes).to_numpy(object), pop, ind,
                                  ter["nature"].reindex(codes).to_numpy(object),
                                  params.basins)
    members["basin_code"] = [f"B{b:03d}" for b in members["basin"]]
    members = members.join(ter[["name", "population", "nature", "reg"]], on="code").join(
        counts[["industry_jobs", "jobs"]], on="code").join(
        lisa[[SCORE, "cluster"]], on="code")
    seeds = members[members["role"] == "amorce"]
    bcodes = seeds["basin_code"].tolist()
    bnames = [f"Bassin autour de {n}" for n in seeds["name"]]
    g = members.groupby("basin_code", sort=True)
    basin = pd.DataFrame({"code": bcodes, "name": bnames}).set_index("code").join(pd.DataFrame({
        "n_members": g.size(), "population": g["population"].sum(),
        "industry_jobs": g["industry_jobs"].sum(min_count=1), "jobs": g["jobs"].sum(min_count=1),
        "members": g["code"].agg(", ".join), "member_names": g["name"].agg(" ; ".join),
        "reg": g["reg"].agg(lambda r: ", ".join(sorted(set(r.dropna())))),
        "n_high_high": g["cluster"].agg(lambda c: int((c == "HH").sum()))}))
    basin["industry_share"] = 100 * basin["industry_jobs"] / basin["jobs"]
    basin["census_year"] = int(panels["rp"].years[-1])
    for col in ("p_top", "score", "rank_low", "rank_high", "rank"):
        basin.insert(0, col, np.nan)
    basin["note"], basin["tier"] = "", UNRANKED
    basin["tier_size"] = calc_basin_programme_size(config.programme.size, basin["n_members"])
    if len(basin):
        M = calc_membership(members, bcodes, panels["rp"].codes)
        X, notes = calc_basin_matrix(panels, M, bcodes, bnames, config)
        r = calc_index(X, config, seed=DEFAULT_SEED)
        kept = basin.index[r["keep"]]
        for col in ("score", "rank", "rank_low", "rank_high"):
            basin.loc[kept, col] = r[col]
        size = int(basin["tier_size"].iloc[0])
        p_top, tier = calc_selection_tiers(r["draws"], size, None, config.programme.retained,
                                           config.programme.excluded)
        basin.loc[kept, "p_top"], basin.loc[kept, "tier"] = p_top, tier
        basin["note"] = " ; ".join(notes)
    basin = basin.reset_index().sort_values(["rank", "code"], kind="stable")
    basin = basin[BASIN_COLUMNS].astype(BASIN_TYPES).reset_index(drop=True)
    members = members.drop(columns="basin").rename(columns={"basin_code": "basin"})
    text = [c for c, t in MEMBER_TYPES.items() if t is str]
    members[text] = members[text].fillna("")
    members = members[MEMBER_COLUMNS].astype(MEMBER_TYPES)
    failed = failed.join(ter[["name"]], on="code").fillna("").astype(str)
    return basin, members, failed


def calc_basin_contours(con, members: pd.DataFrame, basin: pd.DataFrame,
                        shapes: pd.Series | None = None) -> pd.DataFrame:
    """``code, name, geometry`` of each basin: the union of its members' EPCI contours
    (GeoJSON text, WGS84), the table the geographic exports and the map read. ``shapes``:
    the EPCI contours parsed already, by code; else only the members' are parsed (291 of
    the 1,255 EPCI of the real store)."""
    import shapely

    if shapes is None:
        geo = con.execute("SELECT code, geometry FROM contours_epci WHERE code IN "
                          "(SELECT unnest(?))", [sorted(set(members["code"]))]).df()
        shapes = pd.Series(parse_contours(geo["geometry"], "epci"), index=geo["code"])
    rows = []
    for b, g in members.groupby("basin", sort=True):
        parts = shapes.reindex(g["code"]).dropna().to_numpy()
        rows.append({"code": b, "geometry": shapely.to_geojson(shapely.union_all(parts))})
    out = pd.DataFrame(rows, columns=["code", "geometry"]).astype(str)
    names = basin.set_index("code")["name"]
    return out.assign(name=out["code"].map(names).fillna(""))[["code", "name", "geometry"]]


def _write(con, name: str, frame: pd.DataFrame) -> None:
    con.register("_sp", frame)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM _sp")
    con.unregister("_sp")


def write_spatial(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                  conts: dict[str, Contiguity] | None = None) -> dict[str, int]:
    """Build step: contiguity, Moran, LISA and candidate basins into the store. ``conts``:
    each level's contiguity, made already (:class:`SpatialSteps`)."""
    params, config = load_params(), load_config()
    neigh, morans, lisas, shapes = [], [], [], {}
    conts = dict(conts or {})
    for level in SPATIAL_LEVELS:
        say(f"Statistiques spatiales : {level}")
        if level not in conts:
            conts[level], parsed = load_contours(con, level)
            if level == "epci":  # the basins' contours are unions of EPCI
                shapes[level] = parsed
            del parsed
        cont = conts[level]
        neigh.append(pd.DataFrame(cont.pairs(), columns=["code", "neighbour"]).assign(
            level=level)[["level", "code", "neighbour"]])
        moran, lisa = calc_level_statistics(con, level, cont, config, params)
        morans.append(moran)
        lisas.append(lisa)
    say("Bassins candidats")
    basin, members, failed = calc_basin_tables(con, conts["epci"], lisas[0], config, params)
    meta = {"params": json.dumps(params.as_dict(), ensure_ascii=False),
            "rule": config.name,
            **{f"islands_{lv}": ", ".join(c.islands) for lv, c in conts.items()}}
    tables = {"spatial_neighbour": pd.concat(neigh, ignore_index=True),
              "spatial_moran": pd.concat(morans, ignore_index=True),
              "spatial_lisa": pd.concat(lisas, ignore_index=True),
              "basin": basin, "basin_member": members, "basin_failed": failed,
              "contours_bassin": calc_basin_contours(con, members, basin, shapes.get("epci")),
              "spatial_meta": pd.DataFrame(sorted(meta.items()), columns=["key", "value"])}
    for name, frame in tables.items():
        _write(con, name, frame)
    return {k: len(v) for k, v in tables.items()}


class SpatialSteps:
    """:func:`write_spatial` in two build steps of one build: :meth:`contiguity`, the queen
    contiguity of each level from its contours (:func:`load_contiguity`: DuckDB's query,
    ~0.1 s of CPU a level, which releases the GIL), which reads only the contours and can
    run beside another step (the catalogue: :func:`pacte.handlers.build.steps`); then
    :meth:`statistics`, the rest, after the ranking (the same tables)."""

    def __init__(self) -> None:
        self.conts: dict[str, Contiguity] | None = None

    def contiguity(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict:
        self.conts = {level: load_contiguity(con, level) for level in SPATIAL_LEVELS}
        return {}

    def statistics(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None
                   ) -> dict[str, int]:
        conts, self.conts = self.conts, None
        return write_spatial(con, say, conts)
