"""Fixtures of the finance tests. ``reference``: an independent, literal implementation of the DCRTP cut rule, in exact fractions, for the
tests: share pro rata, cap each share at the DCRTP, pass the excess on to the others, one
round at a time (RULES.md §3, step 4), categories split pro rata of their beneficiaries' RRF
and the rest of an exhausted category passed to the other."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest


def iterate_pool(target: Fraction, caps: list[Fraction], weights: list[Fraction]):
    """(shares, rounds) of the round-by-round rule within one pool."""
    shares = [Fraction(0)] * len(caps)
    capped = [not (w > 0 and c > 0) for c, w in zip(caps, weights, strict=True)]
    remaining, rounds = Fraction(target), 0
    while remaining > 0 and not all(capped):
        rounds += 1
        total_w = sum(w for w, k in zip(weights, capped, strict=True) if not k)
        tentative = {i: remaining * weights[i] / total_w
                     for i in range(len(caps)) if not capped[i]}
        over = [i for i, s in tentative.items() if s >= caps[i]]
        if not over:
            for i, s in tentative.items():
                shares[i] = s
            remaining = Fraction(0)
            break
        for i in over:
            shares[i], capped[i] = caps[i], True
            remaining -= caps[i]
    return shares, rounds


def reference_legal(entities: list[dict], target: Fraction, exempt: set[str]):
    """Exact cuts (code -> Fraction euros), shortfall and max rounds under the legal key."""
    out, rounds, placed = {}, 0, Fraction(0)
    cats = {lv: [e for e in entities if e["level"] == lv] for lv in ("commune", "epci")}
    base = {lv: sum((Fraction(e["rrf"]) for e in es if e["dcrtp"] > 0), Fraction(0))
            for lv, es in cats.items()}
    total = base["commune"] + base["epci"]
    share = {lv: (target * base[lv] / total if total else Fraction(0)) for lv in cats}
    cap = {lv: sum((Fraction(e["dcrtp"]) for e in es
                    if e["dcrtp"] > 0 and e["rrf"] > 0 and e["code"] not in exempt), Fraction(0))
           for lv, es in cats.items()}
    eff = {lv: min(share[lv], cap[lv]) for lv in cats}
    excess = {lv: share[lv] - eff[lv] for lv in cats}
    eff = {"commune": min(cap["commune"], eff["commune"] + excess["epci"]),
           "epci": min(cap["epci"], eff["epci"] + excess["commune"])}
    for lv, es in cats.items():
        caps = [Fraction(e["dcrtp"]) for e in es]
        weights = [Fraction(0) if e["code"] in exempt else Fraction(e["rrf"]) for e in es]
        shares, r = iterate_pool(eff[lv], caps, weights)
        rounds = max(rounds, r)
        for e, s in zip(es, shares, strict=True):
            out[(lv, e["code"])] = s
            placed += s
    return out, target - placed, rounds


@pytest.fixture(scope="session")
def reference():
    """The literal reference implementation: ``reference.iterate_pool``,
    ``reference.reference_legal``."""
    return SimpleNamespace(iterate_pool=iterate_pool, reference_legal=reference_legal)
