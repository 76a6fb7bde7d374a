"""The default ranking computed once at build time into the store (tables ``ranking``;
``ranking_meta``: the ranking's facts as typed columns, :data:`pacte.targeting.facts.
META_COLUMNS`, with the sha256 of the rule file; ``ranking_draws``: each territory's Monte
Carlo ranks, :func:`encode_ranks`), read back by ``pacte rank`` with the default rule, the
report, the profiles and the API. The stored ranking carries ``p_top`` and ``tier`` for the rule's
programme size (default eligibility); another size is computed from the stored draws
(:func:`read_default_draws`)."""

from __future__ import annotations

import zlib
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import StoreError
from pacte.geography import RANK_LEVELS
from pacte.settings import default_rule_hash
from pacte.targeting.eligibility import add_gate_values, calc_eligibility, from_rule
from pacte.targeting.facts import META_COLUMNS, Ranking, RankingFacts, Unranked
from pacte.targeting.index import rank_territories
from pacte.targeting.rule import load_config, load_rule
from pacte.targeting.tiers import (
    calc_eligible_ranks,
    calc_selection_tiers,
    tier_columns,
    tier_facts,
)

DEFAULT_SEED = 0


def write_default_ranking(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                          drawn=None, selected=None, loaded=None) -> dict[str, int]:
    """Rank every level of :data:`RANK_LEVELS` with the default rule and seed 0, the levels
    side by side in two threads, each on its own cursor (numpy's sorts, random draws and
    array arithmetic release the GIL): the EPCI in one, the other levels in the other.
    ``drawn(level, config, seed, codes, ranks)`` receives each level's Monte Carlo ranks
    (rows: ``codes``) as soon as they are drawn; ``selected(level, marked, eligible_ranks)``
    each level's ranking with its eligibility (:func:`~pacte.targeting.eligibility.
    calc_eligibility`) and its draws ranked among the eligible (:func:`~pacte.targeting.
    tiers.calc_eligible_ranks`), in the level's thread, once its tiers are computed;
    ``loaded``: :func:`~pacte.targeting.index.rank_territories`'s."""
    from concurrent.futures import ThreadPoolExecutor

    rule = load_rule()  # read once (load_config and load_eligibility each read it)
    config, rules = rule.config, from_rule(rule.eligibility)

    def rank_level(level: str):
        say(f"Classement par défaut : {level}")
        cur = con.cursor()
        try:
            return _rank_level(cur, level, config, rules, drawn, selected, loaded)
        finally:
            cur.close()

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(rank_level, RANK_LEVELS))
    frames, draws, metas = (list(x) for x in zip(*done, strict=True))
    ranking = pd.concat(frames, ignore_index=True)
    for name, frame in (("ranking", ranking),
                        ("ranking_draws", pd.concat(draws, ignore_index=True))):
        con.register("_r", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _r")
        con.unregister("_r")
    con.execute("CREATE TABLE ranking_meta ("
                + ", ".join(f"{c} {t}" for c, t in META_COLUMNS.items()) + ")")
    con.executemany(f"INSERT INTO ranking_meta VALUES ({', '.join('?' * len(META_COLUMNS))})",
                    metas)
    return {"ranking": len(ranking)}


def _rank_level(con, level: str, config, rules, drawn=None, selected=None, loaded=None
                ) -> tuple[pd.DataFrame, pd.DataFrame, tuple]:
    """One level's rows of the tables ``ranking``, ``ranking_draws`` and ``ranking_meta``."""
    from concurrent.futures import ThreadPoolExecutor

    r = rank_territories(con, level, config, seed=DEFAULT_SEED, loaded=loaded)
    if drawn is not None:
        drawn(level, config, DEFAULT_SEED, r.frame["code"].to_numpy(), r.ranks)
    with ThreadPoolExecutor(1) as pool:
        # the draws deflated (zlib releases the GIL) while the eligibility, the tiers and
        # the selection's rows are computed: the EPCI's last step, after its Monte Carlo
        blobs = pool.submit(encode_all_ranks, r.ranks)
        df, r = _tiers(con, level, config, rules, r, selected)
        draws = pd.DataFrame({"level": level, "code": df["code"], "ranks": blobs.result()})
    f = r.facts
    meta = (level, DEFAULT_SEED, f.draws, f.rule, default_rule_hash(),
            list(df.columns), [dict(u) for u in f.unranked], list(f.sources), f.tier_size,
            f.tier_retained, f.tier_excluded)
    return df.assign(level=level), draws, meta


def _tiers(con, level: str, config, rules, r, selected):
    """The ranking ``r`` of ``level`` with its tiers: (its frame, itself)."""
    marked = calc_eligibility(add_gate_values(con, level, add_nature(con, level, r.frame),
                                              rules), rules)
    # the draws ranked among the eligible once, for the tiers and the stored selection
    # (which read the ranking and its draws back from the store, and ranked them again)
    el = marked["eligible"].to_numpy(bool)
    sub = calc_eligible_ranks(r.ranks, el)
    prog = config.programme
    p, tier = calc_selection_tiers(r.ranks, prog.size, el, prog.retained, prog.excluded, sub)
    if selected is not None:
        selected(level, marked, sub)
    df = tier_columns(r.frame, p, tier)
    return df, replace(r, frame=df, facts=tier_facts(r.facts, prog.size, prog))


def encode_ranks(ranks: np.ndarray) -> bytes:
    """One territory's Monte Carlo ranks as stored: int16, their low bytes then their high
    bytes, deflated (the high bytes repeat): for the real store's 1,876 territories and
    1,000 draws, 36 blocks of 64 KiB instead of the 51 of the raw int16."""
    planes = np.ascontiguousarray(ranks.astype("<i2").view(np.uint8).reshape(-1, 2).T)
    return zlib.compress(planes.tobytes(), 6)


def encode_all_ranks(ranks: np.ndarray) -> list[bytes]:
    """:func:`encode_ranks` of each row of ``ranks`` (n, draws, any memory layout): the
    same bytes, the planes of every row made at once (the EPCI's 1,250 rows: 101 -> 79 ms
    of CPU, zlib's the rest)."""
    ranks = np.asarray(ranks)
    planes = np.ascontiguousarray(ranks.astype("<i2", order="C").view(np.uint8).reshape(
        *ranks.shape, 2).transpose(0, 2, 1))
    return [zlib.compress(row.tobytes(), 6) for row in planes]


def decode_ranks(blob: bytes) -> np.ndarray:
    """The ranks of :func:`encode_ranks` (int16)."""
    planes = np.frombuffer(zlib.decompress(blob), dtype=np.uint8).reshape(2, -1)
    return np.ascontiguousarray(planes.T).view("<i2").ravel()


def add_nature(con: duckdb.DuckDBPyConnection, level: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the territory's ``nature`` (CC, CA, CU, ME; None above EPCI)."""
    nat = con.execute("SELECT code, nature FROM territory WHERE level = ?", [level]).df()
    return df.merge(nat, on="code", how="left")


def read_default_draws(con: duckdb.DuckDBPyConnection, level: str, codes) -> np.ndarray:
    """The stored Monte Carlo ranks (len(codes), draws) of the default ranking, rows in the
    order of ``codes``."""
    try:
        rows = con.execute("SELECT code, ranks FROM ranking_draws WHERE level = ?",
                           [level]).fetchall()
    except duckdb.CatalogException:
        rows = []
    if not rows:
        raise StoreError("ce store ne contient pas les tirages du classement par défaut "
                         "(store d'une version antérieure) — relancez « pacte build »")
    try:
        by_code = {c: decode_ranks(b) for c, b in rows}
    except zlib.error:  # raw int16 bytes: a store of an earlier version
        raise StoreError("les tirages du classement par défaut de ce store sont dans un "
                         "format antérieur — relancez « pacte build »") from None
    return np.stack([by_code[c] for c in codes]).astype(np.int32)


def read_default_ranking(con: duckdb.DuckDBPyConnection, level: str) -> Ranking:
    """The stored default ranking of ``level``: its frame with the columns as computed and
    its facts (without the Monte Carlo ranks: :func:`read_default_draws`). A store without
    it, or whose ranking comes from another default rule file, is refused (rebuild)."""
    try:
        row = con.execute("SELECT columns, rule_hash, rule, seed, draws, unranked, sources, "
                          "tier_size, tier_retained, tier_excluded FROM ranking_meta "
                          "WHERE level = ?", [level]).fetchall()
        row = row[0] if row else None
    except (duckdb.CatalogException, duckdb.BinderException):  # absent, or an older shape
        row = None
    if row is None:
        raise StoreError("ce store ne contient pas le classement par défaut (store d'une "
                         "version antérieure) — relancez « pacte build »")
    columns, stored_hash, rule, seed, draws, unranked, sources, size, kept, out = row
    if stored_hash != default_rule_hash():
        raise StoreError("le classement par défaut de ce store vient d'une autre règle par "
                         "défaut que celle de cette version de pacte — relancez « pacte build »")
    df = con.execute("SELECT * FROM ranking WHERE level = ? ORDER BY rank", [level]).df()
    facts = RankingFacts(level, rule, seed, draws, tuple(Unranked(**u) for u in unranked),
                         tuple(sources), size, kept, out)
    return Ranking(df[columns].reset_index(drop=True), facts)


def is_default(rule, seed: int, draws: int | None) -> bool:
    """True when a request is the default ranking (no rule given, seed 0, default draws)."""
    return rule is None and seed == DEFAULT_SEED and (
        draws is None or draws == load_config().draws)
