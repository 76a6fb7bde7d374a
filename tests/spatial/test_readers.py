"""The level ``bassin`` through its readers on the real store: ``pacte rank``,
``pacte basins``, ``pacte validate``, ``pacte export`` and the API routes."""

import json
from html import unescape

import pytest
from typer.testing import CliRunner

from pacte.cli import app
from pacte.handlers.basins import basin_members, basin_ranking, validate_basins


def _run(built_store, *args):
    res = CliRunner().invoke(app, [*args, "--db", str(built_store)])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def first(con):
    df = basin_ranking(con).data
    return df.iloc[0]


def test_rank_level_bassin(built_store, con, first):
    out = json.loads(_run(built_store, "rank", "--level", "bassin", "--top", "3",
                          "--format", "json"))
    assert [r["code"] for r in out][:1] == [first["code"]] and len(out) == 3
    assert out[0]["rank"] == 1 and out[0]["members"] == first["members"]
    table = _run(built_store, "rank", "--level", "bassin", "--top", "2")
    assert "bassins industriels candidats" in table
    res = CliRunner().invoke(app, ["rank", "--level", "bassin", "--seed", "3", "--db",
                                   str(built_store)])
    assert res.exit_code == 2 and "seuls --top" in res.output


def test_basins_command(built_store, first):
    out = _run(built_store, "basins", first["code"])
    assert first["code"] in out and "EPCI membres" in out
    stats = _run(built_store, "basins", "--stats")
    assert "I de Moran" in stats and "Haut-Haut" in stats


def test_validate_maps_epci_onto_basins(built_store, con, tmp_path, first):
    members = basin_members(con)
    mine = members[members["basin"] == first["code"]]
    listed = mine["code"].iloc[:1].tolist()
    outside = con.execute("SELECT code FROM territory WHERE level = 'epci' AND code NOT IN "
                          "(SELECT code FROM basin_member) ORDER BY code LIMIT 1"
                          ).fetchall()[0][0]
    f = tmp_path / "liste.csv"
    f.write_text("siren\n" + "\n".join([*listed, outside, "999999999"]) + "\n")
    data = validate_basins(con, f).data
    row = data["basins"].set_index("code").loc[first["code"]]
    assert row["n_listed"] == 1
    assert row["share_listed"] == pytest.approx(
        mine["population"].iloc[0] / mine["population"].sum())
    assert len(data["basins"]) == 1
    assert data["outside"] == [outside] and data["unknown"] == ["999999999"]
    out = _run(built_store, "validate", "--level", "bassin", "--list", str(f))
    assert first["code"] in out and "1 bassins sur" in out


def test_export_geojson_of_basins(built_store, tmp_path, con):
    out = tmp_path / "bassins.geojson"
    _run(built_store, "export", "--level", "bassin", "--format", "geojson", "--out", str(out))
    fc = json.loads(out.read_text())
    n = con.execute("SELECT count(*) FROM basin").fetchall()[0][0]
    assert len(fc["features"]) == n
    assert fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    import pyogrio

    gpkg = tmp_path / "bassins.gpkg"
    _run(built_store, "export", "--level", "bassin", "--format", "gpkg", "--out", str(gpkg))
    layers = dict(pyogrio.list_layers(gpkg))
    assert "bassin" in layers
    assert len(pyogrio.read_dataframe(gpkg, layer="bassin", read_geometry=False)) == n


def test_api_routes(client, first):
    r = client.get("/api/basins", params={"top": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["data"][0]["code"] == first["code"]
    assert len(body["data"][0]["members"]) == first["n_members"]
    assert body["meta"]["parameters"]["basins"]["max_members"] == 4
    from pacte.api import schemas as S

    detail = client.get(f"/api/basins/{first['code']}").json()
    S.Envelope[S.BasinDetail].model_validate(detail)  # the declared shape
    one = detail["data"]
    assert one["basin"]["code"] == first["code"]
    assert client.get("/api/basins/B999").status_code == 404
    sp = client.get("/api/spatial/epci").json()["data"]
    assert sp["moran"][0]["variable"] == "score"
    assert client.get("/api/spatial/dep").status_code == 422
    lisa = client.get("/api/spatial/ze2020/lisa").json()["data"]
    assert len(lisa) == 306
    fc = client.get("/api/basins/map").json()["data"]
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) >= 1


def test_basin_profile(built_store, client, tmp_path, first):
    out = tmp_path / "profil.pdf"
    _run(built_store, "profile", first["code"], "--level", "bassin", "--out", str(out))
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(out))
    assert len(doc) == 1
    text = doc[0].get_textpage().get_text_range()
    assert first["code"] in text and "pas un périmètre" in text
    html = tmp_path / "profil.html"
    _run(built_store, "profile", first["code"], "--level", "bassin", "--format", "html",
         "--out", str(html))
    page = html.read_text(encoding="utf-8")
    for name in first["member_names"].split(" ; "):
        assert name in unescape(page)
    assert page.count("<path ") >= first["n_members"]
    r = client.get(f"/api/basins/{first['code']}/profile", params={"format": "html"})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert client.get("/api/basins/B999/profile").status_code == 404
