"""Behaviour kept through refactorings: ``pacte rank --format csv`` (seed 0) and
``pacte indicators --level epci --format csv`` against golden files written before the
layout change (tests/data/golden/); the ranking is recomputed with the v1 default rule kept
beside them (``composite_default_v1.yaml``: the default rule was revised since). Texts must
match exactly; numbers to 1e-9 relative (the batched input-output solve changes the last
binary digits only).

Families added since (anchoring) are left out of the comparison, and the delta band now
appended to value-chain notes is checked then removed. One deliberate change: the ranking's
``type`` column. The golden file named territories after their cluster's majority (Toulouse
Métropole, urban, was a "bassin industriel rural"); each territory is now named from its own
class and values, so ``type`` is checked against the territory's own ``area_type`` instead of
the golden file. Another: the rank intervals. The
Monte Carlo now varies imputation, winsorisation, aggregation, one indicator left out and the
census sampling error beside the weights and the normalisation: ``rank_low`` and
``rank_high`` are checked to hold the rank, and the tier columns to be there.

Deliberate model changes (input-output models on one national basis with dated parameters,
jobs at risk calibrated on French evidence, resistance as a growth gap where France did not
contract, units that name the concept): the value-chain and exposure families and the
resistance indicators are left out of the indicator comparison (docs/validation.md compares
them with published French references instead), and the golden ranking, made with the v1
rule that weighs the value chains and the exposures, was rewritten with the current models
(``python -m pacte.cli rank --format csv --weights tests/data/golden/composite_default_v1.yaml``,
seed 0, the golden file's columns kept). It was rewritten once more when the value chains
stopped describing an EPCI by the URSSAF structure of part of its communes (the five EPCI
partly covered by the Rouen extract that had one now take the census structure, as their key
figures do):
CC Terroir de Caux, 9 of 79 communes covered, had an « industrie élargie » of 2.8 % from
those 9 communes and has 18.8 % from the census."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pacte.catalogue import INDICATORS
from pacte.cli import app

GOLDEN = Path(__file__).parent / "data" / "golden"


def _run(args: list[str], db: Path) -> pd.DataFrame:
    res = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.stdout), dtype=str, keep_default_na=False)


def _same(new: pd.DataFrame, old: pd.DataFrame, numeric: list[str]) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    text = [c for c in old.columns if c not in numeric]
    pd.testing.assert_frame_equal(new[text], old[text])
    for c in numeric:
        a = pd.to_numeric(new[c].replace("", np.nan)).to_numpy(float)
        b = pd.to_numeric(old[c].replace("", np.nan)).to_numpy(float)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=c)


@pytest.mark.parametrize("args, golden, numeric", [
    # the golden ranking was made with the v1 default rule (since revised):
    # the recompute path (--weights) must reproduce it. Only the columns drawn from the
    # Monte Carlo (rank_low, rank_high, p_top, tier: not compared with the golden file,
    # see above) depend on the number of draws: 50 instead of the rule's 1,000
    (["rank", "--format", "csv", "--weights", str(GOLDEN / "composite_default_v1.yaml"),
      "--draws", "50"], "rank_epci_seed0.csv.gz", None),
    (["indicators", "--level", "epci", "--format", "csv"], "indicators_epci.csv.gz", ["value"]),
])
def test_outputs_match_golden(built_store, args, golden, numeric):
    old = pd.read_csv(GOLDEN / golden, dtype=str, keep_default_na=False)
    new = _run(args, built_store)
    if "type" in old.columns:  # named from the territory's own class
        rural = new["area_type"].eq("rural")
        assert not new.loc[~rural, "type"].str.contains("rural").any()
        assert not new.loc[rural, "type"].str.contains("urbain").any()
        old, new = old.drop(columns="type"), new.drop(columns="type")
    if "indicator" in old.columns:  # families added since (anchoring...) come on top
        added = ~new["indicator"].isin(set(old["indicator"]))
        assert new.loc[added, "indicator"].map(lambda i: INDICATORS[i].family).ne("jobs").all()
        new = new[~added].reset_index(drop=True)
        band = new["indicator"].isin(["supported_jobs_local", "supported_jobs_leaked",
                                      "industrie_elargie_share"])
        assert new.loc[band, "note"].str.contains(r" ; selon delta \(0,05 / 0,1 / 0,2\) : ").all()
        changed = new["indicator"].map(lambda i: INDICATORS[i].family).isin(
            ["valuechain", "exposure"]) | new["indicator"].isin(
            ["resistance", "industry_resistance"])
        gone = set(new.loc[changed, "indicator"])
        new = new[~changed].reset_index(drop=True)
        old = old[~old["indicator"].isin(gone)].reset_index(drop=True)
    if "rank_low" in old.columns:  # the Monte Carlo now varies method AND census data
        assert {"p_top", "tier", "imputed_note"} <= set(new.columns)
        assert ((new["rank_low"].astype(int) <= new["rank"].astype(int))
                & (new["rank"].astype(int) <= new["rank_high"].astype(int))).all()
        new = new.drop(columns=["p_top", "tier", "imputed_note", "rank_low", "rank_high"])
        old = old.drop(columns=["rank_low", "rank_high"])
    if numeric is None:  # every column that parses as numbers is compared as numbers
        numeric = [c for c in old.columns if c not in ("code", "reg", "peers")
                   and pd.to_numeric(old[c].replace("", np.nan), errors="coerce").notna().any()
                   and pd.to_numeric(old[c].replace("", np.nan), errors="coerce").notna().sum()
                   == (old[c] != "").sum()]
    _same(new, old, numeric)
