"""``pacte run`` on a new store renders its report beside the build's last cards
(:class:`pacte.report.national.ReportBeside`): the same report and terminal output as
rendered after the build; a failed build leaves the previous store and report; a failed
report fails the run with its message, the new store kept and the previous report too."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pacte import store
from pacte.cli.main import app
from pacte.errors import WriteError
from pacte.report import national

runner = CliRunner()


@pytest.fixture
def fictional_run(monkeypatch, fictional_store):
    """``pacte run`` building from the fictional snapshot (a few seconds) instead of the
    bundled one; returns the calls of the report's step (thread, store file present)."""
    from fixtures.conftest_fictional import SNAPSHOT

    import pacte.handlers.build as hb

    build_store = hb.build_store
    monkeypatch.setattr(hb, "build_store", lambda *a, **kw: build_store(*a, snap=SNAPSHOT, **kw))
    calls = []
    step = national.ReportBeside.__call__

    def called(self, cur, say):
        calls.append((threading.current_thread(), any(self.out_dir.parent.glob(".p.duckdb.*"))))
        return step(self, cur, say)

    monkeypatch.setattr(national.ReportBeside, "__call__", called)
    return calls


def _invoke(*args) -> tuple[int, str, str]:
    """Exit code, all the output, the standard output alone."""
    r = runner.invoke(app, [str(a) for a in args])
    out = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert "Traceback" not in out, out
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), (
        repr(r.exception))
    return r.exit_code, out, r.stdout


def _files(folder: Path) -> dict[str, object]:
    """The report's files: bytes, the workbook as its cells' values (its zip dates vary)."""
    out = {}
    for p in sorted(folder.iterdir()):
        if p.suffix == ".xlsx":
            wb = load_workbook(p)
            out[p.name] = {n: [[c.value for c in r] for r in wb[n].iter_rows()]
                           for n in wb.sheetnames}
        else:
            out[p.name] = p.read_bytes()
    return out


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_report_beside_the_build_equals_the_report_after_it(fictional_run, tmp_path,
                                                            monkeypatch):
    db, out = tmp_path / "p.duckdb", tmp_path / "out"
    code, text, beside = _invoke("run", "--db", db, "--out", out)
    assert code == 0 and "Store construit" in text, text
    # rendered once, in the build's thread beside the cards, before the store was in place
    assert len(fictional_run) == 1
    assert fictional_run[0][0] is not threading.main_thread() and fictional_run[0][1]
    assert _temporaries(tmp_path) == []
    with store.connect(db) as con:
        national.build_national_report(con, tmp_path / "after", seed=0)
        meta = store.read_meta(con)
    assert {"carte_score.png", "index.html", "classement_epci.xlsx"} <= set(_files(out))
    assert _files(out) == _files(tmp_path / "after")
    # the same terminal output as `pacte run` on the store now up to date (report after)
    import pacte.handlers.build as hb

    monkeypatch.setattr(hb, "current_store", lambda _db: meta)
    code, text, after = _invoke("run", "--db", db, "--out", out)
    assert code == 0 and "Store à jour" in text and len(fictional_run) == 1, text
    assert "Rapport national" in beside and beside == after
    assert _files(out) == _files(tmp_path / "after")


def _previous(fictional_store, fictional_con, tmp_path):
    db, out = tmp_path / "p.duckdb", tmp_path / "out"
    shutil.copy(fictional_store, db)
    national.build_national_report(fictional_con, out, seed=0)
    return db, db.read_bytes(), out, _files(out)


def test_a_build_failing_after_the_report_leaves_the_previous_store_and_report(
        fictional_run, fictional_store, fictional_con, tmp_path, monkeypatch):
    from pacte.store import derive

    db, before, out, report = _previous(fictional_store, fictional_con, tmp_path)
    rendered = []

    def validate(con):
        rendered.extend(tmp_path.glob(".out.*.tmp/index.html"))
        raise RuntimeError("validation impossible")

    monkeypatch.setattr(derive, "validate", validate)
    code, text, _ = _invoke("run", "--db", db, "--out", out, "--rebuild")
    assert code == 1 and "validation impossible" in text, text
    assert len(rendered) == 1  # the report was written, in its temporary folder
    assert db.read_bytes() == before and _files(out) == report
    assert _temporaries(tmp_path) == []


def test_a_report_failing_fails_the_run_and_keeps_the_new_store(
        fictional_run, fictional_store, fictional_con, tmp_path, monkeypatch):
    db, before, out, report = _previous(fictional_store, fictional_con, tmp_path)

    def failing(*a, **k):
        raise WriteError("carte_score.png : écriture impossible (disque plein)")

    monkeypatch.setattr(national, "render_map", failing)
    code, text, _ = _invoke("run", "--db", db, "--out", out, "--rebuild")
    assert code != 0 and "écriture impossible (disque plein)" in text, text
    assert "Store construit" in text and db.read_bytes() != before  # the new store kept
    with store.connect(db):
        pass
    assert _files(out) == report and _temporaries(tmp_path) == []


def test_plain_build_steps_have_no_report():
    from pacte.handlers.build import steps

    def step(con, say):
        return {}

    assert [s.__name__ for s in steps()][-1] == "cards+statistics"
    assert [s.__name__ for s in steps(step)][-1] == "cards+statistics+step"
