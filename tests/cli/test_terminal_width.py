"""Terminal tables fit the terminal: at 80, 100 and 160 columns no line is wider than the
terminal and nothing that identifies a row (rank, code, name) or a value is cut (no ellipsis).
Run as a user runs them: a subprocess with ``COLUMNS`` set, on the fictional store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pacte import store

#: (command, store, columns) -> (stdout, stderr): the same command at the same width is run
#: once per worker (the rank and show runs are each read by two tests).
_RUNS: dict[tuple, tuple[str, str]] = {}


def _run(args: list[str], db, columns: int, stderr: bool = False) -> str:
    key = (tuple(args), str(db), columns)
    if key not in _RUNS:
        env = {**os.environ, "COLUMNS": str(columns), "PACTE_DB": str(db), "NO_COLOR": "1",
               "TERM": "dumb"}
        proc = subprocess.run([sys.executable, "-m", "pacte.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        _RUNS[key] = (proc.stdout, proc.stderr)
    out, err = _RUNS[key]
    return out + (err if stderr else "")


@pytest.fixture(scope="module")
def ranking(fictional_store):
    from pacte.handlers.ranking import ranking

    with store.connect(fictional_store) as con:
        return ranking(con, "epci", 5, 0, 0, False, None, 0, 50)


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_rank_fits_and_cuts_nothing(fictional_store, ranking, columns):
    text = _run(["rank", "--top", "5", "--draws", "50"], fictional_store, columns)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in text
    for row in ranking.data.itertuples():  # every selected name whole, on one line
        assert any(row.name in line and row.code in line for line in lines), row.name


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_show_fits_and_cuts_nothing(fictional_store, ranking, columns):
    code = ranking.data.iloc[0]["code"]
    text = _run(["show", code], fictional_store, columns)
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text


def test_show_tells_total_and_industrial_rates_apart(fictional_store, ranking):
    """Two indicators whose labels start alike are each named in full, never cut."""
    from pacte.catalogue import INDICATORS

    text = _run(["show", ranking.data.iloc[0]["code"]], fictional_store, 80)
    total, industry = (INDICATORS[i].label_for("rp") for i in ("job_change_rel",
                                                               "industry_job_change_rel"))
    assert total != industry
    def flat(t: str) -> str:  # a label longer than the terminal wraps, whole
        return " ".join(t.replace("\u202f", " ").replace("\xa0", " ").split())

    assert flat(total) in flat(text) and flat(industry) in flat(text)


def test_module_entry_point_exists():
    """``python -m pacte.cli`` is how the tests run the CLI as a user would."""
    import importlib.util

    assert importlib.util.find_spec("pacte.cli.__main__") is not None


def test_top_says_which_ranks_it_skipped(fictional_store, ranking):
    """The fictional métropole is ranked but not eligible: ``--top`` names the rank it skips
    and why, instead of a silent gap in the ranks."""
    skipped = ranking.meta["skipped"]
    assert skipped and all(s["code"] not in set(ranking.data["code"]) for s in skipped)
    text = _run(["rank", "--top", "5", "--draws", "50"], fictional_store, 100, stderr=True)
    for s in skipped:
        assert s["name"] in text and s["reason"] in text
    assert "rang sauté" in text
