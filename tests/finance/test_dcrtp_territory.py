"""DCRTP per territory on the OFGL REI: parser, EPCI layouts, and the whole chain (fixture
served on a loopback server, ``pacte fetch``, ``build --with-fetched``, ``simulate dcrtp
--territory``) with a cut checked by hand.

Fixture: ``tests/data/finance/ofgl_rei_fixture.csv`` (see ``tests/data/finance/README.md``):
the export layout of data.ofgl.fr (UTF-8 with BOM, CRLF, ``;``, decimal point, the 20 fields
of the ``rei`` dataset). The Métropole d'Aix-Marseille-Provence rows carry its real DCRTP
and FNGIR (REI 2016 and 2020, from the AMP extract), repeated on its 92 communes; the CC des
Vallées d'Aigueblanche (247300015, FA) and its three communes carry invented round amounts,
split between the members, for the hand computation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pacte.errors import DataError, ParseError
from pacte.finance.territory import REPEATED, SPLIT, base_year, calc_epci_amounts
from pacte.sources.ofgl import COLUMNS, parse_ofgl_rei

HERE = Path(__file__).resolve().parents[1]
FIXTURE = HERE / "data/finance/ofgl_rei_fixture.csv"
AMP, CC = "200054807", "247300015"


def test_parser_reads_the_ofgl_export_layout():
    df = parse_ofgl_rei(FIXTURE)
    assert list(df.columns) == COLUMNS
    assert len(df) == 92 * 2 + 3  # AMP communes in 2016 and 2020, the CC's three in 2020
    aix = df[(df["commune"] == "13001")].set_index("year")
    assert aix.loc[2020, "dcrtp_epci"] == 128_369_341.0  # AMP README: REI 2020
    assert aix.loc[2016, "dcrtp_epci"] == 129_240_252.0
    assert aix.loc[2020, "fngir_reversement_epci"] == 245_717_445.0
    assert np.isnan(aix.loc[2020, "dcrtp"])  # no « DCRTP / Commune » row: missing, not 0
    lech = df[df["commune"] == "73187"].iloc[0]
    assert (lech["dcrtp"], lech["dcrtp_epci"], lech["epci_siren"]) == (500_000.0, 150_000.0, CC)
    assert lech["epci_regime_fiscal"] == "FA" and lech["name"] == "La Léchère"


@pytest.mark.parametrize("old, new, message", [
    ("13001;200054807", "1300X;200054807", "code commune INSEE invalide"),
    ("2020;", "20X0;", "exercice invalide"),
    (";500000.0;", ";cinq;", "valeur non numérique"),
])
def test_parser_errors_name_file_line_value(tmp_path, old, new, message):
    text = FIXTURE.read_text(encoding="utf-8-sig")
    assert old in text
    bad = tmp_path / "rei.csv"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8-sig")
    with pytest.raises(ParseError, match=message) as info:
        parse_ofgl_rei(bad)
    assert info.value.path == str(bad) and info.value.line is not None


def test_parser_refuses_a_file_without_dcrtp_or_fngir(tmp_path):
    bad = tmp_path / "rei.csv"
    bad.write_text("annee;idcom;varlib;valeur\n2024;01001;FB - COMMUNE / TAUX VOTÉ;30.1\n",
                   encoding="utf-8")
    with pytest.raises(ParseError, match="aucune variable DCRTP ou FNGIR"):
        parse_ofgl_rei(bad)
    bad.write_text("annee;idcom;valeur\n2024;01001;1\n", encoding="utf-8")
    with pytest.raises(ParseError, match="champs OFGL manquants.*varlib"):
        parse_ofgl_rei(bad)


def test_duplicate_variable_is_refused(tmp_path):
    lines = FIXTURE.read_text(encoding="utf-8-sig").splitlines()
    bad = tmp_path / "rei.csv"
    bad.write_text("\n".join([*lines, lines[-2]]) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="variable en double") as info:
        parse_ofgl_rei(bad)
    assert info.value.line == len(lines) + 1


def test_epci_layouts_repeated_and_split():
    """Repeated: the AMP's 128,369,341 € on its 92 rows is taken once (a sum would give 92
    times the real amount, AMP README). Split: 600,000 + 250,000 + 150,000 = 1,000,000 €."""
    epci = pd.Series([AMP] * 92 + [CC] * 3 + [""])
    value = pd.Series([128_369_341.0] * 92 + [600_000.0, 250_000.0, 150_000.0, 5.0])
    out = calc_epci_amounts(epci, value)
    assert list(out.index) == [AMP, CC]
    assert out.loc[AMP, "amount"] == 128_369_341.0 and out.loc[AMP, "layout"] == REPEATED
    assert out.loc[CC, "amount"] == 1_000_000.0 and out.loc[CC, "layout"] == SPLIT
    assert out.loc[AMP, "rows"] == 92


@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=8), st.integers(2, 50))
def test_epci_layout_property(parts, n):
    """A value repeated on n >= 2 member rows is taken once; distinct parts are summed."""
    rep = calc_epci_amounts(pd.Series(["e"] * n), pd.Series([float(parts[0])] * n))
    assert rep.loc["e", "amount"] == parts[0] and rep.loc["e", "layout"] == REPEATED
    if len(set(parts)) > 1:
        split = calc_epci_amounts(pd.Series(["e"] * len(parts)), pd.Series(parts, dtype=float))
        assert split.loc["e", "amount"] == sum(parts) and split.loc["e", "layout"] == SPLIT


def test_base_year():
    assert base_year([2023, 2024], 2026) == 2024
    assert base_year([2016, 2020], 2020) == 2020
    assert base_year([2016, 2020], 2018) == 2016
    assert base_year([2023], 2017) == 2023
    with pytest.raises(DataError):
        base_year([], 2020)


# --- the whole chain: served, fetched, built, simulated ------------------------------------

@pytest.fixture(scope="module")
def rei_cache(tmp_path_factory) -> Path:
    """A cache holding the REI fixture, fetched (``pacte fetch ofgl_rei``) from a loopback
    server standing for data.ofgl.fr."""
    from fixtures.rei_fetch import fetch_rei

    cache = tmp_path_factory.mktemp("rei") / "cache"
    fetch_rei(cache)
    return cache


@pytest.fixture(scope="module")
def rei_built(fictional_fetched, fictional_build) -> Path:
    """``pacte build --with-fetched`` with the fetched REI, on the fictional snapshot (the
    session's store built with fetched files, conftest_fictional: the REI table and its
    provenance do not depend on the other tables)."""
    import hashlib

    from pacte import store

    path = fictional_fetched["path"]
    with store.connect(path) as con:
        prov = {t: {"sha256": h} for t, h in con.execute(
            "SELECT table_name, sha256 FROM provenance").fetchall()}
        built = store.read_meta(con)["build_hash"]
    assert prov["ofgl_rei"]["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert built == store.build_hash(prov)  # the REI is an input of the build hash
    assert built != fictional_build["meta"]["build_hash"]
    return path


@pytest.fixture(scope="module")
def rei_store(rei_cache, built_store, tmp_path_factory) -> Path:
    """The real store (COG 2025 populations of the AMP and of the CC) with the fetched REI
    added as ``build --with-fetched`` adds it: the build's own loader and provenance entry
    (:func:`pacte.store.fetched.snapshot_overrides`, ``stream=True``), on a copy of the
    session's real store rather than a second real build. No derived table reads
    ``ofgl_rei``, so the copy holds what a real build with the REI would; its build hash is
    the one that build would record (the REI's sha256 is an input)."""
    import shutil

    import duckdb

    from pacte import store
    from pacte.settings import package_data
    from pacte.store.fetched import snapshot_overrides

    db = tmp_path_factory.mktemp("rei_real") / "pacte.duckdb"
    shutil.copy(built_store, db)
    over = snapshot_overrides(rei_cache, stream=True, allow_partial=True)
    assert set(over.tables) == {"ofgl_rei"}
    prov = {**store.read_provenance(package_data()), **over.provenance}
    con = duckdb.connect(str(db))
    try:
        entry = prov["ofgl_rei"]
        entry["rows"] = over.tables["ofgl_rei"](con, "ofgl_rei")
        con.execute("INSERT INTO provenance (table_name, source, vintage, origin, licence, rows, "
                    "sha256) VALUES ('ofgl_rei', ?, ?, ?, ?, ?, ?)",
                    [entry[k] for k in ("source", "vintage", "origin", "licence", "rows",
                                        "sha256")])
        con.execute("UPDATE meta SET value = ? WHERE key = 'build_hash'",
                    [store.build_hash(prov)])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db


@pytest.fixture(scope="module")
def rei_con(rei_store):
    from pacte import store

    with store.connect(rei_store) as c:
        yield c


@pytest.mark.parametrize("which", ["rei_built", "rei_store"])
def test_rei_table_and_provenance_in_the_store(which, request):
    """The built store (fictional snapshot) and the real store given the REI hold the same
    table and provenance."""
    from pacte import store

    with store.connect(request.getfixturevalue(which)) as con:
        n, amp = con.execute("SELECT count(*), max(dcrtp_epci) FROM ofgl_rei").fetchall()[0]
        src, lic, rows, origin = con.execute(
            "SELECT source, licence, rows, origin FROM provenance WHERE "
            "table_name = 'ofgl_rei'").fetchall()[0]
    assert (n, amp) == (187, 129_240_252.0)
    assert src.startswith("OFGL / DGFiP") and lic == "Licence Ouverte / Etalab 2.0"
    assert rows == 187 and "/rei.csv (téléchargé le " in origin


def _key(ans, key):
    return ans.data["keys"].set_index("key").loc[key]


def test_cut_of_one_epci_and_one_commune_by_hand(rei_con):
    """Exercice 2020 of the fixture, cut of 1,303,693.41 €.

    DCRTP on the file: AMP 128,369,341 (repeated, taken once); CC 247300015: 600,000 +
    250,000 + 150,000 = 1,000,000 (split, summed); its communes 400,000 (73003), 100,000
    (73024), 500,000 (73187). Total D = 130,369,341 €, and the cut is D / 100.

    Key « dcrtp » (uniform rate): every cut is 1 % of its DCRTP, no cap binds:
    CC 10,000.00 €; La Léchère 5,000.00 €; the CC's territory (EPCI + 3 communes)
    10,000 + 4,000 + 1,000 + 5,000 = 20,000.00 €.

    Key « population » (pro rata population of the beneficiaries, COG 2025 populations of
    the store: AMP 1,939,077 = its 92 communes; CC 7,042 = 3,780 + 724 + 2,538):
    weights sum to 1,939,077 + 7,042 + 3,780 + 724 + 2,538 = 1,953,161;
    La Léchère 1,303,693.41 x 2,538 / 1,953,161 = 1,694.06 €;
    the CC (EPCI row) 1,303,693.41 x 7,042 / 1,953,161 = 4,700.39 €.
    """
    from pacte.handlers.dcrtp_territory import territory_dcrtp

    cut = 1_303_693.41
    epci = territory_dcrtp(rei_con, CC, year=2020, cut=cut)
    assert epci.meta["donnees"] == "données réelles" and not epci.meta["donnees_fictives"]
    assert epci.meta["exercice_rei"] == 2020 and epci.meta["disposition_epci"] == SPLIT
    d = _key(epci, "dcrtp")
    assert d["dcrtp_before"] == pytest.approx(2_000_000.0)
    assert d["cut"] == pytest.approx(20_000.00, abs=0.005)
    assert d["national_cut"] == pytest.approx(cut, abs=0.005)
    rows = epci.data["rows"].set_index(["level", "code"])
    assert rows.loc[("epci", CC), "cut_dcrtp"] == pytest.approx(10_000.00, abs=0.005)
    assert rows.loc[("epci", CC), "cut_population"] == pytest.approx(4_700.39, abs=0.01)
    assert "legal" in epci.data["skipped"] and "RRF" in epci.data["skipped"]["legal"]

    com = territory_dcrtp(rei_con, "73187", year=2020, cut=cut)
    assert _key(com, "dcrtp")["cut"] == pytest.approx(5_000.00, abs=0.005)
    assert _key(com, "population")["cut"] == pytest.approx(1_694.06, abs=0.01)
    # double peine under the uniform key: cut share / population share, the population
    # counted once per territory (AMP 1,939,077 + CC 7,042 = 1,946,119):
    # (5,000 / 1,303,693.41) / (2,538 / 1,946,119) = 2.9408
    k = _key(com, "dcrtp")
    assert k["double_peine"] == pytest.approx(2.9408, abs=1e-4)


def test_history_of_the_metropole(rei_con):
    from pacte.handlers.dcrtp_territory import territory_dcrtp

    ans = territory_dcrtp(rei_con, AMP, year=2020, cut=1_000_000)
    hist = ans.data["history"].set_index("year")
    assert hist.loc[2016, "dcrtp_epci"] == 129_240_252.0
    assert hist.loc[2020, "dcrtp_total"] == 128_369_341.0
    assert hist.loc[2020, "fngir_net"] == 245_717_445.0
    assert hist.loc[2020, "layout"] == REPEATED


def test_cli_territory_says_real_data(rei_store):
    from pacte.cli.main import app

    res = CliRunner().invoke(app, ["simulate", "dcrtp", "--territory", CC, "--year", "2020",
                                   "--cut", "1303693.41", "--db", str(rei_store)])
    assert res.exit_code == 0, res.output
    assert "données réelles" in res.output and "fictive" not in res.output
    assert "20 000,00 €" in res.output.replace("\u202f", " ").replace("\u00a0", " ")
    js = CliRunner().invoke(app, ["simulate", "dcrtp", "--territory", "73187", "--year",
                                  "2020", "--cut", "1303693.41", "--format", "json", "--db",
                                  str(rei_store)])
    doc = json.loads(js.stdout)
    assert doc["meta"]["donnees"] == "données réelles"
    assert {k["key"]: k["cut"] for k in doc["keys"]}["dcrtp"] == pytest.approx(5_000.0)


def test_without_the_rei_the_answer_says_how_to_get_it(fictional_con, fictional_store):
    from pacte.cli.main import app
    from pacte.handlers.dcrtp_territory import finances_block, territory_dcrtp

    block = finances_block(fictional_con, "anything")
    assert block["available"] is False and "pacte fetch ofgl_rei" in block["message"]
    with pytest.raises(DataError, match="pacte build --with-fetched"):
        territory_dcrtp(fictional_con, "anything")
    res = CliRunner().invoke(app, ["simulate", "dcrtp", "--territory", "X", "--db",
                                   str(fictional_store)])
    assert res.exit_code == 1 and "pacte fetch ofgl_rei" in res.output


def test_every_demo_output_says_fictional(fictional_store):
    """No output on fictional data without « données fictives » (table, csv, json)."""
    from pacte.cli.main import app

    for fmt in ("table", "csv", "json"):
        res = CliRunner().invoke(app, ["simulate", "dcrtp", "--format", fmt, "--db",
                                       str(fictional_store)])
        assert res.exit_code == 0, res.output
        assert "données fictives" in res.output.lower(), fmt


def test_api_finances_and_territory_simulation(rei_store, fictional_store, tmp_path):
    from fastapi.testclient import TestClient

    from pacte.api import Settings, create_app

    with TestClient(create_app(Settings(db=rei_store, cache=tmp_path / "a"))) as client:
        block = client.get(f"/api/finances/{CC}").json()
        assert block["data"]["available"] is True
        assert block["data"]["donnees"] == "données réelles"
        assert [h["year"] for h in block["data"]["history"]] == [2016, 2020]
        r = client.get("/api/simulate/dcrtp/73187", params={"year": 2020,
                                                             "cut": 1_303_693.41})
        assert r.status_code == 200, r.text
        from pacte.api import schemas as S

        S.Envelope[S.TerritoryDcrtp].model_validate(r.json())  # the declared shape
        keys = {k["key"]: k for k in r.json()["data"]["keys"]}
        assert keys["dcrtp"]["cut"] == pytest.approx(5_000.0)
        assert r.json()["meta"]["donnees_fictives"] is False
        assert any(s["table"] == "ofgl_rei" for s in r.json()["meta"]["sources"])
    with TestClient(create_app(Settings(db=fictional_store, cache=tmp_path / "b"))) as client:
        block = client.get("/api/finances/73187").json()["data"]
        assert block["available"] is False and "pacte fetch ofgl_rei" in block["message"]
        r = client.get("/api/simulate/dcrtp/73187")
        assert r.status_code == 422 and "pacte build --with-fetched" in r.text


def test_profile_finances_section_on_real_amounts(rei_con):
    from pacte.handlers.profile import profile
    from pacte.report.profile import render_html

    ans = profile(rei_con, AMP, "epci")
    fin = ans.data["local"]["finances"]
    assert fin["available"] is True and fin["donnees"] == "données réelles"
    hist = {h["year"]: h for h in fin["history"]}
    assert hist[2020]["dcrtp_epci"] == 128_369_341.0
    html = render_html(rei_con, ans, charts=False)
    assert "Finances locales" in html and "128\u202f369\u202f341" in html
    assert "pacte fetch ofgl_rei" not in html


def test_real_criteria_say_real_data(fictional_store):
    """The AMP extract (real DCRTP of the métropole) through --criteria: « données réelles »
    in the table and in the JSON meta, never « fictives »."""
    from pacte.cli.main import app

    amp = HERE / "data/finance/amp"
    res = CliRunner().invoke(app, ["simulate", "dcrtp", "--criteria", str(amp), "--key",
                                   "dcrtp", "--db", str(fictional_store)])
    assert res.exit_code == 0, res.output
    assert "Données réelles" in res.output and "fictive" not in res.output.lower()
    js = CliRunner().invoke(app, ["simulate", "dcrtp", "--criteria", str(amp), "--key",
                                  "dcrtp", "--format", "json", "--db", str(fictional_store)])
    assert json.loads(js.stdout)["meta"]["donnees"] == "données réelles"
