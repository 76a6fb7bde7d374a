"""Ranking answers: the territories of a level by the composite index, with the selection
(top N, quotas, per région); seed and rule in the envelope."""

from __future__ import annotations

import functools
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import DataError
from pacte.geography import RANK_LEVELS
from pacte.handlers.envelope import Answer, envelope
from pacte.handlers.ranking_rows import MAX_DRAWS as MAX_DRAWS  # the checks live there
from pacte.handlers.ranking_rows import check_ranking
from pacte.targeting import calc_selection
from pacte.targeting.eligibility import (
    add_gate_values,
    calc_eligibility,
    calc_eligible_selection,
    from_rule,
)
from pacte.targeting.facts import Ranking
from pacte.targeting.index import rank_territories
from pacte.targeting.materialise import (
    add_nature,
    is_default,
    read_default_draws,
    read_default_ranking,
)
from pacte.targeting.rule import Rule, load_rule
from pacte.targeting.tiers import calc_tier_counts, with_tiers
from pacte.targeting.uncertainty import SOURCE_LABELS


@functools.cache
def default_rule() -> Rule:
    """pacte's shipped rule, read and validated once per process (a frozen model): its YAML
    cost about 15 ms each time a ranking, ``show`` or profile answer read it."""
    return load_rule()


def check_finite(df: pd.DataFrame) -> None:
    """Refuse a ranking whose scores are not all finite (a rule whose weights overflow):
    a ranking in code order must never be returned as if it were one."""
    ranked = df["rank"].notna().to_numpy() if "rank" in df else np.ones(len(df), bool)
    for col in [c for c in ("score", "score_low", "score_high") if c in df]:
        values = df[col].to_numpy(dtype=float)[ranked]
        if not np.isfinite(values).all():
            raise DataError(f"classement refusé : des scores ne sont pas finis (colonne "
                            f"{col}) ; vérifiez les poids et la concentration de la règle")


def _with_eligibility(con, level: str, ranking: Ranking, rules) -> Ranking:
    """The ranking with ``eligible``, ``eligibility_note`` and ``eligible_rank``."""
    df = ranking.frame
    return ranking.with_frame(calc_eligibility(
        add_gate_values(con, level, add_nature(con, level, df), rules), rules
    ).drop(columns="nature"))


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


def _programme_meta(ranking: Ranking, size: int, config) -> dict:
    """What the tiers mean, for the envelope (JSON-safe)."""
    prog = config.programme
    return {"size": int(size), "retained": prog.retained, "excluded": prog.excluded,
            "counts": calc_tier_counts(ranking.frame["tier"].to_numpy()),
            "uncertainty": [SOURCE_LABELS[s] for s in ranking.facts.sources]}


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
    rule = rule or default_rule()
    config = rule.config
    size = top if top is not None else config.programme.size
    if is_default(None if not custom else rule, seed, draws):  # computed at build time
        r = read_default_ranking(con, level)
        if size != config.programme.size:
            r = replace(r, ranks=read_default_draws(con, level, r.frame["code"]))
    else:  # a custom rule, seed or draws: only the targeting step, from stored indicators
        r = rank_territories(con, level, config, seed=seed, draws=draws)
    check_finite(r.frame)
    rules = from_rule(rule.eligibility)
    if not rules.is_empty:  # applied after scoring: scores and ranks are untouched
        r = _with_eligibility(con, level, r, rules)
    if r.ranks is not None:
        r = with_tiers(r, size, config.programme)
    sources = sorted({src for spec in config.specs for src, _ in spec.candidates})
    meta = envelope(con, sources, seed=seed,
                    draws=r.facts.draws, rule=config.name, level=level,
                    dimensions={d.id: d.label for d in config.dimensions},
                    rule_file=rule_source or ("règle fournie" if custom else "défaut"),
                    eligibility=rules.describe(), programme=_programme_meta(r, size, config),
                    unranked=[dict(u) for u in r.facts.unranked])
    df = r.frame
    if top is None:
        return Answer(df, meta)
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
    return Answer(df.reset_index(drop=True), meta)


def rank_summaries(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, dict]:
    """code -> the territory's place in the default ranking, as every output shows it: rank,
    number of ranked territories, rank interval (5th-95th centile), and, when the rule has
    eligibility rules, eligibility, its reason and the rank among the eligible. Empty where
    the level is not ranked."""
    if level not in RANK_LEVELS or not con.execute(
            "SELECT count(*) FROM ranking WHERE level = ?", [level]).fetchall()[0][0]:
        return {}
    rule = default_rule()
    stored = read_default_ranking(con, level)  # no envelope: the build calls this before meta
    rules = from_rule(rule.eligibility)
    if not rules.is_empty:
        stored = _with_eligibility(con, level, stored, rules)
    df = stored.frame
    n = len(df)
    out = {}
    config = rule.config  # compiled once, not per territory
    has_el = "eligible" in df.columns
    n_eligible = int(df["eligible"].sum()) if has_el else 0
    for r in df.itertuples(index=False):
        item = {"rank": int(r.rank), "n": n, "rank_low": int(r.rank_low),
                "rank_high": int(r.rank_high), "rule": config.name}
        if has_el:
            el = bool(r.eligible)
            item.update(eligible=el, eligibility_note=r.eligibility_note or None,
                        eligible_rank=int(r.eligible_rank) if el else None,
                        n_eligible=n_eligible)
        if "p_top" in df.columns:  # the tier for the programme size of the rule
            item.update(p_top=float(r.p_top), tier=r.tier,
                        programme_size=int(config.programme.size))
        out[str(r.code)] = item
    for u in stored.facts.unranked:  # left out of the ranking, with the reason
        out[str(u["code"])] = {"rank": None, "n": n, "unranked": u["reason"],
                               "rule": config.name}
    return out


def rank_blobs(ranks: np.ndarray) -> tuple[int, bytes]:
    """One territory's Monte Carlo ranks as stored in ``ranking_selection``: its best rank
    and, for each rank from it to its worst, the number of draws giving that rank or a better
    one (int32 bytes), read by :func:`pacte.handlers.ranking_rows.p_top_of` with one index.
    For the real store's 1,876 territories and 1,000 draws: 29 blocks of 64 KiB, where the
    distinct ranks and their cumulative counts took 37."""
    first = int(ranks.min())
    counts = np.bincount(np.asarray(ranks, np.int64) - first)
    return first, np.cumsum(counts).astype("<i4").tobytes()


def write_ranking_selection(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                            ready: dict[str, pd.DataFrame] | None = None) -> dict[str, int]:
    """Build step, after the default ranking: the table read by
    :func:`pacte.handlers.ranking_rows.default_ranking_rows` — per level and territory, its
    eligibility under the default rule (null without eligibility rules), its rank among the
    eligible, and its Monte Carlo ranks among the eligible (:func:`rank_blobs`): the
    probability of being in any top N is then one lookup. ``ready``: the rows of levels
    already made by :class:`SelectionRows` as they were ranked; the others are read back
    from the store's ranking and draws."""
    from concurrent.futures import ThreadPoolExecutor

    from pacte.handlers.ranking_rows import SELECTION_TABLE
    from pacte.targeting.tiers import calc_eligible_ranks

    say("Classement par défaut : éligibilité et tirages triés")
    rules = from_rule(default_rule().eligibility)
    ready = ready or {}

    def level_rows(level: str) -> pd.DataFrame:
        if level in ready:
            return ready[level]
        cur = con.cursor()  # one per thread
        try:
            stored = read_default_ranking(cur, level)
            df = stored.frame
            R = read_default_draws(cur, level, df["code"])
            if rules.is_empty:
                el = np.ones(len(df), bool)
            else:
                df = _with_eligibility(cur, level, stored, rules).frame
                el = df["eligible"].to_numpy(bool)
        finally:
            cur.close()
        return selection_rows(level, df, calc_eligible_ranks(R, el), rules)

    # the levels side by side (the draws' decompression and sorts release the GIL), as
    # in pacte.targeting.materialise.write_default_ranking
    if all(level in ready for level in RANK_LEVELS):
        frames = [ready[level] for level in RANK_LEVELS]
    else:
        with ThreadPoolExecutor(2) as pool:
            frames = list(pool.map(level_rows, RANK_LEVELS))
    table = pd.concat(frames, ignore_index=True)
    con.register("_sel", table)
    con.execute(f"""CREATE TABLE {SELECTION_TABLE} AS
        SELECT level, code, CAST(eligible AS BOOLEAN) AS eligible,
               CAST(eligibility_note AS VARCHAR) AS eligibility_note,
               CAST(eligible_rank AS DOUBLE) AS eligible_rank,
               CAST(rank_first AS INTEGER) AS rank_first, rank_cumulative,
               CAST(per_region_min AS INTEGER) AS per_region_min FROM _sel""")
    con.unregister("_sel")
    return {SELECTION_TABLE: len(table)}


def selection_rows(level: str, df: pd.DataFrame, eligible_ranks: np.ndarray, rules
                   ) -> pd.DataFrame:
    """One level's rows of ``ranking_selection``: ``df`` (the default ranking in rank
    order, with ``eligible``, ``eligibility_note`` and ``eligible_rank`` unless ``rules``
    is empty), ``eligible_ranks`` (:func:`pacte.targeting.tiers.calc_eligible_ranks` of
    its draws)."""
    if rules.is_empty:
        cols = {"eligible": None, "eligibility_note": None, "eligible_rank": np.nan}
    else:
        cols = {c: df[c].to_numpy() for c in ("eligible", "eligibility_note",
                                              "eligible_rank")}
    blobs = [rank_blobs(r) for r in eligible_ranks]
    return pd.DataFrame({"level": level, "code": df["code"].to_numpy(), **cols,
                         "rank_first": [b[0] for b in blobs],
                         "rank_cumulative": [b[1] for b in blobs],
                         "per_region_min": int(rules.per_region_min)})


class SelectionRows:
    """The rows of ``ranking_selection`` made in the default ranking's threads, as each
    level is ranked (:func:`pacte.targeting.materialise.write_default_ranking`'s
    ``selected``), from the ranking's own eligibility and draws: the step that read them
    back from the store after the whole ranking, decompressed the draws and ranked them
    again among the eligible ran alone at the end of the rankings (0.2 s of wall and 0.22
    of CPU on a quiet build; 0.03 s left to write the table). With the audit's inputs
    taken from the ranking (:class:`pacte.targeting.audit_store.DefaultSteps`): the
    rankings' and audit's CPU 2.77 -> 2.48 s (run one after the other, medians of 5
    alternated pairs, same tables)."""

    def __init__(self) -> None:
        self.ready: dict[str, pd.DataFrame] = {}
        self._rules = from_rule(default_rule().eligibility)

    def level(self, level: str, marked: pd.DataFrame, eligible_ranks: np.ndarray) -> None:
        self.ready[level] = selection_rows(level, marked, eligible_ranks, self._rules)

    def write(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict[str, int]:
        ready, self.ready = self.ready, {}
        return write_ranking_selection(con, say, ready)
