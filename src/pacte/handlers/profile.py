"""Profile answers: everything the one-page profile of a territory shows, assembled from the
other handlers (territory, indicators, ranking, exposure) as plain JSON-safe structures, so
that the HTML/PDF report, ``pacte profile --format json`` and the API read the same figures.

Every figure carries its period (year or window), its source and that source's resolution.
Sections follow the catalogue's families (:data:`pacte.catalogue.FAMILIES`): a family that
appears in the catalogue (anchoring, finance...) gets its section without a change here.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from pacte.catalogue import FAMILIES, INDICATORS, source_name
from pacte.catalogue.headline import KEY_FIGURES, pick_key_figures
from pacte.engine import read_indicators
from pacte.engine.exposure import LEVELS as EXPOSURE_LEVELS
from pacte.engine.exposure import PERIODS as EXPOSURE_PERIODS
from pacte.engine.exposure_top import COLUMNS as TOP_COLUMNS
from pacte.engine.exposure_top import stored_rows as stored_tops
from pacte.engine.exposure_top import top_industries
from pacte.errors import InvalidParameterError, PacteError
from pacte.export.tables import records
from pacte.geography import PROFILE_LEVELS, RANK_LEVELS, check_level
from pacte.handlers.cards import territory_frames as territory
from pacte.handlers.envelope import Answer
from pacte.handlers.local import local_blocks
from pacte.handlers.profile_level import cached, level_ranking, national_share, peer_values
from pacte.handlers.profile_level import num as _num
from pacte.labels import LEVEL_LABELS, LEVEL_PLURALS, fr_number, fr_rank
from pacte.store import queries

#: Levels a profile exists for.
#: Sub-sections of the jobs family (an indicator not listed goes to "Autres indicateurs").
JOB_GROUPS = {
    "Poids de l'industrie": ("industry_jobs", "industry_share", "lq_industry"),
    "Spécialisation et diversité": ("krugman", "herfindahl", "shannon"),
    "Choc de la crise et reprise": (
        "job_change_abs", "job_change_rel", "industry_job_change_abs", "industry_job_change_rel",
        "resistance", "recovery", "industry_resistance", "industry_recovery", "drop_from_peak"),
    "Décomposition de l'évolution (shift-share)": (
        "national_share", "industrial_mix", "regional_shift", "allocation_effect"),
}
#: Level indicators shown at their last period only (the chart shows their trend).
LAST_ONLY_KINDS = ("level",)
EXPOSURE_TOP = ("import_exposure_china", "2000-2007")


#: Note parts left out of the profile: the exposure's industries are in their own table.
SKIPPED_NOTES = ("principales industries :",)


class _Notes:
    """French notes, split at " ; " and numbered once (a long caveat shared by several
    figures is printed once)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def refs(self, note: Any) -> list[int]:
        if not isinstance(note, str) or not note.strip():
            return []
        out = []
        for part in (p.strip() for p in note.split(" ; ")):
            if not part or part.startswith(SKIPPED_NOTES):
                continue
            if part not in self.texts:
                self.texts.append(part)
            out.append(self.texts.index(part) + 1)
        return sorted(set(out))


#: Periods shown per figure in the annex (the last ones: crisis and recovery, the two
#: exposure windows...); the chart and the exports carry the whole series.
MAX_PERIODS = 2
#: Families whose headline figure is read at the first period (the 2000-2007 import shock).
FIRST_PERIOD_FAMILIES = ("exposure",)


def _period_key(p: Any) -> tuple[int, str]:
    return (len(str(p)), str(p))


def _headline_first(indicator: str) -> bool:
    """Whether the headline (printed) figure of ``indicator`` is its first period: changes
    at the crisis, exposure at 2000-2007; levels and peaks at their last period."""
    ind = INDICATORS[indicator]
    return ind.kind == "change" or ind.family in FIRST_PERIOD_FAMILIES


def _rows(recs: list[dict], notes: _Notes) -> list[dict]:
    """One row per indicator x source, with its last ``MAX_PERIODS`` periods as cells and
    the index of its headline cell."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in recs:
        groups.setdefault((r["indicator"], r["source"]), []).append(r)
    out = []
    for (ind, src), g in groups.items():
        g = sorted(g, key=lambda r: _period_key(r["period"]))[-MAX_PERIODS:]
        first = g[0]
        refs = sorted({n for r in g for n in notes.refs(r["note"])})
        cells = [{"period": str(r["period"]), "value": _num(r["value"]),
                  "national": _num(r["national"]),
                  "notes": notes.refs(r["note"])} for r in g]
        out.append({"indicator": ind, "label": first["label"], "unit": first["unit"],
                    "source": src, "source_name": source_name(src),
                    "resolutions": list(dict.fromkeys(r["resolution"] for r in g)),
                    "notes": refs, "cells": cells,
                    "headline": 0 if _headline_first(ind) else len(cells) - 1})
    return out


def _headline(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """The printed figure of each indicator: one source (a value first, then one with a
    France value, then the catalogue's order) at its headline period; and the labels of the
    indicators without a value."""
    by_ind: dict[str, list[dict]] = {}
    for r in rows:
        by_ind.setdefault(r["indicator"], []).append(r)
    out, missing = [], []
    for ind, cands in by_ind.items():
        order = {s: n for n, s in enumerate(INDICATORS[ind].sources)}

        best = min(cands, key=lambda r, o=order: (
            r["cells"][r["headline"]]["value"] is None,
            r["cells"][r["headline"]]["national"] is None, o.get(r["source"], 99)))
        cell = best["cells"][best["headline"]]
        if cell["value"] is None:
            missing.append(best["label"])
            continue
        out.append({"indicator": ind, "label": best["label"], "unit": best["unit"],
                    "source": best["source"], "source_name": best["source_name"],
                    "period": cell["period"], "value": cell["value"],
                    "national": cell["national"], "notes": cell["notes"]})
    return out, missing


def _families(ind: pd.DataFrame | None, notes: _Notes) -> list[dict]:
    """One section per catalogue family present in the territory's indicators."""
    if ind is None or ind.empty:
        return []
    last: dict[tuple[str, str], tuple] = {}
    recs = [r for r in ind.to_dict("records") if r["indicator"] in INDICATORS]
    for r in recs:
        k = (r["indicator"], r["source"])
        last[k] = max(last.get(k, (0, "")), _period_key(r["period"]))
    recs = [r for r in recs if INDICATORS[r["indicator"]].kind not in LAST_ONLY_KINDS
            or _period_key(r["period"]) == last[(r["indicator"], r["source"])]]
    by_fam: dict[str, list[dict]] = {}
    for r in recs:
        by_fam.setdefault(INDICATORS[r["indicator"]].family, []).append(r)
    out = []
    for fam in list(FAMILIES) + sorted(set(by_fam) - set(FAMILIES)):
        sub = by_fam.get(fam)
        if not sub:
            continue
        present = list(dict.fromkeys(r["indicator"] for r in sub))
        if fam == "jobs":
            listed = {i for ids in JOB_GROUPS.values() for i in ids}
            spec = list(JOB_GROUPS.items()) + [
                ("Autres indicateurs", tuple(sorted(set(present) - listed)))]
        else:
            spec = [(FAMILIES.get(fam, fam).capitalize(), tuple(present))]
        groups = []
        for title, ids in spec:
            part = sorted((r for r in sub if r["indicator"] in ids),
                          key=lambda r: ids.index(r["indicator"]))
            rows = _rows(part, notes)
            if rows:
                head, missing = _headline(rows)
                groups.append({"title": title, "rows": rows, "headline": head,
                               "missing": missing,
                               "sources": sorted({r["source_name"] for r in rows})})
        out.append({"id": fam, "label": FAMILIES.get(fam, fam), "groups": groups})
    return out


def _key_figures(con, level: str, recs: list[dict], peer_codes: list[str],
                 bh: str | None = None) -> list[dict]:
    if not recs:
        return []
    picked = [(r["indicator"], r) for r in pick_key_figures(recs, INDICATORS, level)]
    ids = [i for i, _ in KEY_FIGURES if i in INDICATORS]
    values = cached(con, level, "peer_values", lambda: peer_values(con, level, ids), bh
                    ) if peer_codes and picked else {}
    out = []
    for i, r in picked:
        peers = {c: values.get((c, i, r["source"], str(r["period"]))) for c in peer_codes}
        known = [v for v in peers.values() if v is not None]
        out.append({"indicator": i, "label": r["label"], "unit": r["unit"],
                    "source": r["source"], "source_name": source_name(r["source"]),
                    "period": str(r["period"]), "value": _num(r["value"]),
                    "national": _num(r["national"]), "resolution": r["resolution"],
                    "resolution_short": r["resolution_short"], "detail": r["detail"],
                    "resolution_note": r["resolution_note"],
                    "peers": peers,
                    "peers_median": float(pd.Series(known).median()) if known else None})
    return out


def _ranking(con, level: str, code: str, bh: str | None = None
             ) -> tuple[dict | None, list[dict], dict]:
    """The territory's rank under the default rule, its peers (named) and the envelope."""
    if level not in RANK_LEVELS:
        return None, [], {}
    lv = cached(con, level, "ranking", lambda: level_ranking(con, level), bh)
    r = lv["rows"].get(code)
    if r is None:
        reason = lv.get("unranked", {}).get(code)
        return ({"unranked": reason, "rule": lv["meta"].get("rule")} if reason else None,
                [], lv["meta"])
    contribs = sorted(({"dimension": d, "label": lab, "score": _num(r.get(f"dim_{d}")),
                        "contribution": _num(r.get(f"contrib_{d}"))}
                       for d, lab in lv["dims"].items()),
                      key=lambda c: -(c["contribution"] or 0))
    peer_codes = [c.strip() for c in str(r.get("peers") or "").split(",") if c.strip()]
    peers = []
    for c in peer_codes:
        p = lv["rows"].get(c, {})
        peers.append({"code": c, "name": lv["names"].get(c, c),
                      "rank": int(p["rank"]) if p else None, "type": p.get("type"),
                      "area_type": p.get("area_type")})
    rank = {"rank": int(r["rank"]), "n": lv["n"], "rank_low": int(r["rank_low"]),
            "rank_high": int(r["rank_high"]), "score": _num(r["score"]), "type": r["type"],
            "top_dimension": r["top_dimension"], "contributions": contribs,
            "p_top": _num(r.get("p_top")), "p_top_text": fr_number(_num(r.get("p_top")), 2),
            "tier": r.get("tier"), "tier_size": lv.get("tier_size"),
            "imputed_note": r.get("imputed_note") or "",
            "draws": lv["draws"], "seed": lv["seed"],
            "rule": lv["meta"].get("rule"), "level_plural": LEVEL_PLURALS[level],
            "rank_text": fr_rank(int(r["rank"]), lv["n"]),
            "comparison": f"{len(peers)} territoires semblables (taille, nature, profil)"}
    if "eligible" in r:  # the rule's eligibility, where a rank is shown
        el = bool(r["eligible"])
        rank.update(eligible=el, eligibility_note=r.get("eligibility_note") or None,
                    eligible_rank=int(r["eligible_rank"]) if el else None,
                    eligible_text=(fr_rank(int(r["eligible_rank"]), lv["n_eligible"])
                                   if el else None))
    return rank, peers, lv["meta"]


def _exposure_top(con, level: str, code: str, bh: str | None = None) -> dict | None:
    indicator, period = EXPOSURE_TOP
    if level not in EXPOSURE_LEVELS or period not in EXPOSURE_PERIODS:
        return None
    tops = cached(con, level, "exposure_top", lambda: _level_tops(con, level), bh)
    if tops is not None:  # the territory is known: the profile found it
        top = tops.get(code)
        return None if top is None else copy.deepcopy(top)
    try:
        top = top_industries(con, level, code, period, k=3, indicator=indicator)
    except PacteError:
        return None
    return _top_block(top)


def _top_block(top: pd.DataFrame) -> dict | None:
    """The exposure's top industries of one territory (rows of ``top_industries``)."""
    if top.empty:
        return None
    indicator, period = EXPOSURE_TOP
    return {"indicator": indicator, "label": INDICATORS[indicator].label, "period": period,
            "unit": top["unit"].iloc[0], "resolution": top["resolution"].iloc[0],
            "rows": [{"rank": int(t.rank), "sector": t.sector, "label": t.label,
                      "contribution": _num(t.contribution),
                      "share": _num(t.share_of_exposure)} for t in top.itertuples()]}


def _level_tops(con, level: str) -> dict[str, dict] | None:
    """Every territory's block of top industries, by code, from the stored table read once
    per store and level (None without it): what ``top_industries`` gives each territory,
    which reads the whole level's rows to keep one territory's (about 10 ms per profile)."""
    indicator, period = EXPOSURE_TOP
    stored = stored_tops(con, level, period, indicator, 3)
    if stored is None:
        return None
    stored = stored[stored["own_detail"].astype(bool)]
    out = {}
    for code, rows in stored.groupby("code", sort=False):
        block = _top_block(rows[TOP_COLUMNS].reset_index(drop=True))
        if block is not None:
            out[code] = block
    return out


#: The indicators of the chart's series.
SERIES_IDS = ["industry_jobs", "industry_share"]


def _level_series(con, level: str) -> dict[str, list[tuple]]:
    """The chart's rows of every territory of ``level`` (indicator, source, period, value,
    resolution), by code, in the store's order: one query per store and level instead of
    one per profile (about 6 ms each; 10,346 rows for the EPCI)."""
    df = read_indicators(con, level, SERIES_IDS)
    out: dict[str, list[tuple]] = {}
    for code, *row in zip(df["code"], df["indicator"], df["source"], df["period"],
                          df["value"], df["resolution"], strict=True):
        out.setdefault(code, []).append(tuple(row))
    return out


def _series(con, level: str, code: str, bh: str | None = None) -> list[dict]:
    """Industrial jobs and share of every job source, every year (chart of the trend), with
    France's share where the source has a France row."""
    ids = SERIES_IDS
    rows = cached(con, level, "series", lambda: _level_series(con, level), bh).get(code, ())
    nat = cached(con, "fr", "industry_share", lambda: national_share(con), bh)
    cells: dict[tuple[str, str], dict] = {}
    for ind, src, period, value, res in rows:
        c = cells.setdefault((src, str(period)), {"resolution": res})
        c[ind] = _num(value)
    out = [{"source": src, "source_name": source_name(src), "period": period,
            "year": int(period[:4]), "industry_jobs": c.get(ids[0]),
            "industry_share": c.get(ids[1]), "national_share": nat.get((src, period)),
            "resolution": c["resolution"]} for (src, period), c in cells.items()]
    return sorted(out, key=lambda x: (x["source"], x["year"], x["period"]))


def _merge_sources(*metas: dict) -> list[dict]:
    seen: dict[str, dict] = {}
    for m in metas:
        for s in m.get("sources", []):
            seen.setdefault(s["table"], s)
    return [seen[t] for t in sorted(seen)]


def profile(con: duckdb.DuckDBPyConnection, code: str, level: str | None = None) -> Answer:
    """The profile of one territory (EPCI, ZE, département, région) by code or exact name:
    ``data`` = {territory, parents, key_figures, peers, ranking, families, exposure_top,
    series, notes, resolutions}; ``meta`` = the envelope (sources of every figure, build hash
    and date, generation date, rule and seed of the ranking)."""
    if level is not None:
        check_level(level, PROFILE_LEVELS, "pour un profil")
    terr = queries.find_territory(con, code, level)
    lv = terr["level"]
    if lv not in PROFILE_LEVELS:
        raise InvalidParameterError(f"pas de profil pour un territoire de niveau {lv!r} "
                                    f"({terr['code']}) ; niveaux : {', '.join(PROFILE_LEVELS)}")
    base = territory(con, terr["code"], lv)
    ident, ind = base.data["territory"], base.data["indicators"]
    bh = base.meta.get("build_hash")  # the store's: its state without reading it again
    rank, peers, rank_meta = _ranking(con, lv, ident["code"], bh)
    notes = _Notes()
    families = _families(ind, notes)
    recs = [] if ind is None else ind.to_dict("records")
    key = _key_figures(con, lv, recs, [p["code"] for p in peers], bh)
    resolutions = sorted({(r["source_name"], res) for f in families for g in f["groups"]
                          for r in g["rows"] for res in r["resolutions"]})
    data = {
        "territory": {**ident, "level_label": LEVEL_LABELS[lv],
                      "dep": terr.get("dep") if isinstance(terr.get("dep"), str) else None},
        "parents": records(base.data["parents"]),
        "coverage": records(base.data["coverage"]),
        "key_figures": key, "peers": peers, "ranking": rank, "families": families,
        "exposure_top": _exposure_top(con, lv, ident["code"], bh),
        "series": _series(con, lv, ident["code"], bh),
        "notes": notes.texts,
        "resolutions": [{"source_name": s, "resolution": r} for s, r in resolutions],
        "local": local_blocks(con, lv, ident["code"]),
    }
    meta = {**base.meta, "sources": _merge_sources(base.meta, rank_meta),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "level": lv, "code": ident["code"]}
    if rank_meta:
        meta.update(rule=rank_meta.get("rule"), seed=rank_meta.get("seed"),
                    draws=rank_meta.get("draws"))
    return Answer(data, meta)
