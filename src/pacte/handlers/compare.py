"""Comparison groups: the territories a territory is read against (dashboard panel and
table, API). Six kinds, each with a French label naming the group:

- ``semblables`` (default): territories of similar size and nature, nearest in profile
  (population within a factor 2, widened to 3 when too few; among them, the nearest on the
  composite index's dimension scores where the level is ranked, else on population); the
  largest territory, with no one of its size, gets the five nearest in population;
- ``profil``: the peers stored with the ranking (typology: nearest dimension scores, any
  size);
- ``departement`` / ``region``: the territories of the same département or région;
- ``nature``: the same legal nature (EPCI: CC, CA, CU and ME) or, at other levels, the same
  type of area (rural / urbain);
- ``population``: the same population band;
- ``codes``: a list of codes given by the user.

The territory itself is never in its group."""

from __future__ import annotations

import math
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.geography import RANK_LEVELS
from pacte.handlers.envelope import Answer, envelope
from pacte.labels import LEVEL_LABELS, plural
from pacte.settings import LIMITS
from pacte.store import queries
from pacte.targeting.peers import N_MIN, NATURE_CLASS, NATURE_LABELS, calc_similar

__all__ = ["GROUPS", "NATURE_CLASS", "NATURE_LABELS", "calc_band", "calc_similar",
           "comparison_group", "locate"]

GROUPS = ("semblables", "profil", "departement", "region", "nature", "population", "codes")
#: Levels a group can be asked at (the dashboard's map levels and the other ranked one).
LEVELS = ("epci", "ze2020", "ze2010", "dep", "reg")
#: Population band edges (inhabitants), the same at every level.
BANDS = (0, 15_000, 30_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, math.inf)
#: Number of similar territories kept where the level has no stored ranking.
N_SIMILAR = 10


def _fmt(n: float) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")


def calc_band(population: float, bands: Sequence[float] = BANDS) -> tuple[float, float]:
    """The [low, high) population band holding ``population``."""
    for lo, hi in zip(bands[:-1], bands[1:], strict=True):
        if lo <= population < hi:
            return lo, hi
    return bands[-2], bands[-1]


def default_groups(con: duckdb.DuckDBPyConnection, level: str, code: str | None = None
                   ) -> dict[str, dict]:
    """code -> the default comparison group every output names (``pacte show``, the
    profile, the API's territory answer, the dashboard): the peers stored with the default
    ranking, {group, label, codes, names}; only ``code``'s when given; empty where the level
    has no stored ranking."""
    if level not in RANK_LEVELS:
        return {}
    rows = con.execute("SELECT code, peers FROM ranking WHERE level = ?"
                       + ("" if code is None else " AND code = ?"),
                       [level] + ([] if code is None else [code])).fetchall()
    members = {str(c): [m.strip() for m in (p or "").split(",") if m.strip()]
               for c, p in rows}
    names = territory_names(con, level, None if code is None else
                            [m for ms in members.values() for m in ms])
    return {c: {"group": "semblables", "codes": ms, "names": [names.get(m, m) for m in ms],
                "label": f"{len(ms)} territoires semblables (taille, nature, profil)"}
            for c, ms in members.items()}


def territory_names(con: duckdb.DuckDBPyConnection, level: str,
                    codes: list[str] | None = None) -> dict[str, str]:
    """code -> name of the territories of ``level`` (only ``codes`` when given)."""
    if codes is None:
        return dict(con.execute("SELECT code, name FROM territory WHERE level = ?",
                                [level]).fetchall())
    return dict(con.execute("SELECT code, name FROM territory WHERE level = ? AND code IN "
                            "(SELECT unnest(?::VARCHAR[]))", [level, codes]).fetchall())


def _profile(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame | None:
    if level not in RANK_LEVELS:
        return None
    df = con.execute("SELECT * FROM ranking WHERE level = ?", [level]).df()
    dims = [c for c in df.columns if c.startswith("dim_")]
    return df.set_index("code")[dims] if dims else None


def _codes(raw: str | None, terr: pd.DataFrame, level: str) -> list[str]:
    items = [c.strip() for c in (raw or "").replace(";", ",").replace("\n", ",").split(",")]
    items = [c for c in items if c]
    if not items:
        raise InvalidParameterError("groupe « codes » : donnez au moins un code de territoire "
                                    "(séparés par des virgules)")
    if len(items) > LIMITS.max_group_codes:
        raise InvalidParameterError(f"groupe « codes » : {len(items)} codes, au plus "
                                    f"{LIMITS.max_group_codes}")
    known = set(terr["code"])
    bad = [c for c in items if c not in known]
    if bad:
        shown = ", ".join(bad[:5]) + (" …" if len(bad) > 5 else "")
        raise InvalidParameterError(f"groupe « codes » : {plural(len(bad), 'code inconnu', 'codes inconnus')} au "
                                    f"niveau {LEVEL_LABELS.get(level, level)} : {shown}")
    return list(dict.fromkeys(items))


def comparison_group(con: duckdb.DuckDBPyConnection, level: str, code: str,
                     group: str = "semblables", codes: str | None = None) -> Answer:
    """The comparison group of territory ``code`` at ``level``: its codes (the territory
    excluded), a French label and the group's median population."""
    if level not in LEVELS:
        raise InvalidParameterError(f"niveau {level!r} sans groupe de comparaison (niveaux : "
                                    f"{', '.join(LEVELS)})")
    if group not in GROUPS:
        raise InvalidParameterError(f"groupe de comparaison inconnu : {group!r} (groupes : "
                                    f"{', '.join(GROUPS)})")
    own = queries.find_territory(con, code, level)
    terr = con.execute("""SELECT code, name, population, dep, reg, nature, area_type
                          FROM territory WHERE level = ?""", [level]).df()
    terr = terr.set_index("code", drop=False)
    me = terr.loc[own["code"]]
    others = terr[terr["code"] != me["code"]]
    names = {(lv, c): n for lv, c, n in con.execute(
        "SELECT level, code, name FROM territory WHERE level IN ('dep', 'reg')").fetchall()}
    nature = level == "epci"
    stored = default_groups(con, level, me["code"]).get(me["code"])
    if group == "semblables" and stored is not None:  # the group every output shows
        members, label = stored["codes"], stored["label"]
    elif group == "semblables":
        pop = terr["population"].fillna(0.0)
        kind = (terr["nature"].map(NATURE_CLASS) == NATURE_CLASS.get(me["nature"])
                if nature else terr["area_type"] == me["area_type"])
        members = calc_similar(pop, me["code"], kind, _profile(con, level))
        label = f"{len(members)} territoires semblables (taille, nature, profil)"
    elif group == "profil":
        prof = _profile(con, level)
        if prof is None or me["code"] not in prof.index:
            raise InvalidParameterError(f"groupe « profil » : pas de classement au niveau "
                                        f"{LEVEL_LABELS.get(level, level)} (niveaux : "
                                        f"{', '.join(RANK_LEVELS)})")
        z = (prof - prof.mean()) / prof.std(ddof=0).replace(0, 1)
        d = np.sqrt(((z.fillna(0.0) - z.fillna(0.0).loc[me["code"]]) ** 2).sum(axis=1))
        members = [str(c) for c in d.drop(me["code"]).sort_values(kind="stable").index[:N_MIN]]
        label = (f"{len(members)} territoires de profil semblable sur l'indice "
                 "(toutes tailles)")
    elif group == "departement":
        members = others.loc[others["dep"] == me["dep"], "code"].tolist()
        label = f"département : {names.get(('dep', me['dep']), me['dep'])}"
    elif group == "region":
        members = others.loc[others["reg"] == me["reg"], "code"].tolist()
        label = f"région : {names.get(('reg', me['reg']), me['reg'])}"
    elif group == "nature":
        if nature:
            cls = NATURE_CLASS.get(me["nature"])
            members = others.loc[others["nature"].map(NATURE_CLASS) == cls, "code"].tolist()
            label = f"même nature : {NATURE_LABELS.get(cls, cls)}"
        else:
            members = others.loc[others["area_type"] == me["area_type"], "code"].tolist()
            label = f"même type d'espace : {me['area_type']}"
    elif group == "population":
        lo, hi = calc_band(float(me["population"] or 0.0))
        inband = others["population"].between(lo, hi, inclusive="left")
        members = others.loc[inband, "code"].tolist()
        label = (f"population de {_fmt(lo)} à {_fmt(hi)} habitants" if hi != math.inf
                 else f"population de {_fmt(lo)} habitants et plus")
    else:
        members = [c for c in _codes(codes, terr, level) if c != me["code"]]
        label = f"liste de {plural(len(members), 'code')}"
    med = terr.loc[members, "population"].median() if members else None
    data = {"level": level, "code": me["code"], "name": me["name"], "group": group,
            "label": label, "codes": members, "n": len(members),
            "population": me["population"],
            "median_population": None if med is None or pd.isna(med) else float(med)}
    return Answer(data, envelope(con, ["territory"]))


#: Levels a territory can be carried across (columns of the commune table).
LOCATE_LEVELS = ("epci", "ze2020", "dep", "reg")


def locate(con: duckdb.DuckDBPyConnection, level: str, code: str, to: str) -> Answer:
    """The territory of level ``to`` holding the largest part of the population of
    territory ``code`` (communes, populations légales): an EPCI's zone d'emploi, a zone's
    main EPCI, a département's région..."""
    for lv in (level, to):
        if lv not in LOCATE_LEVELS:
            raise InvalidParameterError(f"niveau {lv!r} : passage d'un niveau à l'autre "
                                        f"possible entre {', '.join(LOCATE_LEVELS)}")
    own = queries.find_territory(con, code, level)
    row = con.execute(f"""SELECT c.{to} AS code, t.name, sum(c.population) AS pop
                          FROM communes c JOIN territory t ON t.level = ? AND t.code = c.{to}
                          WHERE c.{level} = ? GROUP BY ALL ORDER BY pop DESC, code LIMIT 1""",
                      [to, own["code"]]).fetchall()
    if not row:
        raise InvalidParameterError(f"{own['name']} ({own['code']}) : aucun territoire de "
                                    f"niveau {LEVEL_LABELS.get(to, to)} ne le recouvre")
    total = con.execute(f"SELECT sum(population) FROM communes WHERE {level} = ?",
                        [own["code"]]).fetchall()[0][0]
    share = float(row[0][2]) / float(total) if total else None
    data = {"level": to, "code": row[0][0], "name": row[0][1], "from_level": level,
            "from_code": own["code"], "from_name": own["name"], "population_share": share}
    return Answer(data, envelope(con, ["territory"]))
