"""The indicator rows of the territory cards, read in SQL a range of territories at a time:
the rows :func:`pacte.engine.read_show_indicators` gives for a whole level (``code=None``),
in its order and with its columns, without the level's DataFrame (for the EPCI, about
150 MB held through the whole card step; here, one chunk of territories' rows at a time).

The same selection and columns: the levels at the crisis dates and the last year of each
job source (every other indicator row kept), France's value beside each row, the label of
the concept the row's source measures, the note of the sources without a France row; rows
by code, then the catalogue's order of the indicators, source, period, and the stored order.
The tests check that every card equals the live answer (tests/handlers/test_cards.py).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pacte.catalogue import INDICATORS, SERIES
from pacte.engine.jobs import NO_NATIONAL
from pacte.store.rows import INDICATOR_TABLE

#: Columns of a row, in the order of :func:`pacte.engine.read_show_indicators`.
COLUMNS = ("indicator", "label", "source", "period", "value", "national", "unit",
           "resolution", "note")
#: The view registered for a level's (indicator, source) labels and order.
_LABELS = "_card_labels"
#: France's rows, beside each territory's row: a temporary table read by every chunk's
#: query (joined from the store's table, the national rows were searched again for each
#: chunk: 15 % of the query's CPU time for the EPCI, measured).
_NATIONAL = "_card_national"


def register_labels(con: duckdb.DuckDBPyConnection, level: str) -> None:
    """Register, for the query of :func:`show_indicators_sql`, each (indicator, source) pair
    of ``level``'s stored rows with its label and the indicator's place in the catalogue,
    and France's rows (a temporary table; :func:`unregister_labels` drops both)."""
    pairs = con.execute(f"SELECT DISTINCT indicator, source FROM {INDICATOR_TABLE} "
                        "WHERE level = ?", [level]).fetchall()
    order = {i: n for n, i in enumerate(INDICATORS)}
    con.register(_LABELS, pa.table({
        "indicator": pa.array([i for i, _ in pairs], pa.string()),
        "source": pa.array([s for _, s in pairs], pa.string()),
        "label": pa.array([INDICATORS[i].label_for(s) if i in INDICATORS else i
                           for i, s in pairs], pa.string()),
        "o": pa.array([order.get(i) for i, _ in pairs], pa.int64())}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_NATIONAL} AS SELECT indicator, period, "
                f"source, value FROM {INDICATOR_TABLE} WHERE level = 'fr'")


def unregister_labels(con: duckdb.DuckDBPyConnection) -> None:
    con.unregister(_LABELS)
    con.execute(f"DROP TABLE IF EXISTS {_NATIONAL}")


def show_indicators_sql(level: str) -> tuple[str, list, str]:
    """(query, parameters, order within a territory) of the shown indicator rows of
    ``level`` (:func:`register_labels` first): a ``code`` column, the :data:`COLUMNS`, and
    the hidden ordering columns ``_o`` and ``_ord``."""
    keep = [f"{s.id}\t{p}" for s in SERIES.values()
            for p in (s.crisis[0], s.crisis[1], s.years[-1])]
    levels = [i for i, ind in INDICATORS.items() if ind.kind == "level"]
    local = [s for s in SERIES if not SERIES[s].has_national]
    sql = f"""
        SELECT i.code, i.indicator, m.label, i.source, i.period, i.value, n.value AS national,
               i.unit, i.resolution,
               CASE WHEN NOT coalesce(list_contains(?::VARCHAR[], i.source), false)
                    THEN coalesce(i.note, '')
                    WHEN coalesce(i.note, '') = '' THEN ? ELSE i.note || '; ' || ? END AS note,
               m.o AS _o, i.ord AS _ord
        FROM {INDICATOR_TABLE} i
        JOIN {_LABELS} m ON m.indicator = i.indicator
                        AND m.source IS NOT DISTINCT FROM i.source
        LEFT JOIN {_NATIONAL} n
               ON n.indicator = i.indicator AND n.period = i.period AND n.source = i.source
        WHERE i.level = ?
          AND (NOT coalesce(list_contains(?::VARCHAR[], i.indicator), false)
               OR NOT coalesce(list_contains(?::VARCHAR[], i.source), false)
               OR coalesce(list_contains(?::VARCHAR[], i.source || chr(9) || i.period),
                           false))"""
    params = [local, NO_NATIONAL, NO_NATIONAL, level, levels, list(SERIES), keep]
    return sql, params, "_o NULLS LAST, source, period, _ord"
