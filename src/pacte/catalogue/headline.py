"""The headline figures of a territory, declared once: which indicators, at which period, from
which source. ``pacte show``, the profile, the API's territory answer (and through it the
dashboard's panel) all read :func:`pick_key_figures`, so a key figure has the same value,
period and source wherever it is shown.

Where several concepts of industry exist for a territory (the census « fabrication »
function, the URSSAF NAF sections B to E, the ESTEL sector), the industrial share is shown
once per source, side by side, each named with its source: never one silently.

Where the detailed measure exists (the 732 APE codes of the URSSAF file: with the national
file fetched, every EPCI), it is picked first; each pick names its resolution
(``resolution_short``) and, where the coarse measure stands in for a missing detailed one,
says so and how to get the detail (``resolution_note``).
"""

from __future__ import annotations

import math
from typing import Any

from pacte.catalogue.base import Indicator
from pacte.catalogue.jobs import SERIES

#: (indicator, period choice): "last" (latest period), "first" (the crisis window: the first
#: period of a change or of an exposure), "each" (latest period of every source).
KEY_FIGURES: tuple[tuple[str, str], ...] = (
    ("industry_jobs", "last"), ("industry_share", "each"), ("lq_industry", "last"),
    ("industry_job_change_rel", "first"), ("resistance", "first"), ("drop_from_peak", "last"),
    ("industrie_elargie_share", "first"), ("import_exposure_china", "first"))


#: The detailed job source: every APE code (732), picked before the coarse ones when present.
DETAILED = "urssaf"
#: Short French name of each job source's resolution, beside every key figure.
RESOLUTION_SHORT = {
    "urssaf": "détail : 732 codes APE, URSSAF (emploi salarié privé)",
    "rp": "mesure grossière : recensement, 15 fonctions (industrie = fonction « fabrication »)",
    "estel": "mesure grossière : 5 secteurs, Insee ESTEL",
    "trim": "14 secteurs A17, Insee estimations trimestrielles (emploi salarié)",
}
#: Note of a coarse figure standing in for the detailed one (no APE detail for the territory).
COARSE_NOTE = ("mesure grossière, faute du détail par code APE pour ce territoire ; le fichier "
               "national URSSAF (« pacte fetch urssaf_commune_ape » puis « pacte build "
               "--with-fetched ») donne la part de l'industrie, la crise 2008-2012 et le recul "
               "depuis le pic sur les 732 codes APE (emploi salarié privé) pour chaque EPCI")
PARTIAL = "couverture partielle"
#: Models that describe an EPCI by its APE detail when the URSSAF file holds it (value chains:
#: APE -> A17; exposure: APE -> A38 -> WIOD), by a coarse measure otherwise.
MODELS_WITH_DETAIL = ("valuechain", "exposure")


def _detailed_ok(r: dict) -> bool:
    """A detailed row that can stand for the territory: not a partial coverage."""
    return PARTIAL not in str(r.get("note") or "")


def _short(r: dict) -> tuple[str, bool]:
    """Short French resolution of a row and whether it is the APE detail."""
    src, res = r["source"], str(r.get("resolution") or "")
    if src in RESOLUTION_SHORT:
        return RESOLUTION_SHORT[src], src == DETAILED
    if "URSSAF" in res:
        return RESOLUTION_SHORT[DETAILED], True
    if "recensement" in res:
        return "mesure grossière : recensement (fonctions ou fonction « fabrication »)", False
    return res.split(" — ")[0], False


def _with_resolution(r: dict, detailed_possible: bool) -> dict:
    short, detail = _short(r)
    note = "" if detail or not detailed_possible else COARSE_NOTE
    return {**r, "resolution_short": short, "detail": detail, "resolution_note": note}


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


def pick_key_figures(rows: list[dict], indicators: dict[str, Indicator],
                     level: str | None = None) -> list[dict]:
    """The rows of the territory's key figures among its indicator rows (dicts with
    indicator, source, period, value, national; optionally level, note): for each of
    :data:`KEY_FIGURES`, the first of the indicator's sources with a value at its first or
    last period, the detailed source (:data:`DETAILED`, unless its coverage of the territory
    is partial) before the others, then those with France's reference; for "each", the
    latest period of every source with a value, the detailed one first. Each pick gains
    ``resolution_short``, ``detail`` and ``resolution_note`` (:data:`COARSE_NOTE` where the
    indicator has a detailed source at the territory's ``level``, given or read from the
    rows, but the territory has no usable detailed value)."""
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
        detailed = DETAILED in by_source and all(_detailed_ok(r) for r in by_source[DETAILED])
        ranked = sorted(by_source, key=lambda s: (not (s == DETAILED and detailed),
                                                  all(_num(r["national"]) is None
                                                      for r in by_source[s]),
                                                  order.get(s, 99)))
        lv = level or sub[0].get("level")
        possible = ((DETAILED in indicators[ind].sources
                     or any(s in MODELS_WITH_DETAIL for s in by_source))
                    and (lv is None or lv in SERIES[DETAILED].levels))
        for src in (ranked if choice == "each" else ranked[:1]):
            best = sorted(by_source[src], key=lambda r: period_key(r["period"]))
            out.append(_with_resolution(best[0] if choice == "first" else best[-1],
                                        possible and not detailed))
    return out
