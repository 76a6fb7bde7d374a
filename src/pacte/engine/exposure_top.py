"""The industries behind a territory's exposure to globalisation: its top WIOD industries
and the most exposed territories of a level (read by ``pacte exposure`` and the profiles).

Industries are ranked only where the territory's own industry detail is known (régions:
A17; EPCI in the URSSAF file: 732 APE codes -> A38 -> WIOD, every EPCI once the national
file is fetched); elsewhere the industry total is split by the région's mix and no ranking
is shown (:func:`why_no_top` says why, and for an EPCI how to get the detail). Industries
contributing nothing (no jobs there) are not listed."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.engine.exposure import (
    LEVELS,
    PERIODS,
    SHOCKS,
    UNIT,
    Inputs,
    _level,
    _q,
    calc_contributions,
    french_shocks,
    load_inputs,
    read_wiod_labels,
)
from pacte.errors import UnknownTerritoryError
from pacte.indicators.exposure import top_contributors

#: Why no industry is ranked for a territory known only by an industry total.
NO_OWN_DETAIL = "structure de la région, pas de détail sectoriel propre au territoire"
EPCI_HOW_TO = ("emploi industriel connu par la fonction « fabrication » du recensement, réparti "
               "selon la structure de la région : mesure grossière ; le fichier national URSSAF "
               "(« pacte fetch urssaf_commune_ape » puis « pacte build --with-fetched ») classe "
               "les industries de chaque EPCI d'après ses 732 codes APE (emploi salarié privé)")


def why_no_top(level: str) -> str:
    """French reason why a territory of ``level`` has no ranked industries (its exposure
    rests on its région's mix), with the way to the APE detail for an EPCI."""
    return EPCI_HOW_TO if level == "epci" else NO_OWN_DETAIL


def _top(contrib: pd.DataFrame, inp: Inputs, k: int, labels: pd.Series,
         exposure: pd.Series | None = None) -> pd.DataFrame:
    top = top_contributors(contrib, k=k).rename(columns={"location": "code"})
    top = top[top["contribution"].fillna(0.0) != 0.0]
    # each territory's facts by position (one lookup of the codes, not one per column)
    pos = contrib.index.get_indexer(top["code"])

    def at(s: pd.Series) -> pd.Series:
        if not s.index.equals(contrib.index):
            return top["code"].map(s)
        return pd.Series(s.to_numpy()[pos], index=top.index, dtype=s.dtype)

    top["label"] = top["industry"].map(labels)
    top["resolution"] = at(inp.resolution)
    top["note"] = at(inp.note)
    own = inp.own_detail if inp.own_detail is not None else pd.Series(False, index=inp.emp.index)
    top["own_detail"] = at(own).fillna(False).astype(bool)
    top = top.rename(columns={"industry": "sector"}).assign(unit=UNIT)
    if exposure is not None:
        top["exposure"] = at(exposure)
    return top


#: Industries kept per territory in the stored table ``exposure_top``.
STORED_K = 5
TABLE = "exposure_top"
COLUMNS = ["rank", "sector", "contribution", "share_of_exposure", "label", "resolution", "note",
           "unit", "own_detail"]


def calc_top_rows(contrib: pd.DataFrame, inp: Inputs, labels: pd.Series, level: str,
                  period: str, indicator: str):
    """The rows of ``exposure_top`` for one level, period and exposure indicator, from the
    contributions (code x WIOD sector) of the model's run: an Arrow table whose texts are
    dictionaries, as :func:`pacte.store.layout.compact_rows` makes them from the frame of
    :func:`_top` (the same rows: the :data:`STORED_K` largest contributions of each
    territory with a known exposure, zeros left out). Made from the positions of the
    territories and sectors, not through a frame of text: the build's 40 tables in 0.07 s
    of CPU instead of 0.33-0.40 s (frame, then its encoding; 3 runs each)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    c = contrib.to_numpy(dtype=float)
    rows = np.flatnonzero(~np.isnan(c).any(axis=1))
    c = c[rows]
    k = min(STORED_K, c.shape[1])
    # as top_contributors ranks them: signed contribution, largest first, stable
    order = np.argsort(-c, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(c, order, axis=1)
    total = c.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total != 0, top / total, np.nan).ravel()
    top = top.ravel()
    kept = top != 0.0  # industries contributing nothing are not listed
    pos = np.repeat(rows, k)[kept]  # each row's territory (position in contrib)
    sector = order.ravel()[kept]
    exposure = contrib.sum(axis=1, min_count=1).to_numpy()
    own = inp.own_detail if inp.own_detail is not None else pd.Series(False, index=inp.emp.index)
    at = pa.array(pos.astype(np.int32))

    def by_position(values, where: pa.Array) -> pa.DictionaryArray:
        enc = pc.dictionary_encode(pa.array(values, type=pa.large_string(), from_pandas=True))
        return pa.DictionaryArray.from_arrays(enc.indices.take(where), enc.dictionary)

    def facts(s: pd.Series) -> np.ndarray:  # one value per territory of contrib
        return (s if s.index.equals(contrib.index) else s.reindex(contrib.index)).to_numpy()

    def constant(text: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(pos), np.int32)),
                                              pa.array([text], type=pa.large_string()))

    cols = [str(x) for x in contrib.columns]
    sectors = pa.array(sector.astype(np.int32))
    return pa.table({
        "code": by_position(contrib.index.to_numpy(dtype=object), at),
        "rank": pa.array(np.tile(np.arange(1, k + 1), len(rows))[kept]),
        "sector": by_position(cols, sectors),
        "contribution": pa.array(top[kept], from_pandas=True),
        "share_of_exposure": pa.array(share[kept], from_pandas=True),
        "label": by_position(labels.reindex(cols).to_numpy(dtype=object), sectors),
        "resolution": by_position(facts(inp.resolution), at),
        "note": by_position(facts(inp.note), at),
        "own_detail": pa.array(pd.Series(facts(own)).fillna(False).to_numpy(dtype=bool)[pos]),
        "unit": constant(UNIT), "level": constant(level), "period": constant(period),
        "indicator": constant(indicator),
        "exposure": pa.array(exposure[pos], from_pandas=True)})


#: The progress message of :func:`write_exposure_top`'s step.
MESSAGE = "Mondialisation : industries en cause par territoire"


def write_exposure_top(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                       tops: list[pd.DataFrame] | None = None) -> dict[str, int]:
    """Build step: the :data:`STORED_K` top industries of every territory's exposure, for
    every level, period and exposure indicator (table ``exposure_top``), so that ``pacte
    exposure`` and the profiles read them instead of recomputing the model. ``tops``: the
    rows gathered by the catalogue's run of the model
    (:func:`pacte.engine.exposure_indicators.compute_exposure`; DataFrames, or Arrow tables
    as :func:`pacte.store.layout.compact_rows` makes them), else the model runs here."""
    say(MESSAGE)
    if tops is None:
        tops = []
        shocks, labels = french_shocks(con), read_wiod_labels(con)
        for level in LEVELS:
            for period in PERIODS:
                inp = load_inputs(con, level, period)
                sh = shocks[shocks["period"] == period]
                tops.extend(calc_top_rows(calc_contributions(inp, sh, indicator), inp, labels,
                                          level, period, indicator) for indicator in SHOCKS)
    if tops and not isinstance(tops[0], pd.DataFrame):  # the build's compact rows (Arrow)
        import pyarrow as pa
        df = pa.concat_tables(tops, promote_options="permissive")
    else:
        df = pd.concat(tops, ignore_index=True)
    con.register("_top", df)
    con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM _top")
    con.unregister("_top")
    return {TABLE: len(df)}


def stored_rows(con, level: str, period: str, indicator: str, k: int) -> pd.DataFrame | None:
    """Rows of ``exposure_top`` (None when the store has no such table or k is too big)."""
    if k > STORED_K:
        return None
    try:
        return con.execute(f"""SELECT * FROM {TABLE} WHERE level = ? AND period = ?
                               AND indicator = ? AND rank <= ? ORDER BY code, rank""",
                           [level, period, indicator, k]).df()
    except duckdb.CatalogException:
        return None


def top_industries(con, level: str, code: str, period: str, k: int = 3,
                   indicator: str = "import_exposure_china") -> pd.DataFrame:
    """The ``k`` WIOD industries contributing most to a territory's exposure: rank, sector,
    label (French), contribution, share_of_exposure, resolution, note, unit. Empty if the
    exposure is unknown, and empty too where the territory is known only by an industry total
    split by its région's mix: no ranking of industries is shown where the mix is not the
    territory's own (``own_detail``)."""
    stored = stored_rows(con, level, period, indicator, k)
    if stored is not None:
        known = con.execute("SELECT count(*) FROM territory WHERE level = ? AND code = ?",
                            [level, code]).fetchall()[0][0]
        if not known:
            raise UnknownTerritoryError(code, level, [])
        out = stored[stored["code"] == code][COLUMNS]
        return out[out["own_detail"].astype(bool)].reset_index(drop=True)
    c, inp = _level(con, level, period, indicator)
    if code not in c.index:
        raise UnknownTerritoryError(code, level, [])
    out = _top(c.loc[[code]], inp, k, read_wiod_labels(con)).drop(columns="code")
    return out[out["own_detail"]].reset_index(drop=True)


def most_exposed(con, level: str = "ze2010", period: str = "2000-2007", n: int = 10,
                 indicator: str = "import_exposure_china", k: int = 3) -> pd.DataFrame:
    """The ``n`` most exposed territories, each with its ``k`` top industries (long: one row
    per territory x rank): code, name, exposure, rank, sector, label, contribution,
    share_of_exposure, resolution, note, unit, own_detail (False: the industries are the
    région's mix, not to be shown as the territory's)."""
    names = _q(con, "SELECT code, name FROM territory WHERE level = ?", [level])
    names = names.set_index("code")["name"]
    stored = stored_rows(con, level, period, indicator, k)
    if stored is not None:
        exp = stored.drop_duplicates("code").set_index("code")["exposure"].dropna()
        best = exp.sort_values(ascending=False, kind="stable").head(n)
        top = stored[stored["code"].isin(best.index)][["code", *COLUMNS]]
        top.insert(1, "name", top["code"].map(names))
        top.insert(2, "exposure", top["code"].map(best))
        return top.sort_values(["exposure", "rank"], ascending=[False, True]).reset_index(
            drop=True)
    c, inp = _level(con, level, period, indicator)
    exp = c.sum(axis=1, min_count=1).dropna().sort_values(ascending=False, kind="stable")
    best = exp.head(n)
    top = _top(c.loc[best.index], inp, k, read_wiod_labels(con))
    top.insert(1, "name", top["code"].map(names))
    top.insert(2, "exposure", top["code"].map(best))
    return top.sort_values(["exposure", "rank"], ascending=[False, True]).reset_index(drop=True)
