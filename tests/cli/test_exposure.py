"""``pacte exposure`` and the top-industry notes of the exposure indicators, on the real
store: the ten most exposed ZE2010 are named with their three top industries."""

import json

from typer.testing import CliRunner

from pacte.cli import app

runner = CliRunner()


def test_ten_most_exposed_ze_with_three_industries(built_store):
    r = runner.invoke(app, ["exposure", "--level", "ze2010", "--period", "2000-2007",
                            "--format", "json", "--db", str(built_store)])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [row["rank"] for row in rows] == list(range(1, 11))
    exposures = [row["exposure"] for row in rows]
    assert exposures == sorted(exposures, reverse=True) and exposures[0] > 0
    for row in rows:  # a ZE2010 has no sector detail of its own: no industry ranking
        assert row["industry_1"].startswith("structure de la région")
        assert "industry_2" not in row or row["industry_2"] is None
    r = runner.invoke(app, ["exposure", "--level", "reg", "--period", "2007-2011", "--top",
                            "3", "--format", "json", "--db", str(built_store)])
    assert r.exit_code == 0, r.output
    for row in json.loads(r.output):  # régions: their own A17 detail
        shares = [int(row[f"industry_{k}"].split(" %")[0]) for k in (1, 2, 3)]
        assert shares == sorted(shares, reverse=True) and sum(shares) <= 100


def test_exposure_notes_name_top_industries(built_store):
    r = runner.invoke(app, ["indicators", "--level", "reg", "--indicator",
                            "import_exposure_china", "--format", "json",
                            "--db", str(built_store)])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert len(rows) == 2 * 18
    for row in rows:
        if row["value"] and row["value"] > 0:  # own A17 detail, or said plainly it is not
            assert ("principales industries" in row["note"]
                    or "pas de classement des industries" in row["note"])
    assert sum("principales industries" in row["note"] for row in rows) >= 13


def test_bad_period_exits_2_in_french(built_store):
    r = runner.invoke(app, ["exposure", "--period", "1990-2000", "--db", str(built_store)])
    assert r.exit_code == 2 and "période inconnue" in r.output
