"""``/api/export``: the files of ``pacte export`` (same writer), each opened with its usual
reader, with one row per EPCI and Rouen's industry share 2016 (census) checked. On the
fictional store (3 EPCI, Rouen among them): what is checked is the route and the writers,
not real figures."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from urllib.parse import unquote

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pacte.handlers.export import export_level
from pacte.handlers.indicators import indicators
from pacte.labels import ATTRIBUTION

ROUEN = "200023414"
IDS = ["industry_share", "import_exposure_china"]
COLUMN = "industry_share_2016_rp (%)"


@pytest.fixture(scope="module")
def con(fictional_con):
    return fictional_con


@pytest.fixture(scope="module")
def client(fictional_store, tmp_path_factory):
    from fastapi.testclient import TestClient

    from pacte.api import Settings, create_app

    app = create_app(Settings(db=fictional_store, cache=tmp_path_factory.mktemp("cache"),
                              web=False))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def n_epci(con):
    return con.execute("SELECT count(*) FROM territory WHERE level = 'epci'").fetchone()[0]


@pytest.fixture(scope="module")
def rouen_share(con):
    long = indicators(con, "epci", ["industry_share"], "2016", ROUEN).data
    return long[long["source"] == "rp"]["value"].iloc[0]


def get(client, fmt: str, **params):
    r = client.get("/api/export", params={"level": "epci", "format": fmt, "indicator": IDS,
                                          **params})
    assert r.status_code == 200, r.text
    return r


def test_csv_is_the_cli_file(client, con, build_hash, tmp_path, rouen_share, n_epci):
    r = get(client, "csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="pacte_epci.csv"'
    assert r.headers["x-pacte-build-hash"] == build_hash
    assert unquote(r.headers["x-pacte-attribution"]) == ATTRIBUTION
    export_level(con, "epci", "csv", tmp_path / "cli.csv", IDS)
    assert r.content == (tmp_path / "cli.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    assert n_epci == 3 and len(rows) == n_epci and r.headers["x-pacte-rows"] == str(n_epci)
    assert float({x["code"]: x for x in rows}[ROUEN][COLUMN]) == pytest.approx(rouen_share)


def test_csv_fr_for_french_excel(client, rouen_share, n_epci):
    r = get(client, "csv-fr")
    assert r.content.startswith("\ufeff".encode())  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == n_epci + 1  # the header, then one row per EPCI
    rouen = next(x for x in rows if x[0] == ROUEN)
    assert f"{rouen_share:.1f}".replace(".", ",") in rouen  # a share to 1 decimal


def test_xlsx_parquet_geo(client, rouen_share, tmp_path, n_epci):
    wb = load_workbook(io.BytesIO(get(client, "xlsx").content), read_only=True)
    assert "Sources" in wb.sheetnames
    table = pq.read_table(io.BytesIO(get(client, "parquet").content))
    assert table.num_rows == n_epci and b"pacte" in b"".join(table.schema.metadata.values())
    by_code = dict(zip(table.column("code").to_pylist(), table.column(COLUMN).to_pylist(),
                       strict=True))
    assert by_code[ROUEN] == pytest.approx(rouen_share)
    geo = json.loads(get(client, "geojson").content)
    feat = next(f for f in geo["features"] if f["properties"]["code"] == ROUEN)
    assert feat["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    r = get(client, "gpkg")
    path = tmp_path / "epci.gpkg"
    path.write_bytes(r.content)
    with sqlite3.connect(path) as db:
        (name,) = db.execute("SELECT table_name FROM gpkg_contents "
                             "WHERE data_type = 'features'").fetchone()
        n = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        value = db.execute(f'SELECT "{COLUMN}" FROM "{name}" WHERE code = ?',
                           [ROUEN]).fetchone()[0]
    assert n == geo_n(geo) and value == pytest.approx(rouen_share)


def geo_n(geo: dict) -> int:
    return len(geo["features"])


def test_bad_parameters_are_french_422(client):
    r = client.get("/api/export", params={"level": "epci", "format": "docx"})
    assert r.status_code == 422 and r.json()["error"]["type"]
    r = client.get("/api/export", params={"level": "atlantide", "format": "csv"})
    assert r.status_code == 422 and "atlantide" in r.json()["error"]["message"]
