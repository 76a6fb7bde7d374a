"""Validation of a ranking against a list: AUC by the rank sum with ties counting
half, precision and recall in the top k, outdated codes mapped through the geography."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pacte.cli.validate import register
from pacte.errors import InvalidParameterError
from pacte.handlers.validate import read_list
from pacte.targeting.validate import calc_auc, calc_precision_recall, calc_validation, map_codes

SCORES = np.array([5, 4, 4, 3, 2, 1], float)
MEMBER = np.array([True, False, True, False, True, False])


def test_auc_with_ties_by_hand():
    """Members score 5, 4, 2; others 4, 3, 1. Pairs won: 5 beats all three (3); 4 ties 4
    (1/2) and beats 3 and 1 (2); 2 beats 1 (1): 6.5 of 9 pairs (Hanley & McNeil 1982)."""
    assert calc_auc(SCORES, MEMBER) == pytest.approx(6.5 / 9, abs=1e-12)
    assert calc_auc(SCORES, ~MEMBER) == pytest.approx(1 - 6.5 / 9, abs=1e-12)
    assert calc_auc(SCORES, np.ones(6, bool)) != calc_auc(SCORES, np.ones(6, bool))  # NaN
    assert calc_auc(np.ones(6), MEMBER) == 0.5  # all tied: chance


def test_precision_recall_by_hand():
    """Ranks 1..6, members at ranks 1, 3, 5: k = 3 -> 2 hits (2/3, 2/3); k = 2 -> 1 hit
    (precision 1/2, recall 1/3)."""
    rank = np.arange(1, 7)
    assert calc_precision_recall(rank, MEMBER) == (pytest.approx(2 / 3), pytest.approx(2 / 3), 3)
    assert calc_precision_recall(rank, MEMBER, 2) == (0.5, pytest.approx(1 / 3), 2)


def test_validation_groups_and_extremes():
    df = pd.DataFrame({"code": list("abcdef"), "name": list("ABCDEF"), "rank": range(1, 7),
                       "score": SCORES, "reg_name": ["N", "N", "N", "S", "S", "S"],
                       "nature": ["CC", "CA", "CC", "CC", "CA", "CC"]})
    v = calc_validation(df, {"a", "c", "e", "zz"}, n_listed=4)
    assert (v["n_listed"], v["n_matched"], v["k"]) == (4, 3, 3)
    assert v["auc"] == pytest.approx(6.5 / 9)
    north = v["by_region"].set_index("group").loc["N"]
    assert (north["n"], north["n_listed"], north["auc"]) == (3, 2, 0.75)  # 5>4, 4=4
    assert v["members_lowest"]["code"].tolist() == ["e", "c", "a"]
    assert v["others_highest"]["code"].tolist() == ["b", "d", "f"]


def test_outdated_codes_mapped_through_the_geography(fictional_con):
    """Fictional store: EPCI 248000705 existed in 2008 (communes 80155, 80009, 80221, 80145,
    80830); its communes now belong to 200070936. A commune code maps to its EPCI; an
    invented code is returned as unknown."""
    found, unknown = map_codes(fictional_con, "epci",
                               ["247600620", "248000705", "80155", "999999999"])
    got = found.set_index("listed")["code"].to_dict()
    assert got == {"247600620": "247600620", "248000705": "200070936", "80155": "200070936"}
    assert found.set_index("listed").loc["248000705", "how"].startswith("ancien EPCI (")
    assert unknown == ["999999999"]


def test_read_list_formats(tmp_path):
    (tmp_path / "a.csv").write_text("nom;siren\nX;200 070 936\nY;247600620\n", "utf-8")
    assert read_list(tmp_path / "a.csv") == ["200070936", "247600620"]
    (tmp_path / "b.txt").write_text("200070936\n\n247600620\n", "utf-8")
    assert read_list(tmp_path / "b.txt") == ["200070936", "247600620"]
    (tmp_path / "c.csv").write_text("id,zone\n1,51\n", "utf-8")
    assert read_list(tmp_path / "c.csv", "ze2020", "zone") == ["0051"]
    with pytest.raises(InvalidParameterError, match="colonne « x » absente"):
        read_list(tmp_path / "c.csv", "epci", "x")
    with pytest.raises(InvalidParameterError, match="introuvable"):
        read_list(tmp_path / "none.csv")


def test_list_bounds_are_settings(tmp_path, monkeypatch):
    """PACTE_MAX_LIST_BYTES and PACTE_MAX_LIST_CODES bound a list file; the error names the
    setting. Three codes (30 bytes) pass the defaults."""
    from pacte.settings import Settings

    path = tmp_path / "l.txt"
    path.write_text("200070936\n247600620\n200023414\n", "utf-8")
    assert len(read_list(path)) == 3
    with pytest.raises(InvalidParameterError, match=r"plus de 20 octets, réglage "
                                                    "PACTE_MAX_LIST_BYTES"):
        read_list(path, settings=Settings(max_list_bytes=20))
    with pytest.raises(InvalidParameterError, match=r"3 lignes, plus qu'un en-tête et 1 "
                                                    r"code \(réglage PACTE_MAX_LIST_CODES\)"):
        read_list(path, settings=Settings(max_list_codes=1))
    monkeypatch.setenv("PACTE_MAX_LIST_CODES", "1")  # read from the environment by default
    with pytest.raises(InvalidParameterError, match="PACTE_MAX_LIST_CODES"):
        read_list(path)
    monkeypatch.setenv("PACTE_MAX_LIST_CODES", "deux")
    with pytest.raises(InvalidParameterError, match="PACTE_MAX_LIST_CODES : nombre attendu"):
        read_list(path)


def test_cli_validate_json(fictional_store, tmp_path):
    """``pacte validate --format json`` on the fictional store: every key of the answer; the list
    holds the two CC (one by its 2008 SIREN) and an unknown code."""
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    lst = tmp_path / "liste.csv"
    lst.write_text("code\n247600620\n248000705\n999999999\n", "utf-8")
    res = CliRunner().invoke(app, ["validate", "--list", str(lst), "--format", "json",
                                   "--db", str(fictional_store)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"auc", "n_listed", "n_matched", "precision_at_k", "recall_at_k"} <= set(out)
    assert (out["n_listed"], out["n_matched"], out["unknown"]) == (3, 2, ["999999999"])
    assert out["precision_at_k"] == out["recall_at_k"]
