"""Territory answers: one territory's identity, parents, coverage, indicators and job
series (``pacte show``, the API's territory route, the profile), and the list of a level.

:func:`territory` assembles the answer from the store's tables (DataFrames, for the CLI and
the profile); the build stores the API's whole answer for each territory but communes
(:mod:`pacte.handlers.card_build`), so the API answers a territory with one lookup
(:func:`pacte.handlers.cards.stored_answer`)."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pacte.catalogue import INDICATORS, source_name
from pacte.catalogue.headline import pick_key_figures
from pacte.engine import read_show_indicators as show_indicators
from pacte.errors import InvalidParameterError
from pacte.geography import INDICATOR_LEVELS
from pacte.handlers.anchoring import anchoring_profile
from pacte.handlers.compare import comparison_group, default_groups, territory_names
from pacte.handlers.envelope import Answer, envelope
from pacte.handlers.ranking import rank_summaries
from pacte.store import queries
from pacte.store.state import state_of

IDENTITY = ("level", "code", "name", "nature", "fiscal_regime", "population", "population_dgcl",
            "n_communes", "density_class", "urban_share", "area_type")


def identity(terr: dict) -> dict:
    """The identity block of a territory row (missing values as None)."""
    ident = {k: terr.get(k) for k in IDENTITY}
    return {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in ident.items()}


def has_indicators(level: str) -> bool:
    """Whether a territory of ``level`` carries indicators and anchoring assets (France is
    the reference, not a territory beside itself)."""
    return level in INDICATOR_LEVELS and level != "fr"


def headline(ind: pd.DataFrame | None, level: str | None = None) -> list[dict]:
    """The territory's key figures (:func:`pacte.catalogue.headline.pick_key_figures`) from
    its indicator rows, named with their source: the same in every output."""
    if ind is None or ind.empty:
        return []
    return headline_rows(records(ind, [c for c in HEADLINE_COLUMNS if c in ind.columns]),
                         level)


#: Columns of the indicator rows a key figure carries.
HEADLINE_COLUMNS = ("indicator", "label", "unit", "source", "period", "value", "national",
                    "resolution", "note")


def records(df: pd.DataFrame, cols) -> list[dict]:
    """``df[cols].to_dict("records")``, the same values and types, built column by column
    (four times faster on the build's level-wide frames)."""
    cols = list(cols)
    return [dict(zip(cols, r, strict=True))
            for r in zip(*(df[c].tolist() for c in cols), strict=True)]


def headline_rows(rows: list[dict], level: str | None = None) -> list[dict]:
    """:func:`headline` from the territory's indicator rows as dicts."""
    out = []
    for r in pick_key_figures(rows, INDICATORS, level):
        value, nat = r.get("value"), r.get("national")
        out.append({**r, "period": str(r["period"]), "source_name": source_name(r["source"]),
                    "value": None if pd.isna(value) else float(value),
                    "national": None if nat is None or pd.isna(nat) else float(nat)})
    return out


def answer_sources(job_sources: Iterable[str], indicator_sources: Iterable[str] | None,
                   anchoring: bool) -> list[str]:
    """The sources (job sources and models) an answer's envelope names."""
    out = sorted(set(job_sources))
    if indicator_sources is not None:
        out += sorted(set(indicator_sources))
    return [*out, "anchoring"] if anchoring else out


def rank_of(con: duckdb.DuckDBPyConnection, level: str, code: str) -> dict | None:
    """The territory's place in the default ranking (:func:`rank_summaries`, a copy): the
    level's summaries are made once per process and store (about 40 ms of CPU for the
    EPCI each time otherwise: every profile and ``show`` answer read them)."""
    item = state_of(con).get(("rank_summaries", level), lambda: rank_summaries(con, level)
                             ).get(code)
    return None if item is None else dict(item)


def territory(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None,
              jobs_detail: bool = True, compare: str | None = None,
              codes: str | None = None) -> Answer:
    """One territory by code or exact name: ``data`` = {identity (dict), parents, coverage,
    indicators (None below the catalogue's levels), anchoring (value, France, percentile,
    peers' median; :mod:`pacte.handlers.anchoring`), jobs}. ``jobs_detail=False`` (the
    API's answer) sums the URSSAF APE codes into NAF sections
    (:func:`pacte.store.queries.territory_jobs`). ``ranking``: its place in the default
    ranking with eligibility; ``comparison``: the group the anchoring medians are taken on,
    the default (similar territories) unless ``compare`` names another
    (:func:`pacte.handlers.compare.comparison_group`; ``codes`` for a list)."""
    terr = queries.find_territory(con, query, level)
    lv, code = terr["level"], terr["code"]
    par = queries.parents(con, terr)
    jobs = queries.territory_jobs(con, lv, code, detail=jobs_detail)
    cov = queries.coverage(con, lv, code)
    ind = show_indicators(con, lv, code) if has_indicators(lv) else None
    group = default_groups(con, lv, code).get(code)
    if compare is not None and compare != "semblables" or codes:
        g = comparison_group(con, lv, code, compare or "codes", codes).data
        names = territory_names(con, lv, g["codes"])
        group = {"group": g["group"], "label": g["label"], "codes": g["codes"],
                 "names": [names.get(c, c) for c in g["codes"]]}
    anchoring = (anchoring_profile(con, lv, code, None if group is None else group["codes"])
                 if has_indicators(lv) else None)
    sources = answer_sources(jobs["source"], None if ind is None else ind["source"],
                             anchoring is not None and len(anchoring) > 0)
    return Answer({"territory": identity(terr), "parents": par, "coverage": cov,
                   "indicators": ind, "anchoring": anchoring, "jobs": jobs,
                   "headline": headline(ind, lv),
                   "ranking": rank_of(con, lv, code),
                   "comparison": group},
                  envelope(con, sources))


def territory_jobs(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None,
                   source: str | None = None, detail: bool = True) -> Answer:
    """The job series of one territory, every sector of every source by default (URSSAF:
    each APE code): the detail the territory answer sums into NAF sections."""
    terr = queries.find_territory(con, query, level)
    if source is not None:
        known = [r[0] for r in con.execute("SELECT source FROM series ORDER BY source"
                                           ).fetchall()]
        if source not in known:
            raise InvalidParameterError(f"source d'emplois inconnue : {source!r} (sources : "
                                        f"{', '.join(known)})")
    jobs = queries.territory_jobs(con, terr["level"], terr["code"], detail=detail,
                                  source=source)
    return Answer(jobs, envelope(con, sorted(set(jobs["source"])), level=terr["level"],
                                 code=terr["code"], name=terr["name"]))


def territories(con: duckdb.DuckDBPyConnection, level: str, search: str | None = None
                ) -> Answer:
    """Territories of ``level`` with their population (populations légales 2023)."""
    return Answer(queries.territories(con, level, search), envelope(con, ["territory"]))
