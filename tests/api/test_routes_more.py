"""The API routes of the later capabilities (profile, plant impact, DCRTP demo, rule audit),
in-process against the real store: a real value and the envelope in each."""

import pytest

ROUEN = "200023414"


def _ok(r, build_hash):
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "meta"} and body["meta"]["build_hash"] == build_hash
    return body


def test_profile_json_and_html(client, build_hash):
    body = _ok(client.get(f"/api/profile/epci/{ROUEN}"), build_hash)
    assert "Métropole Rouen Normandie" in str(body["data"])
    html = client.get(f"/api/profile/epci/{ROUEN}", params={"format": "html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<html lang="fr"' in html.text and "Métropole Rouen Normandie" in html.text
    # the PDF format of this route: tests/api/test_concurrent_profiles.py (fictional store);
    # Rouen's PDF from the real store: tests/report/test_profile.py


def test_profile_bad_format_is_refused_in_french(client):
    r = client.get(f"/api/profile/epci/{ROUEN}", params={"format": "docx"})
    assert r.status_code == 422 and "error" in r.json()


def test_impact_is_linear_and_local_plus_elsewhere(client, build_hash):
    a = _ok(client.get(f"/api/impact/{ROUEN}", params={"sector": "C4", "jobs": -500}),
            build_hash)["data"]
    b = _ok(client.get(f"/api/impact/{ROUEN}", params={"sector": "C4", "jobs": -1000}),
            build_hash)["data"]
    jobs = [r["jobs"] for r in a if "jobs" in r]
    assert jobs and all(isinstance(x, int | float) for x in jobs)
    assert [2 * r["jobs"] for r in a] == pytest.approx([r["jobs"] for r in b])
    direct = [r for r in a if r.get("effect") == "direct" and r.get("area") == "local"]
    assert direct and all(r["jobs"] == pytest.approx(-500) for r in direct)


def test_impact_unknown_sector_lists_the_accepted_ones(client):
    r = client.get(f"/api/impact/{ROUEN}", params={"sector": "ZZ", "jobs": -5})
    assert r.status_code == 422 and "C4" in r.json()["error"]["message"]


def test_dcrtp_demo_cuts_the_bill_to_the_cent(client, build_hash):
    body = _ok(client.get("/api/simulate/dcrtp", params={"limit": 5}), build_hash)
    data = body["data"]
    assert data["n_rows"] == 36_255 and len(data["rows"]) == 5
    assert data["totals"]["cut"] == pytest.approx(258_231_388.0, abs=0.005)
    assert "fictives" in str(body["meta"])


def test_rule_audit(client, build_hash):
    body = _ok(client.get("/api/ranking/audit", params={"level": "epci"}), build_hash)
    assert "Paires au-delà de |r| = 0,9 : aucune" in body["data"]["text"]
    assert body["data"]["n"] == 1250  # Mayotte's 5 EPCI unranked (3 of 5 inputs missing)
