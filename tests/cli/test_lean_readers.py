"""Readers at the floor: ``pacte show``, ``pacte rank`` (default rule) and ``pacte indicators``
answer from DuckDB rows without loading pandas or numpy (nor pydantic: their options are
converted without it; nor rich when they write CSV or JSON), and give the same bytes as the
computing path (DataFrames) for the same question."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from pacte import store
from pacte.store.rows import Rows, csv_text, json_float, json_records, json_text, query

READERS = [
    ["show", "{epci}"], ["show", "{epci}", "--format", "json"],
    ["show", "{epci}", "--format", "csv"],
    ["rank", "--top", "3"], ["rank", "--top", "3", "--format", "csv"],
    ["rank", "--top", "3", "--format", "json"], ["rank"],
    ["indicators", "--level", "epci", "--indicator", "industry_share"],
    ["indicators", "--level", "epci", "--indicator", "industry_share", "--format", "csv"],
    ["indicators", "--level", "epci", "--indicator", "industry_share", "--format", "json"],
]
#: One process imports the CLI as ``pacte`` does, then forks a child per command: each
#: command runs in a process holding exactly what importing the CLI loaded (as a fresh
#: ``pacte`` would), at the cost of one interpreter start instead of one per command. A child
#: writes its answer to ``<n>.out`` and, last on ``<n>.err``, the heavy modules it holds.
PROBE = """
import json, os, sys
from pacte.cli import app
HEAVY = ("pandas", "numpy", "pydantic")
folder, commands = sys.argv[1], json.loads(sys.argv[2])
for n, argv in enumerate(commands):
    pid = os.fork()
    if pid == 0:
        out = os.open(os.path.join(folder, f"{n}.out"), os.O_WRONLY | os.O_CREAT, 0o644)
        err = os.open(os.path.join(folder, f"{n}.err"), os.O_WRONLY | os.O_CREAT, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.argv = ["pacte", *argv]
        try:
            app()
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
        heavy = sorted(m for m in (*HEAVY, "rich") if m in sys.modules)
        sys.stdout.flush()
        sys.stderr.write(f"\\nLOADED={','.join(heavy)} EXIT={code}\\n")
        sys.stderr.flush()
        os._exit(0)
    os.waitpid(pid, 0)
heavy = sorted(m for m in (*HEAVY, "rich") if m in sys.modules)
sys.stderr.write(f"\\nPARENT LOADED={','.join(heavy)}\\n")
"""


@pytest.fixture(scope="module")
def epci(fictional_store) -> str:
    with store.connect(fictional_store) as con:
        return con.execute("SELECT min(code) FROM territory WHERE level = 'epci'"
                           ).fetchall()[0][0]


@pytest.fixture(scope="module")
def readers_run(fictional_store, epci, tmp_path_factory) -> dict:
    """Every command of :data:`READERS`, each in its own forked process: ``{command:
    (stdout, stderr)}``."""
    folder = tmp_path_factory.mktemp("readers")
    commands = [[a.format(epci=epci) for a in args] for args in READERS]
    env = {**os.environ, "PACTE_DB": str(fictional_store), "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(folder), json.dumps(commands)],
                          env=env, capture_output=True, text=True, timeout=300)
    # importing the CLI itself loads neither (else every child would hold them anyway)
    assert proc.stderr.strip().splitlines()[-1] == "PARENT LOADED=", proc.stderr[-2000:]
    return {" ".join(args): ((folder / f"{n}.out").read_text(),
                             (folder / f"{n}.err").read_text())
            for n, args in enumerate(READERS)}


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a))
def test_readers_load_neither_pandas_nor_numpy(readers_run, args):
    """Nor rich, when they write to a file."""
    stdout, stderr = readers_run[" ".join(args)]
    last = stderr.strip().splitlines()[-1]
    # written to a file, a table and the notes on stderr are plain text, written without
    # rich where rich would write the same bytes (pacte.cli.plain): here, everywhere
    assert last == "LOADED= EXIT=0", stderr[-2000:]
    assert stdout.strip()  # and it answered


def test_json_float_is_pandas_double_precision_15():
    """The JSON writer of rows rounds doubles as pandas' ``to_json(double_precision=15)``."""
    rng = np.random.default_rng(7)
    values = [*rng.normal(size=20_000) * 10.0 ** rng.integers(-17, 17, 20_000),
              *rng.random(5_000), 0.5, 1.5, 2.5, 1e-15, 1e16, 9999999999999998.0, -0.0,
              0.1 + 0.2, 2 / 3, 123.0]
    ref = json.loads(pd.DataFrame({"v": values}).to_json(orient="records",
                                                          double_precision=15))
    assert [json.dumps(json_float(float(v))) for v in values] == [
        json.dumps(r["v"]) for r in ref]


def test_rows_write_csv_and_json_as_pandas(fictional_con):
    """Mixed types, gaps, quotes and newlines: the same text as ``to_csv`` and ``records``."""
    from pacte.export.tables import records

    sql = """SELECT * FROM (VALUES (1, 'a,b', 1.25::DOUBLE, true, NULL::DOUBLE, 'x"y'),
                                   (NULL, 'ligne\nsuivante', 47505.0::DOUBLE, false, 2/3, ''))
             t(n, text, x, flag, gap, quoted)"""
    rows = query(fictional_con, sql)
    df = fictional_con.execute(sql).df()
    assert csv_text(rows) == df.to_csv(index=False, lineterminator="\n")
    assert json.dumps(json_records(rows)) == json.dumps(records(df))
    assert rows.numeric == (True, False, True, False, True, False)


@pytest.mark.parametrize("top", [None, 1, 3, 5, 8])
def test_stored_ranking_rows_equal_the_computed_ranking(fictional_con, top):
    """The default ranking from the stored rows (top N by binary search over the sorted
    draws) is the computed one: same columns, values, p_top, tiers and skipped ranks."""
    from pacte.export.tables import records
    from pacte.handlers.ranking import ranking
    from pacte.handlers.ranking_rows import default_ranking_rows

    ans = ranking(fictional_con, "epci", top)
    rows = default_ranking_rows(fictional_con, "epci", top)
    assert rows is not None
    assert rows.rows.columns == tuple(ans.data.columns)
    assert json.dumps(json_records(rows.rows)) == json.dumps(records(ans.data))
    assert csv_text(rows.rows) == ans.data.to_csv(index=False, lineterminator="\n")
    assert rows.skipped == ans.meta.get("skipped", [])
    assert rows.unranked == ans.meta["unranked"]
    assert (rows.size, rows.draws) == (ans.meta["programme"]["size"], ans.meta["draws"])


def test_stored_ranking_rows_step_aside_for_what_they_cannot_answer(fictional_con):
    from pacte.handlers.ranking_rows import default_ranking_rows

    assert default_ranking_rows(fictional_con, "epci", 3, seed=1) is None
    assert default_ranking_rows(fictional_con, "epci", 3, draws=7) is None


def test_p_top_by_binary_search_is_the_share_of_draws():
    from pacte.handlers.ranking import rank_blobs
    from pacte.handlers.ranking_rows import p_top_of
    from pacte.targeting.tiers import calc_p_top

    rng = np.random.default_rng(3)
    R = rng.integers(1, 60, size=(40, 250))
    for top in (1, 5, 20, 59, 60):
        expected = calc_p_top(R, top)
        got = [p_top_of(*rank_blobs(r), top) for r in R]
        assert got == expected.tolist()


def test_indicator_rows_equal_the_stored_frame(fictional_con):
    from pacte.engine import read_indicators
    from pacte.export.tables import records
    from pacte.store.rows import indicator_rows

    rows = indicator_rows(fictional_con, "epci", ["industry_share"])
    df = read_indicators(fictional_con, "epci", ["industry_share"])
    assert isinstance(rows, Rows) and len(rows) == len(df)
    assert json.dumps(json_records(rows)) == json.dumps(records(df))
    assert indicator_rows(fictional_con, "epci", ["no_such_indicator"]) is None
    assert indicator_rows(fictional_con, "epci", ["industry_share"], "1066") is None


def test_table_of_rows_is_the_table_of_the_frame(fictional_con):
    """The terminal table of typed rows is the DataFrame's (French numbers, gaps, widths)."""
    from pacte.cli.tables import render

    sql = ("SELECT code, name, population, urban_share, n_communes FROM territory "
           "WHERE level = 'epci' ORDER BY code")

    def text(table) -> str:
        buf = io.StringIO()
        with redirect_stdout(buf):
            render(table, console=Console(file=buf, width=100), title="t")
        return buf.getvalue()

    df = fictional_con.execute(sql).df()
    assert text(query(fictional_con, sql)) == text(df)
    assert not any(math.isnan(v) for v in df["population"])


def _printed(t, fmt, meta) -> str:
    from pacte.cli import show

    buf = io.StringIO()
    console = show.out
    show.out = Console(file=buf, width=120)
    try:
        with redirect_stdout(buf):
            show.print_territory(t, fmt, meta)
    finally:
        show.out = console
    return buf.getvalue()


@pytest.mark.parametrize("level", ["epci", "ze2020", "dep", "reg"])
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_show_from_the_card_is_the_computed_answer(fictional_con, level, fmt):
    """``pacte show`` from the stored card and the job query gives the bytes of the
    computed answer (:func:`pacte.handlers.territory.territory`), in every format."""
    from pacte.cli.common import Format
    from pacte.cli.show import from_answer
    from pacte.handlers.envelope import envelope
    from pacte.handlers.territory import territory
    from pacte.handlers.territory_rows import territory_rows

    code = fictional_con.execute("SELECT max(code) FROM territory WHERE level = ?",
                                 [level]).fetchall()[0][0]
    lean = territory_rows(fictional_con, code, level)
    assert lean is not None
    ans = territory(fictional_con, code, level)
    assert envelope(fictional_con, lean.sources) == ans.meta  # the same sources named
    assert _printed(lean, Format(fmt), ans.meta) == _printed(from_answer(ans), Format(fmt),
                                                             ans.meta)


def test_show_json_of_a_computed_answer_is_the_records_of_its_frames(fictional_con):
    """A commune (no card) goes through the computed path: its JSON is what the frames'
    records give (:func:`pacte.export.tables.records`)."""
    from pacte.cli.common import Format
    from pacte.cli.show import from_answer
    from pacte.export.tables import records
    from pacte.handlers.territory import territory
    from pacte.handlers.territory_rows import territory_rows

    code = fictional_con.execute("SELECT min(code) FROM territory WHERE level = 'commune'"
                                 ).fetchall()[0][0]
    assert territory_rows(fictional_con, code, "commune") is None
    ans = territory(fictional_con, code, "commune")
    d = ans.data
    doc = {"territory": d["territory"], "parents": records(d["parents"]),
           "coverage": records(d["coverage"]),
           "indicators": [] if d["indicators"] is None else records(d["indicators"]),
           "anchoring": [] if d["anchoring"] is None or d["anchoring"].empty
           else records(d["anchoring"]), "headline": d.get("headline") or [],
           "ranking": d.get("ranking"), "comparison": d.get("comparison"),
           "jobs": records(d["jobs"]), "meta": ans.meta}
    printed = _printed(from_answer(ans), Format.json, ans.meta)
    assert printed == json_text(doc)
    assert json.loads(printed) == json.loads(json.dumps(doc, default=str))


def test_json_text_is_one_record_a_line():
    """The readers' JSON: compact, one record a line (indented by one space a level), one
    top-level key a line; the values of
    ``json.dumps`` (non-ASCII kept, other types as text)."""
    from datetime import date

    recs = [{"code": "01", "nom": "Lyon « métropole »", "x": 1.5, "gap": None},
            {"code": "02", "nom": "Ain", "x": -0.0, "gap": True}]
    assert json_text(recs) == ('[\n {"code":"01","nom":"Lyon « métropole »","x":1.5,'
                               '"gap":null},\n {"code":"02","nom":"Ain","x":-0.0,'
                               '"gap":true}\n]\n')
    doc = {"territory": {"code": "01"}, "jobs": recs, "empty": [], "meta": {"d": date(2025, 1,
                                                                                       2)}}
    text = json_text(doc)
    assert json.loads(text) == json.loads(json.dumps(doc, default=str))
    assert text.splitlines()[:3] == ['{', ' "territory":{"code":"01"},', ' "jobs":[']
    assert text.splitlines()[-3:] == [' "empty":[],', ' "meta":{"d":"2025-01-02"}', '}']
    assert json_text([]) == "[]\n"


def test_json_text_of_rows_is_that_of_their_records(fictional_con):
    """Rows written column by column (:func:`pacte.store.rows.json_lines`) give the bytes
    of their records: gaps, NaN, -0.0, whole and rounded doubles, booleans, quotes,
    non-ASCII text, a column of mixed types, repeated column names, no rows."""
    from datetime import date

    sql = """SELECT * FROM (VALUES
        (1, 'a,"b"', 1.25::DOUBLE, true, NULL::DOUBLE, 'é « x »', -0.0::DOUBLE),
        (NULL, E'ligne\\nsuivante', 47505.0::DOUBLE, false, 2/3, '', 1e300::DOUBLE),
        (3, 'a,"b"', 'nan'::DOUBLE, NULL, 0.1 + 0.2, 'é « x »', 1e-20::DOUBLE))
        t(n, text, x, flag, gap, other, tiny)"""
    rows = query(fictional_con, sql)
    assert json_text(rows) == json_text(json_records(rows))
    doc = {"a": rows, "b": Rows(("x",), []), "c": {"k": 1}}
    assert json_text(doc) == json_text({"a": json_records(rows), "b": [], "c": {"k": 1}})
    mixed = Rows(("v", "%s", "v"), [(1, True, date(2025, 1, 2)), (1.0, None, [1, 2]),
                                   ("1", 0, {"a": 1})])
    assert json_text(mixed) == json_text(json_records(mixed))
    odd = Rows(("v", "w"), [(1, True), (1.0, False), ("1", 1), (math.nan, 1.0)])
    assert json_text(odd) == json_text(json_records(odd))


def _modp_15(v: float) -> float:
    """ultrajson's rounding of a positive double to 15 decimals, step by step (no shortcut)."""
    whole = int(v)
    tmp = (v - whole) * 1e15
    frac = int(tmp)
    diff = tmp - frac
    if diff > 0.5 or (diff == 0.5 and (frac == 0 or frac & 1)):
        frac += 1
    if frac >= 1e15:
        frac, whole = 0, whole + 1
    return float(f"{whole}.{str(frac).rjust(15, '0').rstrip('0') or '0'}")


@settings(max_examples=250, deadline=None)
@given(st.lists(st.floats(min_value=8.0, max_value=1e16 - 2), min_size=16, max_size=16,
                unique=True))
def test_doubles_from_8_come_back_unchanged_from_15_decimals(values):
    """The shortcut of :data:`pacte.store.rows.JSON_KEPT`: rounding to 15 decimals as pandas
    does gives back every double from 8 to 1e16 (and the doubles just above 8, where the
    spacing is the smallest, all do). Sixteen doubles an example (about 3,100 distinct ones
    in all): hypothesis' cost is per example, the check's per double."""
    for v in values:
        assert _modp_15(v) == v
        assert json_float(v) == v and json_float(-v) == -v


def test_doubles_just_above_8_come_back_unchanged():
    v = 8.0
    for _ in range(20_000):
        assert _modp_15(v) == v
        v = math.nextafter(v, 9.0)
    below = math.nextafter(8.0, 0.0)  # below the shortcut, the rounding does change some
    assert json_float(below) == _modp_15(below)


@pytest.mark.parametrize("width", [40, 60, 80, 100, 130, 200])
def test_plain_tables_are_the_bytes_rich_writes(fictional_con, width, monkeypatch):
    """The plain writer (:mod:`pacte.cli.plain`) of a box table, a stacked table and a
    grouped table gives rich's bytes at every width, or steps aside (then rich writes)."""
    from pacte.cli import plain
    from pacte.cli.tables import render, render_grouped

    queries = [("SELECT code, name, population, urban_share, n_communes, area_type "
                "FROM territory WHERE level = 'epci' ORDER BY code", None),
               ("SELECT code, name FROM territory WHERE level = 'dep' ORDER BY code", None),
               ("SELECT name AS label, code, level, population FROM territory "
                "WHERE level IN ('dep', 'reg') ORDER BY name", "label"),
               ("SELECT 'Une étiquette assez longue pour être coupée : ' || name || ' — "
                "« mesure » ≤ 2ᵉ' AS label, code, population FROM territory "
                "WHERE level = 'epci' ORDER BY code", "label")]
    monkeypatch.setattr(plain, "plain_width", lambda stderr=False: width)
    monkeypatch.setenv("COLUMNS", str(width))  # rich, where the plain writer steps aside
    written = []  # what the plain writer wrote itself (the comparison must cover it)
    for name in ("box_table", "text_lines"):
        real = getattr(plain, name)
        monkeypatch.setattr(plain, name, lambda *a, _real=real, **k: written.append(
            _real(*a, **k)) or written[-1])
    for sql, group in queries:
        table = query(fictional_con, sql)
        for title in (None, "Titre", "Un titre bien plus long que la table elle-même, "
                      "qui devra se replier sur plusieurs lignes à coup sûr"):
            def draw(rich: bool, table=table, group=group, title=title) -> str:
                buf = io.StringIO()
                console = Console(file=buf, width=width) if rich else None
                with redirect_stdout(buf):
                    if group:
                        render_grouped(table, group, title=title, console=console)
                    else:
                        render(table, title=title, console=console)
                return buf.getvalue()

            assert draw(rich=False) == draw(rich=True), (sql, title, width)
    assert sum(w is not None for w in written) >= 4, width


def test_plain_wrap_is_rich_wrap():
    """Rich's word wrapping (no folding), on texts with runs of spaces and long words."""
    from rich.text import Text

    from pacte.cli.plain import wrap

    texts = ["Sources : Insee, URSSAF, DGCL (Licence Ouverte / Etalab 2.0), WIOD ; traitement",
             "  deux  espaces   puis   trois    et une fin   ", "", "a", "x" * 30,
             "Rang : 218ᵉ sur 1 250 EPCI (intervalle 19ᵉ à 719ᵉ) ; probabilité 0,00 ≤ 1"]
    console = Console(width=200)
    for text in texts:
        for width in (5, 10, 17, 23, 40, 80):
            got = wrap(text, width)
            lines = [line.plain for line in Text(text).wrap(console, width)]
            if got is not None:
                assert got == lines, (text, width)
            else:
                assert any(len(w) > width for w in text.split()), (text, width)


@pytest.mark.parametrize("width", [60, 80, 120, 200])
@pytest.mark.parametrize("level", ["epci", "ze2020", "dep", "reg"])
def test_plain_sheet_is_the_bytes_rich_writes(fictional_con, level, width, monkeypatch):
    """``pacte show``'s sheet written as plain text (to a file or a pipe) is rich's, line
    for line: identity lines, key figures, indicators, anchoring and job tables."""
    from pacte.cli import plain, show
    from pacte.cli.common import Format, LazyConsole
    from pacte.handlers.territory_rows import territory_rows

    code = fictional_con.execute("SELECT max(code) FROM territory WHERE level = ?",
                                 [level]).fetchall()[0][0]
    t = territory_rows(fictional_con, code, level)
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setattr(show, "out", LazyConsole())

    def sheet(width_seen) -> str:
        monkeypatch.setattr(plain, "plain_width", lambda stderr=False: width_seen)
        buf = io.StringIO()
        with redirect_stdout(buf):
            show.print_territory(t, Format.table, {})
        return buf.getvalue()

    rich_text = sheet(None)  # every line through rich
    monkeypatch.setattr(show, "out", LazyConsole())
    assert sheet(width) == rich_text


def test_job_rows_are_the_rows_of_the_job_query(fictional_con):
    """The job rows with their labels joined in Python are those of the query that joins
    them (columns, types, values, order), for every territory of every level."""
    from pacte.handlers.territory_rows import job_rows
    from pacte.store.rows import territory_jobs_sql

    territories = fictional_con.execute("SELECT level, code FROM territory").fetchall()
    assert len(territories) > 20
    for level, code in territories:
        expected = query(fictional_con, *territory_jobs_sql(level, code))
        got = job_rows(fictional_con, level, code)
        assert (got.columns, got.numeric) == (expected.columns, expected.numeric)
        assert got.rows == expected.rows, (level, code)


@pytest.mark.parametrize("markup", [True, False])
def test_plain_print_is_rich_print(markup, monkeypatch):
    """A line printed as plain text is what ``Console.print`` writes, or is left to it
    (markup, emoji codes, control characters, words longer than the line)."""
    from pacte.cli import plain

    texts = ["Non classé : CC du Sud (200060473) — 3 indicateurs sur 5 manquants (données "
             "absentes), au-delà du seuil de la règle (missing.max_missing_share = 0,50)",
             "  3ᵉ : Métropole fictive (200023414) : métropole exclue", "\nDeux\nlignes",
             "[bold]gras[/bold]", "un :smile: ici", "tab\there", "x" * 90, ""]
    for width in (20, 50, 80, 120):
        monkeypatch.setattr(plain, "plain_width", lambda stderr=False, w=width: w)
        for text in texts:
            buf = io.StringIO()
            with redirect_stdout(buf):
                done = plain.plain_print(text, markup=markup)
            expected = io.StringIO()
            Console(file=expected, width=width).print(text, markup=markup)
            if done:
                assert buf.getvalue() == expected.getvalue(), (text, width)
            else:
                assert buf.getvalue() == ""


def test_indicator_rows_limited_are_the_first_rows(fictional_con):
    """The terminal table reads only the rows it shows, and counts the others."""
    from pacte.store.rows import indicator_count, indicator_rows

    every = indicator_rows(fictional_con, "epci")
    assert indicator_count(fictional_con, "epci") == len(every)
    first = indicator_rows(fictional_con, "epci", limit=7)
    assert first.rows == every.rows[:7] and first.columns == every.columns
    assert indicator_count(fictional_con, "epci", ["industry_share"], "2008") == len(
        indicator_rows(fictional_con, "epci", ["industry_share"], "2008"))
