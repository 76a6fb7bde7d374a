"""The default rule's variance decomposition by source (the audit's costly part,
:func:`pacte.targeting.uncertainty.calc_source_shares`: eight Monte Carlo runs of
:data:`~pacte.targeting.audit.AUDIT_DRAWS` draws) computed once at build time into the table
``audit_uncertainty``, read back by :func:`pacte.targeting.audit.run_audit` for the default
rule (the national report, ``pacte rank --audit``, the API's audit).

It depends only on the store's indicators and census counts, the default rule and the
audit's fixed seed and draws: ``pacte run`` reads it instead of recomputing it (the
report's longest part, 1.4 s of CPU at EPCI level before the Monte Carlo's shortcut for
draws of the same values, 0.9 s after). A store built by another version, or another rule
or number of draws, recomputes it."""

from __future__ import annotations

import duckdb

from pacte.settings import default_rule_hash
from pacte.targeting.audit import AUDIT_DRAWS, AUDIT_SEED, calc_uncertainty_rows
from pacte.targeting.rule import Config, load_config

TABLE = "audit_uncertainty"
#: The levels stored: the national report's. Another level's audit (``pacte rank --audit
#: --level ze2020``, the API's) computes it (0.1-0.25 s of CPU for a ZE level), which the
#: build then does not spend for answers rarely asked.
LEVELS = ("epci",)
COLUMNS = {"level": "VARCHAR", "rule_hash": "VARCHAR", "seed": "INTEGER",
           "draws": "INTEGER", "source": "VARCHAR", "variance": "DOUBLE",
           "uncertain": "INTEGER", "share": "DOUBLE"}


def write_default_audit(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                        ) -> dict[str, int]:
    """Build step: the default rule's decomposition at each level of :data:`LEVELS` (its
    rows in the order of :func:`~pacte.targeting.audit.calc_uncertainty_rows`)."""
    say("Audit de la règle par défaut : incertitude par source")
    config, rule_hash = load_config(), default_rule_hash()
    rows = [(level, rule_hash, AUDIT_SEED, AUDIT_DRAWS, r["source"], r["variance"],
             r["uncertain"], r["share"])
            for level in LEVELS
            for r in calc_uncertainty_rows(con, level, config, AUDIT_DRAWS)]
    con.execute(f"CREATE TABLE {TABLE} ("
                + ", ".join(f"{c} {t}" for c, t in COLUMNS.items()) + ")")
    con.executemany(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return {TABLE: len(rows)}


def read_default_uncertainty(con, level: str, config: Config, draws: int
                             ) -> list[dict] | None:
    """The stored rows of ``level`` when ``config`` is the default rule and ``draws`` the
    audit's (the store's rows of that very rule file and draws), else None (compute them)."""
    if draws != AUDIT_DRAWS or config != load_config():
        return None
    try:
        rows = con.execute(f"SELECT source, variance, uncertain, share FROM {TABLE} "
                           "WHERE level = ? AND rule_hash = ? AND seed = ? AND draws = ?",
                           [level, default_rule_hash(), AUDIT_SEED, draws]).fetchall()
    except duckdb.CatalogException:  # a store of an earlier version
        return None
    keys = ("source", "variance", "uncertain", "share")
    order = {s: i for i, s in enumerate((*config.uncertainty.sources, "all"))}
    rows = sorted(rows, key=lambda r: order.get(r[0], len(order)))
    return [dict(zip(keys, r, strict=True)) for r in rows] or None
