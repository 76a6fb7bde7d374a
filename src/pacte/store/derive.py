"""Derived tables of the store: snapshot tables -> DuckDB, harmonised onto COG 2025, aggregated.

``load`` reads the snapshot; ``derive_*`` steps are pure DataFrame transforms;
``insert_urssaf_jobs`` (:mod:`pacte.store.urssaf_jobs`) works in SQL (the national URSSAF file is too large for pandas);
``run`` writes them all into an open DuckDB connection. The unified ``jobs`` table has one row per
source x level x territory x period x sector, with the resolution of the series and flags for
estimates and partial coverage.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pacte import geography
from pacte.catalogue import MODEL_NAMES, SERIES, SOURCE_TEXTS, source_name
from pacte.errors import BuildError
from pacte.sources.geo import URBAN_LEVELS
from pacte.sources.io_tables import parse_wiod_crosswalk
from pacte.sources.wiod_trade import parse_low_wage_table, parse_wiod_sector_labels
from pacte.store.build_tables import BUILD_TABLES
from pacte.store.census_jobs import insert_census_jobs
from pacte.store.layout import write_jobs_table
from pacte.store.urssaf_jobs import insert_urssaf_jobs

CENSUS_NEAREST = {1999: range(1998, 2003), 2006: range(2003, 2009), 2011: range(2009, 2014),
                  2016: range(2014, 2018)}
JOB_COLS = ["source", "level", "code", "year", "period", "scheme", "sector", "jobs",
            "n_missing", "estimate", "partial"]


#: Reviewed CSV files of the snapshot (checked in, reviewed like code) and their parsers.
CSV_PARSERS = {
    "commune_splits": lambda p: pd.read_csv(p, dtype={"parent": str, "child": str}),
    "wiod_crosswalk_a17": lambda p: parse_wiod_crosswalk(p, "a17"),
    "wiod_crosswalk_a38": lambda p: parse_wiod_crosswalk(p, "a38"),
    "wiod_low_wage": parse_low_wage_table,
    "wiod_sector_labels": parse_wiod_sector_labels,
}


#: Tables the derive steps read as DataFrames; every other snapshot table goes straight from
#: Parquet into DuckDB (``read_parquet``: no pandas copy of contours, trade, IO, anchoring).
PANDAS_TABLES = frozenset({
    "census_functions", "cog_codes", "commune_passage", "commune_splits", "commune_ze2010",
    "communes", "epci", "estel_nonsalaried", "estel_salaried", "naf", "quarterly_jobs",
    "territory_names"})


#: Snapshot tables that only the derive steps read: the ``jobs`` table holds them harmonised
#: and aggregated, their sources stay named in ``provenance``; they are not kept in the store
#: (URSSAF's national file alone is ~12 M rows).
BUILD_ONLY = frozenset({"census_functions", "estel_nonsalaried", "estel_salaried",
                        "quarterly_jobs", "urssaf_jobs"})


def load(snap: Path, prov: dict) -> dict[str, pd.DataFrame]:
    """The tables of the snapshot listed in ``prov`` (PROVENANCE.json) that the derive steps
    read in pandas (:data:`PANDAS_TABLES`, and every reviewed CSV file), as DataFrames."""
    out = {}
    for name, meta in prov.items():
        if name not in PANDAS_TABLES and name not in CSV_PARSERS:
            continue
        path = snap / meta.get("file", f"{name}.parquet")
        if path.suffix == ".csv":
            parse = CSV_PARSERS.get(name)
            if parse is None:
                raise BuildError(f"{path} : aucun lecteur pour la table {name!r}")
            out[name] = parse(path)
        else:
            out[name] = pd.read_parquet(path)
    return out


def derive_territories(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per territory of every level, populations summed from communes (2023)."""
    com, names = t["communes"], t["territory_names"]
    com = com.assign(urban=com["density_class"].isin(URBAN_LEVELS))
    rows = [pd.DataFrame({
        "level": "commune", "code": com["code"], "name": com["name"],
        "population": com["population"], "n_communes": 1, "dep": com["dep"], "reg": com["reg"],
        "epci": com["epci"], "density_class": com["density_class"],
        "urban_share": com["urban"].astype(float)})]
    for level in [lv for lv in geography.LEVELS if lv not in ("commune", "fr")]:
        g = com.groupby(level)
        pop = g["population"].sum()
        urban = com["population"].where(com["urban"], 0).groupby(com[level]).sum() / pop
        by_class = com.groupby([level, "density_class"])["population"].sum().reset_index()
        dominant = by_class.sort_values("population").groupby(level).tail(1).set_index(level)
        first = {c: _mode(com, level, c).reindex(pop.index) for c in ("dep", "reg")
                 if c != level}
        df = pd.DataFrame({"level": level, "code": pop.index, "population": pop.to_numpy(),
                           "n_communes": g.size().to_numpy(),
                           "density_class": dominant["density_class"].reindex(pop.index).to_numpy(),
                           "urban_share": urban.to_numpy()})
        if level in ("epci", "ze2020"):
            df["dep"], df["reg"] = first["dep"].to_numpy(), first["reg"].to_numpy()
        if level == "dep":
            df["reg"] = first["reg"].to_numpy()
        rows.append(df)
    fr = pd.DataFrame({"level": ["fr"], "code": ["FR"], "name": ["France"],
                       "population": [com["population"].sum()], "n_communes": [len(com)],
                       "urban_share": [com["population"].where(com["urban"], 0).sum()
                                       / com["population"].sum()]})
    rows.append(fr)
    ter = pd.concat(rows, ignore_index=True)
    nm = pd.concat([names, t["epci"][["code", "name"]].assign(level="epci")])
    nm = nm.set_index(["level", "code"])["name"]
    idx = pd.MultiIndex.from_arrays([ter["level"], ter["code"]])
    ter["name"] = ter["name"].fillna(pd.Series(nm.reindex(idx).to_numpy(), index=ter.index))
    ep = t["epci"].set_index("code")
    is_epci = ter["level"] == "epci"
    for col in ("nature", "fiscal_regime", "population_dgcl"):
        ter[col] = None
        ter.loc[is_epci, col] = ter.loc[is_epci, "code"].map(ep[col])
    ter["population_dgcl"] = pd.to_numeric(ter["population_dgcl"])
    ter["area_type"] = np.where(ter["urban_share"] >= 0.5, "urbain", "rural")
    ze10 = derive_ze2010_territories(t)
    ter = pd.concat([ter, ze10], ignore_index=True)
    if ter["name"].isna().any():
        bad = ter.loc[ter["name"].isna(), ["level", "code"]].head(5).to_dict("records")
        raise BuildError(f"territoires sans libellé : {bad}")
    return ter


def _mode(com: pd.DataFrame, level: str, col: str) -> pd.Series:
    """Per territory of ``level``, the most frequent ``col`` of its communes (the smallest
    among ties: ``Series.mode().iloc[0]``), counted for all territories at once."""
    n = com.groupby([level, col]).size().rename("n").reset_index()  # sorted by level, col
    n = n.sort_values("n", ascending=False, kind="stable")  # ties keep the smallest first
    return n.drop_duplicates(level).set_index(level)[col]


def derive_ze2010_territories(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """ZE2010 (native zoning of ESTEL): population 2023 apportioned from 2025 communes by
    the 2020 population of their constituent communes."""
    w = ze2010_commune_weights(t)
    com = t["communes"].set_index("code")
    w = w.assign(population=w["code"].map(com["population"]) * w["share"],
                 density_class=w["code"].map(com["density_class"]),
                 dep=w["code"].map(com["dep"]), reg=w["code"].map(com["reg"]))
    w["urban_pop"] = w["population"].where(w["density_class"].isin(URBAN_LEVELS), 0.0)
    g = w.groupby("ze2010")
    names = t["territory_names"].query("level == 'ze2010'").set_index("code")["name"]
    by_class = w.groupby(["ze2010", "density_class"])["population"].sum().reset_index()
    dominant = by_class.sort_values("population").groupby("ze2010").tail(1).set_index("ze2010")
    main = w.sort_values("population").groupby("ze2010").tail(1).set_index("ze2010")
    out = pd.DataFrame({"level": "ze2010", "code": g.size().index,
                        "population": g["population"].sum().to_numpy(),
                        "n_communes": g["source"].nunique().to_numpy(),
                        "urban_share": (g["urban_pop"].sum() / g["population"].sum()).to_numpy()})
    out["density_class"] = out["code"].map(dominant["density_class"])
    out["dep"], out["reg"] = out["code"].map(main["dep"]), out["code"].map(main["reg"])
    out["area_type"] = np.where(out["urban_share"] >= 0.5, "urbain", "rural")
    out["name"] = out["code"].map(names)
    return out


def ze2010_commune_weights(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(source 2020 commune, ze2010, 2025 commune, share of the 2025 commune's population)."""
    comp = t["commune_ze2010"]
    w = geography.commune_weights(comp["code"], 2020, t["commune_passage"],
                                  t["commune_splits"], t["communes"]["code"])
    pop20 = t["cog_codes"].query("cog == 2020").set_index("code")["population"].astype(float)
    w = w.merge(comp.rename(columns={"code": "source"}), on="source")
    w["p"] = w["source"].map(pop20).fillna(0) * w["weight"]
    tot = w.groupby("code")["p"].transform("sum")
    w["share"] = np.where(tot > 0, w["p"] / tot.where(tot > 0, 1), w["weight"])
    return w[["source", "ze2010", "code", "share"]]


def _long(df: pd.DataFrame, source: str, level: str, scheme: str, value_cols: list[str],
          code_col: str = "code", estimate: bool = False, partial=None) -> pd.DataFrame:
    keep = [code_col, "year"] + (["n_missing"] if "n_missing" in df else [])
    m = df.melt(id_vars=keep, value_vars=value_cols, var_name="sector", value_name="jobs")
    m = m.rename(columns={code_col: "code"})
    m["n_missing"] = m["n_missing"] if "n_missing" in m else 0
    m = m.assign(source=source, level=level, scheme=scheme, estimate=estimate,
                 period=m["year"].astype(str))
    m["partial"] = False if partial is None else m["code"].map(partial).fillna(False)
    return m[JOB_COLS]


def derive_census_jobs(t, log: list) -> tuple[pd.DataFrame, list[str]]:
    """The census functions harmonised onto COG 2025 communes (commune, year, one column
    per function) and those columns; :func:`pacte.store.census_jobs.insert_census_jobs`
    puts them into the jobs table at every level."""
    cen = t["census_functions"]
    cols = [c for c in cen.columns if c not in ("commune", "year")]
    vint = geography.detect_vintage(cen["commune"].unique(), t["cog_codes"])
    w = geography.commune_weights(cen["commune"].unique(), vint.year, t["commune_passage"],
                                  t["commune_splits"], t["communes"]["code"])
    h, rep = geography.harmonise(cen, cols, w, by=["year"])
    h = h.rename(columns={"jobs_total": "TOTAL", "cfm": "CFM"})
    cols = [{"jobs_total": "TOTAL", "cfm": "CFM"}.get(c, c) for c in cols]
    _log(log, "rp", vint, rep, cen.rename(columns={"jobs_total": "TOTAL"}), h, "TOTAL")
    return h, cols


def _log(log, source, vint, rep, before, after, col):
    for year, g in before.groupby("year"):
        log.append({"source": source, "vintage": vint.year,
                    "vintage_candidates": ",".join(map(str, vint.candidates)),
                    "year": int(year), "column": col,
                    "n_source_codes": rep.n_source_codes, "n_changed": rep.n_changed,
                    "n_split": rep.n_split, "n_missing_values": int(g[col].isna().sum()),
                    "total_before": float(g[col].sum()),
                    "total_after": float(after.loc[after["year"] == year, col].sum())})


def derive_estel_jobs(t) -> pd.DataFrame:
    sal, ns = t["estel_salaried"], t["estel_nonsalaried"]
    piv = sal.pivot_table(index=["ze2010", "year"], columns="sector", values="jobs",
                          aggfunc="sum")
    sectors = list(piv.columns)
    wide = pd.concat([piv, piv.sum(axis=1).rename("TOTAL")], axis=1).reset_index()
    wide.columns.name = None
    out = [_long(wide, "estel", "ze2010", "A5", sectors + ["TOTAL"], code_col="ze2010")]
    fr = wide.groupby("year")[sectors + ["TOTAL"]].sum().reset_index().assign(code="FR")
    out.append(_long(fr, "estel", "fr", "A5", sectors + ["TOTAL"]))
    out.append(_long(ns.rename(columns={"jobs": "TOTAL"}), "estel_ns", "ze2010", "TOTAL",
                     ["TOTAL"], code_col="ze2010"))
    out.append(_long(wide.pipe(_ze2020_estimate, t), "estel", "ze2020", "A5",
                     sectors + ["TOTAL"], estimate=True))
    return pd.concat(out, ignore_index=True)


def _ze2020_estimate(wide: pd.DataFrame, t) -> pd.DataFrame:
    """ZE2020 estimates apportioned from ZE2010 with census total jobs of the nearest census
    year per 2025 commune as weights (Mayotte, absent from ESTEL, stays absent)."""
    w = ze2010_commune_weights(t)
    cen = t["_census_2025"].set_index(["commune", "year"])["TOTAL"]
    ze20 = t["communes"].set_index("code")["ze2020"]
    vals = [c for c in wide.columns if c not in ("ze2010", "year")]
    out = []
    for cyear, years in CENSUS_NEAREST.items():
        jobs = cen.xs(cyear, level="year").reindex(w["code"]).fillna(0).to_numpy()
        cw = w.assign(j=jobs * w["share"], ze2020=w["code"].map(ze20).to_numpy())
        m = cw.groupby(["ze2010", "ze2020"])["j"].sum().reset_index()
        m["k"] = m["j"] / m.groupby("ze2010")["j"].transform("sum")
        sub = wide[wide["year"].isin(years)].merge(m[["ze2010", "ze2020", "k"]], on="ze2010")
        sub[vals] = sub[vals].mul(sub["k"], axis=0)
        out.append(sub.groupby(["ze2020", "year"])[vals].sum().reset_index())
    return pd.concat(out).rename(columns={"ze2020": "code"})


def derive_quarterly_jobs(t) -> pd.DataFrame:
    q = t["quarterly_jobs"]
    return pd.DataFrame({
        "source": "trim", "level": q["level"].replace({"fra": "fr"}), "code": q["code"],
        "year": q["quarter"].str[:4].astype(int), "period": q["quarter"],
        "scheme": q["sector"].str.extract(r"^(A\d+)-", expand=False).fillna("autre"),
        "sector": q["sector"], "jobs": q["jobs"], "n_missing": 0, "estimate": False,
        "partial": False})[JOB_COLS]


def derive_sector_labels(t) -> pd.DataFrame:
    """French label of every sector code of every scheme (A5, RP15, APE, A17, A38...)."""
    from pacte.sources.census import FUNCTIONS
    from pacte.sources.estel import SECTORS
    rows = [("A5", k, v) for k, v in SECTORS.items()]
    rows += [("RP15", k, v) for k, v in FUNCTIONS.items()]
    rows += [("RP15", "CFM", "Cadres des fonctions métropolitaines")]
    rows += [(s, "TOTAL", "Total") for s in ("A5", "RP15", "APE", "TOTAL")]
    naf = t["naf"]
    rows += list(zip(["APE"] * len(naf), naf["ape"], naf["libelle_sous_classe"], strict=True))
    for scheme, code, lab in (("A38", "a38", "libelle_a38"), ("A17", "a17", "libelle_a17"),
                              ("A88", "division_a88", "libelle_division")):
        d = naf[[code, lab]].drop_duplicates(code)
        rows += list(zip([scheme] * len(d), d[code], d[lab], strict=True))
    q = t["quarterly_jobs"][["sector", "sector_label"]].drop_duplicates("sector")
    rows += list(zip(["trim"] * len(q), q["sector"], q["sector_label"], strict=True))
    return pd.DataFrame(rows, columns=["scheme", "sector", "label"]).drop_duplicates(
        ["scheme", "sector"])


def run(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict, say,
        overrides: dict | None = None) -> dict[str, int]:
    """Build every table; ``overrides`` (fetched official files, e.g. the national URSSAF
    file) replace the bundled snapshot's tables of the same name: a DataFrame, or a loader
    ``load(con, name) -> rows`` streaming a large file straight into the store (its row
    count then goes into ``prov``)."""
    say("Lecture du snapshot")
    overrides = overrides or {}
    t = load(snap, {k: v for k, v in prov.items() if k not in overrides})
    for name, meta in prov.items():  # the rest: Parquet straight into DuckDB
        if name in t or name in overrides:
            continue
        path = snap / meta.get("file", f"{name}.parquet")
        temp = "TEMP " if name in BUILD_ONLY | BUILD_TABLES else ""
        con.execute(f'CREATE {temp}TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                    [str(path)])
    for name, df in (t | overrides).items():
        if callable(df):
            say(f"Chargement de {name} (fichier téléchargé)")
            prov[name]["rows"] = df(con, name)
        else:
            if name not in BUILD_ONLY:
                _create(con, name, df, temp=name in BUILD_TABLES)
            t[name] = df
    say("Territoires et populations")
    ter = derive_territories(t)
    log: list[dict] = []
    say("Harmonisation du recensement sur le COG 2025")
    t["_census_2025"], rp_cols = derive_census_jobs(t, log)
    say("ESTEL : zones d'emploi 2010 et estimations ZE2020")
    es = derive_estel_jobs(t)
    jobs = pd.concat([es, derive_quarterly_jobs(t)], ignore_index=True)
    jobs["year"] = jobs["year"].astype("int16")
    jobs["n_missing"] = jobs["n_missing"].astype("int32")
    series = pd.DataFrame([{"source": k, "label": v.label, "resolution": v.resolution,
                            "licence": v.licence} for k, v in SOURCE_TEXTS.items()])
    say("Libellés des secteurs")
    derived_labels = derive_sector_labels(t)
    names = pd.DataFrame([{"source": s, "name": source_name(s)}  # short names, for readers
                          for s in (*SERIES, *MODEL_NAMES)])
    derived = {"territory": ter, "series": series, "sector_label": derived_labels,
               "source_name": names}
    for name, df in derived.items():
        _create(con, name, df)
    # bundled snapshot: rows gathered in a temporary table, then written sorted (a small
    # store); with fetched national files, written as derived (sorting ~20 M rows spills)
    table = "jobs" if overrides else "_jobs"
    _create(con, table, jobs, temp=not overrides)
    del jobs
    insert_census_jobs(con, t["_census_2025"], rp_cols, t["communes"], table)
    say("Harmonisation URSSAF sur le COG 2025")
    _create(con, "coverage", insert_urssaf_jobs(con, t, log, table))
    _create(con, "harmonisation_log", pd.DataFrame(log))
    t.clear()  # the snapshot's frames are in the store now: freed before the jobs sort
    del ter, es, derived
    if overrides:
        con.execute("CREATE INDEX jobs_idx ON jobs(level, code)")
    else:
        write_jobs(con, table)
    for name in BUILD_ONLY:
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            for name in ("territory", "series", "sector_label", "source_name", "jobs",
                         "coverage", "harmonisation_log")}


def write_jobs(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """The ``jobs`` table from the temporary table ``source`` (dropped), its rows sorted by
    level and territory: a reader's lookup of one territory then reads a few row groups
    (DuckDB's min/max per row group) and the columns compress into runs. No index: on
    sorted rows the lookups take the same time without it (measured: Rouen's 8,715 rows,
    one EPCI, a région, a commune), and it weighed 6 MB of the store."""
    write_jobs_table(con, source, (("level", "code"), ("source", "scheme", "sector", "period")))
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
