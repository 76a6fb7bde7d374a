"""What the store keeps of the snapshot tables only the build reads, and the columns it
computes on read (:mod:`pacte.store.build_tables`, :mod:`pacte.store.layout`), on the
fictional store."""

import duckdb
from fixtures.conftest_fictional import SNAPSHOT

from pacte import store
from pacte.store.build_tables import BUILD_TABLES, load_build_tables


def test_build_only_tables_are_not_in_the_store_but_their_sources_are_named(fictional_con):
    tables = {t for (t,) in fictional_con.execute("SELECT table_name FROM duckdb_tables()"
                                                  ).fetchall()}
    assert not tables & BUILD_TABLES
    named = {t for (t,) in fictional_con.execute("SELECT table_name FROM provenance"
                                                 ).fetchall()}
    assert BUILD_TABLES <= named


def test_epci_history_is_what_the_raw_tables_say(fictional_store):
    """Each old EPCI SIREN maps to the current EPCI holding most of its communes' current
    population, computed again from the raw commune -> EPCI and passage tables."""
    with store.connect(fictional_store) as con:
        load_build_tables(con, SNAPSHOT)
        expected = con.execute("""
            WITH m AS (SELECT epci AS listed, max(year) AS year FROM commune_supracom
                       WHERE epci IS NOT NULL GROUP BY epci),
            c AS (SELECT DISTINCT m.listed, m.year, coalesce(p.code, s.code) AS commune
                  FROM m JOIN commune_supracom s ON s.epci = m.listed AND s.year = m.year
                  LEFT JOIN commune_passage p ON p.hist_code = s.code),
            w AS (SELECT c.listed, c.year, k.epci AS code, sum(k.population) AS pop
                  FROM c JOIN communes k ON k.code = c.commune
                  WHERE k.epci IS NOT NULL GROUP BY ALL),
            best AS (SELECT listed, first(code ORDER BY pop DESC, code) AS code, max(pop) AS pop,
                            sum(pop) AS total FROM w GROUP BY listed)
            SELECT listed, code, pop / total FROM best ORDER BY listed""").fetchall()
        stored = con.execute("SELECT listed, code, share FROM epci_history ORDER BY listed"
                             ).fetchall()
    assert len(stored) == len(expected) > 0
    assert [r[:2] for r in stored] == [r[:2] for r in expected]
    assert all(abs(a[2] - b[2]) < 1e-12 for a, b in zip(stored, expected, strict=True))


def test_columns_computed_on_read_are_the_stored_answers(fictional_con):
    """``jobs.year`` is its period's year; ``indicator.percentile`` is DuckDB's
    ``100 * cume_dist()`` of the value within its level, indicator, period and source."""
    assert fictional_con.execute("SELECT count(*) FROM jobs WHERE year IS DISTINCT FROM "
                                 "CAST(left(period, 4) AS SMALLINT)").fetchall() == [(0,)]
    types = dict(fictional_con.execute("SELECT column_name, data_type FROM "
                                       "information_schema.columns WHERE table_name = ?",
                                       ["jobs"]).fetchall())
    assert types["year"] == "SMALLINT"
    bad = fictional_con.execute("""
        SELECT count(*) FILTER (WHERE percentile IS DISTINCT FROM expected), count(*)
        FROM (SELECT percentile, CASE WHEN value IS NULL THEN NULL ELSE 100 * cume_dist()
                OVER (PARTITION BY level, indicator, period, source, value IS NULL
                      ORDER BY value) END AS expected FROM indicator)""").fetchall()[0]
    assert bad[0] == 0 and bad[1] > 1000


def test_a_reader_can_put_the_build_tables_back(fictional_store):
    with store.connect(fictional_store) as con:
        load_build_tables(con, SNAPSHOT, frozenset({"cog_codes"}))
        n = con.execute("SELECT count(*) FROM cog_codes").fetchall()[0][0]
    raw = duckdb.execute("SELECT count(*) FROM read_parquet(?)",
                         [str(SNAPSHOT / "cog_codes.parquet")]).fetchall()[0][0]
    assert n == raw > 0
