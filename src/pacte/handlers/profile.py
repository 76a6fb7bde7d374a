"""Profile answers: everything the one-page profile of a territory shows, assembled from the
other handlers (territory, indicators, ranking, exposure) as plain JSON-safe structures, so
that the HTML/PDF report, ``pacte profile --format json`` and the API read the same figures.

Every figure carries its period (year or window), its source and that source's resolution.
Sections follow the catalogue's families (:data:`pacte.catalogue.FAMILIES`): a family that
appears in the catalogue (anchoring, finance...) gets its section without a change here.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb
import pandas as pd

from pacte.catalogue import FAMILIES, INDICATORS, source_name
from pacte.engine.exposure import LEVELS as EXPOSURE_LEVELS
from pacte.engine.exposure import PERIODS as EXPOSURE_PERIODS
from pacte.engine.exposure_top import top_industries
from pacte.errors import InvalidParameterError, PacteError
from pacte.export.tables import records
from pacte.geography import PROFILE_LEVELS, RANK_LEVELS
from pacte.handlers.envelope import Answer
from pacte.handlers.indicators import indicators as indicator_answer
from pacte.handlers.ranking import ranking
from pacte.handlers.territory import territory
from pacte.labels import LEVEL_LABELS, LEVEL_PLURALS
from pacte.store import queries

#: Levels a profile exists for.
#: Key figures, compared with France and with the peers: (indicator, period choice).
KEY_FIGURES = (("industry_jobs", "last"), ("industry_share", "last"), ("lq_industry", "last"),
               ("industry_job_change_rel", "first"), ("resistance", "first"),
               ("drop_from_peak", "last"), ("industrie_elargie_share", "first"),
               ("import_exposure_china", "first"))
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


def _num(x: Any) -> float | None:
    """JSON-safe number (NaN -> None)."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


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


#: Periods shown per figure in the sections (the last ones: crisis and recovery, the two
#: exposure windows...); the chart and the exports carry the whole series.
MAX_PERIODS = 2


def _rows(sub: pd.DataFrame, notes: _Notes) -> list[dict]:
    """One row per indicator x source, with its last ``MAX_PERIODS`` periods as cells."""
    out = []
    for (ind, src), g in sub.groupby(["indicator", "source"], sort=False):
        g = g.assign(_p=g["period"].map(lambda x: (len(str(x)), str(x)))).sort_values("_p")
        g = g.tail(MAX_PERIODS)
        first = g.iloc[0]
        refs = sorted({n for note in g["note"] for n in notes.refs(note)})
        out.append({"indicator": ind, "label": first["label"], "unit": first["unit"],
                    "source": src, "source_name": source_name(src),
                    "resolutions": list(dict.fromkeys(g["resolution"])), "notes": refs,
                    "cells": [{"period": str(r.period), "value": _num(r.value),
                               "national": _num(r.national)} for r in g.itertuples()]})
    return out


def _families(ind: pd.DataFrame | None, notes: _Notes) -> list[dict]:
    """One section per catalogue family present in the territory's indicators."""
    if ind is None or ind.empty:
        return []
    ind = ind[ind["indicator"].isin(INDICATORS)]
    kinds = ind["indicator"].map(lambda i: INDICATORS[i].kind)
    last = ind.groupby(["indicator", "source"])["period"].transform(
        lambda p: sorted(p, key=lambda x: (len(x), x))[-1])
    ind = ind[~kinds.isin(LAST_ONLY_KINDS) | (ind["period"] == last)]
    fam_of = ind["indicator"].map(lambda i: INDICATORS[i].family)
    out = []
    for fam in list(FAMILIES) + sorted(set(fam_of) - set(FAMILIES)):
        sub = ind[fam_of == fam]
        if sub.empty:
            continue
        if fam == "jobs":
            listed = {i for ids in JOB_GROUPS.values() for i in ids}
            spec = list(JOB_GROUPS.items()) + [
                ("Autres indicateurs", tuple(sorted(set(sub["indicator"]) - listed)))]
        else:
            spec = [(FAMILIES.get(fam, fam).capitalize(), tuple(dict.fromkeys(sub["indicator"])))]
        groups = []
        for title, ids in spec:
            part = sub[sub["indicator"].isin(ids)]
            part = part.assign(_o=part["indicator"].map(ids.index)).sort_values("_o",
                                                                                 kind="stable")
            rows = _rows(part, notes)
            if rows:
                groups.append({"title": title, "rows": rows,
                               "sources": sorted({r["source_name"] for r in rows})})
        out.append({"id": fam, "label": FAMILIES.get(fam, fam), "groups": groups})
    return out


def _pick(rows: pd.DataFrame, indicator: str, choice: str) -> pd.Series | None:
    """The row of a key figure: the first of the indicator's sources with a value (France
    reference preferred), at its first or last period."""
    sub = rows[(rows["indicator"] == indicator) & rows["value"].notna()]
    if sub.empty:
        return None
    order = {s: n for n, s in enumerate(INDICATORS[indicator].sources)}
    sub = sub.assign(_nat=sub["national"].isna(), _src=sub["source"].map(order).fillna(99),
                     _p=sub["period"].map(lambda x: (len(x), x)))
    sub = sub.sort_values(["_nat", "_src"], kind="stable")
    best = sub[sub["source"] == sub["source"].iloc[0]].sort_values("_p", kind="stable")
    return best.iloc[-1 if choice == "last" else 0]


def _key_figures(con, level: str, ind: pd.DataFrame | None, peer_codes: list[str]) -> list[dict]:
    if ind is None or ind.empty:
        return []
    picked = [(i, _pick(ind, i, c)) for i, c in KEY_FIGURES if i in INDICATORS]
    picked = [(i, r) for i, r in picked if r is not None]
    peer_vals = pd.DataFrame(columns=["code", "indicator", "source", "period", "value"])
    if peer_codes and picked:
        wide = indicator_answer(con, level, [i for i, _ in picked]).data
        peer_vals = wide[wide["code"].isin(peer_codes)]
    out = []
    for i, r in picked:
        pv = peer_vals[(peer_vals["indicator"] == i) & (peer_vals["source"] == r["source"])
                       & (peer_vals["period"] == r["period"])].set_index("code")["value"]
        peers = {c: _num(pv.get(c)) for c in peer_codes}
        known = [v for v in peers.values() if v is not None]
        out.append({"indicator": i, "label": r["label"], "unit": r["unit"],
                    "source": r["source"], "source_name": source_name(r["source"]),
                    "period": str(r["period"]), "value": _num(r["value"]),
                    "national": _num(r["national"]), "resolution": r["resolution"],
                    "peers": peers,
                    "peers_median": float(pd.Series(known).median()) if known else None})
    return out


def _ranking(con, level: str, code: str) -> tuple[dict | None, list[dict], dict]:
    """The territory's rank under the default rule, its peers (named) and the envelope."""
    if level not in RANK_LEVELS:
        return None, [], {}
    ans = ranking(con, level)
    df = ans.data
    hit = df[df["code"] == code]
    if hit.empty:
        return None, [], ans.meta
    r = hit.iloc[0]
    dims = df.attrs.get("dimensions", {})
    contribs = sorted(({"dimension": d, "label": lab, "score": _num(r.get(f"dim_{d}")),
                        "contribution": _num(r.get(f"contrib_{d}"))} for d, lab in dims.items()),
                      key=lambda c: -(c["contribution"] or 0))
    peer_codes = [c.strip() for c in str(r.get("peers") or "").split(",") if c.strip()]
    by_code = df.set_index("code")
    names = dict(con.execute("SELECT code, name FROM territory WHERE level = ?",
                             [level]).fetchall())
    peers = [{"code": c, "name": names.get(c, c),
              "rank": int(by_code.at[c, "rank"]) if c in by_code.index else None,
              "type": by_code.at[c, "type"] if c in by_code.index else None,
              "area_type": by_code.at[c, "area_type"] if c in by_code.index else None}
             for c in peer_codes]
    rank = {"rank": int(r["rank"]), "n": len(df), "rank_low": int(r["rank_low"]),
            "rank_high": int(r["rank_high"]), "score": _num(r["score"]), "type": r["type"],
            "top_dimension": r["top_dimension"], "contributions": contribs,
            "draws": df.attrs.get("draws"), "seed": df.attrs.get("seed"),
            "rule": ans.meta.get("rule"), "level_plural": LEVEL_PLURALS[level]}
    return rank, peers, ans.meta


def _exposure_top(con, level: str, code: str) -> dict | None:
    indicator, period = EXPOSURE_TOP
    if level not in EXPOSURE_LEVELS or period not in EXPOSURE_PERIODS:
        return None
    try:
        top = top_industries(con, level, code, period, k=3, indicator=indicator)
    except PacteError:
        return None
    if top.empty:
        return None
    return {"indicator": indicator, "label": INDICATORS[indicator].label, "period": period,
            "unit": top["unit"].iloc[0], "resolution": top["resolution"].iloc[0],
            "rows": [{"rank": int(t.rank), "sector": t.sector, "label": t.label,
                      "contribution": _num(t.contribution),
                      "share": _num(t.share_of_exposure)} for t in top.itertuples()]}


def _series(con, level: str, code: str) -> list[dict]:
    """Industrial jobs and share of every job source, every year (chart of the trend), with
    France's share where the source has a France row."""
    ids = ["industry_jobs", "industry_share"]
    df = indicator_answer(con, level, ids, code=code).data
    nat = indicator_answer(con, "fr", ["industry_share"]).data
    nat = nat.set_index(["source", "period"])["value"]
    out = []
    for (src, period), g in df.groupby(["source", "period"], sort=True):
        vals = g.set_index("indicator")["value"]
        out.append({"source": src, "source_name": source_name(src), "period": str(period),
                    "year": int(str(period)[:4]), "industry_jobs": _num(vals.get(ids[0])),
                    "industry_share": _num(vals.get(ids[1])),
                    "national_share": _num(nat.get((src, period))),
                    "resolution": g["resolution"].iloc[0]})
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
    if level is not None and level not in PROFILE_LEVELS:
        raise InvalidParameterError(f"pas de profil au niveau {level!r} (niveaux : "
                                    f"{', '.join(PROFILE_LEVELS)})")
    terr = queries.find_territory(con, code, level)
    lv = terr["level"]
    if lv not in PROFILE_LEVELS:
        raise InvalidParameterError(f"pas de profil pour un territoire de niveau {lv!r} "
                                    f"({terr['code']}) ; niveaux : {', '.join(PROFILE_LEVELS)}")
    base = territory(con, terr["code"], lv)
    ident, ind = base.data["territory"], base.data["indicators"]
    rank, peers, rank_meta = _ranking(con, lv, ident["code"])
    notes = _Notes()
    families = _families(ind, notes)
    key = _key_figures(con, lv, ind, [p["code"] for p in peers])
    resolutions = sorted({(r["source_name"], res) for f in families for g in f["groups"]
                          for r in g["rows"] for res in r["resolutions"]})
    data = {
        "territory": {**ident, "level_label": LEVEL_LABELS[lv]},
        "parents": records(base.data["parents"]),
        "coverage": records(base.data["coverage"]),
        "key_figures": key, "peers": peers, "ranking": rank, "families": families,
        "exposure_top": _exposure_top(con, lv, ident["code"]),
        "series": _series(con, lv, ident["code"]),
        "notes": notes.texts,
        "resolutions": [{"source_name": s, "resolution": r} for s, r in resolutions],
    }
    meta = {**base.meta, "sources": _merge_sources(base.meta, rank_meta),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "level": lv, "code": ident["code"]}
    if rank_meta:
        meta.update(rule=rank_meta.get("rule"), seed=rank_meta.get("seed"),
                    draws=rank_meta.get("draws"))
    return Answer(data, meta)
