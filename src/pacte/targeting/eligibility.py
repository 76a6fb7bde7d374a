"""Eligibility rules of the index file, applied AFTER scoring: they never change a
score or a rank, they say which territories a programme could select and why the others
cannot, in every output (columns ``eligible``, ``eligibility_note``, ``eligible_rank``).

YAML (key ``eligibility`` of the rule file, every part optional)::

    eligibility:
      exclude_natures: [ME]          # EPCI natures excluded (CC, CA, CU, ME)
      population: {min: 20000, max: 150000}   # null = no bound
      per_region_min: 2              # in a --top selection, at least N per région
      gate:                          # relevance as a gate: indicator thresholds (all met)
        - {id: lq_industry, source: rp, period: "2016", min: 1.0}

:func:`load_eligibility` parses it (French errors naming the file and the value),
:func:`calc_eligibility` marks a ranking, :func:`calc_eligible_selection` selects the top N
eligible territories with the per-région minimums.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from pacte.errors import InvalidParameterError
from pacte.labels import fr_number
from pacte.targeting.rule import EligibilityRule, PopulationBounds, load_rule, rule_error

NATURES = {"CC": "communauté de communes", "CA": "communauté d'agglomération",
           "CU": "communauté urbaine", "ME": "métropole"}
KEYS = tuple(EligibilityRule.model_fields)


@dataclass(frozen=True)
class Gate:
    """A territory is eligible only if this stored indicator lies within [min, max]."""

    id: str
    source: str
    period: str
    min: float | None = None
    max: float | None = None

    @property
    def column(self) -> str:
        return f"gate_{self.id}"

    def describe(self) -> str:
        from pacte.catalogue import INDICATORS

        label = INDICATORS[self.id].label.lower()
        def num(v: float) -> str:
            return fr_number(v, 0 if float(v).is_integer() else 2)

        bounds = [f"≥ {num(self.min)}" if self.min is not None else "",
                  f"≤ {num(self.max)}" if self.max is not None else ""]
        return f"{label} ({self.source} {self.period}) {' et '.join(b for b in bounds if b)}"


@dataclass(frozen=True)
class Eligibility:
    exclude_natures: tuple[str, ...] = ()
    population_min: float | None = None
    population_max: float | None = None
    per_region_min: int = 0
    gates: tuple[Gate, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.exclude_natures and self.population_min is None \
            and self.population_max is None and not self.per_region_min and not self.gates

    def describe(self) -> str:
        """French one-line summary (shown beside every output)."""
        parts = []
        if self.exclude_natures:
            parts.append("exclues : " + ", ".join(NATURES.get(n, n) + "s"
                                                   for n in self.exclude_natures))
        if self.population_min is not None or self.population_max is not None:
            lo = fr_number(self.population_min) if self.population_min is not None else "0"
            hi = fr_number(self.population_max) if self.population_max is not None else "∞"
            parts.append(f"population de {lo} à {hi} habitants")
        if self.per_region_min:
            parts.append(f"au moins {self.per_region_min} par région dans une sélection")
        parts += [g.describe() for g in self.gates]
        return "éligibilité : " + ("; ".join(parts) if parts else "tous les territoires")


def from_rule(rule: EligibilityRule | None) -> Eligibility:
    """The eligibility of a validated rule section (None = no rule)."""
    if rule is None:
        return Eligibility()
    pop = rule.population or PopulationBounds()
    return Eligibility(tuple(rule.exclude_natures), pop.min, pop.max, rule.per_region_min,
                       tuple(Gate(g.id, g.source, g.period, g.min, g.max) for g in rule.gate))


def parse_eligibility(raw, where: str = "index composite") -> Eligibility:
    """Validate the ``eligibility`` mapping (None = no rule), French errors naming the key."""
    if raw is None:
        return Eligibility()
    try:
        return from_rule(EligibilityRule.model_validate(raw))
    except ValidationError as exc:
        err = rule_error(where, exc, EligibilityRule)
        raise InvalidParameterError(str(err).replace(f"{where} : ", f"{where} : eligibility.", 1)
                                    .replace("clé inconnue « ", "clé inconnue « eligibility.")
                                    ) from None


def add_gate_values(con, level: str, df: pd.DataFrame, rules: Eligibility) -> pd.DataFrame:
    """``df`` with one column ``gate_<id>`` per gate of ``rules``: the stored value of each
    territory (NaN when absent: the territory is then not eligible)."""
    from pacte.engine import read_indicators

    out = df.copy()
    for g in rules.gates:
        v = read_indicators(con, level, [g.id], g.period)
        v = v[v["source"] == g.source].set_index("code")["value"]
        out[g.column] = out["code"].map(v).astype(float)
    return out


def load_eligibility(path: Path | str | None = None) -> Eligibility:
    """The eligibility rules of a rule file (default: pacte's)."""
    return from_rule(load_rule(path).eligibility)


def calc_eligibility(ranked: pd.DataFrame, rules: Eligibility) -> pd.DataFrame:
    """``ranked`` (columns rank, population, and nature at EPCI level) with ``eligible``
    (bool), ``eligibility_note`` (French reason, "" when eligible) and ``eligible_rank``
    (rank among the eligible, NaN otherwise). Scores and ranks are untouched."""
    n = len(ranked)
    notes = np.full(n, "", dtype=object)
    nature = ranked["nature"].to_numpy(object) if "nature" in ranked else np.full(n, None)
    pop = ranked["population"].to_numpy(float)

    def add(mask, text):
        notes[mask] = np.where(notes[mask] == "", text, notes[mask] + "; " + text)

    for nat in rules.exclude_natures:
        add(nature == nat, f"{NATURES[nat]} exclue")
    if rules.population_min is not None:
        add(pop < rules.population_min,
            f"moins de {fr_number(rules.population_min)} habitants")
    if rules.population_max is not None:
        add(pop > rules.population_max,
            f"plus de {fr_number(rules.population_max)} habitants")
    for g in rules.gates:
        v = ranked[g.column].to_numpy(float) if g.column in ranked else np.full(n, np.nan)
        bad = np.isnan(v)
        if g.min is not None:
            bad |= v < g.min
        if g.max is not None:
            bad |= v > g.max
        add(bad, f"hors seuil : {g.describe()}")
    eligible = notes == ""
    order = np.argsort(ranked["rank"].to_numpy(), kind="stable")
    erank = np.full(n, np.nan)
    el_sorted = order[eligible[order]]
    erank[el_sorted] = np.arange(1, len(el_sorted) + 1)
    return ranked.assign(eligible=eligible, eligibility_note=notes, eligible_rank=erank)


def calc_eligible_selection(marked: pd.DataFrame, top: int, rules: Eligibility) -> np.ndarray:
    """Selected rows (bool) among the eligible of ``marked`` (see :func:`calc_eligibility`):
    the best ``per_region_min`` of each région first, then the best remaining ranks up to
    ``top``. A région with fewer eligible territories gives all it has."""
    if top < 1:
        raise InvalidParameterError(f"--top doit être un entier ≥ 1 (valeur : {top})")
    el = marked["eligible"].to_numpy(bool)
    ranks = marked["rank"].to_numpy()
    chosen = np.zeros(len(marked), dtype=bool)
    if rules.per_region_min:
        for idx in marked[el].groupby("reg", dropna=False).indices.values():
            rows = np.flatnonzero(el)[idx]
            chosen[rows[np.argsort(ranks[rows], kind="stable")][: rules.per_region_min]] = True
    rest = [i for i in np.argsort(ranks, kind="stable") if el[i] and not chosen[i]]
    chosen[rest[: max(top - int(chosen.sum()), 0)]] = True
    return chosen
