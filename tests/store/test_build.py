"""The store built from the real snapshot: counts, populations, conservation, provenance,
atomic builds that leave the previous store intact, and the CLI on top of it."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from pacte import store
from pacte.cli import app
from pacte.errors import BuildError
from pacte.settings import package_data

runner = CliRunner()


def count(con, level):
    return con.execute("SELECT count(*) FROM territory WHERE level = ?", [level]).fetchone()[0]


def test_territory_counts(con):
    assert count(con, "epci") == 1255
    assert count(con, "ze2020") == 306
    assert count(con, "commune") == 34875
    assert count(con, "dep") == 101
    assert count(con, "reg") == 18
    # 321 ZE2010 with ESTEL data, plus Mayotte (0601) which has none
    assert count(con, "ze2010") == 322
    assert con.execute("SELECT count(DISTINCT code) FROM jobs WHERE source = 'estel' "
                       "AND level = 'ze2010'").fetchone()[0] == 321


def test_populations_sum_exactly(con):
    """EPCI populations plus the 4 communes outside any EPCI equal the commune total."""
    total = con.execute("SELECT sum(population) FROM territory WHERE level='commune'").fetchone()[0]
    assert total == 68_350_798
    epci = con.execute("SELECT sum(population) FROM territory WHERE level='epci'").fetchone()[0]
    outside = con.execute("SELECT sum(population), count(*) FROM territory WHERE "
                          "level='commune' AND epci IS NULL").fetchone()
    assert outside == (6435, 4)
    assert epci + outside[0] == total
    for level in ("ze2020", "dep", "reg", "fr"):
        s = con.execute("SELECT sum(population) FROM territory WHERE level=?", [level]).fetchone()
        assert s[0] == total, level
    ze10 = con.execute("SELECT sum(population) FROM territory WHERE level='ze2010'").fetchone()[0]
    assert ze10 == pytest.approx(total, rel=1e-9)


def test_dgcl_population_kept_apart(con):
    dgcl = con.execute("SELECT sum(population_dgcl) FROM territory WHERE level='epci'").fetchone()
    assert dgcl[0] == 68_010_643


def test_harmonisation_conserves_every_year_of_every_series(con):
    log = con.execute("SELECT source, year, vintage, total_before, total_after, "
                      "n_missing_values FROM harmonisation_log").df()
    assert set(log["source"]) == {"rp", "urssaf"}
    assert set(log.loc[log.source == "rp", "year"]) == {1999, 2006, 2011, 2016}
    assert set(log.loc[log.source == "urssaf", "year"]) == set(range(2006, 2023))
    assert (log.loc[log.source == "rp", "vintage"] == 2019).all()
    assert (log.loc[log.source == "urssaf", "vintage"] < 2025).all()
    rel = (log["total_after"] - log["total_before"]).abs() / log["total_before"]
    assert (rel <= 1e-9).all()
    # Mayotte's 17 communes are 'nd' in 1999, 2006 and 2016: counted, never zero
    rp = log[log.source == "rp"].set_index("year")["n_missing_values"]
    assert rp.to_dict() == {1999: 17, 2006: 17, 2011: 0, 2016: 17}


@pytest.mark.parametrize("source,levels", [
    ("rp", ("ze2020", "dep", "reg")), ("estel", ("ze2010", "ze2020"))])
def test_levels_sum_to_france(con, source, levels):
    for level in levels:
        bad = con.execute("""
            SELECT j.period, j.sector, sum(j.jobs) s, any_value(f.jobs) f
            FROM jobs j JOIN jobs f ON f.source=j.source AND f.level='fr'
                 AND f.period=j.period AND f.sector=j.sector
            WHERE j.source=? AND j.level=? GROUP BY ALL
            HAVING abs(sum(j.jobs) - any_value(f.jobs)) > 1e-6 * any_value(f.jobs)""",
                          [source, level]).fetchall()
        assert bad == [], (source, level, bad[:3])


def test_known_national_totals(con):
    def fr(source, sector, year):
        return con.execute("SELECT jobs FROM jobs WHERE source=? AND level='fr' AND sector=? "
                           "AND year=?", [source, sector, year]).fetchone()[0]
    assert fr("estel", "BE", 2008) == 3_557_922 and fr("estel", "BE", 2012) == 3_269_037
    assert fr("estel", "TOTAL", 2008) == 24_477_364
    assert fr("rp", "TOTAL", 2011) == 26_350_576 and fr("rp", "FABRIC", 2006) == 2_593_609
    # France in 1999 = known communes; Mayotte's 17 are left out and counted
    row = con.execute("SELECT jobs, n_missing FROM jobs WHERE source='rp' AND level='fr' "
                      "AND sector='TOTAL' AND year=1999").fetchone()
    assert row == (23_244_649, 17)


def test_urssaf_coverage_of_rouen_epci(con):
    cov = con.execute("SELECT code, n_communes, n_covered, complete FROM coverage").df()
    complete = set(cov.loc[cov.complete, "code"])
    assert complete == {"200023414", "200070449", "247600646"}  # Rouen, Inter-Caux-Vexin, Caux-Austreberthe
    tot = con.execute("SELECT sum(jobs) FROM jobs WHERE source='urssaf' AND level='commune' "
                      "AND sector='TOTAL' AND year IN (2008, 2012) GROUP BY year ORDER BY year"
                      ).fetchall()
    assert [t[0] for t in tot] == [183_381, 175_704]
    partial = con.execute("SELECT DISTINCT partial FROM jobs WHERE source='urssaf' "
                          "AND level='epci' AND code='200066405'").fetchall()
    assert partial == [(True,)]


def test_provenance_and_build_hash(con, built_store):
    prov = con.execute("SELECT table_name, licence, rows, sha256 FROM provenance").df()
    assert {"communes", "census_functions", "urssaf_jobs", "commune_splits"} <= set(prov.table_name)
    assert prov["sha256"].str.len().eq(64).all() and (prov["rows"] > 0).all()
    meta = store.read_meta(con)
    prov = store.read_provenance(package_data())
    assert meta["build_hash"] == store.build_hash(prov)  # same inputs and code, same hash
    changed = {**prov, "communes": {**prov["communes"], "sha256": "0" * 64}}
    assert store.build_hash(changed) != meta["build_hash"]


def _store_and_snapshot_copies(fictional_store, tmp_path):
    """A previous store to protect (path, bytes) and a snapshot copy to break: the fictional
    ones (the checks on the snapshot's files do not depend on its data; the real snapshot
    made each failed build cost seconds of reading before the failure)."""
    from fixtures.conftest_fictional import SNAPSHOT

    db = tmp_path / "p.duckdb"
    shutil.copy(fictional_store, db)
    snap = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, snap)
    return db, db.read_bytes(), snap


def test_failed_build_leaves_previous_store_intact(fictional_store, tmp_path):
    """A corrupted snapshot table fails the build, names the file, and the old store stays."""
    db, before, snap = _store_and_snapshot_copies(fictional_store, tmp_path)
    (snap / "epci.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(BuildError, match="epci.parquet"):
        store.build(db, snap)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def _table_step(name, wait=None, error=None):
    """A build step writing the one-row table ``name`` (after ``wait``, an event set by the
    other step: both then run at once), or raising ``error``."""
    def step(con, say):
        if wait is not None:
            assert wait.wait(30), "the steps did not run at the same time"
        if error is not None:
            raise error
        con.execute(f"CREATE TABLE {name} AS SELECT 1 AS x")
        return {name: 1}
    step.__name__ = name
    return step


def test_steps_beside_each_other_write_both_tables(fictional_store, tmp_path):
    """``store.beside``: the side step runs in a thread, on its own cursor, while the main
    step runs; both tables are in the store and counted in its meta."""
    import threading

    from fixtures.conftest_fictional import SNAPSHOT

    started = threading.Event()

    def side(con, say):
        started.set()  # the main step waits for it: they overlap
        return _table_step("side_table")(con, say)

    db = tmp_path / "b.duckdb"
    meta = store.build(db, SNAPSHOT, steps=[store.beside(
        _table_step("main_table", wait=started), side)])
    assert meta["rows_main_table"] == "1" and meta["rows_side_table"] == "1"
    with store.connect(db) as con:
        assert con.execute("SELECT count(*) FROM main_table, side_table").fetchone()[0] == 1


@pytest.mark.parametrize("failing", ["main", "side"])
def test_failed_step_beside_another_leaves_previous_store_intact(fictional_store, tmp_path,
                                                                 failing):
    """A step failing while another runs beside it fails the build with its error, once the
    other is done; the previous store stays, no temporary file is left."""
    db, before, snap = _store_and_snapshot_copies(fictional_store, tmp_path)
    boom = ValueError(f"panne de l'étape {failing}")
    main = _table_step("main_table", error=boom if failing == "main" else None)
    side = _table_step("side_table", error=boom if failing == "side" else None)
    with pytest.raises(BuildError, match=f"panne de l'étape {failing}"):
        store.build(db, snap, steps=[store.beside(main, side)])
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_heap_helpers_run_anywhere():
    """Trimming the heap and bounding its large buffers are no-ops off glibc, and harmless
    when called again."""
    from pacte.store.heap import bound_heap, release_heap

    bound_heap()
    release_heap()
    release_heap()


def test_duckdb_heap_released():
    """The pages DuckDB's allocator keeps after a query (freed, held for its decay of a
    second) are given back at once."""
    import ctypes

    import duckdb

    from pacte.store.heap import _duckdb_mallctl, release_duckdb_heap

    ctl = _duckdb_mallctl()
    if ctl is None:
        pytest.skip("DuckDB sans son jemalloc exporté")

    def dirty_pages() -> int:
        epoch, value, size = ctypes.c_uint64(1), ctypes.c_size_t(), ctypes.c_size_t(8)
        ctl(b"epoch", None, None, ctypes.byref(epoch), 8)
        assert ctl(b"stats.arenas.4096.pdirty", ctypes.byref(value), ctypes.byref(size),
                   None, 0) == 0
        return value.value

    con = duckdb.connect()
    con.execute("SELECT count(DISTINCT i) FROM range(3000000) t(i)").fetchall()
    before = dirty_pages()
    assert before > 256  # its hash table, freed: more than 1 MB
    release_duckdb_heap()
    assert dirty_pages() < min(before, 256)
    con.close()


def test_build_with_unknown_commune_code_names_it(fictional_store, tmp_path):
    """A census row on an unknown commune code: the build fails naming the code."""
    import hashlib

    import pandas as pd
    db, before, snap = _store_and_snapshot_copies(fictional_store, tmp_path)
    cen = pd.read_parquet(snap / "census_functions.parquet")
    cen.loc[0, "commune"] = "99999"
    cen.to_parquet(snap / "census_functions.parquet")
    prov = json.loads((snap / "PROVENANCE.json").read_text())
    prov["census_functions"]["sha256"] = hashlib.sha256(
        (snap / "census_functions.parquet").read_bytes()).hexdigest()
    (snap / "PROVENANCE.json").write_text(json.dumps(prov))
    with pytest.raises(Exception, match="99999"):
        store.build(db, snap)
    assert db.read_bytes() == before


def test_cli_territories_csv_counts(built_store):
    for level, n in (("epci", 1255), ("ze2020", 306), ("commune", 34875)):
        r = runner.invoke(app, ["territories", "--level", level, "--format", "csv",
                                "--db", str(built_store)])
        assert r.exit_code == 0, r.output
        assert len(r.output.strip().splitlines()) == n + 1


def test_cli_show_rouen(built_store):
    r = runner.invoke(app, ["show", "200023414", "--db", str(built_store)])
    assert r.exit_code == 0, r.output
    assert "Métropole Rouen Normandie" in r.output
    assert "URSSAF" in r.output and "recensement" in r.output
    r = runner.invoke(app, ["show", "200023414", "--format", "json", "--db", str(built_store)])
    doc = json.loads(r.output)
    assert doc["territory"]["population"] == 503_000 and doc["territory"]["nature"] == "ME"
    assert {j["source"] for j in doc["jobs"]} == {"rp", "urssaf"}


def test_cli_unknown_code_suggests_and_exits_2(built_store):
    r = runner.invoke(app, ["show", "Metropole Rouen", "--db", str(built_store)])
    assert r.exit_code == 2
    assert "Métropole Rouen Normandie" in r.output


def test_cli_missing_store_is_a_clear_error(tmp_path):
    r = runner.invoke(app, ["territories", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 1 and "pacte build" in r.output
