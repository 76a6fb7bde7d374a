"""Targeting: composite index, Monte Carlo intervals, selection, typology, peers,
the ``pacte rank`` command and the national report.

Fast tests on a tiny fictional territory set (seeded, ``numpy.random.default_rng(42)``),
then tests on the real bundled store (``built_store``)."""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from pacte import store
from pacte.cli.rank import print_top, register
from pacte.errors import InvalidParameterError
from pacte.report.national import build_national_report
from pacte.targeting.index import (
    calc_impute,
    calc_index,
    calc_normalise,
    calc_ranks,
    calc_selection,
    rank_territories,
)
from pacte.targeting.rule import DEFAULT_CONFIG, load_config, parse_config
from pacte.targeting.typology import calc_kmeans, calc_peers, calc_silhouette, calc_type_names

# --- a tiny fictional index ---------------------------------------------------------------

RAW = {
    "name": "indice fictif",
    "winsorisation": None,
    "uncertainty": {"draws": 200, "concentration": 20},
    "typology": {"k_min": 2, "k_max": 3, "peers": 2},
    "dimensions": [
        {"id": "weight", "label": "Poids", "weight": 1, "type_high": "industriel",
         "type_low": "peu industriel", "indicators": [
            {"id": "industry_share", "source": "rp", "period": "2016",
             "direction": "higher_is_worse"}]},
        {"id": "crisis", "label": "Crise", "weight": 1, "type_high": "en déclin",
         "type_low": "résilient", "indicators": [
            {"id": "drop_from_peak", "source": "rp", "period": "1999-2016"},
            {"id": "job_change_rel", "source": "rp", "period": "2006-2011", "weight": 0.5}]},
    ],
}
N = 40


def fictional_matrix(seed: int = 42) -> np.ndarray:
    """40 fictional territories: industry share (%), drop from peak (%), job change (%)."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(2, 35, N), rng.normal(15, 20, N),
                            rng.normal(-5, 15, N)])


@pytest.fixture
def config():
    return parse_config(copy.deepcopy(RAW))


def test_raising_a_bad_indicator_raises_score_and_rank(config):
    X = fictional_matrix()
    base = calc_index(X, config, seed=1)
    i = int(np.argsort(base["rank"])[N // 2])  # a territory in the middle of the ranking
    worse = X.copy()
    worse[i, 1] += 30  # deeper drop from the peak: higher_is_worse
    after = calc_index(worse, config, seed=1)
    assert after["score"][i] > base["score"][i]
    assert after["rank"][i] < base["rank"][i]  # rank 1 = most of a priority
    better = X.copy()
    better[i, 2] += 30  # stronger job growth: higher_is_better -> lower score
    assert calc_index(better, config, seed=1)["score"][i] < base["score"][i]


def test_monte_carlo_interval_contains_central_rank(config):
    for seed in range(5):
        r = calc_index(fictional_matrix(seed), config, seed=seed)
        assert np.all((r["rank_low"] <= r["rank"]) & (r["rank"] <= r["rank_high"]))
        assert sorted(r["rank"]) == list(range(1, N + 1))


def test_same_seed_same_output_other_seed_can_differ(config):
    X = fictional_matrix()
    a, b, c = (calc_index(X, config, seed=s) for s in (7, 7, 8))
    for key in ("rank_low", "rank_high", "score"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not (np.array_equal(a["rank_low"], c["rank_low"])
                and np.array_equal(a["rank_high"], c["rank_high"]))


def test_weights_change_the_ranking_accordingly():
    X = fictional_matrix()
    heavy = copy.deepcopy(RAW)
    heavy["dimensions"][1]["weight"] = 20  # crisis counts 20 times the industrial weight
    r1, r2 = (calc_index(X, parse_config(raw), seed=0) for raw in (RAW, heavy))
    crisis = r2["dims"][:, 1]
    # the territory hardest hit by the crisis comes first once crisis dominates
    assert r2["rank"][np.argmax(crisis)] == 1
    corr = [np.corrcoef(r["rank"], -crisis)[0, 1] for r in (r1, r2)]
    assert corr[1] > corr[0] and corr[1] > 0.95


def test_geometric_aggregation():
    raw = copy.deepcopy(RAW)
    raw["aggregation"] = "geometric"
    X = fictional_matrix()
    r = calc_index(X, parse_config(raw), seed=0)
    assert np.all(r["score"] >= 1) and np.all(r["score"] <= 100)  # dimensions on [1, 100]
    np.testing.assert_allclose(r["contrib"].sum(axis=1), np.log(r["score"]))
    assert np.all((r["rank_low"] <= r["rank"]) & (r["rank"] <= r["rank_high"]))
    worse = X.copy()
    i = int(np.argsort(r["rank"])[N // 2])
    worse[i, 1] += 30
    assert calc_index(worse, parse_config(raw), seed=0)["score"][i] > r["score"][i]


def test_median_imputation_counted_per_territory():
    X = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 6.0], [5.0, 8.0]])
    filled, n_missing, keep = calc_impute(X, "median")
    np.testing.assert_array_equal(filled, [[1, 6], [3, 4], [3, 6], [5, 8]])
    np.testing.assert_array_equal(n_missing, [1, 0, 1, 0])
    assert keep.all()
    assert calc_impute(X, "exclude")[2].tolist() == [False, True, False, True]


def test_normalisations_and_ranks_known_values():
    x = np.array([[1.0], [2.0], [3.0], [6.0]])
    np.testing.assert_allclose(calc_normalise(x, "minmax")[:, 0], [0, 0.2, 0.4, 1])
    np.testing.assert_allclose(calc_normalise(x, "zscore")[:, 0],
                               (x[:, 0] - 3) / np.sqrt(3.5))
    np.testing.assert_allclose(calc_normalise(x, "rank")[:, 0], [0.25, 0.5, 0.75, 1])
    assert calc_ranks(np.array([0.5, 2.0, 2.0, -1.0])).tolist() == [3, 1, 2, 4]


def test_selection_with_quotas_fictional():
    ranked = pd.DataFrame({"rank": range(1, 9), "reg": list("AABBAABB"),
                           "area_type": ["urbain"] * 5 + ["rural"] * 3})
    assert np.flatnonzero(calc_selection(ranked, 4)).tolist() == [0, 1, 2, 3]
    assert np.flatnonzero(calc_selection(ranked, 4, rural_quota=2)).tolist() == [0, 1, 5, 6]
    per = calc_selection(ranked, 1, rural_quota=1, per_region=True)
    assert ranked[per]["rank"].tolist() == [6, 7]  # best rural of A, best rural of B
    with pytest.raises(InvalidParameterError, match="quotas impossibles"):
        calc_selection(ranked, 2, rural_quota=3)


# --- typology --------------------------------------------------------------------------------


def test_silhouette_known_answer():
    # a = 1 for every point; b = 10.5 (outer points) or 9.5 (inner points), as by hand
    # and as sklearn.metrics.silhouette_score gives on these 4 points
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    expected = np.mean([9.5 / 10.5, 8.5 / 9.5])
    assert calc_silhouette(X, np.array([0, 0, 1, 1])) == pytest.approx(expected)


def test_kmeans_recovers_separated_groups_and_peers():
    rng = np.random.default_rng(42)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    X = np.vstack([c + rng.normal(0, 0.5, (20, 2)) for c in centres])
    labels, C, _ = calc_kmeans(X, 3, seed=0)
    assert all(len(set(labels[20 * g: 20 * g + 20])) == 1 for g in range(3))
    assert len(set(labels)) == 3
    np.testing.assert_array_equal(calc_kmeans(X, 3, seed=0)[0], labels)  # same seed
    peers = calc_peers(X, 3)
    assert all(i not in peers[i] for i in range(len(X)))
    assert all(set(labels[peers[i]]) == {labels[i]} for i in range(len(X)))


def test_type_names_from_centroids(config):
    names = calc_type_names(np.array([[1.2, 0.9], [-0.9, -0.1], [0.1, 0.0], [0.2, 0.1]]),
                            np.array([0.9, 0.2, 0.5, 0.5]), config.dimensions, 0.5)
    assert names[0] == "bassin industriel rural en déclin"
    assert names[1] == "territoire peu industriel urbain"
    assert names[2:] == ["territoire mixte dans la moyenne, profil 1",
                         "territoire mixte dans la moyenne, profil 2"]


# --- validation of the index file --------------------------------------------------------


def _broken(path: tuple, value) -> dict:
    raw = copy.deepcopy(RAW)
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


@pytest.mark.parametrize("path, value, message", [
    (("dimensions", 0, "indicators", 0, "id"), "chomage", "indicateur inconnu : 'chomage'"),
    (("dimensions", 0, "indicators", 0, "period"), "2030", "période inconnue"),
    (("dimensions", 0, "indicators", 0, "source"), "urssaf2", "source inconnue"),
    (("dimensions", 1, "weight"), 0, "dimensions[2].weight : valeur trop petite (doit être > 0)"
                                     " (valeur : 0)"),
    (("dimensions", 1, "indicators", 1, "weight"), -1, "valeur : -1"),
    (("normalisation",), "log", "normalisation : valeur inconnue (valeurs possibles : zscore, "
                                "minmax ou rank) (valeur : 'log')"),
    (("aggregation",), "median", "aggregation : valeur inconnue"),
    (("missing",), {"method": "zero"}, "missing.method : valeur inconnue"),
    (("dimensions", 0, "indicators", 0, "direction"), "neutral", "est neutre au catalogue"),
    (("winsorisation",), {"lower": 0.9, "upper": 0.1}, "winsorisation : il faut 0 ≤ lower"),
    (("uncertainty",), {"normalisations": ["zscore", "boxcox"]}, "'boxcox'"),
])
def test_config_errors_name_key_and_value(path, value, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        parse_config(_broken(path, value))


def test_config_file_errors(tmp_path):
    with pytest.raises(InvalidParameterError, match="fichier illisible"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="bad.yaml : YAML invalide"):
        load_config(bad)


def test_default_config_is_valid():
    config = load_config()
    # v2: globalisation left the default rule (an estimate at every ranked level)
    assert [d.id for d in config.dimensions] == ["industrial_weight", "crisis"]
    assert {s.direction for s in config.specs if s.dimension == 0} == {"higher_is_worse"}
    assert config.draws == 1000 and config.normalisation == "zscore"


# --- real store ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ranking(built_store):
    with store.connect(built_store) as con:
        return rank_territories(con, "epci", seed=0)


@pytest.fixture(scope="module")
def epci(ranking) -> pd.DataFrame:
    return ranking.frame


def test_all_epci_ranked_with_intervals(ranking):
    # Mayotte's 5 EPCI lack the 1999, 2006 and 2016 censuses: under rule v2, 3 of their 5
    # values would be imputed (the 2006-2011 changes and the fall from the 1999-2006 peak),
    # beyond the rule's max_missing_share (0.5): they are left unranked, with the reason;
    # every other EPCI has all 5 (fallbacks included)
    mayotte = ["200050532", "200059871", "200060457", "200060465", "200060473"]
    facts, epci = ranking.facts, ranking.frame
    assert ranking.ranks.shape == (len(epci), 1000)
    assert facts.excluded == mayotte and facts.draws == 1000
    assert (facts.level, facts.seed, facts.rule) == ("epci", 0, load_config().name)
    assert [u["code"] for u in facts.unranked] == mayotte
    assert all(u["reason"].startswith("3 indicateurs sur 5 manquants")
               for u in facts.unranked)
    assert len(epci) == 1250 and epci["code"].is_unique
    assert sorted(epci["rank"]) == list(range(1, 1251))
    assert ((epci["rank_low"] <= epci["rank"]) & (epci["rank"] <= epci["rank_high"])).all()
    assert epci[["score", "rank_low", "rank_high", "type", "top_dimension"]].notna().all().all()
    # 5 to 8 clusters; names come from each territory's own class and values, so
    # a cluster can carry several names, but every name says rural or urban as the territory is
    assert 5 <= epci["type"].nunique() <= 8 * 4
    assert not epci.loc[epci["area_type"] == "urbain", "type"].str.contains("rural").any()
    assert (epci["n_imputed"] == 0).all() and (epci["imputed_note"] == "").all()
    peers = epci["peers"].str.split(", ")
    assert all(len(p) == 5 and c not in p for c, p in zip(epci["code"], peers, strict=True))


def test_contributions_sum_to_score(epci):
    contrib = epci[[c for c in epci.columns if c.startswith("contrib_")]].sum(axis=1)
    np.testing.assert_allclose(contrib, epci["score"], atol=1e-12)


def test_top_150_with_quotas_has_rural_and_urban(epci):
    for rural, urban in ((75, 0), (0, 75), (50, 50)):
        sel = epci[calc_selection(epci, 150, rural_quota=rural, urban_quota=urban)]
        counts = sel["area_type"].value_counts()
        assert len(sel) == 150
        assert counts["rural"] >= max(rural, 1) and counts["urbain"] >= max(urban, 1)
    per = epci[calc_selection(epci, 3, rural_quota=1, per_region=True)]
    # 17 régions: Mayotte's EPCI are unranked (3 of 5 inputs missing)
    assert (per.groupby("reg").size() <= 3).all() and per["reg"].nunique() == 17


def test_other_weights_file_changes_ranking(built_store, tmp_path, epci):
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    crisis_dim = next(d for d in raw["dimensions"] if d["id"] == "crisis")
    crisis_dim["weight"] = 10  # crisis first
    path = tmp_path / "crise.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with store.connect(built_store) as con:
        crisis = rank_territories(con, "epci", load_config(path), seed=0, draws=50).frame
    assert crisis["code"].head(20).tolist() != epci["code"].head(20).tolist()
    label = "Impact de la crise et résilience"
    assert (crisis.head(20)["top_dimension"] == label).mean() > (
        epci.head(20)["top_dimension"] == label).mean()
    assert crisis["dim_crisis"].head(50).mean() > epci["dim_crisis"].head(50).mean()


# --- CLI and report ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    register(app)

    @app.command("noop")  # a second command keeps Typer in sub-command mode
    def noop() -> None:
        pass
    return app


def test_cli_rank_json_and_errors(cli, built_store, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["rank", "--db", str(built_store), "--top", "10",
                              "--urban-quota", "6", "--draws", "50", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 10 and sum(r["area_type"] == "urbain" for r in rows) >= 6
    assert set(rows[0]) >= {"rank", "code", "name", "score", "rank_low", "rank_high",
                            "area_type", "type", "top_dimension"}
    for args, message in ((["--level", "dep"], "niveau inconnu"),
                          (["--format", "xlsx"], "--out"),
                          (["--rural-quota", "3"], "--top"),
                          (["--weights", str(tmp_path / "x.yaml")], "fichier illisible")):
        res = runner.invoke(cli, ["rank", "--db", str(built_store), *args])
        assert res.exit_code == 2 and message in res.output, res.output


def test_cli_rank_xlsx_french_headers(cli, built_store, tmp_path):
    out = tmp_path / "rang.xlsx"
    res = CliRunner().invoke(cli, ["rank", "--db", str(built_store), "--level", "ze2020",
                                   "--draws", "50", "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ws = load_workbook(out).active
    heads = [c.value for c in ws[1]]
    assert heads[:11] == ["Rang", "Code", "Nom", "Score", "Rang le meilleur (5e centile)",
                          "Rang le moins bon (95e centile)",
                          "Probabilité d'être dans les N premiers", "Palier", "Type d'espace",
                          "Type de territoire", "Dimension principale"]
    assert ws.max_row == 306  # 305 ZE2020 ranked (Mayotte unranked) + header
    assert ws["D2"].number_format == "0.00" and isinstance(ws["D2"].value, float)
    assert ws["A2"].value == 1


def test_national_report(built_store, tmp_path, capsys):
    with store.connect(built_store) as con:
        rep = build_national_report(con, tmp_path / "out", seed=0)
    page = rep["html"].read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64,' in page and "<table>" in page
    assert page.count("<tr><td>") >= 50 and rep["top"]["name"].iloc[0] in page
    # the rule's statistical audit is in the report
    assert "Audit statistique de la règle" in page and "Paires au-delà de |r| = 0,9" in page
    assert rep["map"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the tiers of the default programme: their map, what they mean and do not cover, the
    # unranked territories with their reason, the variance share of each source
    assert rep["tier_map"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Paliers d'un programme de 100 territoires" in page
    assert "Ce que cela ne couvre pas" in page and "robuste aux choix de méthode" not in page
    assert "CC de Petite-Terre (200050532) : 3 indicateurs sur 5 manquants" in page
    assert "chantillonnage du recensement" in page  # the audit's source of variance
    assert '<table class="audit">' in page and "<pre" not in page  # audit as HTML tables
    assert "industrial_weight" not in page and "industry_share (" not in page
    # eligibility and tier wherever a rank is shown: the top table has both columns
    assert "<th>Rang parmi les éligibles (ou motif d'exclusion)</th><th>Palier</th>" in page
    top = rep["ranking"].head(50)
    assert not top["eligible"].all() or "non éligible (" not in page.split("premiers</h2>")[1]
    raw = rep["csv"].read_bytes()
    assert raw.startswith("\ufeffRang;Code;Nom;Score;".encode())
    first = raw.decode("utf-8-sig").splitlines()[1].split(";")
    assert first[0] == "1" and "," in first[3]  # decimal comma
    assert load_workbook(rep["xlsx"]).active["A1"].value == "Rang"
    assert len(rep["top"]) == 20
    print_top(rep["top"])
    assert rep["top"]["name"].iloc[0][:10] in capsys.readouterr().out
