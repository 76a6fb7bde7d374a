"""One truth across outputs, the dashboard's side: the calls the dashboard makes
(``web/js/api.js``: the ranking table, the comparison group, the map's indicator values)
give the same rank, eligibility, comparison group and headline values as the territory
card, which ``test_one_truth`` proves equal to ``pacte show`` and the profile. Real store:
Rouen (métropole, not eligible), Cluses (first) and CC du Vimeu."""

from __future__ import annotations

import pytest

CODES = ["200023414", "200033116", "200070944"]


@pytest.fixture(scope="module")
def ranking_rows(client) -> dict[str, dict]:
    rows = client.get("/api/ranking", params={"level": "epci"}).json()["data"]
    return {r["code"]: r for r in rows}


@pytest.mark.parametrize("code", CODES)
def test_dashboard_calls_agree_with_the_card(client, ranking_rows, code):
    card = client.get(f"/api/territories/epci/{code}").json()["data"]
    row = ranking_rows[code]
    for key in ("rank", "rank_low", "rank_high", "eligible", "eligible_rank"):
        assert row[key] == card["ranking"][key], key
    assert row["peers"].split(", ") == card["comparison"]["codes"]

    group = client.get(f"/api/compare/epci/{code}").json()["data"]
    assert group["codes"] == card["comparison"]["codes"]
    assert group["label"] == card["comparison"]["label"]

    for h in card["headline"]:
        values = client.get("/api/indicators", params={
            "level": "epci", "indicator": h["indicator"], "period": h["period"],
            "source": h["source"]}).json()["data"]
        mine = [v for v in values if v["code"] == code]
        assert len(mine) == 1, (h["indicator"], h["source"], h["period"])
        assert mine[0]["value"] == pytest.approx(h["value"], rel=1e-12, nan_ok=True)
        assert mine[0]["unit"] == h["unit"]
        national = client.get("/api/indicators", params={
            "level": "fr", "indicator": h["indicator"], "period": h["period"],
            "source": h["source"]}).json().get("data") or []
        values = [v["value"] for v in national if v["value"] is not None]
        if h["national"] is None:  # no France figure (URSSAF extract, models): the map's
            assert values == []  # France call fails or has no value either
        else:
            assert values == [pytest.approx(h["national"], rel=1e-12)]
