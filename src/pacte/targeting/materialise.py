"""The default ranking computed once at build time into the store (tables ``ranking``,
``ranking_meta``: seed, draws, rule name and the sha256 of the rule file, and
``ranking_draws``: each territory's Monte Carlo ranks, int16 bytes), read back by ``pacte
rank`` with the default rule, the report, the profiles and the API. The stored ranking
carries ``p_top`` and ``tier`` for the rule's programme size (default eligibility); another
size is computed from the stored draws (:func:`read_default_draws`)."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import StoreError
from pacte.geography import RANK_LEVELS
from pacte.settings import sha256_file
from pacte.targeting.eligibility import add_gate_values, calc_eligibility, load_eligibility
from pacte.targeting.index import rank_with_draws
from pacte.targeting.rule import DEFAULT_CONFIG, load_config
from pacte.targeting.tiers import with_tiers

DEFAULT_SEED = 0


def rule_hash() -> str:
    """sha256 (16 hex digits) of the default rule file."""
    return sha256_file(DEFAULT_CONFIG)[:16]


def write_default_ranking(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                          ) -> dict[str, int]:
    """Rank every level of :data:`RANK_LEVELS` with the default rule and seed 0."""
    config = load_config()
    rules = load_eligibility()
    frames, metas, draws = [], [], []
    for level in RANK_LEVELS:
        say(f"Classement par défaut : {level}")
        df, R = rank_with_draws(con, level, config, seed=DEFAULT_SEED)
        marked = calc_eligibility(add_gate_values(con, level, add_nature(con, level, df),
                                                  rules), rules)
        tiers = with_tiers(marked, R, config.programme.size, config.programme)
        df = with_tiers(df, R, config.programme.size, config.programme)
        df["p_top"], df["tier"] = tiers["p_top"].to_numpy(), tiers["tier"].to_numpy()
        frames.append(df.assign(level=level))
        draws.append(pd.DataFrame({"level": level, "code": df["code"],
                                   "ranks": [r.astype("<i2").tobytes() for r in R]}))
        metas.append({"level": level, "seed": DEFAULT_SEED, "draws": df.attrs["draws"],
                      "rule": config.name, "rule_hash": rule_hash(),
                      "columns": json.dumps(list(df.columns), ensure_ascii=False),
                      "attrs": json.dumps({k: v for k, v in df.attrs.items()},
                                          ensure_ascii=False, default=str)})
    ranking = pd.concat(frames, ignore_index=True)
    meta = pd.DataFrame(metas)
    for name, frame in (("ranking", ranking), ("ranking_meta", meta),
                        ("ranking_draws", pd.concat(draws, ignore_index=True))):
        con.register("_r", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _r")
        con.unregister("_r")
    return {"ranking": len(ranking)}


def add_nature(con: duckdb.DuckDBPyConnection, level: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the territory's ``nature`` (CC, CA, CU, ME; None above EPCI)."""
    nat = con.execute("SELECT code, nature FROM territory WHERE level = ?", [level]).df()
    out = df.merge(nat, on="code", how="left")
    out.attrs.update(df.attrs)
    return out


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
    by_code = {c: np.frombuffer(b, dtype="<i2") for c, b in rows}
    return np.stack([by_code[c] for c in codes]).astype(np.int32)


def read_default_ranking(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """The stored default ranking of ``level``, with its columns and ``attrs`` as computed."""
    try:
        row = con.execute("SELECT columns, attrs, rule_hash FROM ranking_meta WHERE level = ?",
                          [level]).fetchall()
        row = row[0] if row else None
    except duckdb.CatalogException:
        row = None
    if row is None:
        raise StoreError("ce store ne contient pas le classement par défaut (store d'une "
                         "version antérieure) — relancez « pacte build »")
    if row[2] != rule_hash():
        raise StoreError("le classement par défaut de ce store vient d'une autre règle par "
                         "défaut que celle de cette version de pacte — relancez « pacte build »")
    columns, attrs = json.loads(row[0]), json.loads(row[1])
    df = con.execute("SELECT * FROM ranking WHERE level = ? ORDER BY rank", [level]).df()
    df = df[columns].reset_index(drop=True)
    df.attrs.update(attrs)
    return df


def is_default(rule, seed: int, draws: int | None) -> bool:
    """True when a request is the default ranking (no rule given, seed 0, default draws)."""
    return rule is None and seed == DEFAULT_SEED and (
        draws is None or draws == load_config().draws)
