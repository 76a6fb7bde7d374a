"""A ranking as the targeting step returns it: the frame of ranked territories, what the
ranking says about itself (:class:`RankingFacts`: rule, level, seed, draws, the territories
left unranked with the reason, the sources of uncertainty, the programme of its tiers) and
its Monte Carlo ranks. Handlers, the report and the build read these fields; nothing rides
in the frame's ``attrs``.

The store keeps the facts of the default ranking as typed columns of ``ranking_meta``
(:data:`META_COLUMNS`), so that a reader needs neither pandas nor this module to read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class Unranked(TypedDict):
    """A territory the rule leaves unranked, and why (French)."""

    code: str
    name: str
    reason: str


@dataclass(frozen=True)
class RankingFacts:
    """What a ranking says about itself. ``tier_size``, ``tier_retained`` and
    ``tier_excluded``: the programme size and thresholds of its ``p_top`` and ``tier``
    columns (None before the tiers are computed)."""

    level: str = "epci"
    rule: str | None = None
    seed: int | None = None
    draws: int | None = None
    unranked: tuple[Unranked, ...] = ()
    sources: tuple[str, ...] = ()
    tier_size: int | None = None
    tier_retained: float | None = None
    tier_excluded: float | None = None

    @property
    def excluded(self) -> list[str]:
        """Codes of the territories left unranked, in code order."""
        return [u["code"] for u in self.unranked]

    @classmethod
    def from_meta(cls, meta: dict) -> RankingFacts:
        """The facts of a ranking answer's envelope (:func:`pacte.handlers.ranking.ranking`)."""
        prog = meta["programme"]
        return cls(meta["level"], meta.get("rule"), meta["seed"], meta["draws"],
                   tuple(meta.get("unranked", ())), (), prog["size"], prog.get("retained"),
                   prog.get("excluded"))


#: The typed columns of the store's ``ranking_meta`` table (one row per level): the facts
#: of the default ranking, its column order and the sha256 of the rule file it comes from.
META_COLUMNS = {
    "level": "VARCHAR", "seed": "BIGINT", "draws": "INTEGER", "rule": "VARCHAR",
    "rule_hash": "VARCHAR", "columns": "VARCHAR[]",
    "unranked": "STRUCT(code VARCHAR, name VARCHAR, reason VARCHAR)[]",
    "sources": "VARCHAR[]", "tier_size": "INTEGER", "tier_retained": "DOUBLE",
    "tier_excluded": "DOUBLE"}


@dataclass(frozen=True)
class Ranking:
    """The ranked territories (``frame``, one row each, in rank order), the facts, and the
    Monte Carlo ranks (``ranks``, (n, draws), rows in the order of ``frame``; None when
    read from the store without them)."""

    frame: pd.DataFrame
    facts: RankingFacts = field(default_factory=RankingFacts)
    ranks: np.ndarray | None = None

    def with_frame(self, frame: pd.DataFrame) -> Ranking:
        """The same ranking over another frame (same rows: columns added or selected)."""
        return replace(self, frame=frame)
