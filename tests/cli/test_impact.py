"""``pacte impact`` on a Typer app built with :func:`pacte.cli.impact.register`, against the
real bundled store: a 500-job closure in transport equipment (C4) in the Métropole Rouen
Normandie (EPCI 200023414)."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from pacte.cli.impact import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """pacte (test)."""

    register(app)
    return app


APP = _app()


def test_rouen_closure_prints_the_three_effects(built_store):
    r = runner.invoke(APP, ["impact", "200023414", "--sector", "C4", "--jobs", "-500",
                            "--db", str(built_store)])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "fermeture de 500 emplois" in out and "Métropole Rouen Normandie" in out
    for word in ("direct", "indirect (chaîne d'approvisionnement)",
                 "induit (dépenses des ménages)", "territoire", "reste de la France",
                 "France entière", "δ = 0,05", "δ = 0,1", "δ = 0,2", "Emplois",
                 "Production (millions d'euros)", "Valeur ajoutée (millions d'euros)",
                 "URSSAF", "Flegg"):
        assert word in out, word
    assert out.count("-500 ") >= 3  # the direct jobs, under each delta


def test_json_is_linear_in_jobs(built_store):
    def rows(n: str) -> list[dict]:
        r = runner.invoke(APP, ["impact", "200023414", "-s", "C4", "-n", n, "-f", "json",
                                "--db", str(built_store)])
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    a, b = rows("-500"), rows("1000")
    assert len(a) == len(b) == 36
    for x, y in zip(a, b, strict=True):
        assert (x["delta"], x["effect"], x["area"]) == (y["delta"], y["effect"], y["area"])
        assert y["jobs"] == pytest.approx(-2 * x["jobs"], abs=1e-9)
        assert y["value_added"] == pytest.approx(-2 * x["value_added"], abs=1e-9)


def test_unknown_sector_lists_the_accepted_ones(built_store):
    r = runner.invoke(APP, ["impact", "200023414", "-s", "Z9", "-n", "-500",
                            "--db", str(built_store)])
    assert r.exit_code == 2
    assert "secteur inconnu" in r.output and "C4 (Fabrication de matériels de transport)" \
        in r.output.replace("\n", " ")
