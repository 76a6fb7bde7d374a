"""``pacte simulate dcrtp`` on a Typer app built with :func:`pacte.cli.simulate.register`,
against the real bundled store. Known answer: the PLF 2026 cut of the bloc communal,
928,540,780 − 670,309,392 = 258,231,388 € (finance/parameters, RULES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from typer.testing import CliRunner

from pacte.cli.simulate import register

D = Path(__file__).parents[1] / "data" / "finance_cli"
CRIT, RRF = str(D / "criteres_trois_epci_fictional.csv"), str(D / "rrf_epci_fictional.csv")
NB = "\u202f"  # thousands separator of pacte.labels.fr_number
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """pacte (test)."""

    register(app)
    return app


APP = _app()


def _run(*args: str):
    return runner.invoke(APP, ["simulate", "dcrtp", *args])


def test_demo_table_is_french_stamped_with_warnings(built_store):
    r = _run("--db", str(built_store))
    assert r.exit_code == 0, r.output
    out = r.output
    assert "DONNÉES FICTIVES" in out
    assert f"258{NB}231{NB}388 €" in out and "projet de loi de finances" in out
    assert f"Minoration répartie : 258{NB}231{NB}388,00 €" in out
    assert "Les 10 EPCI les plus minorés" in out and "Les 10 communes les plus minorées" in out
    assert "Double peine" in out and "Q5" in out
    assert out.count("Avertissement :") >= 5
    assert "non lu dans le texte" in out


def test_demo_json_sums_to_the_plf_cut_to_the_cent(built_store):
    r = _run("--format", "json", "--db", str(built_store))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    cents = int(np.round(np.array([row["cut"] for row in doc["rows"]]) * 100).sum())
    assert cents == 258_231_388_00 and len(doc["rows"]) == 35_000 + 1_255
    assert all(row["estampille"] == "données fictives" for row in doc["rows"])
    assert doc["meta"]["estampille"] == "données fictives"
    assert doc["meta"]["verified"]["minoration_bloc_communal.plf"] is False
    assert doc["totals"]["cut"] == 258_231_388


def test_compare_with_rank_exemptions_on_real_store(built_store):
    r = _run("--criteria", CRIT, "--epci-rrf", RRF, "--cut", "3000000", "--compare",
             "--exempt", "rank:1", "--format", "json", "--db", str(built_store))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    keys = [t["key"] for t in doc["totals"]]
    assert keys == ["legal", "dcrtp", "population", "legal-exempt", "spare-industrial"]
    assert all(round(t["cut"] + t["shortfall"], 2) == 3_000_000 for t in doc["totals"])
    rows = pd.DataFrame(doc["rows"]).set_index("code")
    assert rows.loc["200033116", "cut_legal-exempt"] == 0  # first of the default ranking
    assert rows.loc["200033116", "cut_legal"] > 0
    assert doc["meta"]["estampille"] is None
    t = _run("--criteria", CRIT, "--epci-rrf", RRF, "--cut", "3000000", "--compare",
             "--exempt", "rank:1", "--db", str(built_store))
    assert t.exit_code == 0, t.output
    assert "Épargne Q5" in t.output and "Exonérations" in t.output
    assert "DONNÉES FICTIVES" not in t.output


def test_csv_and_xlsx_files(built_store, tmp_path):
    out = tmp_path / "dcrtp.csv"
    r = _run("--criteria", CRIT, "--epci-rrf", RRF, "--cut", "3000000", "--format", "csv",
             "--out", str(out), "--db", str(built_store))
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code": str})
    assert len(df) == 9 and round(df["Minoration (€)"].sum(), 2) == 3_000_000
    assert (tmp_path / "dcrtp.synthese.csv").exists()
    side = (tmp_path / "dcrtp.csv.sources.txt").read_text(encoding="utf-8")
    assert "NON VÉRIFIÉ" in side and "Avertissement :" in side

    from openpyxl import load_workbook

    xl = tmp_path / "dcrtp.xlsx"
    r = _run("--criteria", CRIT, "--epci-rrf", RRF, "--cut", "3000000", "--format", "xlsx",
             "--out", str(xl), "--db", str(built_store))
    assert r.exit_code == 0, r.output
    wb = load_workbook(xl)
    assert wb.sheetnames == ["DCRTP", "Synthèse", "Paramètres", "Sources"]
    ws = wb["DCRTP"]
    heads = [c.value for c in ws[1]]
    col = heads.index("Minoration (€)")
    total = sum(row[col] for row in ws.iter_rows(min_row=2, values_only=True))
    assert round(total, 2) == 3_000_000
    params = list(wb["Paramètres"].iter_rows(min_row=2, values_only=True))
    assert any(p[3] == "non" for p in params)


def test_errors_exit_2_in_french(built_store, tmp_path):
    r = _run("--key", "uniforme", "--db", str(built_store))
    assert r.exit_code == 2 and "clé inconnue" in r.output
    r = _run("--format", "xlsx")
    assert r.exit_code == 2 and "--out" in r.output
    r = _run("--criteria", CRIT, "--key", "legal-exempt", "--exempt",
             str(D / "exoneres_inconnus.csv"), "--db", str(built_store))
    assert r.exit_code == 2
    assert "exoneres_inconnus.csv" in r.output and "12345" in r.output
    r = _run("--criteria", str(tmp_path / "absent.csv"), "--db", str(built_store))
    assert r.exit_code != 0 and "introuvable" in r.output and "Traceback" not in r.output
