"""``pacte export``: each format opens with its usual reader (csv with ';', openpyxl,
GeoJSON, GeoPackage through sqlite3 and pyogrio, pyarrow), with one row per territory and
the stored value of a figure (industry share 2016, census, Métropole Rouen Normandie)."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
import typer
from typer.testing import CliRunner

from pacte.cli.export import register
from pacte.handlers.indicators import indicators
from pacte.labels import ATTRIBUTION

ROUEN = "200023414"
IDS = ["industry_share", "import_exposure_china"]
COLUMN = "industry_share_2016_rp (%)"
FRENCH = "Part de l'emploi : fonction « fabrication », 2016, recensement (%)"
FORMATS = {"csv": "csv", "csv-fr": "fr.csv", "xlsx": "xlsx", "geojson": "geojson",
           "gpkg": "gpkg", "parquet": "parquet"}


@pytest.fixture(scope="module")
def files(built_store, tmp_path_factory):
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    d = tmp_path_factory.mktemp("export")
    out = {}
    for fmt, ext in FORMATS.items():
        path = d / f"epci.{ext}"
        args = ["export", "--level", "epci", "--format", fmt, "--out", str(path), "--db",
                str(built_store)] + [a for i in IDS for a in ("--indicator", i)]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        out[fmt] = path
    return out


@pytest.fixture(scope="module")
def expected(con):
    n = con.execute("SELECT count(*) FROM territory WHERE level = 'epci'").fetchone()[0]
    long = indicators(con, "epci", ["industry_share"], "2016", ROUEN).data
    value = long[long["source"] == "rp"]["value"].iloc[0]
    n_metro = con.execute("SELECT count(*) FROM contours_epci c JOIN territory t ON "
                          "t.level = 'epci' AND t.code = c.code WHERE t.dep NOT LIKE '97%'"
                          ).fetchone()[0]
    return {"n": n, "value": value, "n_metro": n_metro}


def test_expected_value_is_rouen_census_share(expected):
    """Rouen's industrial share in 2016 (census, fabrication function): 8.16 %."""
    assert expected["n"] == 1255
    assert expected["value"] == pytest.approx(8.158, abs=1e-3)


def test_csv(files, expected):
    with open(files["csv"], encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == expected["n"]
    rouen = next(r for r in rows if r["code"] == ROUEN)
    assert rouen["name"] == "Métropole Rouen Normandie"
    assert float(rouen[COLUMN]) == pytest.approx(expected["value"])


def test_csv_fr_opens_in_french_excel(files, expected):
    raw = files["csv-fr"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    with open(files["csv-fr"], encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert len(rows) == expected["n"]
    rouen = next(r for r in rows if r["Code"] == ROUEN)
    assert rouen[FRENCH] == "8,2"  # a share to the catalogue's one decimal, decimal comma


def test_xlsx(files, expected):
    from openpyxl import load_workbook

    wb = load_workbook(files["xlsx"])
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    assert head[:2] == ["Code", "Nom"] and FRENCH in head
    assert ws.freeze_panes == "A2"
    assert ws.max_row == expected["n"] + 1
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    cell = rows[ROUEN][0]
    assert isinstance(cell.value, str) and cell.number_format == "@"
    share = rows[ROUEN][head.index(FRENCH)]
    assert share.value == pytest.approx(expected["value"], abs=1e-12)  # full precision
    assert share.number_format == "0.0"  # shown as 8,2 in French Excel
    china = next(h for h in head if h.startswith("Exposition"))
    assert rows[ROUEN][head.index(china)].number_format == "0.00"
    defs = {r[1]: r for r in wb["Définitions"].iter_rows(min_row=2, values_only=True)}
    assert defs["industry_share"][3:5] == ("%", 1)  # unit and decimals, from the catalogue
    src = [c.value for row in wb["Sources"].iter_rows() for c in row if c.value]
    assert ATTRIBUTION in src and "Licence Ouverte / Etalab 2.0" in src


def test_geojson(files, expected, con):
    doc = json.loads(files["geojson"].read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == expected["n"]  # every EPCI has a contour
    rouen = next(f for f in doc["features"] if f["properties"]["code"] == ROUEN)
    assert rouen["properties"][COLUMN] == pytest.approx(expected["value"])
    assert rouen["geometry"]["type"] == "MultiPolygon"
    lon, lat = rouen["geometry"]["coordinates"][0][0][0]
    assert 0.6 < lon < 1.4 and 49.2 < lat < 49.6  # Rouen, WGS84
    assert doc["pacte"]["build_hash"] == con.execute(
        "SELECT value FROM meta WHERE key = 'build_hash'").fetchone()[0]


def test_gpkg(files, expected):
    import pyogrio

    db = sqlite3.connect(files["gpkg"])
    layers = dict(db.execute("SELECT table_name, srs_id FROM gpkg_geometry_columns"))
    assert layers == {"epci": 4326, "epci_lambert93": 2154}
    assert db.execute("SELECT count(*) FROM epci").fetchone()[0] == expected["n"]
    assert (db.execute("SELECT count(*) FROM epci_lambert93").fetchone()[0]
            == expected["n_metro"])
    value = db.execute(f'SELECT "{COLUMN}" FROM epci WHERE code = ?', [ROUEN]).fetchone()[0]
    assert value == pytest.approx(expected["value"])
    db.close()
    info = pyogrio.read_info(files["gpkg"], layer="epci_lambert93")
    xmin, ymin, xmax, ymax = info["total_bounds"]
    # metropolitan France in Lambert-93 (metres): x 0.1-1.25 M, y 6.0-7.15 M
    assert 50_000 < xmin < xmax < 1_300_000 and 6_000_000 < ymin < ymax < 7_150_000


def test_parquet(files, expected, con):
    import pyarrow.parquet as pq

    from pacte.export.parquet import read_provenance

    t = pq.read_table(files["parquet"])
    assert t.num_rows == expected["n"]
    df = t.to_pandas()
    assert df.loc[df["code"] == ROUEN, COLUMN].iloc[0] == pytest.approx(expected["value"])
    prov = read_provenance(files["parquet"])
    assert prov["build_hash"] == con.execute(
        "SELECT value FROM meta WHERE key = 'build_hash'").fetchone()[0]
    assert prov["attribution"] == ATTRIBUTION
    assert prov["columns"][COLUMN]["unit"] == "%"
    assert {s["licence"] for s in prov["sources"]} >= {"Licence Ouverte / Etalab 2.0"}
    assert t.schema.field(COLUMN).metadata[b"period"] == b"2016"


def test_geo_format_without_contours_is_a_french_error(built_store, tmp_path):
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    res = CliRunner().invoke(app, ["export", "--level", "ze2010", "--format", "gpkg", "--out",
                                   str(tmp_path / "x.gpkg"), "--db", str(built_store)])
    assert res.exit_code == 2 and "pas de contours" in res.output


def test_rank_csv_fr_uses_the_french_excel_writer(built_store, tmp_path):
    """``pacte rank --format csv-fr`` writes with the same writer as the national report."""
    import csv as _csv

    from typer.testing import CliRunner

    from pacte.cli import app

    out = tmp_path / "classement.csv"
    res = CliRunner().invoke(app, ["rank", "--top", "5", "--format", "csv-fr", "--out", str(out),
                                   "--db", str(built_store)])
    assert res.exit_code == 0, res.output
    rows = list(_csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:3] == ["Rang", "Code", "Nom"] and len(rows) == 6
    assert rows[1][0] == "1" and "," in rows[1][3]  # decimal comma
    assert (tmp_path / "classement.csv.sources.txt").exists()
