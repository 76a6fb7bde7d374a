"""Every writer writes whole or not at all, never over a device, and never lets a
spreadsheet run a text as a formula.

Each case first reproduces the fault: a full disk is simulated by making ``os.fsync`` (the
flush every writer does before renaming its temporary file) raise ``OSError(ENOSPC)``; the
previous output must then be byte-identical, no temporary file left, and the message French
with no traceback. Formula injection follows OWASP's « CSV injection » page: a text cell
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pacte.cli.main import app
from pacte.errors import InvalidParameterError, WriteError
from pacte.export.atomic import atomic_path, write_text
from pacte.export.cells import neutralise, safe_frame
from pacte.export.tables import write_csv_fr, write_xlsx
from pacte.settings import package_data


def load_workbook(path, **kw):
    """openpyxl's reader, imported by the tests that open a workbook (not at collection)."""
    from openpyxl import load_workbook as load

    return load(path, **kw)


runner = CliRunner()
FORMATS = {"csv": "csv", "csv-fr": "csv", "xlsx": "xlsx", "geojson": "geojson",
           "gpkg": "gpkg", "parquet": "parquet"}
FINANCE = Path(__file__).parents[1] / "data" / "finance_cli"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


@pytest.fixture
def full_disk(monkeypatch):
    """From now on, flushing a file to disk fails as on a full disk."""
    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", fsync)


# ----- the helper itself ---------------------------------------------------------------


def test_atomic_path_keeps_the_previous_file_on_a_full_disk(tmp_path, request):
    target = tmp_path / "a.csv"
    write_text(target, "ancien\n")
    before = digest(target)

    request.getfixturevalue("full_disk")
    with pytest.raises(WriteError, match="disque plein") as exc:
        write_text(target, "nouveau, plus long\n" * 1000)
    assert "intact" in str(exc.value)
    assert digest(target) == before and no_temporaries(tmp_path) == []


def test_atomic_path_removes_its_temporary_on_any_error(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("ancien")
    with pytest.raises(ZeroDivisionError), atomic_path(target) as tmp:
        tmp.write_text("moitié")
        1 / 0  # noqa: B018 - a writer's own failure
    assert target.read_text() == "ancien" and no_temporaries(tmp_path) == []


@pytest.mark.parametrize("kind", ["fifo", "folder", "device_link"])
def test_special_targets_are_refused(tmp_path, kind):
    target = tmp_path / "cible"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to("/dev/null")
    with pytest.raises(InvalidParameterError, match="refusé|dossier"):
        write_text(target, "x")
    if kind == "device_link":
        assert os.readlink(target) == "/dev/null"


# ----- pacte export, every format ------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_on_a_full_disk_keeps_the_previous_file(fmt, fictional_store, tmp_path,
                                                       request):
    """The previous file and its sidecar: any content does (the export itself, in each
    format: tests/export/test_export.py); the writer must leave them as they were."""
    out = tmp_path / f"epci.{FORMATS[fmt]}"
    args = ("export", "--level", "epci", "--format", fmt, "--out", out, "--db",
            fictional_store)
    out.write_bytes(b"export precedent\n" * 100)
    before = digest(out)
    side = out.with_name(out.name + ".sources.txt")
    side.write_text("sources de l'export precedent\n", encoding="utf-8")
    side_before = digest(side)
    request.getfixturevalue("full_disk")
    r = invoke(*args)
    assert r.exit_code == 1, r.output
    assert "disque plein" in r.output and "Traceback" not in r.output
    assert digest(out) == before and digest(side) == side_before
    assert no_temporaries(tmp_path) == []


def test_gpkg_export_to_a_character_device_is_refused(fictional_store, tmp_path):
    """A link to /dev/null: pacte follows it, finds a device and refuses; before, the device
    node (here the link) was replaced by a GeoPackage file and the command exited 0."""
    out = tmp_path / "sortie.gpkg"
    out.symlink_to("/dev/null")
    r = invoke("export", "--level", "epci", "--format", "gpkg", "--out", out, "--db",
               fictional_store)
    assert r.exit_code == 2, r.output
    assert "périphérique" in r.output and "Traceback" not in r.output
    assert out.is_symlink() and os.readlink(out) == "/dev/null"
    assert Path("/dev/null").is_char_device()


# ----- rank --out, profile --out -------------------------------------------------------


def rule_with_label(tmp_path: Path, label: str) -> Path:
    rule = yaml.safe_load(package_data("composite_default.yaml").read_text(encoding="utf-8"))
    rule["dimensions"][0]["label"] = label
    rule["uncertainty"]["draws"] = 20
    path = tmp_path / "regle.yaml"
    path.write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt,ext", [("xlsx", "xlsx"), ("csv-fr", "csv"), ("csv", "csv"),
                                     ("json", "json")])
def test_rank_out_on_a_full_disk_keeps_the_previous_file(fmt, ext, fictional_store, tmp_path,
                                                         request):
    out = tmp_path / f"classement.{ext}"
    args = ("rank", "--format", fmt, "--out", out, "--db", fictional_store, "--draws", "20")
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    before = digest(out)
    request.getfixturevalue("full_disk")
    r = invoke(*args)
    assert r.exit_code == 1 and "disque plein" in r.output and "Traceback" not in r.output
    assert digest(out) == before and no_temporaries(tmp_path) == []


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_profile_out_on_a_full_disk_keeps_the_previous_file(fmt, fictional_store, fictional_con,
                                                            tmp_path, request):
    code = fictional_con.execute("SELECT min(code) FROM territory WHERE level = 'epci'"
                                 ).fetchone()[0]
    out = tmp_path / f"profil.{fmt}"
    args = ("profile", code, "--level", "epci", "--format", fmt, "--out", out, "--db",
            fictional_store)
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    before = digest(out)
    request.getfixturevalue("full_disk")
    r = invoke(*args)
    assert r.exit_code == 1 and "disque plein" in r.output and "Traceback" not in r.output
    assert digest(out) == before and no_temporaries(tmp_path) == []


# ----- formula injection ---------------------------------------------------------------


def test_neutralise_texts_only():
    assert [neutralise(v) for v in ("=1+1", "+33", "-x", "@SUM(A1)", "\tA", "\rB", "Rouen",
                                    "", -3.5, -2)] == [
        "'=1+1", "'+33", "'-x", "'@SUM(A1)", "'\tA", "'\rB", "Rouen", "", -3.5, -2]
    df = pd.DataFrame({"=nom": ["=HYPERLINK(\"http://x\")", "ok"], "v": [-1.5, 2.0]})
    safe = safe_frame(df)
    assert list(safe.columns) == ["'=nom", "v"]
    assert safe["'=nom"].tolist() == ["'=HYPERLINK(\"http://x\")", "ok"]
    assert safe["v"].tolist() == [-1.5, 2.0] and safe["v"].dtype == float


def test_writers_keep_formulas_as_text_and_negative_numbers_as_numbers(tmp_path):
    df = pd.DataFrame({"name": ["=1+1", "@A1", "Rouen"], "score": [-1.25, 0.5, 2.0]})
    write_xlsx(df, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    cells = [ws.cell(row=i, column=1) for i in (2, 3, 4)]
    assert [c.value for c in cells] == ["=1+1", "@A1", "Rouen"]
    assert all(c.data_type == "s" for c in cells)
    assert ws.cell(row=2, column=2).value == -1.25 and ws.cell(row=2, column=2).data_type == "n"
    write_csv_fr(df, tmp_path / "t.csv", attribution=None)
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1;-1,25" in text and "'@A1;0,5" in text


def test_rank_xlsx_and_csv_with_a_formula_label(fictional_store, tmp_path):
    """A rule label ``=1+1`` was a live formula in ``rank -f xlsx`` and a raw ``=1+1`` in
    CSV; it is text in both, the scores stay numbers."""
    rule = rule_with_label(tmp_path, "=1+1")
    xl = tmp_path / "c.xlsx"
    r = invoke("rank", "-f", "xlsx", "-o", xl, "--weights", rule, "--db", fictional_store)
    assert r.exit_code == 0, r.output
    ws = load_workbook(xl).worksheets[0]
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    texts = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == "=1+1"]
    assert texts and {c.data_type for c in texts} == {"s"}  # « Dimension principale »
    numbers = [c.data_type for c in ws[2] if isinstance(c.value, float)]
    assert numbers and set(numbers) == {"n"}
    for fmt in ("csv", "csv-fr"):
        out = tmp_path / f"c.{fmt}.csv"
        r = invoke("rank", "-f", fmt, "-o", out, "--weights", rule, "--db", fictional_store)
        assert r.exit_code == 0, r.output
        text = out.read_text(encoding="utf-8-sig")
        cells = [c for line in text.splitlines() for c in line.replace(";", ",").split(",")]
        assert "'=1+1" in cells and "=1+1" not in cells


def test_simulate_xlsx_with_hyperlink_commune_names(built_store, tmp_path):
    """Commune names ``=HYPERLINK(...)`` in a criteria file gave live formulas in
    ``simulate dcrtp -f xlsx``; they are text cells now, the amounts numbers."""
    crit = (FINANCE / "criteres_trois_epci_fictional.csv").read_text(encoding="utf-8")
    lines = crit.splitlines()
    hostile = [lines[0]] + [ln.replace("COMMUNE FICTIVE", '"=HYPERLINK(""http://x"";""y"")"'
                                       ' FICTIVE', 1) for ln in lines[1:]]
    path = tmp_path / "criteres.csv"
    path.write_text("\n".join(hostile) + "\n", encoding="utf-8")
    out = tmp_path / "dcrtp.xlsx"
    r = invoke("simulate", "dcrtp", "--criteria", path, "--epci-rrf",
               FINANCE / "rrf_epci_fictional.csv", "--cut", "3000000", "--format", "xlsx",
               "--out", out, "--db", built_store)
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    names = [c.value for row in wb["DCRTP"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert len(names) >= 4
    csv_out = tmp_path / "dcrtp.csv"
    r = invoke("simulate", "dcrtp", "--criteria", path, "--epci-rrf",
               FINANCE / "rrf_epci_fictional.csv", "--cut", "3000000", "--format", "csv",
               "--out", csv_out, "--db", built_store)
    assert r.exit_code == 0, r.output
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text


def test_simulate_out_on_a_full_disk_keeps_the_previous_file(built_store, tmp_path,
                                                             request):
    out = tmp_path / "dcrtp.xlsx"
    args = ("simulate", "dcrtp", "--criteria", FINANCE / "criteres_trois_epci_fictional.csv",
            "--epci-rrf", FINANCE / "rrf_epci_fictional.csv", "--cut", "3000000", "--format",
            "xlsx", "--out", out, "--db", built_store)
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    before = digest(out)
    request.getfixturevalue("full_disk")
    r = invoke(*args)
    assert r.exit_code == 1 and "disque plein" in r.output and "Traceback" not in r.output
    assert digest(out) == before and no_temporaries(tmp_path) == []
