"""Pure core of the DCRTP cut simulator: share a total cut among communes and EPCI.

No I/O: numpy / pandas only. Amounts are handled in integer cents, so the cuts add up to the
target exactly, to the cent, unless every DCRTP that can be cut is exhausted (then the rest
is the *shortfall*).

Capping and redistribution. Within a pool of beneficiaries with weights ``w`` and DCRTP
``c``, the exact (continuous) answer of "share pro rata, cap at the DCRTP, pass the excess
on to the others, repeat until nothing is left" is ``min(c_i, λ w_i)`` for the λ that makes
the cuts add up to the target (water filling: each round of the iteration caps some
entities and raises λ, and the rounds stop when no share exceeds its cap). pacte computes
that fixed point directly and rounds it to the cent with a divisor method (Sainte-Laguë /
Webster): ``cut_i = min(c_i, floor(Λ w_i + 1/2))`` for the smallest Λ whose cuts reach the
target, the few cents tied at Λ going to the first entities in (level, code) order. Each
cut stays within about a cent of its exact share, the sum is exact, the result does not
depend on row order, and a larger target never lowers anyone's cut (a largest-remainder
rounding would break this last property: the "Alabama paradox").
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.geography import Level, check_level
from pacte.labels import plural

LEVELS = (Level.COMMUNE.value, Level.EPCI.value)

#: Columns of the entity frame the simulator reads. ``epci`` is the EPCI code of a commune
#: (its own code on an EPCI row, "" for a commune in no EPCI); ``dcrtp``, ``rrf`` in euros;
#: ``rrf`` may be NaN where unknown; ``dsu_eligible`` is a bool (False where unknown).
ENTITY_COLUMNS = ["level", "code", "name", "epci", "dcrtp", "rrf", "population",
                  "dsu_eligible"]

#: Columns of the per-entity output, in order (the first ten are the published table).
ROW_COLUMNS = ["level", "code", "name", "dcrtp_before", "cut", "dcrtp_after",
               "cut_per_inhabitant", "cut_share_rrf", "cut_share_dcrtp", "exempt",
               "epci", "population", "rrf", "cut_cents"]

#: Keys and their French description.
KEYS = {
    "legal": "clé légale : partage communes / EPCI au prorata des RRF, puis au prorata des "
             "RRF des bénéficiaires non exonérés (communes éligibles à la DSU), plafond à la "
             "DCRTP et report de l'excédent",
    "dcrtp": "au prorata de la DCRTP (taux uniforme)",
    "population": "au prorata de la population des bénéficiaires, plafond à la DCRTP",
    "legal-exempt": "clé légale avec une liste d'exonérations (territoires retenus)",
    "spare-industrial": "clé légale épargnant le quintile le plus industriel des EPCI "
                        "(l'EPCI et ses communes)",
}
RRF_KEYS = ("legal", "legal-exempt", "spare-industrial")


@dataclass(frozen=True)
class Rules:
    """Switches of the legal key, read from the law parameters by the caller."""

    dsu_exempt: bool = True  # repartition.exoneration_dsu
    redistribute: bool = True  # repartition.report_excedent
    spill: bool = True  # repartition.report_entre_categories


@dataclass(frozen=True)
class Allocation:
    cents: np.ndarray  # int64 cut per entity, in the entity frame's row order
    exempt: np.ndarray  # bool
    target: int  # cents
    shortfall: int  # cents
    pools: dict  # pool name -> {"target", "capacity", "cut"} in cents


def to_cents(euros) -> np.ndarray:
    """Euros (float array) to int64 cents, rounded half away from zero."""
    a = np.asarray(euros, dtype="float64")
    return (np.sign(a) * np.floor(np.abs(a) * 100.0 + 0.5)).astype("int64")


def _bits(x: float) -> int:
    return int(np.float64(x).view(np.int64))


def _float(bits: int) -> float:
    return float(np.int64(bits).view(np.float64))


def calc_capped_apportionment(target: int, caps: np.ndarray, weights: np.ndarray,
                              order: np.ndarray) -> np.ndarray:
    """Integer shares of ``target`` pro rata ``weights``, each capped at ``caps``, the excess
    of capped shares passed on to the others until the target is met or every cap is hit.

    ``caps`` int64 (cents), ``weights`` float >= 0 (an entity of weight 0 gets nothing),
    ``order`` unique sort keys (e.g. "level code" strings) ranking the entities that tie at
    the threshold for the last cents. Returns int64
    shares summing to ``min(target, capacity)`` (capacity = caps of positive weight).
    """
    caps = np.asarray(caps, dtype="int64")
    w = np.asarray(weights, dtype="float64")
    out = np.zeros(len(caps), dtype="int64")
    active = np.flatnonzero((w > 0) & (caps > 0))
    if target <= 0 or active.size == 0:
        return out
    c, wa = caps[active].astype("float64"), w[active]
    if target >= int(caps[active].sum()):
        out[active] = caps[active]
        return out

    def alloc(lam: float) -> np.ndarray:
        return np.minimum(c, np.floor(lam * wa + 0.5))

    hi = float(np.max((c + 0.5) / wa)) * 2.0
    while alloc(hi).sum() < target:  # pragma: no cover - float guard
        hi *= 2.0
    lo_b, hi_b = 0, _bits(hi)  # S(lo) = 0 < target <= S(hi)
    while hi_b - lo_b > 1:
        mid = (lo_b + hi_b) // 2
        if alloc(_float(mid)).sum() >= target:
            hi_b = mid
        else:
            lo_b = mid
    base, top = alloc(_float(lo_b)), alloc(_float(hi_b))
    need = target - int(base.sum())
    inc = (top - base).astype("int64")
    tied = np.flatnonzero(inc > 0)
    tied = tied[np.argsort(np.asarray(order)[active[tied]], kind="stable")]
    units = np.repeat(tied, inc[tied])[:need]
    shares = base.astype("int64") + np.bincount(units, minlength=active.size)
    out[active] = shares
    return out


def calc_split(target: int, bases: tuple[float, float]) -> tuple[int, int]:
    """Split ``target`` cents between two categories pro rata ``bases``, exactly: the first
    gets ``floor(target * b0 / (b0 + b1))`` (both parts are non-decreasing in ``target``)."""
    b0, b1 = Fraction(bases[0]), Fraction(bases[1])
    if b0 + b1 == 0:
        return 0, 0
    first = int(target * b0 // (b0 + b1))
    return first, target - first


@dataclass(frozen=True)
class EntityArrays:
    """The entity frame as numpy arrays (strings as object arrays), read once per run."""

    level: np.ndarray
    code: np.ndarray
    name: np.ndarray
    epci: np.ndarray
    dcrtp: np.ndarray
    rrf: np.ndarray
    population: np.ndarray
    dsu: np.ndarray
    order: np.ndarray  # canonical sort key (level, code): independent of row order

    def __len__(self) -> int:
        return len(self.code)


def prepare(entities: pd.DataFrame | EntityArrays) -> EntityArrays:
    """Check the entity frame (InvalidParameterError, French) and read it as arrays."""
    if isinstance(entities, EntityArrays):
        return entities
    missing = [c for c in ENTITY_COLUMNS if c not in entities.columns]
    if missing:
        raise InvalidParameterError("entrées du simulateur incomplètes : colonnes manquantes "
                                    + ", ".join(missing))
    level = entities["level"].to_numpy(dtype=object)
    bad = (level != "commune") & (level != "epci")
    if bad.any():
        check_level(level[bad][0], LEVELS)
    code = entities["code"].astype(str).to_numpy(dtype=object)
    ids, uniq = pd.factorize(code)
    order = code
    if len(uniq) < len(code):  # a code shared by two levels is allowed, not twice a level
        pair = ids * 2 + (level == "epci")
        if len(np.unique(pair)) < len(pair):
            seen = pd.Series(pair).duplicated().to_numpy()
            raise InvalidParameterError(f"entité en double : {code[seen][0]}")
        order = np.array([f"{lv}|{c}" for lv, c in zip(level, code, strict=True)],
                         dtype=object)
    d = entities["dcrtp"].to_numpy(dtype="float64")
    if np.isnan(d).any() or (d < 0).any():
        pos = int(np.flatnonzero(np.isnan(d) | (d < 0))[0])
        raise InvalidParameterError(f"DCRTP manquante ou négative pour {code[pos]} "
                                    f"({d[pos]!r})")
    dsu = entities["dsu_eligible"]
    dsu = dsu.fillna(False).to_numpy(dtype=bool) if dsu.dtype != bool else dsu.to_numpy()
    return EntityArrays(level, code, entities["name"].to_numpy(dtype=object),
                        entities["epci"].fillna("").astype(str).to_numpy(dtype=object), d,
                        entities["rrf"].to_numpy(dtype="float64"),
                        entities["population"].to_numpy(dtype="float64"), dsu, order)


def _need_rrf(ents: EntityArrays, mask: np.ndarray) -> np.ndarray:
    rrf = ents.rrf
    bad = mask & (np.isnan(rrf) | (rrf < 0))
    if bad.any():
        codes = ents.code[bad]
        levels = sorted(set(ents.level[bad]))
        raise InvalidParameterError(
            f"RRF manquantes ou négatives pour {plural(int(bad.sum()), 'bénéficiaire')} de la DCRTP "
            f"({', '.join(levels)} ; par exemple {', '.join(map(str, codes[:5]))}) : la clé "
            "légale en a besoin (RRF des EPCI : OFGL, agrégat « Recettes de fonctionnement ») ; "
            "sinon choisir la clé « dcrtp » ou « population »")
    return np.nan_to_num(rrf)


def exempt_mask(ents: EntityArrays, codes) -> np.ndarray:
    """Rows exempted by a list of codes: a commune code exempts the commune; an EPCI code
    exempts the EPCI and every member commune (a territory)."""
    wanted = {str(c) for c in codes}
    if not wanted:
        return np.zeros(len(ents), dtype=bool)
    listed = np.fromiter((c in wanted for c in ents.code), dtype=bool, count=len(ents))
    member = np.fromiter((e in wanted for e in ents.epci), dtype=bool, count=len(ents))
    return listed | ((ents.level == "commune") & member)


def calc_allocation(entities: pd.DataFrame | EntityArrays, target: int, key: str, *,
                    rules: Rules = Rules(), exempt=()) -> Allocation:
    """Cut ``target`` cents from the DCRTP of ``entities`` under ``key``.

    ``exempt``: codes exempted on top of the law's exemptions (``legal-exempt`` and
    ``spare-industrial``; see :func:`exempt_mask`). Pools: communes and EPCI for the
    RRF keys (split pro rata of the RRF of each category's beneficiaries, excess of an
    exhausted category passed to the other when ``rules.spill``); one pool otherwise.
    """
    if key not in KEYS:
        raise InvalidParameterError(f"clé inconnue : « {key} » ; clés possibles : "
                                    + ", ".join(KEYS))
    ents = prepare(entities)
    target = int(target)
    if target < 0:
        raise InvalidParameterError(f"minoration négative : {target / 100:.2f} €")
    caps = to_cents(ents.dcrtp)
    order = ents.order
    beneficiary = caps > 0
    is_com = ents.level == "commune"
    exempt_rows = np.zeros(len(ents), dtype=bool)
    if key in RRF_KEYS:
        if rules.dsu_exempt:
            exempt_rows |= is_com & ents.dsu
        if key != "legal":
            exempt_rows |= exempt_mask(ents, exempt)
    if key == "dcrtp":
        weights = caps.astype("float64")
    elif key == "population":
        weights = np.nan_to_num(ents.population)
    else:
        weights = _need_rrf(ents, beneficiary)
    weights = np.where(beneficiary & ~exempt_rows, np.maximum(weights, 0.0), 0.0)

    cents = np.zeros(len(ents), dtype="int64")
    pools: dict[str, dict] = {}
    if key in RRF_KEYS:
        base = np.where(beneficiary, _need_rrf(ents, beneficiary), 0.0)
        masks = {"commune": is_com, "epci": ~is_com}
        split = calc_split(target, (float(base[is_com].sum()), float(base[~is_com].sum())))
        shares = dict(zip(LEVELS, split, strict=True))
    else:
        masks = {"ensemble": np.ones(len(ents), dtype=bool)}
        shares = {"ensemble": target}
    capacity = {p: int(caps[m & (weights > 0)].sum()) for p, m in masks.items()}
    if not rules.redistribute:
        for p, m in masks.items():
            idx = np.flatnonzero(m)
            big = np.full(idx.size, np.iinfo("int64").max // 4, dtype="int64")
            raw = calc_capped_apportionment(shares[p], big, weights[idx], order[idx])
            cents[idx] = np.minimum(raw, caps[idx])
            pools[p] = {"target": shares[p], "capacity": capacity[p],
                        "cut": int(cents[idx].sum())}
    else:
        effective = {p: min(shares[p], capacity[p]) for p in masks}
        if rules.spill and len(masks) == 2:
            a, b = LEVELS
            excess = {p: shares[p] - effective[p] for p in masks}
            effective = {a: min(capacity[a], effective[a] + excess[b]),
                         b: min(capacity[b], effective[b] + excess[a])}
        for p, m in masks.items():
            idx = np.flatnonzero(m)
            cents[idx] = calc_capped_apportionment(effective[p], caps[idx], weights[idx],
                                                   order[idx])
            pools[p] = {"target": shares[p], "capacity": capacity[p],
                        "cut": int(cents[idx].sum())}
    return Allocation(cents, exempt_rows, target, target - int(cents.sum()), pools)


def calc_rows(entities: pd.DataFrame | EntityArrays, allocation: Allocation) -> pd.DataFrame:
    """The per-entity table (:data:`ROW_COLUMNS`); shares are fractions (0.25 = 25 %)."""
    ents = prepare(entities)
    before = to_cents(ents.dcrtp)
    cut = allocation.cents
    pop, rrf = ents.population, ents.rrf
    cut_e = cut / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        per_inh = np.where(pop > 0, cut_e / pop, np.nan)
        share_rrf = np.where(rrf > 0, cut_e / rrf, np.nan)
        share_dcrtp = np.where(before > 0, cut / np.where(before > 0, before, 1), np.nan)

    def text(a: np.ndarray) -> pd.Series:
        return pd.Series(a, dtype=object)

    return pd.DataFrame({
        "level": text(ents.level), "code": text(ents.code), "name": text(ents.name),
        "dcrtp_before": before / 100.0, "cut": cut_e, "dcrtp_after": (before - cut) / 100.0,
        "cut_per_inhabitant": per_inh, "cut_share_rrf": share_rrf,
        "cut_share_dcrtp": share_dcrtp, "exempt": allocation.exempt,
        "epci": text(ents.epci), "population": pop, "rrf": rrf, "cut_cents": cut,
    }, columns=ROW_COLUMNS)
