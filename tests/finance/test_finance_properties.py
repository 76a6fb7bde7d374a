"""Properties of the DCRTP cut allocation (hypothesis): caps, exemptions, exact sums,
monotonicity of the legal key, independence from row order, and closeness to the literal
round-by-round rule computed in exact fractions (conftest ``reference``)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.finance.simulator import (
    KEYS,
    Rules,
    calc_allocation,
    calc_capped_apportionment,
    prepare,
)


@st.composite
def entity_frames(draw):
    n_epci = draw(st.integers(1, 4))
    n_com = draw(st.integers(1, 9))
    rows = []
    for j in range(n_epci):
        rows.append({"level": "epci", "code": f"2000000{j:02d}", "name": f"E{j}",
                     "epci": f"2000000{j:02d}",
                     "dcrtp": draw(st.integers(0, 10**7)) / 100,
                     "rrf": float(draw(st.integers(1, 10**8))),
                     "population": float(draw(st.integers(0, 10**5))), "dsu_eligible": False})
    for i in range(n_com):
        rows.append({"level": "commune", "code": f"01{i:03d}", "name": f"C{i}",
                     "epci": f"2000000{draw(st.integers(0, n_epci - 1)):02d}",
                     "dcrtp": draw(st.sampled_from([0, 1, draw(st.integers(0, 10**7))])) / 100,
                     "rrf": float(draw(st.integers(1, 10**8))),
                     "population": float(draw(st.integers(0, 10**5))),
                     "dsu_eligible": draw(st.booleans())})
    return pd.DataFrame(rows)


#: The keys whose allocations the properties check.
CUT_KEYS = sorted(k for k in KEYS if k != "spare-industrial")
TARGET = st.integers(0, 3 * 10**9)


def _exempt(frame: pd.DataFrame, draw_bits: int) -> list[str]:
    codes = sorted(frame["code"])
    return [c for i, c in enumerate(codes) if draw_bits >> i & 1]


@settings(max_examples=50)
@given(entity_frames(), TARGET, st.integers(0, 2**13))
def test_caps_exemptions_and_exact_sum(frame, target, bits):
    """Every key, with and without the DSU rule, on each frame drawn (400 allocations: a
    frame costs more to draw than an allocation to compute)."""
    exempt = _exempt(frame, bits)
    ents = prepare(frame)
    for key in CUT_KEYS:
        for dsu_rule in (False, True):
            _check_caps(frame, calc_allocation(ents, target, key,
                                               rules=Rules(dsu_exempt=dsu_rule),
                                               exempt=exempt), key, target, exempt)


def _check_caps(frame, alloc, key, target, exempt):
    caps = np.round(frame["dcrtp"].to_numpy() * 100).astype(np.int64)
    assert (alloc.cents >= 0).all()
    assert (alloc.cents <= caps).all()  # no entity loses more than its DCRTP
    assert (alloc.cents[alloc.exempt] == 0).all()  # exempt entities lose nothing
    if key in ("legal-exempt",):
        listed = frame["code"].isin(exempt) | ((frame["level"] == "commune")
                                               & frame["epci"].isin(exempt))
        assert alloc.exempt[listed.to_numpy()].all()
    if key != "legal" and key != "legal-exempt":
        assert not alloc.exempt.any()
    # exact to the cent: everything cut unless every cuttable DCRTP is exhausted
    cuttable = caps > 0
    if key in ("legal", "legal-exempt"):
        cuttable &= ~alloc.exempt
    if key == "population":  # an entity the key gives no weight (no inhabitant) bears nothing
        cuttable &= frame["population"].fillna(0).to_numpy() > 0
    capacity = int(caps[cuttable].sum())
    assert int(alloc.cents.sum()) == min(target, capacity)
    assert alloc.shortfall == target - min(target, capacity)


@settings(max_examples=150)
@given(entity_frames(), TARGET, TARGET, st.integers(0, 2**13))
def test_legal_key_is_monotone_in_the_total(frame, t1, t2, bits):
    """A larger total cut never reduces anyone's cut (exactly, to the cent)."""
    lo, hi = sorted((t1, t2))
    exempt = _exempt(frame, bits)
    ents = prepare(frame)  # the frame read once for its six allocations
    for key in ("legal", "legal-exempt"):
        a = calc_allocation(ents, lo, key, exempt=exempt).cents
        b = calc_allocation(ents, hi, key, exempt=exempt).cents
        assert (b >= a).all()
        c = calc_allocation(ents, lo + 1, key, exempt=exempt).cents
        assert (c >= a).all() and int(c.sum() - a.sum()) in (0, 1)


@settings(max_examples=40)
@given(entity_frames(), TARGET, st.integers(0, 2**13), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order(frame, target, bits, rnd):
    """Every key on each frame drawn and its shuffle (160 pairs of allocations)."""
    exempt = _exempt(frame, bits)
    perm = list(range(len(frame)))
    rnd.shuffle(perm)
    shuffled = frame.iloc[perm].reset_index(drop=True)
    for key in CUT_KEYS:
        a = calc_allocation(frame, target, key, exempt=exempt)
        b = calc_allocation(shuffled, target, key, exempt=exempt)
        got_a = dict(zip(zip(frame["level"], frame["code"], strict=True), a.cents,
                         strict=True))
        got_b = dict(zip(zip(shuffled["level"], shuffled["code"], strict=True), b.cents,
                         strict=True))
        assert got_a == got_b, key
        assert a.shortfall == b.shortfall, key


@settings(max_examples=150)
@given(entity_frames(), TARGET)
def test_legal_key_matches_the_literal_iterative_rule(reference, frame, target):
    """Within rounding, pacte's fixed point equals the round-by-round rule (exact
    fractions): each cut within (n/2 + 1) cents of it, n the entities of its pool."""
    alloc = calc_allocation(frame, target, "legal")
    ents = frame.assign(dcrtp=(frame["dcrtp"] * 100).round().astype(int),
                        rrf=frame["rrf"]).to_dict("records")
    exempt = {e["code"] for e, x in zip(ents, alloc.exempt, strict=True) if x}
    exact, shortfall, _ = reference.reference_legal(ents, Fraction(target), exempt)
    assert abs(alloc.shortfall - shortfall) <= 1
    n = len(frame)
    for e, got in zip(ents, alloc.cents, strict=True):
        assert abs(got - exact[(e["level"], e["code"])]) <= n / 2 + 1


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 10**6)), min_size=1,
                max_size=12), st.integers(0, 10**10))
def test_apportionment_sum_caps_and_single_cent_steps(items, target):
    caps = np.array([c for c, _ in items], dtype=np.int64)
    w = np.array([x for _, x in items], dtype=float)
    order = np.arange(len(items))
    a = calc_capped_apportionment(target, caps, w, order)
    assert int(a.sum()) == min(target, int(caps.sum()))
    assert (a <= caps).all() and (a >= 0).all()
    b = calc_capped_apportionment(target + 1, caps, w, order)
    assert (b >= a).all()
