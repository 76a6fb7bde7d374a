"""One truth across outputs: the rank, its interval, the eligibility and the comparison group
of a territory are the same in ``pacte show --format json``, the API's territory answer (a
card stored at build), the profile's JSON and the files of ``pacte export`` and ``pacte rank
--out`` (machine csv and French xlsx). Real store: Métropole Rouen Normandie (a métropole,
not eligible under the default rule), CC Cluses-Arve et Montagnes (first in the ranking) and
CC du Vimeu."""

from __future__ import annotations

import csv
import functools
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pacte.catalogue import INDICATORS, source_name
from pacte.catalogue.headline import KEY_FIGURES
from pacte.cli.main import app
from pacte.export.tables import number_format
from pacte.handlers.profile import profile

CODES = {"200023414": "Rouen", "200033116": "Cluses", "200070944": "Vimeu"}


@functools.cache
def _show(db, code: str) -> dict:
    """``pacte show CODE -f json``, in process (the command as a process is run by
    tests/cli/test_terminal_width.py and tests/cli/test_lean_readers.py)."""
    res = CliRunner().invoke(app, ["show", code, "-f", "json", "--db", str(db)])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.parametrize("code", list(CODES))
def test_rank_eligibility_and_group_agree(built_store, con, client, code):
    shown = _show(built_store, code)
    api = client.get(f"/api/territories/epci/{code}").json()["data"]
    prof = profile(con, code).data
    r_show, r_api, r_prof = shown["ranking"], api["ranking"], prof["ranking"]
    for key in ("rank", "n", "rank_low", "rank_high", "eligible", "eligible_rank"):
        assert r_show[key] == r_api[key] == r_prof.get(key), key
    group = shown["comparison"]["codes"]
    assert api["comparison"]["codes"] == group
    assert [p["code"] for p in prof["peers"]] == group
    assert shown["comparison"]["label"] == api["comparison"]["label"] == prof["ranking"][
        "comparison"]
    # the same key figures: indicator, source, period and value
    def heads(rows):
        return [(h["indicator"], h["source"], str(h["period"]),
                 None if h["value"] is None else round(h["value"], 9)) for h in rows]

    assert heads(shown["headline"]) == heads(api["headline"]) == heads(prof["key_figures"])
    shares = {h["source"] for h in shown["headline"] if h["indicator"] == "industry_share"}
    avail = {r["source"] for r in shown["indicators"] if r["indicator"] == "industry_share"
             and r["value"] is not None}
    assert shares == avail  # every concept of industry the territory has, side by side
    # the anchoring medians are taken on that group
    rows = [a for a in shown["anchoring"] if a["n_peers"]]
    assert rows and all(a["n_peers"] <= len(group) for a in rows)


def test_rouen_is_shown_not_eligible_with_its_reason(built_store):
    shown = _show(built_store, "200023414")
    assert shown["ranking"]["eligible"] is False
    assert "métropole" in shown["ranking"]["eligibility_note"]


def test_rouen_is_compared_with_large_cities(con, built_store):
    """Rouen (about 500,000 inhabitants) is read against territories of its size and
    nature, not rural communautés de communes."""
    shown = _show(built_store, "200023414")
    pops = dict(con.execute("SELECT code, population FROM territory WHERE level = 'epci'"
                            ).fetchall())
    own = pops["200023414"]
    assert all(own / 3 <= pops[c] <= own * 3 for c in shown["comparison"]["codes"])


@pytest.fixture(scope="module")
def exported(built_store, tmp_path_factory):
    """The files an analyst opens: ``pacte export`` of the key figures' indicators (csv,
    xlsx) and ``pacte rank --out`` (csv, xlsx), read back as {code: row}."""
    d = tmp_path_factory.mktemp("one_truth")
    ids = [a for i, _ in KEY_FIGURES for a in ("--indicator", i)]
    runs = {"export.csv": ["export", "--level", "epci", "--format", "csv", *ids],
            "export.xlsx": ["export", "--level", "epci", "--format", "xlsx", *ids],
            "rank.csv": ["rank", "--level", "epci", "--format", "csv"],
            "rank.xlsx": ["rank", "--level", "epci", "--format", "xlsx"]}
    out = {}
    for name, args in runs.items():
        path = d / name
        res = CliRunner().invoke(app, [*args, "--out", str(path), "--db", str(built_store)])
        assert res.exit_code == 0, res.output
        if name.endswith(".csv"):
            with open(path, encoding="utf-8", newline="") as f:
                out[name] = {r["code"]: r for r in csv.DictReader(f)}
        else:
            # read-only: streamed, values and number formats as the full reader gives them
            wb = load_workbook(path, read_only=True)
            rows = wb.worksheets[0].iter_rows()
            head = [c.value for c in next(rows)]
            out[name] = {r[head.index("Code")].value: dict(zip(head, r, strict=True))
                         for r in rows}
            wb.close()
    return out


def _column(row: dict, start: str) -> str:
    (name,) = [k for k in row if k.startswith(start)]  # exactly one column
    return name


@pytest.mark.parametrize("code", list(CODES))
def test_exports_carry_the_same_key_figures(built_store, exported, code):
    """Each key figure of ``show`` is in the export: same indicator, source, period (in the
    header) and value; the xlsx cell keeps it whole with the catalogue's number format."""
    shown = _show(built_store, code)
    machine, book = exported["export.csv"][code], exported["export.xlsx"][code]
    assert shown["headline"]
    for h in shown["headline"]:
        ind, src, period = h["indicator"], h["source"], str(h["period"])
        value = float(machine[_column(machine, f"{ind}_{period}_{src} (")])
        assert value == pytest.approx(h["value"], rel=1e-9), (ind, src, period)
        cell = book[_column(book, f"{INDICATORS[ind].label_for(src)}, {period}, "
                                  f"{source_name(src)} (")]
        assert cell.value == pytest.approx(h["value"], rel=1e-9), (ind, src, period)
        assert cell.number_format == number_format(INDICATORS[ind].precision)


@pytest.mark.parametrize("code", list(CODES))
def test_rank_exports_carry_the_same_rank_eligibility_and_group(built_store, exported, code):
    shown = _show(built_store, code)
    r, group = shown["ranking"], shown["comparison"]["codes"]
    machine, book = exported["rank.csv"][code], exported["rank.xlsx"][code]
    assert [int(machine[k]) for k in ("rank", "rank_low", "rank_high")] == [
        r["rank"], r["rank_low"], r["rank_high"]]
    assert machine["eligible"] == str(r["eligible"])
    assert (int(float(machine["eligible_rank"])) if machine["eligible_rank"] else None
            ) == r["eligible_rank"]
    assert [c.strip() for c in machine["peers"].split(",")] == group
    assert book["Rang"].value == r["rank"]
    assert book["Éligible"].value == ("oui" if r["eligible"] else "non")
    assert book["Rang parmi les éligibles"].value == r["eligible_rank"]
    assert (book["Motif de non-éligibilité"].value or None) == r.get("eligibility_note")
    assert [c.strip() for c in book["Territoires les plus semblables"].value.split(",")
            ] == group
