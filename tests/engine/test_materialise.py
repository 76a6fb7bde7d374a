"""The build's catalogue step (:func:`pacte.engine.materialise.write_indicators`: France's
rows computed first, each part encoded as it is made, each run freed once read) stores what
the engine computes, every level then France, in the engine's order."""

import numpy as np
import pandas as pd

from pacte.catalogue import LONG_COLUMNS as COLUMNS
from pacte.engine.compute import MODELS, compute_indicators, indicator_parts
from pacte.store.frames import frame


def test_stored_rows_are_every_level_then_france_in_the_engine_order(raw_con):
    stored = frame(raw_con, f"SELECT {', '.join(COLUMNS)} FROM indicator ORDER BY ord")
    runs: dict = {}
    computed = pd.concat([compute_indicators(raw_con, runs=runs),
                          compute_indicators(raw_con, "fr", runs=runs)], ignore_index=True)
    assert len(stored) == len(computed)
    for c in COLUMNS:
        if c == "value":
            np.testing.assert_allclose(stored[c].to_numpy(float),
                                       computed[c].to_numpy(float), rtol=1e-9)
        else:
            assert stored[c].tolist() == computed[c].tolist(), c


def test_consumed_runs_give_the_same_rows_and_are_freed(raw_con):
    runs = {m: f(raw_con, None) for m, f in MODELS.items() if m != "anchoring"}
    keep = dict(runs)
    got = indicator_parts(raw_con, "reg", ["import_exposure_china", "industrie_elargie_share"],
                          runs=runs, consume=True)
    assert runs == {}  # each model's run taken out once its rows were selected
    again = indicator_parts(raw_con, "reg", ["import_exposure_china",
                                             "industrie_elargie_share"], runs=keep)
    assert len(got) == len(again) == 3
    for a, b in zip(got, again, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_each_part_is_handed_over_as_made_in_the_list_order(raw_con):
    """``each`` receives every part (the build encodes it at once): the list holds what it
    returns, in the order of the frames (job indicators first, then each model's)."""
    inds = ["import_exposure_china", "industrie_elargie_share", "industry_share"]
    runs = {m: f(raw_con, None) for m, f in MODELS.items() if m != "anchoring"}
    seen: list[pd.DataFrame] = []
    got = indicator_parts(raw_con, "reg", inds, runs=dict(runs), consume=True,
                          each=lambda df: seen.append(df) or len(seen))
    plain = indicator_parts(raw_con, "reg", inds, runs=runs)
    assert sorted(got) == list(range(1, len(plain) + 1))
    for n, frame_ in zip(got, plain, strict=True):
        pd.testing.assert_frame_equal(seen[n - 1], frame_)
