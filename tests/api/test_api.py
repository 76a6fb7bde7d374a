"""The JSON API in-process (FastAPI TestClient) against a real store built from the bundled
data: every route answers a real value, inside the envelope (data + meta with build hash,
sources, vintages, licences); every error in the one French error envelope."""

import json
from pathlib import Path

import pytest
import typer
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pacte.api import Settings, create_app
from pacte.settings import package_data

GRAND_PARIS = "200054781"


def ok(r, build_hash):
    """The success envelope: 200, data, and meta with the store's build hash."""
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "meta"}
    assert body["meta"]["build_hash"] == build_hash
    return body


def failed(r, status, kind):
    """The error envelope: status, type and a French message."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "meta"}
    assert body["error"]["status"] == status
    assert body["error"]["type"] == kind
    return body["error"]


def vintages(meta):
    return {s["table"]: (s["vintage"], s["licence"]) for s in meta["sources"]}


def test_health(client, con, build_hash):
    body = ok(client.get("/api/health"), build_hash)
    n = con.execute("SELECT count(*) FROM territory").fetchone()[0]
    assert body["data"]["status"] == "ok"
    assert body["data"]["territories"] == n
    assert "Licence Ouverte" in body["meta"]["attribution"]


def test_catalogue(client, build_hash):
    body = ok(client.get("/api/catalogue"), build_hash)
    ind = {i["id"]: i for i in body["data"]["indicators"]}
    share = ind["industry_share"]
    assert share["unit"] == "%"
    from pacte.catalogue import INDICATORS

    assert share["formula"] == INDICATORS["industry_share"].formula
    assert share["formula"].startswith("100 × emplois industriels")
    # the census (rp) gives the EPCI level its four census years
    assert share["available"]["epci"]["rp"] == ["1999", "2006", "2011", "2016"]
    assert ind["import_exposure_china"]["available"]["ze2020"] == {
        "exposure": ["2000-2007", "2007-2011"]}
    assert body["data"]["sources"]["rp"]["industry"] == ["FABRIC"]
    assert "census_functions" in vintages(body["meta"])


def test_territories_search(client, build_hash):
    body = ok(client.get("/api/territories", params={"level": "dep", "search": "ain"}),
              build_hash)
    ain = {r["code"]: r for r in body["data"]}["01"]
    # Insee, populations légales 2023 (en vigueur au 1er janvier 2026) : Ain 679 344
    assert ain["name"] == "Ain" and ain["population"] == 679344
    assert "territory_names" in vintages(body["meta"])


def test_territory_one(client, build_hash):
    body = ok(client.get(f"/api/territories/epci/{GRAND_PARIS}"), build_hash)
    d = body["data"]
    assert d["territory"]["name"] == "Métropole du Grand Paris"
    assert d["territory"]["population"] == 7142540  # populations légales 2023
    assert {p["level"]: p["code"] for p in d["parents"]}["reg"] == "11"
    row = next(r for r in d["indicators"] if r["indicator"] == "industry_share"
               and r["source"] == "rp" and r["period"] == "2016")
    assert row["value"] == pytest.approx(4.6331, abs=1e-3)
    assert row["national"] == pytest.approx(8.3727, abs=1e-3)
    total = {r["year"]: r["jobs"] for r in d["jobs"]
             if r["source"] == "rp" and r["sector"] == "TOTAL"}
    assert sorted(total) == [1999, 2006, 2011, 2016]
    assert vintages(body["meta"])["census_functions"][0] == "RP 1999, 2006, 2011, 2016 (COG 2019)"


def test_territory_unknown_is_404_with_suggestions(client):
    err = failed(client.get("/api/territories/epci/Grand Pari"), 404, "UnknownTerritoryError")
    assert err["message"].startswith("Territoire inconnu au niveau epci : 'Grand Pari'")
    assert any("Métropole du Grand Paris" in s for s in err["details"][0]["suggestions"])


def test_indicators(client, build_hash):
    params = {"level": "epci", "indicator": "industry_share", "period": "2016", "source": "rp"}
    body = ok(client.get("/api/indicators", params=params), build_hash)
    by_code = {r["code"]: r for r in body["data"]}
    assert len(by_code) == 1255 and {r["source"] for r in body["data"]} == {"rp"}
    assert by_code[GRAND_PARIS]["value"] == pytest.approx(4.6331, abs=1e-3)
    assert body["meta"]["period"] == "2016"
    assert vintages(body["meta"])["census_functions"][1] == "Licence Ouverte / Etalab 2.0"
    one = ok(client.get("/api/indicators", params={**params, "code": GRAND_PARIS}), build_hash)
    assert [r["code"] for r in one["data"]] == [GRAND_PARIS]
    fr = ok(client.get("/api/indicators", params={**params, "level": "fr"}), build_hash)
    assert fr["data"][0]["value"] == pytest.approx(8.3727, abs=1e-3)


def test_indicators_errors_are_french(client):
    err = failed(client.get("/api/indicators", params={"level": "canton"}), 422,
                 "InvalidParameterError")
    assert "niveau inconnu : 'canton'" in err["message"]
    err = failed(client.get("/api/indicators", params={"level": "epci", "period": "1789"}), 422,
                 "InvalidParameterError")
    assert "période inconnue : '1789'" in err["message"]
    err = failed(client.get("/api/indicators"), 422, "RequestValidationError")
    assert err["message"] == "requête invalide — paramètre « level » : valeur obligatoire manquante"


def test_ranking_default(client, build_hash):
    body = ok(client.get("/api/ranking", params={"level": "epci"}), build_hash)
    first = body["data"][0]
    # default rule v2, seed 0: first under v1 too (tests/data/golden)
    assert (first["rank"], first["name"]) == (1, "CC Cluses-Arve et Montagnes")
    assert first["rank_low"] <= 1 <= first["rank_high"]
    assert len(body["data"]) == 1250  # Mayotte's 5 EPCI unranked, with the reason
    assert [u["code"][:4] for u in body["meta"]["unranked"]] == ["2000"] * 5
    assert body["meta"]["programme"]["size"] == 100 and {"p_top", "tier"} <= set(first)
    assert body["meta"]["seed"] == 0 and body["meta"]["rule_file"] == "défaut"
    assert body["meta"]["dimensions"]["crisis"]
    top = ok(client.get("/api/ranking", params={"level": "ze2020", "top": 5}), build_hash)
    assert [r["rank"] for r in top["data"]] == [1, 2, 3, 4, 5]
    # v2: the Arve valley zone (v1 put Saint-Claude first)
    assert top["data"][0]["name"] == "La Vallée de l'Arve"


def test_ranking_errors(client):
    err = failed(client.get("/api/ranking", params={"level": "dep"}), 422,
                 "InvalidParameterError")
    assert "niveau inconnu pour le classement : 'dep'" in err["message"]
    err = failed(client.get("/api/ranking", params={"top": "dix"}), 422, "RequestValidationError")
    assert err["details"] == [{"where": "paramètre « top »", "message": "nombre entier attendu",
                               "value": "dix"}]


def default_rule() -> dict:
    return yaml.safe_load(package_data("composite_default.yaml").read_text(encoding="utf-8"))


def test_ranking_with_rule_as_json(client, build_hash):
    rule = default_rule()
    rule["name"] = "règle d'essai"
    r = client.post("/api/ranking", params={"level": "epci", "top": 3, "draws": 20}, json=rule)
    body = ok(r, build_hash)
    assert body["data"][0]["name"] == "CC Cluses-Arve et Montagnes"  # same rule, same order
    assert body["meta"]["rule"] == "règle d'essai"
    assert body["meta"]["rule_file"] == "corps de la requête"
    assert body["meta"]["draws"] == 20


def test_ranking_rule_validated_like_the_yaml(client):
    """The body is validated as the rule model itself (no file round trip, no server path
    in any message): French 422 naming the key."""
    rule = default_rule()
    rule["dimensions"][0]["indicators"][0]["id"] = "inconnu"
    err = failed(client.post("/api/ranking", json=rule), 422, "RequestValidationError")
    assert err["details"][0]["where"] == "corps de la requête « dimensions.0.indicators.0 »"
    assert "indicateur inconnu : 'inconnu'" in err["message"]
    rule = default_rule()
    rule["dimensions"][1]["weight"] = -1
    err = failed(client.post("/api/ranking", json=rule), 422, "RequestValidationError")
    assert err["details"] == [{"where": "corps de la requête « dimensions.1.weight »",
                               "message": "valeur trop petite (doit être > 0)", "value": "-1"}]
    err = failed(client.post("/api/ranking", json=[1, 2]), 422, "RequestValidationError")
    assert err["details"][0]["where"] == "corps de la requête"
    err = failed(client.post("/api/ranking", content=b"{pas du json",
                             headers={"content-type": "application/json"}),
                 422, "RequestValidationError")
    assert "JSON invalide" in err["message"]


def _nested(n: int):
    out: object = "x"
    for _ in range(n):
        out = {"a": out}
    return out


@pytest.mark.parametrize("path, value, message", [
    (("typology", "k_min"), "cinq", "nombre entier attendu"),
    (("typology", "k_min"), "abc", "nombre entier attendu"),
    (("typology", "k_min"), [1], "nombre entier attendu"),
    (("typology", "k_min"), 3.7, "nombre entier attendu"),
    (("typology", "peers"), [1], "nombre entier attendu"),
    (("typology", "threshold"), "x", "nombre attendu"),
    (("typology", "k_max"), 1_000_000_000, "valeur trop grande (maximum : 30)"),
    (("uncertainty", "draws"), 200_000, "valeur trop grande (maximum : 100000)"),
    (("eligibility", "exclude_natures"), [["ME"]], "valeur inconnue"),
    (("dimensions", 0, "indicators", 0, "id"), ["industry_share"], "texte attendu"),
    (("dimensions", 0, "indicators", 0, "weight"), 1e308, "valeur trop grande"),
    (("description",), _nested(700), "texte attendu"),
])
def test_hostile_rules_get_a_french_422(client, path, value, message):
    rule = default_rule()
    target = rule
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    err = failed(client.post("/api/ranking", json=rule), 422, "RequestValidationError")
    assert message in err["message"]
    assert "/tmp" not in err["message"] and len(err["message"]) < 500


def test_non_finite_numbers_in_a_rule_get_a_422(client):
    """NaN and Infinity (accepted by Python's JSON reader) are refused, not ranked."""
    text = json.dumps(default_rule()).replace('"weight": 1', '"weight": NaN', 1)
    err = failed(client.post("/api/ranking", content=text.encode(),
                             headers={"content-type": "application/json"}),
                 422, "RequestValidationError")
    assert "nombre fini attendu" in err["message"]
    text = json.dumps(default_rule()).replace('"concentration": 20', '"concentration": '
                                                                      'Infinity')
    err = failed(client.post("/api/ranking", content=text.encode(),
                             headers={"content-type": "application/json"}),
                 422, "RequestValidationError")
    assert "nombre fini attendu" in err["message"]


def test_sources(client, build_hash):
    body = ok(client.get("/api/sources"), build_hash)
    urssaf = next(r for r in body["data"] if r["id"] == "urssaf_commune_ape")
    assert urssaf["licence"] == "Licence Ouverte / Etalab 2.0"
    assert urssaf["cache"] == "absent"  # empty cache folder of the test
    assert urssaf["store"].startswith("urssaf_jobs : 2006-2022")
    assert "urssaf_jobs" in body["meta"]["store_tables"]


def test_provenance(client, con, build_hash):
    body = ok(client.get("/api/provenance"), build_hash)
    tables = {t["table"]: t for t in body["data"]["tables"]}
    n = con.execute("SELECT count(*) FROM provenance").fetchone()[0]
    assert len(tables) == n
    assert tables["census_functions"]["vintage"] == "RP 1999, 2006, 2011, 2016 (COG 2019)"


def test_unknown_route_and_method(client):
    err = failed(client.get("/api/nulle-part"), 404, "HTTPException")
    assert err["message"] == "ressource introuvable : GET /api/nulle-part"
    err = failed(client.post("/api/health"), 405, "HTTPException")
    assert err["message"].startswith("méthode non autorisée")


def test_missing_store_is_503_in_french(tmp_path):
    app = create_app(Settings(db=tmp_path / "absent.duckdb"))
    with TestClient(app) as c:
        for url in ("/api/health", "/api/catalogue", "/api/indicators?level=epci"):
            err = failed(c.get(url), 503, "StoreError")
            assert err["message"].startswith("store introuvable")
            assert "pacte build" in err["message"]


def test_dashboard_and_openapi(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text  # CSP-friendly: every script is a file
    assert client.get("/vendor/maplibre-gl.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/api/ranking", "/api/indicators", "/api/territories/{level}/{query}"} <= set(
        spec["paths"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load a CDN


def test_cors_off_by_default_and_settable(client, built_store):
    h = {"Origin": "https://exemple.fr"}
    assert "access-control-allow-origin" not in client.get("/api/health", headers=h).headers
    app = create_app(Settings(db=built_store, cors_origins=["https://exemple.fr"]))
    with TestClient(app) as c:
        r = c.get("/api/health", headers=h)
        assert r.headers["access-control-allow-origin"] == "https://exemple.fr"


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PACTE_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setenv("PACTE_CORS_ORIGINS", '["https://a.fr"]')
    s = Settings.from_env()
    assert s.db == Path(tmp_path / "x.duckdb")
    assert s.cors_origins == ["https://a.fr"]
    assert s.host == "127.0.0.1"  # loopback unless told otherwise


def test_serve_command(tmp_path):
    from pacte.cli.serve import register

    app = typer.Typer()
    register(app)
    app.command("autre")(lambda: None)  # a group of two, as in cli/main.py
    runner = CliRunner()
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "127.0.0.1" in r.output and "--workers" in r.output
    r = runner.invoke(app, ["serve", "--db", str(tmp_path / "absent.duckdb")])
    assert r.exit_code == 1 and "store introuvable" in r.output
    r = runner.invoke(app, ["serve", "--workers", "0", "--db", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--workers doit être un entier ≥ 1" in r.output


def test_territory_gzip_and_plain_are_the_same_answer(client, build_hash):
    """The card is sent as the gzip bytes the build stored to a client accepting gzip,
    decompressed for the others: the same JSON either way, sections instead of the APE
    detail."""
    url = "/api/territories/epci/200023414"
    packed = client.get(url, headers={"accept-encoding": "gzip"})
    plain = client.get(url, headers={"accept-encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert ok(packed, build_hash) == ok(plain, build_hash)
    d = plain.json()["data"]
    assert d["territory"]["name"] == "Métropole Rouen Normandie"
    schemes = {(r["source"], r["scheme"]) for r in d["jobs"]}
    assert ("urssaf", "A21") in schemes and ("rp", "RP15") in schemes
    manuf = {r["year"]: r["jobs"] for r in d["jobs"]
             if r["source"] == "urssaf" and r["sector"] == "C"}
    assert manuf[2015] == 22234  # URSSAF extract, section C (industrie manufacturière)
    assert plain.json()["meta"]["level"] == "epci"


def test_territory_jobs_detail(client, build_hash):
    body = ok(client.get("/api/territories/epci/200023414/jobs",
                         params={"source": "urssaf"}), build_hash)
    rows = body["data"]
    assert len(rows) == 8647 and {r["scheme"] for r in rows} == {"APE"}
    # every APE code of section C in 2015 sums to the section of the territory answer
    naf_c = [r["jobs"] for r in rows if r["year"] == 2015 and r["sector"][:2].isdigit()
             and 10 <= int(r["sector"][:2]) <= 33]
    assert sum(naf_c) == pytest.approx(22234)
    assert body["meta"]["name"] == "Métropole Rouen Normandie"
    summed = ok(client.get("/api/territories/epci/200023414/jobs",
                           params={"source": "urssaf", "detail": "false"}), build_hash)
    assert {r["scheme"] for r in summed["data"]} == {"A21", "APE"}  # sections + TOTAL
    err = failed(client.get("/api/territories/epci/200023414/jobs",
                            params={"source": "insee"}), 422, "InvalidParameterError")
    assert "source d'emplois inconnue : 'insee'" in err["message"]


def test_territory_commune_is_answered(client, build_hash):
    body = ok(client.get("/api/territories/commune/76540"), build_hash)
    assert body["data"]["territory"]["name"] == "Rouen"
    assert body["data"]["indicators"] is None
