"""The ``territory`` table, in SQL: one row per territory of every level, populations summed
from the communes (legal populations 2023, COG 2025).

Per level of :data:`pacte.geography.LEVELS`: population and communes summed, the share of
the population living in urban communes (density classes of
:data:`pacte.sources.geo.URBAN_LEVELS`) and the area type it gives (« urbain » from one
half), the density class holding most of the population, and for EPCI and ZE2020 the
département and région of most of their communes (ties to the smallest code), for the
départements their région. Zones d'emploi 2010 (ESTEL's zoning) get the 2025 communes'
population apportioned by their 2020 constituents (:func:`pacte.store.harmonise.
create_ze2010_weights`), and the département and région of their most populous piece.
"""

from __future__ import annotations

import duckdb

from pacte import geography
from pacte.errors import BuildError
from pacte.sources.geo import URBAN_LEVELS

#: Columns of the territory table, in order.
COLUMNS = ("level", "code", "name", "population", "n_communes", "dep", "reg", "epci",
           "density_class", "urban_share", "nature", "fiscal_regime", "population_dgcl",
           "area_type")


def _mode(level: str, col: str) -> str:
    """Per territory of ``level``, the most frequent ``col`` of its communes (ties: the
    smallest)."""
    return f"""(SELECT {level} AS code, first({col} ORDER BY n DESC, {col}) AS {col}
               FROM (SELECT {level}, {col}, count(*) AS n FROM _com
                     WHERE {level} IS NOT NULL AND {col} IS NOT NULL GROUP BY ALL)
               GROUP BY {level})"""


def _level_rows(level: str, block: int) -> str:
    """The rows of one aggregated level (sorted by code)."""
    keys = {"epci": ("dep", "reg"), "ze2020": ("dep", "reg"), "dep": ("reg",)}.get(level, ())
    joins = "".join(f" LEFT JOIN {_mode(level, c)} m_{c} ON m_{c}.code = g.code" for c in keys)
    cols = {c: (f"m_{c}.{c}" if c in keys else "CAST(NULL AS VARCHAR)") for c in ("dep", "reg")}
    return f"""
        SELECT '{level}' AS level, g.code, CAST(NULL AS VARCHAR) AS name, g.population,
               g.n_communes, {cols['dep']} AS dep, {cols['reg']} AS reg,
               CAST(NULL AS VARCHAR) AS epci, d.density_class, g.urban_share,
               {block} AS _blk, 0 AS _ord
        FROM (SELECT {level} AS code, sum(population) AS population, count(*) AS n_communes,
                     sum(CASE WHEN urban THEN population ELSE 0 END)
                     / nullif(sum(population), 0) AS urban_share
              FROM _com WHERE {level} IS NOT NULL GROUP BY {level}) g
        LEFT JOIN (SELECT code, arg_max(density_class, population) AS density_class
                   FROM (SELECT {level} AS code, density_class, sum(population) AS population
                         FROM _com WHERE {level} IS NOT NULL AND density_class IS NOT NULL
                         GROUP BY ALL) GROUP BY code) d ON d.code = g.code{joins}"""


def _ze2010_rows(weights: str, block: int) -> str:
    """The zones d'emploi 2010, from the weight table ``weights`` (source, ze2010, code,
    share)."""
    return f"""
        SELECT 'ze2010' AS level, g.ze2010 AS code, n.name, g.population, g.n_communes,
               g.dep, g.reg, CAST(NULL AS VARCHAR) AS epci, d.density_class, g.urban_share,
               {block} AS _blk, 0 AS _ord
        FROM (SELECT ze2010, sum(population) AS population,
                     count(DISTINCT source) AS n_communes,
                     sum(urban_pop) / nullif(sum(population), 0) AS urban_share,
                     arg_max_null(dep, population) AS dep, arg_max_null(reg, population) AS reg
              FROM _ze10 GROUP BY ze2010) g
        LEFT JOIN (SELECT ze2010, arg_max(density_class, population) AS density_class
                   FROM (SELECT ze2010, density_class, sum(population) AS population FROM _ze10
                         WHERE density_class IS NOT NULL GROUP BY ALL) GROUP BY ze2010) d
               ON d.ze2010 = g.ze2010
        LEFT JOIN territory_names n ON n.level = 'ze2010' AND n.code = g.ze2010"""


def create_territory(con: duckdb.DuckDBPyConnection, ze2010_weights: str) -> None:
    """Table ``territory`` from ``communes``, ``epci``, ``territory_names`` and the ZE2010
    weight table ``ze2010_weights``. Raises BuildError naming territories with no name."""
    urban = ", ".join("'" + u.replace("'", "''") + "'" for u in sorted(URBAN_LEVELS))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _com AS
        SELECT *, coalesce(density_class IN ({urban}), false) AS urban, rowid AS _ord
        FROM communes""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ze10 AS
        SELECT w.ze2010, w.source, c.population * w.share AS population, c.density_class,
               c.dep, c.reg,
               CASE WHEN c.urban THEN c.population * w.share ELSE 0 END AS urban_pop
        FROM {ze2010_weights} w JOIN _com c ON c.code = w.code
        WHERE w.ze2010 IS NOT NULL""")
    levels = [lv for lv in geography.LEVELS if lv not in ("commune", "fr")]
    parts = [
        """SELECT 'commune' AS level, code, name, population, CAST(1 AS BIGINT) AS n_communes,
                  dep, reg, epci, density_class, CAST(urban AS DOUBLE) AS urban_share,
                  0 AS _blk, _ord FROM _com""",
        *(_level_rows(lv, i + 1) for i, lv in enumerate(levels)),
        f"""SELECT 'fr' AS level, 'FR' AS code, 'France' AS name, sum(population) AS population,
                   count(*) AS n_communes, sum(CASE WHEN urban THEN population ELSE 0 END)
                   / nullif(sum(population), 0) AS urban_share, {len(levels) + 1} AS _blk,
                   0 AS _ord FROM _com""",
        _ze2010_rows(ze2010_weights, len(levels) + 2)]
    union = "\nUNION ALL BY NAME\n".join(f"({p})" for p in parts)
    con.execute(f"""CREATE TABLE territory AS
        WITH t AS ({union}),
        names AS (SELECT level, code, name FROM territory_names
                  UNION ALL SELECT 'epci', code, name FROM epci)
        SELECT t.level, t.code, coalesce(t.name, n.name) AS name, t.population,
               t.n_communes, t.dep, t.reg, t.epci, t.density_class, t.urban_share,
               e.nature, e.fiscal_regime, CAST(e.population_dgcl AS DOUBLE) AS population_dgcl,
               CASE WHEN t.urban_share >= 0.5 THEN 'urbain' ELSE 'rural' END AS area_type
        FROM t LEFT JOIN names n ON n.level = t.level AND n.code = t.code
        LEFT JOIN epci e ON t.level = 'epci' AND e.code = t.code
        ORDER BY t._blk, t._ord, t.code""")
    con.execute("DROP TABLE _com")
    con.execute("DROP TABLE _ze10")
    bad = con.execute("SELECT level, code FROM territory WHERE name IS NULL LIMIT 5").fetchall()
    if bad:
        raise BuildError(f"territoires sans libellé : "
                         f"{[{'level': lv, 'code': c} for lv, c in bad]}")
