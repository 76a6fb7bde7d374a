"""Ranking answers: the territories of a level by the composite index, with the selection
(top N, quotas, per région); seed and rule in the envelope."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import DataError, InvalidParameterError
from pacte.geography import RANK_LEVELS, check_level
from pacte.handlers.envelope import Answer, envelope
from pacte.settings import LIMITS
from pacte.targeting import calc_selection
from pacte.targeting.eligibility import (
    add_gate_values,
    calc_eligibility,
    calc_eligible_selection,
    from_rule,
)
from pacte.targeting.index import rank_with_draws
from pacte.targeting.materialise import (
    add_nature,
    is_default,
    read_default_draws,
    read_default_ranking,
)
from pacte.targeting.rule import Rule, load_rule
from pacte.targeting.tiers import calc_tier_counts, with_tiers
from pacte.targeting.uncertainty import SOURCE_LABELS

#: Upper bound of --draws: beyond it a ranking takes minutes and gains nothing.
MAX_DRAWS = LIMITS.max_draws


def check_ranking(level: str, top: int | None, rural_quota: int, urban_quota: int,
                  per_region: bool, seed: int, draws: int | None) -> None:
    """French errors on bad options, before any computation (and before the store is
    opened): level, --top, quotas, --seed, --draws."""
    check_level(level, RANK_LEVELS, "pour le classement")
    for name, value in (("--top", top), ("--rural-quota", rural_quota),
                        ("--urban-quota", urban_quota), ("--seed", seed), ("--draws", draws)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidParameterError(f"{name} doit être un nombre entier (valeur : "
                                        f"{value!r})")
    if top is not None and top < 1:
        raise InvalidParameterError(f"--top doit être un entier ≥ 1 (valeur : {top})")
    for name, value in (("--rural-quota", rural_quota), ("--urban-quota", urban_quota)):
        if value < 0:
            raise InvalidParameterError(f"{name} doit être un entier ≥ 0 (valeur : {value})")
    if top is None and (rural_quota or urban_quota or per_region):
        raise InvalidParameterError("--rural-quota, --urban-quota et --per-region demandent "
                                    "--top N")
    if top is not None and rural_quota + urban_quota > top:
        quotas = " + ".join(f"{n} {v}" for n, v in (("--rural-quota", rural_quota),
                                                     ("--urban-quota", urban_quota)) if v)
        raise InvalidParameterError(f"quotas supérieurs à la sélection : {quotas} > --top "
                                    f"{top} ; les quotas doivent tenir dans --top")
    if seed < 0 or seed >= 2**63:
        raise InvalidParameterError(f"--seed doit être un entier entre 0 et 2^63 - 1 "
                                    f"(valeur : {seed})")
    if draws is not None and not 1 <= draws <= MAX_DRAWS:
        raise InvalidParameterError(f"--draws doit être un entier entre 1 et "
                                    f"{MAX_DRAWS:_} (valeur : {draws})".replace("_", "\u202f"))


def check_finite(df: pd.DataFrame) -> None:
    """Refuse a ranking whose scores are not all finite (a rule whose weights overflow):
    a ranking in code order must never be returned as if it were one."""
    ranked = df["rank"].notna().to_numpy() if "rank" in df else np.ones(len(df), bool)
    for col in [c for c in ("score", "score_low", "score_high") if c in df]:
        values = df[col].to_numpy(dtype=float)[ranked]
        if not np.isfinite(values).all():
            raise DataError(f"classement refusé : des scores ne sont pas finis (colonne "
                            f"{col}) ; vérifiez les poids et la concentration de la règle")


def _with_eligibility(con, level: str, df: pd.DataFrame, rules) -> pd.DataFrame:
    """The ranking with ``eligible``, ``eligibility_note`` and ``eligible_rank``."""
    attrs = dict(df.attrs)
    out = calc_eligibility(add_gate_values(con, level, add_nature(con, level, df), rules),
                           rules).drop(columns="nature")
    out.attrs.update(attrs)
    return out


def skipped_ranks(df: pd.DataFrame, chosen, top: int) -> list[dict]:
    """Territories within the first ``top`` ranks, or ranked above the last one selected, but
    left out because they are not eligible: ``[{rank, code, name, reason}]``, so that a top N
    never skips a rank silently."""
    if "eligible" not in df.columns:
        return []
    last = max(int(df.loc[chosen, "rank"].max()) if chosen.any() else 0, top)
    out = df[~df["eligible"].astype(bool) & (df["rank"] <= last)]
    return [{"rank": int(r.rank), "code": r.code, "name": r.name,
             "reason": r.eligibility_note or "non éligible"} for r in out.itertuples()]


def _programme_meta(df: pd.DataFrame, size: int, config) -> dict:
    """What the tiers mean, for the envelope (JSON-safe)."""
    prog = config.programme
    return {"size": int(size), "retained": prog.retained, "excluded": prog.excluded,
            "counts": calc_tier_counts(df["tier"].to_numpy()),
            "uncertainty": [SOURCE_LABELS[s] for s in df.attrs.get(
                "sources", config.uncertainty.sources)]}


def ranking(con: duckdb.DuckDBPyConnection, level: str = "epci", top: int | None = None,
            rural_quota: int = 0, urban_quota: int = 0, per_region: bool = False,
            rule: Rule | None = None, seed: int = 0, draws: int | None = None,
            rule_source: str | None = None) -> Answer:
    """The ranking, restricted to the selection when ``top`` is given (column ``selected``
    dropped then; ``region_rank`` added with ``per_region``). ``rule``: a validated rule
    (None: pacte's default); ``rule_source`` says where it came from (file, request).
    ``p_top`` and ``tier``: the probability over the Monte Carlo draws of being among the
    ``top`` first eligible territories (default: the rule's programme size) and its tier."""
    check_ranking(level, top, rural_quota, urban_quota, per_region, seed, draws)
    custom = rule is not None
    rule = rule or load_rule()
    config = rule.config
    size = top if top is not None else config.programme.size
    R = None
    if is_default(None if not custom else rule, seed, draws):  # computed at build time
        df = read_default_ranking(con, level)
        if size != config.programme.size:
            R = read_default_draws(con, level, df["code"])
    else:  # a custom rule, seed or draws: only the targeting step, from stored indicators
        df, R = rank_with_draws(con, level, config, seed=seed, draws=draws)
    check_finite(df)
    rules = from_rule(rule.eligibility)
    if not rules.is_empty:  # applied after scoring: scores and ranks are untouched
        df = _with_eligibility(con, level, df, rules)
    if R is not None:
        df = with_tiers(df, R, size, config.programme)
    sources = sorted({src for spec in config.specs for src, _ in spec.candidates})
    meta = envelope(con, sources, seed=seed,
                    draws=df.attrs.get("draws"), rule=config.name, level=level,
                    dimensions={d.id: d.label for d in config.dimensions},
                    rule_file=rule_source or ("règle fournie" if custom else "défaut"),
                    eligibility=rules.describe(), programme=_programme_meta(df, size, config),
                    unranked=df.attrs.get("unranked", []))
    if top is None:
        return Answer(df, meta)
    attrs = dict(df.attrs)
    if rules.is_empty:
        chosen = calc_selection(df, top, rural_quota, urban_quota, per_region)
    elif rural_quota or urban_quota or per_region:  # quotas among the eligible
        el = df["eligible"].to_numpy(bool)
        chosen = el.copy()
        chosen[el] = calc_selection(df[el], top, rural_quota, urban_quota, per_region)
    else:
        chosen = calc_eligible_selection(df, top, rules)
    meta["skipped"] = skipped_ranks(df, chosen, top)
    df = df[chosen]
    if per_region:
        df = df.sort_values(["reg", "rank"], kind="stable")
        df.insert(1, "region_rank", df.groupby("reg").cumcount() + 1)
    df = df.reset_index(drop=True)
    df.attrs.update(attrs)
    return Answer(df, meta)


def rank_summaries(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, dict]:
    """code -> the territory's place in the default ranking, as every output shows it: rank,
    number of ranked territories, rank interval (5th-95th centile), and, when the rule has
    eligibility rules, eligibility, its reason and the rank among the eligible. Empty where
    the level is not ranked."""
    if level not in RANK_LEVELS or not con.execute(
            "SELECT count(*) FROM ranking WHERE level = ?", [level]).fetchall()[0][0]:
        return {}
    rule = load_rule()
    df = read_default_ranking(con, level)  # no envelope: the build calls this before meta
    rules = from_rule(rule.eligibility)
    if not rules.is_empty:
        df = _with_eligibility(con, level, df, rules)
    n = len(df)
    out = {}
    has_el = "eligible" in df.columns
    for r in df.itertuples(index=False):
        item = {"rank": int(r.rank), "n": n, "rank_low": int(r.rank_low),
                "rank_high": int(r.rank_high), "rule": rule.config.name}
        if has_el:
            el = bool(r.eligible)
            item.update(eligible=el, eligibility_note=r.eligibility_note or None,
                        eligible_rank=int(r.eligible_rank) if el else None,
                        n_eligible=int(df["eligible"].sum()))
        if "p_top" in df.columns:  # the tier for the programme size of the rule
            item.update(p_top=float(r.p_top), tier=r.tier,
                        programme_size=int(rule.config.programme.size))
        out[str(r.code)] = item
    for u in df.attrs.get("unranked", []):  # left out of the ranking, with the reason
        out[str(u["code"])] = {"rank": None, "n": n, "unranked": u["reason"],
                               "rule": rule.config.name}
    return out
