"""One truth across outputs: the rank, its interval, the eligibility and the comparison group
of a territory are the same in ``pacte show --format json``, the API's territory answer (a
card stored at build) and the profile's JSON. Real store: Métropole Rouen Normandie (a
métropole, not eligible under the default rule), CC Cluses-Arve et Montagnes (first in the
ranking) and CC du Vimeu."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from pacte.api import Settings, create_app
from pacte.handlers.profile import profile

CODES = {"200023414": "Rouen", "200033116": "Cluses", "200070944": "Vimeu"}


@pytest.fixture(scope="module")
def client(built_store, tmp_path_factory):
    app = create_app(Settings(db=built_store, cache=tmp_path_factory.mktemp("cache")))
    with TestClient(app) as c:
        yield c


def _show(db, code: str) -> dict:
    env = {**os.environ, "PACTE_DB": str(db)}
    proc = subprocess.run([sys.executable, "-m", "pacte.cli", "show", code, "-f", "json"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("code", list(CODES))
def test_rank_eligibility_and_group_agree(built_store, con, client, code):
    shown = _show(built_store, code)
    api = client.get(f"/api/territories/epci/{code}").json()["data"]
    prof = profile(con, code).data
    r_show, r_api, r_prof = shown["ranking"], api["ranking"], prof["ranking"]
    for key in ("rank", "n", "rank_low", "rank_high", "eligible", "eligible_rank"):
        assert r_show[key] == r_api[key] == r_prof.get(key), key
    group = shown["comparison"]["codes"]
    assert api["comparison"]["codes"] == group
    assert [p["code"] for p in prof["peers"]] == group
    assert shown["comparison"]["label"] == api["comparison"]["label"] == prof["ranking"][
        "comparison"]
    # the same key figures: indicator, source, period and value
    def heads(rows):
        return [(h["indicator"], h["source"], str(h["period"]),
                 None if h["value"] is None else round(h["value"], 9)) for h in rows]

    assert heads(shown["headline"]) == heads(api["headline"]) == heads(prof["key_figures"])
    shares = {h["source"] for h in shown["headline"] if h["indicator"] == "industry_share"}
    avail = {r["source"] for r in shown["indicators"] if r["indicator"] == "industry_share"
             and r["value"] is not None}
    assert shares == avail  # every concept of industry the territory has, side by side
    # the anchoring medians are taken on that group
    rows = [a for a in shown["anchoring"] if a["n_peers"]]
    assert rows and all(a["n_peers"] <= len(group) for a in rows)


def test_rouen_is_shown_not_eligible_with_its_reason(built_store):
    shown = _show(built_store, "200023414")
    assert shown["ranking"]["eligible"] is False
    assert "métropole" in shown["ranking"]["eligibility_note"]


def test_rouen_is_compared_with_large_cities(con, built_store):
    """Rouen (about 500,000 inhabitants) is read against territories of its size and
    nature, not rural communautés de communes."""
    shown = _show(built_store, "200023414")
    pops = dict(con.execute("SELECT code, population FROM territory WHERE level = 'epci'"
                            ).fetchall())
    own = pops["200023414"]
    assert all(own / 3 <= pops[c] <= own * 3 for c in shown["comparison"]["codes"])
