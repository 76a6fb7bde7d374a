"""``pacte diversify``: the handler on a tiny national matrix (6 EPCI x 4 divisions, every
EPCI covered), the CLI and the API, and the French how-to where only the Rouen extract is
in the store (the fictional store: URSSAF covers 1 EPCI in 3)."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from pacte.errors import DataError, InvalidParameterError, UnknownTerritoryError
from pacte.handlers.diversify import HOW_TO, diversify, diversify_block
from pacte.indicators.complexity import calc_complexity
from pacte.store.provenance import write_source_tables

#: 2022 jobs (rows E1..E6, columns divisions 10, 20, 29, 62); 2017 in JOBS_2017.
JOBS = np.array([[100, 0, 0, 0], [100, 100, 0, 0], [100, 100, 100, 0],
                 [100, 100, 100, 100], [0, 0, 0, 100], [0, 100, 0, 100]], dtype=float)
JOBS_2017 = np.array([[100, 0, 0, 0], [100, 100, 0, 0], [100, 100, 50, 0],
                      [100, 100, 50, 200], [0, 0, 0, 100], [0, 100, 0, 100]], dtype=float)
DIVS = ["10", "20", "29", "62"]
APE = {"10": "1011Z", "20": "2011Z", "29": "2910Z", "62": "6201Z"}
EPCI = [f"20000000{i}" for i in range(1, 7)]


@pytest.fixture
def tiny(tmp_path):
    db = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('build_hash', 'tiny'), ('built_at', 'now')")
    con.execute("CREATE TABLE provenance (table_name VARCHAR, source VARCHAR, vintage VARCHAR,"
                " origin VARCHAR, licence VARCHAR, rows BIGINT, sha256 VARCHAR)")
    con.execute("INSERT INTO provenance VALUES ('urssaf_jobs', 'URSSAF (fichier national)', "
                "'last', 'test', 'Licence Ouverte / Etalab 2.0', 48, '')")
    write_source_tables(con)  # as a build records them, for the envelopes
    con.execute("CREATE TABLE territory (level VARCHAR, code VARCHAR, name VARCHAR)")
    con.execute("CREATE TABLE series (source VARCHAR, label VARCHAR)")
    con.execute("CREATE TABLE epci (code VARCHAR, name VARCHAR)")
    con.execute("CREATE TABLE territory_names (level VARCHAR, code VARCHAR, name VARCHAR)")
    con.execute("CREATE TABLE communes (code VARCHAR, name VARCHAR, epci VARCHAR, "
                "ze2020 VARCHAR)")
    con.execute("CREATE TABLE coverage (source VARCHAR, level VARCHAR, code VARCHAR, "
                "complete BOOLEAN)")
    con.execute("CREATE TABLE naf (ape VARCHAR, division_a88 VARCHAR, libelle_division "
                "VARCHAR, a38 VARCHAR, libelle_a38 VARCHAR, libelle_sous_classe VARCHAR)")
    con.execute("CREATE TABLE jobs (source VARCHAR, level VARCHAR, code VARCHAR, year "
                "SMALLINT, sector VARCHAR, jobs DOUBLE)")
    for i, e in enumerate(EPCI):
        com = f"9900{i + 1}"
        con.execute("INSERT INTO epci VALUES (?, ?)", [e, f"CC fictive {i + 1}"])
        con.execute("INSERT INTO territory_names VALUES ('epci', ?, ?)", [e, f"CC fictive {i + 1}"])
        con.execute("INSERT INTO communes VALUES (?, ?, ?, ?)", [com, com, e, "Z1" if i < 3
                                                                   else "Z2"])
        con.execute("INSERT INTO coverage VALUES ('urssaf', 'epci', ?, true)", [e])
        for year, table in ((2022, JOBS), (2017, JOBS_2017)):
            for j, d in enumerate(DIVS):
                if table[i, j]:
                    con.execute("INSERT INTO jobs VALUES ('urssaf', 'commune', ?, ?, ?, ?)",
                                [com, year, APE[d], table[i, j]])
            con.execute("INSERT INTO jobs VALUES ('urssaf', 'commune', ?, ?, 'TOTAL', ?)",
                        [com, year, float(table[i].sum())])
    for d, ape in APE.items():
        con.execute("INSERT INTO naf VALUES (?, ?, ?, ?, ?, ?)",
                    [ape, d, f"Division {d}", "XX", "Branche", f"Sous-classe {ape}"])
    yield con
    con.close()


def test_specialisations_and_paths_of_one_epci(tiny):
    """E2 (100 jobs in 10 and 20): its share of each is 50 % against 400 / 1,300 = 30.8 %
    nationally, RCA = 0.5 / (400 / 1300) = 1.625: specialised in 10 and 20, not in 29 (RCA 0)
    nor 62. Nationally, 29 grew from 100 to 200 jobs (2017-2022) and 62 fell from 400 to
    300: the only path kept is 29."""
    ans = diversify(tiny, EPCI[1], min_national_jobs=100)
    spec = ans.data["specialisations"].set_index("industry")
    assert sorted(spec.index) == ["10", "20"]
    assert spec.loc["10", "rca"] == pytest.approx(0.5 / (400 / 1300))
    opp = ans.data["opportunities"]
    assert opp["industry"].tolist() == ["29"]
    assert opp["national_growth"].iloc[0] == pytest.approx(1.0)
    cx = calc_complexity(JOBS)
    assert opp["density"].iloc[0] == pytest.approx(cx.density[1, 2])
    t = ans.data["territory"]
    assert t["eci"] == pytest.approx(cx.eci[1]) and t["n_territories"] == 6
    assert t["eci_rank"] == int((cx.eci > cx.eci[1]).sum() + 1)
    assert t["name"] == "CC fictive 2" and t["jobs"] == 200
    assert "88 divisions" in ans.meta["resolution"] and ans.meta["donnees_fictives"] is False
    assert any("co-localisation" in line for line in ans.data["limits"])
    # the 2,000-job floor removes every path here
    assert diversify(tiny, EPCI[1]).data["opportunities"].empty


def test_level_ze2020_and_errors(tiny):
    ans = diversify(tiny, "Z1", level="ze2020", min_national_jobs=0)
    assert ans.data["territory"]["n_territories"] == 2
    with pytest.raises(InvalidParameterError, match="niveau inconnu"):
        diversify(tiny, EPCI[0], level="dep")
    with pytest.raises(InvalidParameterError, match="nomenclature inconnue"):
        diversify(tiny, EPCI[0], industries="a129")
    with pytest.raises(UnknownTerritoryError):
        diversify(tiny, "999999999")


def test_offline_says_which_file_to_fetch(fictional_con, fictional_store):
    from pacte.cli.main import app

    with pytest.raises(DataError) as info:
        diversify(fictional_con, "200023414")
    assert str(info.value) == HOW_TO and "pacte fetch urssaf_commune_ape" in HOW_TO
    block = diversify_block(fictional_con, "200023414")
    assert block["available"] is False and block["message"] == HOW_TO
    res = CliRunner().invoke(app, ["diversify", "200023414", "--db", str(fictional_store)])
    assert res.exit_code == 1 and "pacte build --with-fetched" in res.output


def test_cli_and_api_on_the_tiny_store(tiny, tmp_path):
    from fastapi.testclient import TestClient

    from pacte.api import Settings, create_app
    from pacte.cli.main import app

    path = tiny.execute("PRAGMA database_list").fetchall()[0][2]
    tiny.close()
    res = CliRunner().invoke(app, ["diversify", EPCI[1], "--db", path, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [s["industry"] for s in doc["specialisations"]] == ["10", "20"]
    table = CliRunner().invoke(app, ["diversify", EPCI[1], "--db", path])
    assert table.exit_code == 0 and "Limites de la méthode" in table.output
    with TestClient(create_app(Settings(db=path, cache=tmp_path / "c"))) as client:
        r = client.get(f"/api/diversify/{EPCI[1]}")
        assert r.status_code == 200, r.text
        assert r.json()["data"]["territory"]["code"] == EPCI[1]
        assert "industries" not in r.json()["data"]
        from pacte.api import schemas as S

        S.Envelope[S.Diversify].model_validate(r.json())  # the declared shape


def test_stored_matrix_gives_the_same_answer(tiny):
    """The build step's table (last year and five years before) and the on-the-fly
    aggregation of the communes give the same answer."""
    import pandas as pd

    from pacte.handlers.diversify import write_diversify_matrix

    cases = [(e, "epci", s) for e in EPCI for s in ("a88", "ape")] + [("Z1", "ze2020", "a88")]
    before = {c: diversify(tiny, c[0], c[1], c[2], min_national_jobs=0) for c in cases}
    # rows: EPCI 13 non-zero cells a year (a88 and ape alike) and 6 in A38 (one branch),
    # zones 7 and 2: 2 years x (13 + 6 + 13 + 7 + 2 + 7) = 96; measures of the last year's
    # matrices of at least 2 x 2 (A38 has one branch: none): territories 6 + 6 (EPCI, A88
    # and APE) + 2 + 2 (zones), industries 4 x 4, cells 24 + 24 + 8 + 8
    assert write_diversify_matrix(tiny) == {
        "diversify_matrix": 96, "diversify_territories": 16, "diversify_industries": 16,
        "diversify_cells": 64}
    for c in cases:
        after = diversify(tiny, c[0], c[1], c[2], min_national_jobs=0)
        pd.testing.assert_frame_equal(before[c].data["industries"], after.data["industries"])
        pd.testing.assert_frame_equal(before[c].data["opportunities"],
                                      after.data["opportunities"])
        assert json.dumps(before[c].data["territory"]) == json.dumps(after.data["territory"])
        assert before[c].meta["resolution"] == after.meta["resolution"]
