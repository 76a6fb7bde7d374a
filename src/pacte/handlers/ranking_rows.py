"""The default ranking read as typed rows, without pandas or numpy (``pacte rank`` with the
default rule, seed and draws): everything the answer needs was stored at build time (the
ranking, its facts in the typed columns of ``ranking_meta``, each territory's eligibility and its sorted Monte
Carlo ranks among the eligible in ``ranking_selection``, as its best rank and the cumulative
count of draws from it), so a top N is a lookup and one index per territory.

:func:`default_ranking_rows` answers None whenever the stored answer does not apply (another
rule, seed or draws, quotas, a per-région minimum, a store from another rule or without the
tables): the caller then takes the computing path (:func:`pacte.handlers.ranking.ranking`),
which gives the same rows.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import duckdb

from pacte.errors import InvalidParameterError
from pacte.geography import RANK_LEVELS, check_level
from pacte.settings import LIMITS, default_rule_hash
from pacte.store.rows import Rows, query

#: Table written at build time by :func:`pacte.handlers.ranking.write_ranking_selection`.
SELECTION_TABLE = "ranking_selection"
#: Columns the eligibility adds to a ranking, in this order.
ELIGIBILITY_COLUMNS = ("eligible", "eligibility_note", "eligible_rank")
RETAINED, UNCERTAIN, EXCLUDED = "retenu", "incertain", "écarté"

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


@dataclass
class RankingRows:
    """A ranking as typed rows, with what its envelope tells the CLI: the programme size
    of ``p_top``, the number of draws, the territories left unranked (with the reason) and
    the ranks a top N skipped as not eligible."""

    rows: Rows
    size: int
    draws: int
    unranked: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def tier_of(p: float, retained: float, excluded: float) -> str:
    """« retenu » (p ≥ ``retained``), « écarté » (p ≤ ``excluded``), else « incertain »
    (:func:`pacte.targeting.tiers.calc_tiers`)."""
    return RETAINED if p >= retained else EXCLUDED if p <= excluded else UNCERTAIN


def p_top_of(first: int, cumulative: bytes, top: int) -> float:
    """Share of draws whose rank is at most ``top``, from a territory's best Monte Carlo
    rank ``first`` and the number of draws giving each rank from it or a better one
    (``cumulative``: int32), as :func:`pacte.handlers.ranking.rank_blobs` stores them."""
    counts = array("i")
    counts.frombytes(cumulative)
    i = top - first
    return (counts[min(i, len(counts) - 1)] if i >= 0 else 0) / counts[-1]


@dataclass(frozen=True)
class _Stored:
    """What ``ranking_meta`` says of the default ranking of a level (typed columns,
    :data:`pacte.targeting.facts.META_COLUMNS`), and each territory's selection row."""

    columns: list[str]
    draws: int
    unranked: list[dict]
    tier_size: int
    tier_retained: float
    tier_excluded: float
    selection: dict[str, tuple]


def _stored(con: duckdb.DuckDBPyConnection, level: str) -> _Stored | None:
    try:
        meta = con.execute("SELECT columns, draws, unranked, tier_size, tier_retained, "
                           "tier_excluded, rule_hash FROM ranking_meta WHERE level = ?",
                           [level]).fetchall()
        sel = con.execute(f"SELECT code, eligible, eligibility_note, eligible_rank, "
                          f"per_region_min FROM {SELECTION_TABLE} WHERE level = ?",
                          [level]).fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):  # a store built before these
        return None
    if not meta or not sel or meta[0][6] != default_rule_hash():
        return None
    return _Stored(*meta[0][:6], {r[0]: r[1:] for r in sel})


def _draws(con: duckdb.DuckDBPyConnection, level: str, codes: list[str]
           ) -> dict[str, tuple[int, bytes]]:
    """Code -> (best Monte Carlo rank, cumulative counts of draws) of ``codes``."""
    if not codes:
        return {}
    found = con.execute(f"SELECT code, rank_first, rank_cumulative FROM {SELECTION_TABLE} "
                        f"WHERE level = ? AND code IN (SELECT unnest(?::VARCHAR[]))",
                        [level, codes]).fetchall()
    return {code: (first, cumulative) for code, first, cumulative in found}


def default_ranking_rows(con: duckdb.DuckDBPyConnection, level: str, top: int | None = None,
                         seed: int = 0, draws: int | None = None) -> RankingRows | None:
    """The default ranking of ``level`` (restricted to the ``top`` first eligible when
    given, with ``p_top`` and ``tier`` for that programme size), or None when the stored
    answer does not apply (see the module's docstring)."""
    stored = _stored(con, level) if seed == 0 else None
    if stored is None:
        return None
    columns, sel = stored.columns, stored.selection
    if draws is not None and draws != stored.draws:
        return None
    has_rules = any(v[0] is not None for v in sel.values())
    if has_rules and any(v[3] for v in sel.values()):  # a per-région minimum: computed
        return None
    if not has_rules and top is not None:  # the selection without eligibility: computed
        return None
    rows = query(con, f"SELECT {', '.join(columns)} FROM ranking WHERE level = ? "
                      "ORDER BY rank", [level])
    size = top if top is not None else stored.tier_size
    ci = {c: i for i, c in enumerate(columns)}
    code_i = ci["code"]
    draws_of = {}  # code -> (best rank, cumulative counts): for p_top at another size
    if size != stored.tier_size:
        wanted = [r[code_i] for r in rows.rows if sel[r[code_i]][0] is not False]
        if top is not None:  # the rows kept below only: the top N eligible
            wanted = [c for c in wanted if sel[c][0]][:top]
        draws_of = _draws(con, level, wanted)
    out = []
    for r in rows.rows:
        r = list(r)
        eligible, note, erank, _ = sel[r[code_i]]
        if size != stored.tier_size:
            p = p_top_of(*draws_of[r[code_i]], size) if r[code_i] in draws_of else 0.0
            r[ci["p_top"]] = p
            r[ci["tier"]] = tier_of(p, stored.tier_retained, stored.tier_excluded)
        if has_rules:
            r += [eligible, note, erank]
        out.append(tuple(r))
    numeric = rows.numeric + ((False, False, True) if has_rules else ())
    names = (*columns, *ELIGIBILITY_COLUMNS) if has_rules else tuple(columns)
    skipped: list[dict] = []
    if top is not None:
        rank_i, el_i = ci["rank"], len(columns)
        chosen = [r for r in out if r[el_i]][:top]
        last = max(max((r[rank_i] for r in chosen), default=0), top)
        skipped = [{"rank": r[rank_i], "code": r[ci["code"]], "name": r[ci["name"]],
                    "reason": r[el_i + 1] or "non éligible"}
                   for r in out if not r[el_i] and r[rank_i] <= last]
        out = chosen
    return RankingRows(Rows(names, out, numeric), size, stored.draws, stored.unranked, skipped)
