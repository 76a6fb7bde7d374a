"""The headline figures of a territory, declared once: which indicators, at which period, from
which source. ``pacte show``, the profile, the API's territory answer (and through it the
dashboard's panel) all read :func:`pick_key_figures`, so a key figure has the same value,
period and source wherever it is shown.

Where several concepts of industry exist for a territory (the census « fabrication »
function, the URSSAF NAF sections B to E, the ESTEL sector), the industrial share is shown
once per source, side by side, each named with its source: never one silently.
"""

from __future__ import annotations

import math
from typing import Any

from pacte.catalogue.base import Indicator

#: (indicator, period choice): "last" (latest period), "first" (the crisis window: the first
#: period of a change or of an exposure), "each" (latest period of every source).
KEY_FIGURES: tuple[tuple[str, str], ...] = (
    ("industry_jobs", "last"), ("industry_share", "each"), ("lq_industry", "last"),
    ("industry_job_change_rel", "first"), ("resistance", "first"), ("drop_from_peak", "last"),
    ("industrie_elargie_share", "first"), ("import_exposure_china", "first"))


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def period_key(p: Any) -> tuple[int, str]:
    """Sort key of a period: "2016" < "2006-2011" by first year, then text."""
    text = str(p)
    try:
        return int(text[:4]), text
    except ValueError:
        return 0, text


def pick_key_figures(rows: list[dict], indicators: dict[str, Indicator]) -> list[dict]:
    """The rows of the territory's key figures among its indicator rows (dicts with
    indicator, source, period, value, national): for each of :data:`KEY_FIGURES`, the first
    of the indicator's sources with a value (France's reference preferred) at its first or
    last period; for "each", the latest period of every source with a value."""
    out = []
    for ind, choice in KEY_FIGURES:
        if ind not in indicators:
            continue
        sub = [r for r in rows if r["indicator"] == ind and _num(r["value"]) is not None]
        if not sub:
            continue
        order = {s: n for n, s in enumerate(indicators[ind].sources)}
        by_source: dict[str, list[dict]] = {}
        for r in sub:
            by_source.setdefault(r["source"], []).append(r)
        ranked = sorted(by_source, key=lambda s: (all(_num(r["national"]) is None
                                                      for r in by_source[s]),
                                                  order.get(s, 99)))
        for src in (ranked if choice == "each" else ranked[:1]):
            best = sorted(by_source[src], key=lambda r: period_key(r["period"]))
            out.append(best[0] if choice == "first" else best[-1])
    return out
