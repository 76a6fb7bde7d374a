"""The typed table every writer takes (rows and, beside them, each column's header, unit and
decimals; no ``DataFrame.attrs``), the French headers and « oui »/« non » of the formats a
person opens, the catalogue's precision as XLSX number formats and csv-fr rounding, and the
README's table of identifiers. Fictional store (3 EPCI, Rouen a métropole excluded by the
default rule's eligibility)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pacte.catalogue import INDICATORS
from pacte.catalogue.base import unit_decimals
from pacte.cli.main import app
from pacte.export.table import Column, Table, describe, identifier_markdown
from pacte.export.tables import french_frame, number_format, write_csv_fr, write_xlsx
from pacte.export.wide import wide_table
from pacte.handlers.indicators import indicators


def load_workbook(path, **kw):
    """openpyxl's reader, imported by the tests that open a workbook (not at collection)."""
    from openpyxl import load_workbook as load

    return load(path, **kw)


ROUEN = "200023414"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wide(fictional_con):
    return wide_table(indicators(fictional_con, "epci", ["industry_jobs", "industry_share",
                                                         "lq_industry", "herfindahl"]).data)


def test_wide_table_is_typed_with_the_catalogue_precision(wide):
    assert isinstance(wide, Table) and wide.frame.attrs == {}
    by = {(c.indicator, c.source): c for c in wide.indicator_columns}
    assert by[("industry_jobs", "rp")].decimals == 0
    assert by[("industry_share", "rp")].decimals == 1
    assert by[("lq_industry", "rp")].decimals == 2
    assert by[("herfindahl", "rp")].decimals == 3
    share = next(c for c in wide.indicator_columns if c.id == "industry_share_2016_rp")
    assert share.machine_header == "industry_share_2016_rp (%)"
    assert share.french_header == (f"{INDICATORS['industry_share'].label_for('rp')}, 2016, "
                                   "recensement (%)")


def test_every_catalogue_unit_has_a_precision():
    """Each unit of the catalogue gets its decimals from one place: counts 0, shares 1."""
    assert {i.unit for i in INDICATORS.values() if i.precision == 0} >= {"emplois"}
    assert INDICATORS["industry_share"].precision == 1
    assert unit_decimals("points (équipements pour 10 000 habitants)") == 1
    assert unit_decimals("unité inconnue") == 2


def test_a_table_refuses_columns_that_do_not_describe_its_frame():
    with pytest.raises(ValueError, match="do not describe"):
        Table(pd.DataFrame({"a": [1]}), (Column("b", "B"),))


def test_xlsx_number_formats_follow_the_unit(wide, tmp_path):
    path = write_xlsx(wide, tmp_path / "w.xlsx", title="W")
    ws = load_workbook(path).active
    head = [c.value for c in ws[1]]
    fmt = {h: ws.cell(row=2, column=j).number_format for j, h in enumerate(head, 1)}
    jobs = next(c for c in wide.indicator_columns if c.indicator == "industry_jobs")
    share = next(c for c in wide.indicator_columns if c.indicator == "industry_share")
    herf = next(c for c in wide.indicator_columns if c.indicator == "herfindahl")
    assert fmt[jobs.french_header] == "#,##0"
    assert fmt[share.french_header] == "0.0"
    assert fmt[herf.french_header] == "0.000"
    assert fmt["Code"] == "@"
    # the full value is kept: the format shows it rounded
    row = {r[0].value: r for r in ws.iter_rows(min_row=2)}[ROUEN]
    value = wide.frame.set_index("code").at[ROUEN, share.id]
    assert row[head.index(share.french_header)].value == pytest.approx(value, abs=1e-12)


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=20),
       st.integers(0, 3))
def test_csv_fr_rounds_to_the_declared_decimals(values, decimals):
    t = Table(pd.DataFrame({"x": values}), (Column("x", "X", "u", decimals),))
    out = french_frame(t)["X (u)"]
    expected = np.round(np.asarray(values), decimals) + 0.0
    np.testing.assert_array_equal(out.astype(float).to_numpy(), expected)
    assert not any(str(v).startswith("-0") and float(v) == 0 for v in out)


def test_number_formats():
    assert number_format(0) == "#,##0" and number_format(2) == "0.00"
    assert number_format(None) is None


def _rank(store, fmt: str, out: Path):
    res = CliRunner().invoke(app, ["rank", "--db", str(store), "--level", "epci", "--format",
                                   fmt, "--out", str(out)])
    assert res.exit_code == 0, res.output


def test_rank_csv_fr_has_french_headers_and_oui_non(fictional_store, tmp_path):
    """Rouen is « non » éligible, « métropole exclue », with no eligible rank; the others
    « oui »; the rule's dimensions name their columns."""
    out = tmp_path / "rang.csv"
    _rank(fictional_store, "csv-fr", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")),
                               delimiter=";"))
    assert len(rows) == 3
    assert {"eligible", "eligibility_note", "eligible_rank"}.isdisjoint(rows[0])
    rouen = next(r for r in rows if r["Code"] == ROUEN)
    assert (rouen["Éligible"], rouen["Motif de non-éligibilité"],
            rouen["Rang parmi les éligibles"]) == ("non", "métropole exclue", "")
    assert {r["Éligible"] for r in rows if r["Code"] != ROUEN} == {"oui"}
    assert "Score : Poids de l'industrie" in rows[0]
    assert re.fullmatch(r"-?\d+,\d{1,2}", rouen["Score"])  # two decimals, decimal comma
    assert (tmp_path / "rang.csv.sources.txt").exists()


def test_rank_xlsx_has_french_headers_oui_non_and_formats(fictional_store, tmp_path):
    out = tmp_path / "rang.xlsx"
    _rank(fictional_store, "xlsx", out)
    ws = load_workbook(out).active
    head = [c.value for c in ws[1]]
    rows = {r[head.index("Code")].value: r for r in ws.iter_rows(min_row=2)}
    rouen = rows[ROUEN]
    assert rouen[head.index("Éligible")].value == "non"
    assert rouen[head.index("Motif de non-éligibilité")].value == "métropole exclue"
    assert rouen[head.index("Score")].number_format == "0.00"
    assert rouen[head.index("Population")].number_format == "#,##0"
    assert {r[head.index("Éligible")].value for c, r in rows.items() if c != ROUEN} == {"oui"}


def test_rank_machine_csv_keeps_identifiers(fictional_store, tmp_path):
    out = tmp_path / "rang_machine.csv"
    _rank(fictional_store, "csv", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    rouen = next(r for r in rows if r["code"] == ROUEN)
    assert (rouen["eligible"], rouen["eligibility_note"]) == ("False", "métropole exclue")


def test_describe_reads_indicator_ids_whole_numbers_and_years(tmp_path):
    """A basin's row: its industrial share takes the catalogue's unit and decimal, a count
    is whole, a year has no thousands separator, a boolean reads « oui »."""
    df = pd.DataFrame({"code": ["1"], "industry_share": [12.345], "n_members": [3.0],
                       "census_year": [2016], "flag": [True]})
    t = describe(df)
    by = {c.id: c for c in t.columns}
    assert by["industry_share"].decimals == 1 and by["industry_share"].unit == "%"
    assert by["n_members"].decimals == 0
    assert french_frame(t).iloc[0].tolist() == ["1", 12.3, 3, 2016, "oui"]
    ws = load_workbook(write_xlsx(t, tmp_path / "b.xlsx")).active
    assert [c.value for c in ws[1]][2:4] == ["Nombre d'EPCI membres", "Année du recensement"]
    assert [c.number_format for c in ws[2]][2:4] == ["#,##0", "0"]


def test_readme_documents_the_identifiers():
    """The README's table of identifiers and French headers is the one the code uses."""
    assert identifier_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_export_path_passes_no_attrs():
    """Writers read a column's header, unit and decimals from the table, never from
    ``DataFrame.attrs``."""
    files = [*sorted((ROOT / "src/pacte/export").glob("*.py")),
             ROOT / "src/pacte/handlers/sheets.py", ROOT / "src/pacte/handlers/export.py"]
    offenders = [f.name for f in files if ".attrs" in f.read_text(encoding="utf-8")]
    assert offenders == []


def test_write_csv_fr_footer_follows_the_rows(tmp_path):
    t = describe(pd.DataFrame({"code": ["1", "2"], "value": [1.5, 2.25]}))
    path = write_csv_fr(t, tmp_path / "f.csv", attribution=None,
                        footer=["Sources : Insee ; licence", "=1+1"])
    text = path.read_text(encoding="utf-8-sig")
    body, footer = text.split("\n\n")
    assert body.splitlines()[0] == "Code;Valeur"
    assert footer.splitlines() == ['"Sources : Insee ; licence"', "'=1+1"]
