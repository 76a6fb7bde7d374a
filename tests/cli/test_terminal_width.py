"""Terminal tables fit the terminal: at 80, 100 and 160 columns no line is wider than the
terminal and nothing that identifies a row (rank, code, name) or a value is cut (no ellipsis).
Run as a user runs them: a process with ``COLUMNS`` set before the CLI is imported (its
consoles read the width when they are made), on the fictional store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pacte import store

#: One process loads what the commands compute with (nothing there reads the terminal),
#: then forks a child per (width, command): the child sets ``COLUMNS``, imports the CLI (its
#: consoles read the width then, as in a fresh ``pacte``) and runs the command, writing its
#: stdout, stderr and exit code to ``<n>.out``, ``<n>.err``, ``<n>.code``: one interpreter
#: start and one import of pandas for the six runs, instead of six.
PROBE = """
import json, os, sys
import numpy, pandas, pacte.handlers.ranking, pacte.handlers.territory
folder, runs = sys.argv[1], json.loads(sys.argv[2])
for n, (columns, argv) in enumerate(runs):
    pid = os.fork()
    if pid == 0:
        os.environ["COLUMNS"] = str(columns)
        for fd, suffix in ((1, "out"), (2, "err")):
            os.dup2(os.open(os.path.join(folder, f"{n}.{suffix}"),
                            os.O_WRONLY | os.O_CREAT, 0o644), fd)
        from pacte.cli.main import app
        sys.argv = ["pacte", *argv]
        try:
            app(prog_name="pacte")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    with open(os.path.join(folder, f"{n}.code"), "w") as f:
        f.write(str(os.waitstatus_to_exitcode(status)))
"""
RANK = ("rank", "--top", "5", "--draws", "50")
WIDTHS = (80, 100, 160)


@pytest.fixture(scope="module")
def runs(fictional_store, ranking, tmp_path_factory) -> dict:
    """``{(command, columns): (stdout, stderr)}`` of ``pacte rank --top 5 --draws 50`` and
    ``pacte show <first ranked>`` at each width, on the fictional store."""
    folder = tmp_path_factory.mktemp("widths")
    show = ("show", ranking.data.iloc[0]["code"])
    todo = [(columns, list(args)) for columns in WIDTHS for args in (RANK, show)]
    env = {**os.environ, "PACTE_DB": str(fictional_store), "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("COLUMNS", None)
    subprocess.run([sys.executable, "-c", PROBE, str(folder), json.dumps(todo)], env=env,
                   check=True, timeout=300)
    out = {}
    for n, (columns, args) in enumerate(todo):
        code = (folder / f"{n}.code").read_text()
        err = (folder / f"{n}.err").read_text()
        assert code == "0", (args, columns, err[-2000:])
        out[(args[0], columns)] = ((folder / f"{n}.out").read_text(), err)
    return out


@pytest.fixture(scope="module")
def ranking(fictional_store):
    from pacte.handlers.ranking import ranking

    with store.connect(fictional_store) as con:
        return ranking(con, "epci", 5, 0, 0, False, None, 0, 50)


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_rank_fits_and_cuts_nothing(runs, ranking, columns):
    text = runs[("rank", columns)][0]
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in text
    for row in ranking.data.itertuples():  # every selected name whole, on one line
        assert any(row.name in line and row.code in line for line in lines), row.name


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_show_fits_and_cuts_nothing(runs, columns):
    text = runs[("show", columns)][0]
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text


def test_show_tells_total_and_industrial_rates_apart(runs):
    """Two indicators whose labels start alike are each named in full, never cut."""
    from pacte.catalogue import INDICATORS

    text = runs[("show", 80)][0]
    total, industry = (INDICATORS[i].label_for("rp") for i in ("job_change_rel",
                                                               "industry_job_change_rel"))
    assert total != industry
    def flat(t: str) -> str:  # a label longer than the terminal wraps, whole
        return " ".join(t.replace("\u202f", " ").replace("\xa0", " ").split())

    assert flat(total) in flat(text) and flat(industry) in flat(text)


def test_module_entry_point_exists():
    """``python -m pacte.cli`` is how tests run the CLI in a subprocess as a user would."""
    import importlib.util

    assert importlib.util.find_spec("pacte.cli.__main__") is not None


def test_top_says_which_ranks_it_skipped(runs, ranking):
    """The fictional métropole is ranked but not eligible: ``--top`` names the rank it skips
    and why, instead of a silent gap in the ranks."""
    skipped = ranking.meta["skipped"]
    assert skipped and all(s["code"] not in set(ranking.data["code"]) for s in skipped)
    text = "".join(runs[("rank", 100)])  # stdout, then stderr
    for s in skipped:
        assert s["name"] in text and s["reason"] in text
    assert "rang sauté" in text
