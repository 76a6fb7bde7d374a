"""The default ranking computed once at build time into the store (tables ``ranking`` and
``ranking_meta``: seed, draws, rule name and the sha256 of the rule file), read back by
``pacte rank`` with the default rule, the report, the profiles and the API."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from pacte.errors import StoreError
from pacte.geography import RANK_LEVELS
from pacte.settings import sha256_file
from pacte.targeting.index import rank_territories
from pacte.targeting.rule import DEFAULT_CONFIG, load_config

DEFAULT_SEED = 0


def rule_hash() -> str:
    """sha256 (16 hex digits) of the default rule file."""
    return sha256_file(DEFAULT_CONFIG)[:16]


def write_default_ranking(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                          ) -> dict[str, int]:
    """Rank every level of :data:`RANK_LEVELS` with the default rule and seed 0."""
    config = load_config()
    frames, metas = [], []
    for level in RANK_LEVELS:
        say(f"Classement par défaut : {level}")
        df = rank_territories(con, level, config, seed=DEFAULT_SEED)
        frames.append(df.assign(level=level))
        metas.append({"level": level, "seed": DEFAULT_SEED, "draws": df.attrs["draws"],
                      "rule": config.name, "rule_hash": rule_hash(),
                      "columns": json.dumps(list(df.columns), ensure_ascii=False),
                      "attrs": json.dumps({k: v for k, v in df.attrs.items()},
                                          ensure_ascii=False, default=str)})
    ranking = pd.concat(frames, ignore_index=True)
    meta = pd.DataFrame(metas)
    for name, frame in (("ranking", ranking), ("ranking_meta", meta)):
        con.register("_r", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _r")
        con.unregister("_r")
    return {"ranking": len(ranking)}


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
    columns, attrs = json.loads(row[0]), json.loads(row[1])
    df = con.execute("SELECT * FROM ranking WHERE level = ? ORDER BY rank", [level]).df()
    df = df[columns].reset_index(drop=True)
    df.attrs.update(attrs)
    return df


def is_default(rule, seed: int, draws: int | None) -> bool:
    """True when a request is the default ranking (no rule given, seed 0, default draws)."""
    return rule is None and seed == DEFAULT_SEED and (
        draws is None or draws == load_config().draws)
