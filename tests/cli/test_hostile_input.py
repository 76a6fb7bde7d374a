"""Hostile input to the CLI ends in a French error or a correct answer, never a crash after
the work is done nor « erreur inattendue »: rich markup in user text, huge or one-line
lists for ``validate``, invalid JSON numbers, non-finite cuts for ``simulate``."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from pacte.cli.main import app
from pacte.handlers.finance import check_cut
from pacte.handlers.validate import MAX_LIST_BYTES, read_list

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def epci_codes(con, n: int) -> list[str]:
    return [r[0] for r in con.execute("SELECT code FROM territory WHERE level = 'epci' "
                                      f"ORDER BY code LIMIT {n}").fetchall()]


def test_validate_with_markup_in_a_code_does_not_crash(fictional_store, fictional_con,
                                                       tmp_path):
    """A code ``[/bold]`` crashed rich (MarkupError) after the work was done."""
    lst = tmp_path / "liste.txt"
    lst.write_text("\n".join(epci_codes(fictional_con, 2) + ["[/bold]", "[/x]"]) + "\n",
                   encoding="utf-8")
    r = invoke("validate", "--list", lst, "--db", fictional_store)
    assert r.exit_code == 0, r.output
    assert "[/BOLD]" in r.output or "[/bold]" in r.output


def test_validate_json_is_valid_json_with_null(fictional_store, fictional_con, tmp_path):
    lst = tmp_path / "liste.txt"
    lst.write_text("\n".join(epci_codes(fictional_con, 100)) + "\n", encoding="utf-8")
    r = invoke("validate", "--list", lst, "--format", "json", "--db", fictional_store)
    assert r.exit_code == 0, r.output
    assert "NaN" not in r.stdout
    doc = json.loads(r.stdout)  # strict: NaN would be refused by a strict parser
    json.dumps(doc, allow_nan=False)
    assert doc["auc"] is None or math.isfinite(doc["auc"])


def test_validate_refuses_a_huge_list_without_reading_it_whole(tmp_path):
    big = tmp_path / "grande.csv"
    big.write_bytes(b"200023414\n" * (MAX_LIST_BYTES // 10 + 10))
    with pytest.raises(Exception, match="fichier trop grand"):
        read_list(big)


def test_validate_one_ten_megabyte_line_gives_a_french_error(fictional_store, tmp_path):
    """A 10 MB single line raised ``csv.Error`` (field larger than field limit)."""
    one = tmp_path / "ligne.csv"
    one.write_bytes(b"code," + b"x" * (10 * 1024 * 1024) + b"\n")
    r = invoke("validate", "--list", one, "--db", fictional_store)
    assert r.exit_code == 2, r.output
    assert "trop grand" in r.output and "Traceback" not in r.output
    line = tmp_path / "ligne2.csv"
    line.write_bytes(b"code\n200023414," + b"x" * 20_000 + b"\n")
    r = invoke("validate", "--list", line, "--db", fictional_store)
    assert r.exit_code == 2 and "ligne 2 : ligne trop longue" in r.output


@pytest.mark.parametrize("cut", [math.inf, math.nan, 1e300, -1.0])
def test_simulate_cut_must_be_finite(cut):
    with pytest.raises(Exception, match="--cut : une minoration en euros, finie"):
        check_cut(cut)


@pytest.mark.parametrize("cut", ["inf", "nan", "1e300"])
def test_simulate_cut_refused_in_french_by_the_cli(cut):
    """``--cut inf`` reported « minoration négative : -92233720368547760.00 € »."""
    r = invoke("simulate", "dcrtp", "--cut", cut)
    assert r.exit_code == 2, r.output
    assert "minoration en euros, finie" in r.output and "-922" not in r.output


def test_simulate_latin1_criteria_and_bad_rrf_files(tmp_path):
    """A criteria file saved in Windows-1252 is read (and the output says so); an empty or
    duplicated EPCI RRF file gets a French error naming the file and the line, never
    « erreur inattendue »."""
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data" / "finance_cli"
    crit = data / "criteres_trois_epci_fictional.csv"
    latin = tmp_path / "criteres_latin1.csv"
    latin.write_bytes(crit.read_text(encoding="utf-8-sig").encode("cp1252", "replace"))
    empty = tmp_path / "rrf_vide.csv"
    empty.write_text("")
    dup = tmp_path / "rrf_double.csv"
    dup.write_text("siren;rrf\n200023414;1000\n200023414;2000\n")

    def run(*args):  # in process: the same app as ``python -m pacte.cli`` and ``pacte``
        return CliRunner(env={"COLUMNS": "200"}).invoke(app, ["simulate", "dcrtp", *args])

    ok = run("--criteria", str(latin), "--epci-rrf", str(data / "rrf_epci_fictional.csv"))
    assert ok.exit_code == 0, ok.output
    assert "non UTF-8" in ok.output  # stdout and stderr
    for path, message in ((empty, "fichier vide"), (dup, "SIREN en double")):
        res = run("--criteria", str(crit), "--epci-rrf", str(path))
        assert res.exit_code != 0 and message in res.stderr, res.output
        assert "inattendue" not in res.stderr
        if path == dup:
            assert "ligne 3" in res.stderr
