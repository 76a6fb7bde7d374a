"""The anchoring model's weight tables made for all vintages at once and its vintages
counted in one query give what the one-by-one rules give (:mod:`pacte.engine.anchoring_sql`)."""

import numpy as np
import pytest

from pacte import store
from pacte.engine.anchoring import BPE_YEARS, GRANT_YEARS, _bpe_src, _grants_src
from pacte.engine.anchoring_sql import StoreContext
from pacte.store.build_tables import load_build_tables
from pacte.store.harmonise import create_weights

VINTAGES = (2008, 2013, 2017, 2019, 2020)


@pytest.fixture(scope="module")
def fresh(built_store):
    """A connection of its own: no weight table left by another test's context."""
    with store.connect(built_store) as c:
        load_build_tables(c)
        yield c


def _rows(con, table):
    return con.execute(f"SELECT source, code, weight FROM {table} ORDER BY source, code"
                       ).fetchall()


def test_weights_of_every_vintage_at_once_equal_the_weights_one_by_one(fresh):
    ctx = StoreContext(fresh)
    ctx.prepare_weights(VINTAGES)
    splits = fresh.execute("SELECT * FROM commune_splits").df()
    try:
        for v in VINTAGES:
            assert ctx.weights(v) == f"_w{v}"
            create_weights(fresh, f"_ref{v}", f"SELECT code FROM cog_codes WHERE cog = {v}",
                           v, splits)
            got, ref = _rows(fresh, f"_w{v}"), _rows(fresh, f"_ref{v}")
            assert [r[:2] for r in got] == [r[:2] for r in ref]
            np.testing.assert_allclose([r[2] for r in got], [r[2] for r in ref], rtol=1e-12)
            assert any(r[0] != r[1] for r in got)  # fusions/splits do move codes
    finally:
        ctx.drop_created()
        for v in VINTAGES:
            fresh.execute(f"DROP TABLE IF EXISTS _ref{v}")
    assert not fresh.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND "
                             "table_name LIKE '\\_w%' ESCAPE '\\'").fetchall()[0][0]


def _one_vintage(con, src: str) -> int:
    """The rule as it was counted for one file (largest Jaccard among the years holding
    every code, else among all years; ties to the latest)."""
    d = con.execute(f"""WITH s AS (SELECT DISTINCT commune AS code FROM ({src}))
        SELECT y.cog, count(s.code) AS inter, count(*) AS ny, (SELECT count(*) FROM s) AS n
        FROM cog_codes y LEFT JOIN s ON s.code = y.code GROUP BY y.cog""").df()
    d["jaccard"] = d["inter"] / (d["n"] + d["ny"] - d["inter"])
    full = d[d["inter"] == d["n"]]
    return int((full if len(full) else d).sort_values(["jaccard", "cog"]).iloc[-1]["cog"])


def test_vintages_in_one_query_equal_the_vintage_of_each_file(fresh):
    files = [*map(_bpe_src, BPE_YEARS), *map(_grants_src, GRANT_YEARS),
             "SELECT code AS commune FROM cog_codes WHERE cog = 2011"]
    ctx = StoreContext(fresh)
    ctx.vintages(files)
    got = [ctx.vintage(f) for f in files]
    assert got == [_one_vintage(fresh, f) for f in files]
    assert got[-1] == 2011 and len(set(got)) > 2
