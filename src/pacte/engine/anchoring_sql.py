"""Store access of the anchoring model (:mod:`pacte.engine.anchoring`): the COG vintage of
a per-commune file, its weights onto COG 2025 communes and the populations of a year (temp
tables of the connection, dropped at the end of the run that made them), and the SQL that sums a file, a population or the parts of
old EPCI perimeters to a level.

Each sum is made for every level at once (one query, grouping sets over the territories of
the 2025 communes, :func:`by_levels`) and kept in the run's :class:`StoreContext`:
the blocks of the model ask level by level and get their level's rows."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.store.frames import frame
from pacte.store.harmonise import create_weight_tables, create_weights

#: Levels whose territory a 2025 commune names (column of ``communes``; ``fr``: France).
COMMUNE_LEVELS = ("epci", "ze2020", "dep", "reg", "fr")


class StoreContext:
    """Store access shared by the indicator blocks of one run (weights, populations)."""

    def __init__(self, con):
        self.con = con
        self.tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        self._vint: dict[str, int] = {}
        self._made: set[str] = set()  # weight tables known to exist on the connection
        self._created: list[str] = []  # those this run created (:meth:`drop_created`)
        self._splits: pd.DataFrame | None = None
        self._by_level: dict[tuple, dict[str, pd.DataFrame]] = {}
        self._empty: dict[tuple, pd.DataFrame] = {}
        self.memo: dict[tuple, object] = {}  # level-free results, computed once per run

    def q(self, sql: str, params=None) -> pd.DataFrame:
        return frame(self.con, sql, params)

    def _has(self, temp: str) -> bool:
        """Whether the connection already holds ``temp`` (left by an earlier context, e.g.
        :func:`pacte.engine.anchoring.commune_totals`: the store it reads is immutable)."""
        return bool(self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                                     "AND table_name = ?", [temp]).fetchall()[0][0])

    def vintage(self, src: str) -> int:
        """COG vintage of the communes of ``src`` (SQL exposing ``commune``), by the rule of
        :func:`pacte.geography.detect_vintage` (largest Jaccard similarity among the years
        holding every code, else among all years; ties to the latest), counted in SQL."""
        if src not in self._vint:
            self.vintages([src])
        return self._vint[src]

    def vintages(self, srcs: list[str]) -> None:
        """:meth:`vintage` of each of ``srcs``, counted in one query (four sources a run:
        one scan of ``cog_codes`` instead of four, 45 ms each)."""
        srcs = [x for x in dict.fromkeys(srcs) if x not in self._vint]
        if not srcs:
            return
        s = " UNION ALL ".join(f"SELECT DISTINCT {k} AS k, commune AS code FROM ({x})"
                               for k, x in enumerate(srcs))
        d = self.q(f"""WITH s AS ({s})
            SELECT k, cog, coalesce(i.inter, 0) AS inter, ny, n
            FROM (SELECT k, count(*) AS n FROM s GROUP BY k)
            CROSS JOIN (SELECT cog, count(*) AS ny FROM cog_codes GROUP BY cog)
            LEFT JOIN (SELECT s.k, y.cog, count(*) AS inter FROM s
                       JOIN cog_codes y ON y.code = s.code GROUP BY ALL) i USING (k, cog)""")
        d["jaccard"] = d["inter"] / (d["n"] + d["ny"] - d["inter"])
        for k, x in enumerate(srcs):
            dk = d[d["k"] == k]
            full = dk[dk["inter"] == dk["n"]]
            pool = full if len(full) else dk
            self._vint[x] = int(pool.sort_values(["jaccard", "cog"]).iloc[-1]["cog"])

    def weights(self, vintage: int) -> str:
        """Temp table ``_w{vintage}`` (source, code, weight): COG ``vintage`` -> 2025, the
        weights of :func:`pacte.geography.commune_weights` joined in DuckDB
        (:func:`pacte.store.harmonise.create_weights`: only the split codes go through
        Python; the pandas rule took 0.2 s of CPU per vintage, seven vintages a run)."""
        name = f"_w{vintage}"
        if name in self._made:
            return name
        if not self._has(name):
            if self._splits is None:  # read once per run
                self._splits = self.q("SELECT * FROM commune_splits")
            create_weights(self.con, name, f"SELECT code FROM cog_codes WHERE cog = "
                           f"{int(vintage)}", int(vintage), self._splits)
            self._created.append(name)
        self._made.add(name)
        return name

    def prepare_weights(self, vintages) -> None:
        """The weight tables of :meth:`weights` for all of ``vintages`` at once
        (:func:`pacte.store.harmonise.create_weight_tables`)."""
        todo = [int(v) for v in dict.fromkeys(vintages) if f"_w{int(v)}" not in self._made]
        have = {r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name IN "
            "(SELECT unnest(?))", [[f"_w{v}" for v in todo]]).fetchall()} if todo else set()
        self._made |= have
        todo = [v for v in todo if f"_w{v}" not in have]
        if not todo:
            return
        if self._splits is None:  # read once per run
            self._splits = self.q("SELECT * FROM commune_splits")
        names = {v: f"_w{v}" for v in todo}
        create_weight_tables(self.con, names, "SELECT cog, code FROM cog_codes", self._splits)
        self._created += names.values()
        self._made |= set(names.values())

    def pop(self, year: int) -> str:
        """Temp table ``_pop{year}`` (code, pop, fallback): population of ``year`` on 2025
        communes (2023 population where the year's is unknown: Mayotte)."""
        if f"_pop{year}" not in self._made and not self._has(f"_pop{year}"):
            w = self.weights(year)
            self.con.execute(f"""CREATE OR REPLACE TEMP TABLE _pop{year} AS
                SELECT c.code, coalesce(sum(p.population * w.weight), any_value(c.population))
                       AS pop, count(p.population) = 0 AS fallback
                FROM communes c LEFT JOIN {w} w ON w.code = c.code
                LEFT JOIN cog_codes p ON p.cog = {year} AND p.code = w.source GROUP BY c.code""")
            self._created.append(f"_pop{year}")
        self._made.add(f"_pop{year}")
        return f"_pop{year}"

    def drop_created(self) -> None:
        """Drop the temp tables this run created: kept, the weights and populations of
        every vintage held ~60 MB of DuckDB's memory for the rest of the build."""
        for name in reversed(self._created):
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
            self._made.discard(name)
        self._created.clear()

    def once(self, key: tuple, make: Callable[[], object]):
        """``make()``, computed once per run for ``key``."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def at_level(self, key: tuple, level: str, sql: str, params=None) -> pd.DataFrame:
        """The rows of ``level`` of a query run once for every level (``sql``, made by
        :func:`by_levels`: its first column is ``level``)."""
        if key not in self._by_level:
            df = self.q(sql, params)
            self._empty[key] = df.iloc[:0].drop(columns="level")
            self._by_level[key] = {
                lv: g.drop(columns="level").reset_index(drop=True)
                for lv, g in df.groupby("level", sort=False)}
        got = self._by_level[key].get(level)
        return (self._empty[key] if got is None else got).copy()

    def territories(self, level: str) -> pd.DataFrame:
        return self.q("SELECT code, name FROM territory WHERE level = ? ORDER BY code",
                      [level]).set_index("code")


def by_levels(select: str, body: str, keys: tuple[str, ...] = (), having: str = "") -> str:
    """SQL grouping ``body`` (``FROM ... WHERE``, 2025 communes as ``c``) by the territory
    of every level of :data:`COMMUNE_LEVELS` at once (grouping sets: one pass) and by
    ``keys``: columns ``level, code, *keys, select``; communes outside a level's
    territories (an island without EPCI) are left out of that level."""
    cols = [lv for lv in COMMUNE_LEVELS if lv != "fr"]
    k = "".join(f", {x}" for x in keys)
    sets = ", ".join([*(f"(c.{lv}{k})" for lv in cols), f"({k.removeprefix(', ')})"])
    level = " ".join(f"WHEN grouping(c.{lv}) = 0 THEN '{lv}'" for lv in cols)
    code = " ".join(f"WHEN grouping(c.{lv}) = 0 THEN c.{lv}" for lv in cols)
    return f"""SELECT * FROM (
        SELECT CASE {level} ELSE 'fr' END AS level, CASE {code} ELSE 'FR' END AS code{k},
               {select} {body} GROUP BY GROUPING SETS ({sets}) {having}) WHERE code IS NOT NULL"""


def sum_to_level(ctx: StoreContext, level: str, src: str, vintage: int, values: list[str],
         keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """``src`` (SQL exposing ``commune`` of COG ``vintage``) summed to ``level``."""
    if level not in COMMUNE_LEVELS:
        raise InvalidParameterError(f"niveau {level!r} : les communes n'en portent pas le "
                                    f"code (niveaux : {', '.join(COMMUNE_LEVELS)})")
    sums = ", ".join(f"sum(src.{v} * w.weight) AS {v}" for v in values)
    w = ctx.weights(vintage)
    return ctx.at_level(("sum", src, vintage, tuple(values), tuple(keys)), level, by_levels(
        sums, f"""FROM ({src}) src JOIN {w} w ON w.source = src.commune
                  JOIN communes c ON c.code = w.code""", tuple(f"src.{x}" for x in keys)))


def population(ctx: StoreContext, level: str, year: int, deps=None) -> pd.DataFrame:
    """Population of ``year`` per territory (only the communes of ``deps`` if given)."""
    deps = None if deps is None else list(deps)
    where = "TRUE" if deps is None else "c.dep IN (SELECT * FROM unnest(?))"
    pop = ctx.pop(year)
    return ctx.at_level(("pop", year, None if deps is None else tuple(deps)), level, by_levels(
        "sum(p.pop) AS pop, bool_or(p.fallback) AS fb",
        f"FROM {pop} p JOIN communes c ON c.code = p.code WHERE {where}"),
        None if deps is None else [deps]).set_index("code")


def epci_pieces(ctx: StoreContext, level: str, year: int) -> pd.DataFrame:
    """(target, unit, weight): parts of the EPCI of ``year`` in each territory of ``level``,
    weighted by the population of ``year``."""
    w = ctx.weights(year)
    return ctx.at_level(("epci_pieces", year), level, by_levels(
        "sum(coalesce(p.population, c.population) * w.weight) AS weight",
        f"""FROM commune_supracom s JOIN {w} w ON w.source = s.code
            JOIN communes c ON c.code = w.code
            LEFT JOIN cog_codes p ON p.cog = {year} AND p.code = s.code
            WHERE s.year = {year} AND s.epci IS NOT NULL""", ("s.epci",))
        ).rename(columns={"code": "target", "epci": "unit"})
