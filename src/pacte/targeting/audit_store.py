"""The default rule's variance decomposition by source (the audit's costly part,
:func:`pacte.targeting.variance.calc_source_shares`: eight Monte Carlo runs of
:data:`~pacte.targeting.audit.AUDIT_DRAWS` draws) computed once at build time into the table
``audit_uncertainty``, read back by :func:`pacte.targeting.audit.run_audit` for the default
rule (the national report, ``pacte rank --audit``, the API's audit).

It depends only on the store's indicators and census counts, the default rule and the
audit's fixed seed and draws: ``pacte run`` reads it instead of recomputing it (the
report's longest part, 1.4 s of CPU at EPCI level before the Monte Carlo's shortcut for
draws of the same values, 0.9 s after). A store built by another version, or another rule
or number of draws, recomputes it."""

from __future__ import annotations

from concurrent.futures import Future

import duckdb
import numpy as np
import pandas as pd

from pacte.settings import default_rule_hash
from pacte.targeting.audit import AUDIT_DRAWS, AUDIT_SEED, calc_uncertainty_rows
from pacte.targeting.materialise import write_default_ranking
from pacte.targeting.rule import Config, load_config

TABLE = "audit_uncertainty"
#: The levels stored: the national report's. Another level's audit (``pacte rank --audit
#: --level ze2020``, the API's) computes it (0.1-0.25 s of CPU for a ZE level), which the
#: build then does not spend for answers rarely asked.
LEVELS = ("epci",)
COLUMNS = {"level": "VARCHAR", "rule_hash": "VARCHAR", "seed": "INTEGER",
           "draws": "INTEGER", "source": "VARCHAR", "variance": "DOUBLE",
           "uncertain": "INTEGER", "share": "DOUBLE"}


def write_default_audit(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                        drawn=None, loaded=None) -> dict[str, int]:
    """Build step: the default rule's decomposition at each level of :data:`LEVELS` (its
    rows in the order of :func:`~pacte.targeting.audit.calc_uncertainty_rows`, which
    ``drawn`` and ``loaded`` are given to)."""
    say("Audit de la règle par défaut : incertitude par source")
    config, rule_hash = load_config(), default_rule_hash()
    rows = [(level, rule_hash, AUDIT_SEED, AUDIT_DRAWS, r["source"], r["variance"],
             r["uncertain"], r["share"])
            for level in LEVELS
            for r in calc_uncertainty_rows(con, level, config, AUDIT_DRAWS, drawn, loaded)]
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


class DefaultSteps:
    """:func:`~pacte.targeting.materialise.write_default_ranking` and
    :func:`write_default_audit` as two build steps run side by side
    (:func:`pacte.handlers.build.steps`; a new pair for each build) sharing the Monte
    Carlo: the audit's run of every source at once (seed 0, 500 draws) is the first 500
    draws of the default ranking's (the same seed, the same chunks of draws), which the
    audit takes instead of drawing them again (EPCI: 0.26-0.47 s of CPU in the build).
    The audit waits for them at its last run; a failed ranking leaves it to draw them.
    They share what the ranking reads from the store too (the territories, the raw matrix,
    the census panels: 0.12 s of CPU, EPCI), which the audit waits for at its start (the
    ranking reads them first) and reads itself when the ranking failed before."""

    def __init__(self) -> None:
        self._drawn: dict[str, Future] = {level: Future() for level in LEVELS}
        self._loaded: dict[str, Future] = {level: Future() for level in LEVELS}

    def ranking(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None, selected=None
                ) -> dict:
        """:func:`~pacte.targeting.materialise.write_default_ranking` (``selected``: its)."""
        try:
            return write_default_ranking(con, say, drawn=self._publish, selected=selected,
                                         loaded=self._publish_loaded)
        finally:
            for future in (*self._loaded.values(), *self._drawn.values()):
                if not future.done():
                    future.set_result(None)

    def audit(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict:
        try:
            return write_default_audit(con, say, drawn=self._ranks, loaded=self._inputs)
        finally:  # the draws (EPCI: 5 MB) not held by the build's steps until its end
            self._drawn, self._loaded = {}, {}

    def _publish_loaded(self, level: str, config: Config, ter, X, panels) -> None:
        future = self._loaded.get(level)
        if future is not None and not future.done():
            future.set_result((config, ter, X, panels))

    def _inputs(self, level: str, config: Config):
        """(territories, raw matrix, census panels) the ranking read for ``level`` with the
        rule ``config``, else None."""
        future = self._loaded.get(level)
        got = future.result() if future is not None else None
        if got is None or got[0] != config:
            return None
        _, ter, X, panels = got
        return ter.copy(), X, panels  # the frame's own copy: pandas caches on access

    def _publish(self, level: str, config: Config, seed: int, codes, ranks) -> None:
        future = self._drawn.get(level)
        if future is not None and not future.done():
            future.set_result((config, seed, codes, ranks))

    def _ranks(self, level: str, config: Config, codes, draws: int) -> np.ndarray | None:
        """The ranking's first ``draws`` ranks of ``codes`` when they are those of the
        audit's run (same rule and seed; whole chunks of draws), else None."""
        future = self._drawn.get(level)
        got = future.result() if future is not None else None
        if got is None:
            return None
        drawn_config, seed, drawn_codes, ranks = got
        if (drawn_config != config or seed != AUDIT_SEED or draws > ranks.shape[1]
                or (draws % config.uncertainty.chunk and draws != ranks.shape[1])):
            return None
        rows = pd.Index(drawn_codes).get_indexer(codes)
        if len(rows) != len(drawn_codes) or (rows < 0).any():
            return None
        return ranks[rows, :draws]
