"""Parsers of fetched official files wired into ``pacte build --with-fetched``: DGCL critères
de répartition (DCRTP, FNGIR, RRF), INSEE census diplomas per commune (zip), INSEE COG
communes. Fixtures: tests/data/fetch/README.md (DGCL amounts are fictional)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.sources.cog import parse_cog_communes
from pacte.sources.dgcl import COLUMNS as DGCL_COLUMNS
from pacte.sources.dgcl import parse_dgcl_criteres
from pacte.sources.diplomas import COLUMNS as DIPLOMA_COLUMNS
from pacte.sources.diplomas import parse_census_diplomas
from pacte.sources.download import fetch
from pacte.sources.registry import load_registry, parse_registry
from pacte.store.fetched import LOADERS, PARSERS, snapshot_overrides

HERE = Path(__file__).parents[1]
FETCH = HERE / "data/fetch"
DGCL = FETCH / "dgcl_criteres_2019_fictional.csv"
DGCL_EMPTY = FETCH / "2019-communes-criteres-repartition_fixture.csv"
CODE = "Informations générales - Code INSEE de la commune"
DCRTP = "Potentiel fiscal et financier des communes - Montant de DCRTP de la commune"
COG = FETCH / "v_commune_2025_fixture.csv"
FICTIONAL = HERE / "data/fictional"  # the fictional snapshot: a store built in seconds
COG_MVT_VERBATIM = FETCH / "v_mvt_commune_2025_head40.csv"
RRF = "Dotation forfaitaire - Recettes réelles de fonctionnement des communes N-2 pour Année N"


def _dgcl_text() -> str:
    return DGCL.read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "2019-communes-criteres-repartition.csv",
           encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


# --- DGCL critères de répartition -----------------------------------------------------------

def test_dgcl_parses_the_official_layout():
    df = parse_dgcl_criteres(DGCL)
    assert list(df.columns) == DGCL_COLUMNS
    assert df["commune"].tolist() == ["76540", "76351", "76217", "01001"]
    assert df["commune"].str.len().eq(5).all() and df["year"].eq(2019).all()
    assert str(df["year"].dtype) == "int16"
    row = df.set_index("commune").loc["76351"]
    assert row["dcrtp"] == pytest.approx(1_234_567.89)  # "1234567,89": decimal comma
    assert row["population_dgf"] == 172_366 and row["rrf"] == 250_000_000
    dieppe = df.set_index("commune").loc["76217"]
    assert dieppe["fngir_prelevement"] == pytest.approx(12_345.6)
    assert dieppe["fngir_reversement"] == 0 and np.isnan(dieppe["dcrtp_epci"])
    rouen = df.set_index("commune").loc["76540"]
    assert rouen["rrf"] == pytest.approx(150_000_000.75)
    assert rouen["fngir_reversement_epci"] == pytest.approx(12_000_000.25)
    assert (rouen["epci_siren"], rouen["epci_regime_fiscal"]) == ("200023414", "FPU")
    assert df.set_index("commune").loc["01001", "fngir_reversement"] == 3456


def test_dgcl_empty_amounts_are_missing_not_zero():
    df = parse_dgcl_criteres(DGCL_EMPTY)
    assert df["commune"].tolist() == ["76540", "76351", "76217"]
    assert df[["dcrtp", "fngir_reversement", "rrf", "population_dgf"]].isna().all().all()


def test_dgcl_semicolon_separator_and_header_variants(tmp_path):
    """A `;` re-publication, a later year's RRF label, the 2020 population label, a BOM, a
    commune code whose leading zero was dropped, and no Exercice column (year from name)."""
    import csv

    rows = list(csv.reader(io.StringIO(_dgcl_text())))
    header = rows[0]
    header[header.index(RRF)] = ("Dotation forfaitaire - Recettes réelles de fonctionnement "
                                 "des communes N-2 pour l'année N")
    header[header.index("Informations générales - Population DGF Année N")] = (
        "Informations générales - Population DGF de l'année N'")
    keep = [i for i, h in enumerate(header) if h != "Informations générales - Exercice"]
    rows[4][0] = "1001"
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(
        [[r[i] for i in keep] for r in rows])
    path = _write(tmp_path, "\ufeff" + out.getvalue(), name="2021-communes-criteres.csv")
    df = parse_dgcl_criteres(path)
    assert df["commune"].tolist() == ["76540", "76351", "76217", "01001"]
    assert df["year"].eq(2021).all()
    assert df["rrf"].tolist() == pytest.approx([150_000_000.75, 250e6, 40_000_000.1, 450_000])
    assert df["population_dgf"].tolist() == [114_187, 172_366, 30_000, 800]


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    (',"1234567,89",', ',"1234567,89 €",', 3, "valeur non numérique"),
    (',"1234567,89",', ",-5,", 3, "valeur négative"),
    (",172366,", ",172366.5,", 3, "valeur non numérique"),
    ("76217,DIEPPE", "762170,DIEPPE", 4, "code commune INSEE invalide"),
    ("01001,L'ABERGEMENT", "76540,L'ABERGEMENT", 5, "commune en double"),
])
def test_dgcl_rejects_bad_cells_with_file_line_value(tmp_path, old, new, line, message):
    text = _dgcl_text()
    assert text.count(old) == 1
    path = _write(tmp_path, text.replace(old, new))
    with pytest.raises(ParseError, match=message) as info:
        parse_dgcl_criteres(path)
    assert info.value.line == line and info.value.path == str(path)
    assert f"{path}, ligne {line}" in str(info.value)
    assert info.value.value is not None


def test_dgcl_non_utf8_encodings(tmp_path):
    """A cp1252 file, and a UTF-8 file with a stray Latin-1 byte (the dictionary's
    « major\ufffde »), are both read; errors still name the original file."""
    text = _dgcl_text()
    cp = tmp_path / "cp1252" / "2019-communes-criteres-repartition.csv"
    cp.parent.mkdir()
    cp.write_bytes(text.replace("\ufffd", "é").encode("cp1252"))
    pd.testing.assert_frame_equal(parse_dgcl_criteres(cp), parse_dgcl_criteres(DGCL))
    stray = tmp_path / "2019-communes-criteres-repartition.csv"
    stray.write_bytes(text.encode("utf-8").replace("major\ufffde".encode(), b"major\xe9e"))
    pd.testing.assert_frame_equal(parse_dgcl_criteres(stray), parse_dgcl_criteres(DGCL))
    stray.write_bytes(stray.read_bytes().replace(b',"1234567,89",', b",12x,"))
    with pytest.raises(ParseError, match="valeur non numérique dans la colonne") as info:
        parse_dgcl_criteres(stray)
    assert info.value.path == str(stray) and info.value.line == 3 and info.value.value == "12x"
    assert str(info.value).startswith(f"{stray}, ligne 3 : valeur non numérique")


def test_dgcl_missing_required_column(tmp_path):
    path = _write(tmp_path, _dgcl_text().replace(DCRTP, "Montant DCRTP", 1))
    with pytest.raises(ParseError, match="colonne DGCL introuvable pour « dcrtp »"):
        parse_dgcl_criteres(path)



# --- INSEE census diplomas, commune base (zip) ------------------------------------------------

AGES = ["0205", "0610", "1114", "1517", "1824", "2529", "30P"]
LEVELS = ["DIPLMIN", "BEPC", "CAPBEP", "BAC", "SUP2", "SUP34", "SUP5"]


def diploma_header(yy: str = "21", levels: list[str] = LEVELS) -> list[str]:
    """The base-cc-diplomes-formation layout: the variables of the INSEE IRIS sample
    (attractiveness/insee_rp2015_diplomes_formation_iris_paris.csv) keyed by CODGEO."""
    head = ["CODGEO"]
    head += [f"P{yy}_POP{a}" for a in AGES] + [f"P{yy}_SCOL{a}" for a in AGES]
    for sex in ("", "H", "F"):
        head += [f"P{yy}_{sex}NSCOL15P"] + [f"P{yy}_{sex}NSCOL15P_{lv}" for lv in levels]
    return head


def diploma_row(code: str, nscol: list[str], width: int) -> list[str]:
    """``nscol``: the total then one count per level; other cells are filler counts."""
    fill = ["10"] * 14
    rest = ["1"] * (width - 1 - 14 - len(nscol))
    return [code, *fill, *nscol, *rest]


def diploma_zip(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None,
                name: str = "base-cc-diplomes-formation-2021.csv", sep: str = ";") -> Path:
    header = header or diploma_header()
    text = "\n".join(sep.join(r) for r in [header, *rows]) + "\n"
    path = tmp_path / "base-cc-diplomes-formation-2021_csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta_base-cc-diplomes-formation-2021.csv",
                    "COD_VAR;LIB_VAR\nP21_NSCOL15P;Pop 15 ans ou plus non scolarisée\n")
        zf.writestr(name, text.encode("utf-8"))
    return path


NSCOL_ROUEN = ["90000.5", "15000.25", "4000", "14000", "16000", "12000", "11000", "18000.25"]
NSCOL_AB = ["500", "100", "30", "120", "110", "60", "40", "40"]


def test_diplomas_from_the_official_zip(tmp_path):
    width = len(diploma_header())
    path = diploma_zip(tmp_path, [diploma_row("76540", NSCOL_ROUEN, width),
                                  diploma_row("01001", NSCOL_AB, width),
                                  diploma_row("2A004", ["0"] * 8, width)])
    df = parse_census_diplomas(path)
    assert list(df.columns) == DIPLOMA_COLUMNS
    assert df["commune"].tolist() == ["76540", "01001", "2A004"]
    assert df["year"].eq(2021).all() and str(df["year"].dtype) == "int16"
    rouen = df.iloc[0]
    assert rouen["pop_15plus_non_scol"] == 90_000.5 and rouen["no_diploma"] == 15_000.25
    assert rouen["bac_plus_2_or_more"] == pytest.approx(12_000 + 11_000 + 18_000.25)
    assert rouen["no_diploma_or_bepc"] == 19_000.25 and rouen["bac_plus_5_or_more"] == 18_000.25
    assert df.iloc[1][["bepc", "cap_bep", "bac"]].tolist() == [30, 120, 110]
    assert df.iloc[2]["bac_plus_2_or_more"] == 0


def test_diplomas_year_from_header_and_pre_2017_layout(tmp_path):
    """RP 2015 naming of the Paris IRIS sample (``SUP``, no ``BEPC``), as a plain CSV with
    `,` like the sample: bac+2 or more is ``SUP``, the finer levels are NaN."""
    header = diploma_header("15", ["DIPLMIN", "CAPBEP", "BAC", "SUP"])
    row = diploma_row("75101", ["739", "116", "73", "138", "412"], len(header))
    path = tmp_path / "base-cc-diplomes-formation-2015.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    df = parse_census_diplomas(path)
    assert df.loc[0, "year"] == 2015 and df.loc[0, "commune"] == "75101"
    assert df.loc[0, ["pop_15plus_non_scol", "no_diploma", "no_diploma_or_bepc",
                      "bac_plus_2_or_more"]].tolist() == [739, 116, 116, 412]
    assert df.loc[0, ["bepc", "bac_plus_2", "bac_plus_5_or_more"]].isna().all()


@pytest.mark.parametrize(("bad", "column", "message"), [
    ("12 000", "P21_NSCOL15P_SUP2", "valeur non numérique"),
    ("-4", "P21_NSCOL15P_SUP2", "valeur négative"),
    ("s", "P21_NSCOL15P", "valeur non numérique"),
])
def test_diplomas_reject_bad_cells_naming_member_line_value(tmp_path, bad, column, message):
    header = diploma_header()
    width = len(header)
    rows = [diploma_row("76540", NSCOL_ROUEN, width), diploma_row("01001", NSCOL_AB, width)]
    rows[1][header.index(column)] = bad
    path = diploma_zip(tmp_path, rows)
    with pytest.raises(ParseError, match=message) as info:
        parse_census_diplomas(path)
    assert info.value.line == 3 and info.value.value == bad
    assert info.value.path == f"{path}!base-cc-diplomes-formation-2021.csv"
    assert column in str(info.value)


def test_diplomas_structural_errors(tmp_path):
    width = len(diploma_header())
    dup = diploma_zip(tmp_path, [diploma_row("76540", NSCOL_ROUEN, width)] * 2)
    with pytest.raises(ParseError, match="commune en double") as info:
        parse_census_diplomas(dup)
    assert info.value.line == 3
    code = diploma_zip(tmp_path, [diploma_row("7654", NSCOL_ROUEN, width)])
    with pytest.raises(ParseError, match="code commune invalide"):
        parse_census_diplomas(code)
    two_years = diploma_header() + ["P20_NSCOL15P"]
    path = diploma_zip(tmp_path, [diploma_row("76540", NSCOL_ROUEN, width) + ["1"]],
                       header=two_years)
    with pytest.raises(ParseError, match="P20_NSCOL15P, P21_NSCOL15P"):
        parse_census_diplomas(path)
    no_data = diploma_zip(tmp_path, [], name="lisezmoi.txt")
    with pytest.raises(ParseError, match="aucun fichier CSV de données"):
        parse_census_diplomas(no_data)
    short = diploma_zip(tmp_path, [diploma_row("76540", NSCOL_ROUEN, width)[:-1]])
    with pytest.raises(ParseError, match="champs au lieu des"):
        parse_census_diplomas(short)


# --- INSEE COG communes ---------------------------------------------------------------------

def test_cog_communes_keeps_com_rows():
    df = parse_cog_communes(COG)
    assert list(df.columns) == ["code", "name", "dep", "reg", "typecom"]
    assert len(df) == 17 and df["typecom"].eq("COM").all() and df["code"].is_unique
    # a commune nouvelle and the commune déléguée of its chef-lieu share the code: kept once
    assert df.set_index("code").loc["08439"].tolist() == [
        "Tannay-le-Mont-Dieu", "08", "44", "COM"]
    assert df.set_index("code").loc["16393", "name"] == "La Boixe"  # LIBELLE, with article
    assert {"01330", "09287", "75101"}.isdisjoint(df["code"])  # COMD and ARM dropped
    assert df.set_index("code").loc["75056", ["dep", "reg"]].tolist() == ["75", "11"]


def test_cog_communes_rejects_the_mouvements_layout():
    """The 40 verbatim INSEE rows of v_mvt_commune_2025 are another COG file: refused with
    the columns it lacks, not misread."""
    with pytest.raises(ParseError, match="colonnes manquantes.*TYPECOM, COM, REG, DEP, "
                       "LIBELLE") as info:
        parse_cog_communes(COG_MVT_VERBATIM)
    assert info.value.line == 1


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("COM,02589,32,02", "COMX,02589,32,02", 4, "TYPECOM inconnu"),
    ("COM,02589,32,02", "COM,2589,32,02", 4, "code commune invalide"),
    ("COM,02589,32,02,02D", "COM,02589,32,,02D", 4, "département invalide"),
    ("COM,76540,28,76", "COM,76540,,76", 28, "région invalide"),
    ("COM,76540,28,76", "COM,01187,84,01", 28, "commune en double"),
])
def test_cog_communes_errors_name_file_line_value(tmp_path, old, new, line, message):
    text = COG.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "v_commune_2025.csv"
    path.write_text("\ufeff" + text.replace(old, new), encoding="utf-8", newline="")
    with pytest.raises(ParseError, match=message) as info:
        parse_cog_communes(path)
    assert info.value.line == line and info.value.path == str(path)

# --- fetched from a loopback server, then built into the store -------------------------------

class Handler(BaseHTTPRequestHandler):
    """GET of the server's files (the pattern of tests/test_fetch.py, without Range)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server API)
        body = self.server.files.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture
def server(local_server, tmp_path_factory):
    srv = local_server(Handler, {"/dgcl-2019.csv": DGCL.read_bytes(),
                                 "/v_commune_2025.csv": COG.read_bytes()})
    srv.base_dir = tmp_path_factory.mktemp("served")
    width = len(diploma_header())
    srv.files["/diplomes-2021.zip"] = diploma_zip(
        srv.base_dir, [diploma_row("76540", NSCOL_ROUEN, width),
                       diploma_row("01001", NSCOL_AB, width)]).read_bytes()
    return srv


def local_registry(base: str) -> dict:
    """The shipped registry with the fetched sources pointed at the local server."""
    raw = json.loads((HERE.parent / "src/pacte/data/sources.json").read_text(encoding="utf-8"))
    raw["dgcl_criteres_repartition_communes"]["vintages"]["2019"]["urls"] = [
        f"{base}/dgcl-2019.csv"]
    raw["insee_rp_diplomes"]["vintages"]["2021"]["urls"] = [f"{base}/diplomes-2021.zip"]
    raw["insee_cog_communes"]["vintages"]["2025"]["urls"] = [f"{base}/v_commune_2025.csv"]
    return parse_registry(raw)


def test_registry_names_the_new_tables():
    reg = load_registry()
    assert reg["dgcl_criteres_repartition_communes"]["2019"].table == "dgcl_criteres"
    assert {s.table for s in reg["insee_rp_diplomes"].values()} == {"census_diplomas"}
    assert reg["insee_cog_communes"]["2025"].table == "cog_communes_fetched"
    for table in ("dgcl_criteres", "census_diplomas", "cog_communes_fetched"):
        assert table in PARSERS and table in LOADERS


def test_fetched_dgcl_overrides_and_store_build(server, tmp_path):
    import duckdb

    from pacte import store

    cache = tmp_path / "cache"
    got = fetch("dgcl_criteres_repartition_communes", "2019", cache_dir=cache,
                registry=local_registry(server.base), progress=False)
    digest = hashlib.sha256(DGCL.read_bytes()).hexdigest()
    assert got.meta["sha256"] == digest
    zipped = fetch("insee_rp_diplomes", "2021", cache_dir=cache,
                   registry=local_registry(server.base), progress=False)
    fetch("insee_cog_communes", "2025", cache_dir=cache, registry=local_registry(server.base),
          progress=False)
    over = snapshot_overrides(cache, allow_partial=True)  # the shipped registry finds the files
    assert set(over.tables) == {"dgcl_criteres", "census_diplomas", "cog_communes_fetched"}
    pd.testing.assert_frame_equal(over.tables["dgcl_criteres"], parse_dgcl_criteres(DGCL))
    assert over.provenance["dgcl_criteres"]["rows"] == 4
    assert over.tables["census_diplomas"]["commune"].tolist() == ["76540", "01001"]
    assert over.provenance["census_diplomas"]["sha256"] == zipped.meta["sha256"]

    db = tmp_path / "pacte.duckdb"  # the fetched tables do not depend on the snapshot's
    store.build(db, snap=FICTIONAL, with_fetched=True, cache_dir=cache, allow_partial=True)
    with duckdb.connect(str(db), read_only=True) as con:
        table = con.execute("SELECT * FROM dgcl_criteres ORDER BY commune").df()
        prov = con.execute("SELECT source, vintage, origin, licence, rows, sha256 FROM "
                           "provenance WHERE table_name = 'dgcl_criteres'").fetchall()
    assert table["commune"].tolist() == ["01001", "76217", "76351", "76540"]
    assert list(table.columns) == DGCL_COLUMNS
    assert table.set_index("commune").loc["76351", "dcrtp"] == pytest.approx(1_234_567.89)
    assert table["year"].eq(2019).all()
    [(source, vintage, origin, licence, rows, sha)] = prov
    assert source.startswith("DGCL, critères de répartition") and vintage.startswith("2019")
    assert origin.startswith(f"{server.base}/dgcl-2019.csv (téléchargé le ")
    assert licence == "Licence Ouverte / Etalab 2.0" and rows == 4 and sha == digest
    with duckdb.connect(str(db), read_only=True) as con:
        dip = con.execute("SELECT commune, year, bac_plus_2_or_more FROM census_diplomas "
                          "ORDER BY commune").fetchall()
        rows = con.execute("SELECT rows FROM provenance WHERE table_name = "
                           "'census_diplomas'").fetchone()
        cog = con.execute("SELECT count(*), min(code), max(typecom) FROM "
                          "cog_communes_fetched").fetchone()
    assert dip == [("01001", 2021, 140.0), ("76540", 2021, 41_000.25)] and rows == (2,)
    assert cog == (17, "01187", "COM")
