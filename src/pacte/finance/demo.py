"""A deterministic fictional national-size input for the DCRTP simulator (« données fictives »).

About 35,000 communes in 1,255 EPCI (1,095 FPU, 160 FA), in the column format of the DGCL
« critères de répartition » file (official labels, 2022+ spelling of the RRF label), with
EPCI RRF, an industrial weight and a vulnerability score per EPCI. Everything is drawn
from ``numpy.random.default_rng(seed)``: the same seed gives the same frames. Codes look
like INSEE / SIREN codes but every name says « fictive », and every input and output built
from it is stamped « données fictives ».

Orders of magnitude only: the DCRTP total is the bloc communal's 2025 total
(928,540,780 €), split 740 M€ EPCI / 188.54 M€ communes (a split derived from the rounded
percentages of the 2026 Senate text), concentrated on industrial EPCI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pacte.finance.scenario import SimulationInputs
from pacte.finance.simulator import calc_capped_apportionment

N_COMMUNES = 35_000
N_EPCI = 1_255
N_FA = 160
POPULATION = 66_000_000
DCRTP_EPCI_CENTS = 740_000_000_00
DCRTP_COMMUNES_CENTS = 188_540_780_00
YEAR = 2026

_GEN = "Informations générales - "
_PFF = "Potentiel fiscal et financier des communes - "
LABELS = {
    "commune": _GEN + "Code INSEE de la commune",
    "name": _GEN + "Nom de la commune",
    "dep": _GEN + "Code département de la commune",
    "epci_siren": _GEN + "Code SIREN de l'EPCI",
    "epci_name": _GEN + "Nom de l'EPCI",
    "exercice": _GEN + "Exercice",
    "regime": _GEN + "Régime fiscal EPCI",
    "population_dgf": _GEN + "Population DGF Année N",
    "population_insee": _GEN + "Population INSEE Année N ",
    "dcrtp": _PFF + "Montant de DCRTP de la commune",
    "fngir_reversement": _PFF + "Reversement au titre du FNGIR de la commune",
    "fngir_prelevement": _PFF + "Prélèvement au titre du FNGIR de la commune",
    "dcrtp_epci": _PFF + "Montant de DCRTP de l'EPCI",
    "rrf": "Dotation forfaitaire - Recettes réelles de fonctionnement des communes N-2 pour N",
    "dsu": "Dotation de solidarité urbaine - Montant attribution spontanée DSU",
}


@dataclass
class Demo:
    criteres: pd.DataFrame  # official labels, one row per commune
    epci_rrf: pd.Series  # SIREN -> euros
    industrial: pd.Series  # SIREN -> share of industrial jobs (0-1)
    vulnerability: pd.Series  # SIREN -> score (higher = more vulnerable)


def _share_cents(total: int, weights: np.ndarray) -> np.ndarray:
    big = np.full(len(weights), total, dtype="int64")
    return calc_capped_apportionment(total, big, weights, np.arange(len(weights)))


def demo_national(seed: int = 0, n_communes: int = N_COMMUNES, n_epci: int = N_EPCI) -> Demo:
    """The fictional national input (see the module docstring)."""
    rng = np.random.default_rng(seed)
    # EPCI sizes: at least 2 communes each, heavy-tailed
    extra = rng.lognormal(0.0, 1.0, n_epci)
    sizes = 2 + _share_cents(n_communes - 2 * n_epci, extra)
    epci_of = np.repeat(np.arange(n_epci), sizes)
    siren = np.array([f"9{i:08d}" for i in range(1, n_epci + 1)])
    fa = np.zeros(n_epci, dtype=bool)
    fa[rng.choice(n_epci, N_FA * n_epci // N_EPCI, replace=False)] = True
    kind = np.where(fa, "CC", rng.choice(["CC", "CA", "CU", "ME"], n_epci,
                                         p=[0.77, 0.19, 0.02, 0.02]))
    epci_names = np.array([f"{k} fictive {i:04d}" for i, k in enumerate(kind, 1)])

    pop = _share_cents(POPULATION, rng.lognormal(6.2, 1.3, n_communes)).astype(float)
    pop = np.maximum(pop, 20.0)
    industrial = np.clip(rng.beta(2.0, 8.0, n_epci) + 0.02, 0.0, 0.9)
    vulnerability = 0.6 * (industrial - industrial.mean()) / industrial.std() \
        + rng.normal(0.0, 0.8, n_epci)

    rrf_c = pop * 1_050.0 * rng.lognormal(0.0, 0.35, n_communes)
    pop_e = np.bincount(epci_of, weights=pop, minlength=n_epci)
    rrf_e = pop_e * 480.0 * rng.lognormal(0.0, 0.3, n_epci)

    # EPCI DCRTP: ~60 % of EPCI, concentrated on the industrial ones
    ben_e = rng.random(n_epci) < 0.35 + industrial
    w_e = np.where(ben_e, pop_e * np.exp(9.0 * industrial) * rng.lognormal(0, 1.2, n_epci), 0)
    d_e = _share_cents(DCRTP_EPCI_CENTS, w_e) / 100.0
    # commune DCRTP: FA communes often, FPU communes sometimes (joined after 2011)
    ind_c = industrial[epci_of]
    p_ben = np.where(fa[epci_of], 0.35, 0.04) * (0.5 + 4.0 * ind_c)
    ben_c = rng.random(n_communes) < p_ben
    w_c = np.where(ben_c, pop * np.exp(6.0 * ind_c) * rng.lognormal(0, 1.3, n_communes), 0)
    d_c = _share_cents(DCRTP_COMMUNES_CENTS, w_c) / 100.0
    dsu = (pop > 5_000) & (rng.random(n_communes) < 0.45)
    dsu_amount = np.where(dsu, np.round(pop * rng.uniform(20, 120, n_communes), 2), 0.0)

    deps = np.array([d for d in range(1, 96) if d != 20])
    dep = deps[np.arange(n_communes) * len(deps) // n_communes]
    rank = np.arange(n_communes) - np.searchsorted(dep, dep)
    codes = np.char.add(np.char.zfill(dep.astype(str), 2), np.char.zfill(rank.astype(str), 3))
    frame = pd.DataFrame({
        LABELS["commune"]: codes,
        LABELS["name"]: [f"Commune fictive {i:05d}" for i in range(1, n_communes + 1)],
        LABELS["dep"]: np.char.zfill(dep.astype(str), 2),
        LABELS["epci_siren"]: siren[epci_of], LABELS["epci_name"]: epci_names[epci_of],
        LABELS["exercice"]: str(YEAR), LABELS["regime"]: np.where(fa[epci_of], "FA", "FPU"),
        LABELS["population_dgf"]: np.round(pop * 1.02), LABELS["population_insee"]: pop,
        LABELS["dcrtp"]: d_c, LABELS["fngir_reversement"]: 0.0,
        LABELS["fngir_prelevement"]: 0.0, LABELS["dcrtp_epci"]: d_e[epci_of],
        LABELS["rrf"]: np.round(rrf_c, 2), LABELS["dsu"]: dsu_amount,
    })
    return Demo(frame, pd.Series(np.round(rrf_e, 2), index=siren),
                pd.Series(industrial, index=siren), pd.Series(vulnerability, index=siren))


def demo_inputs(seed: int = 0, demo: Demo | None = None) -> SimulationInputs:
    """Simulator inputs built from :func:`demo_national` through the official-label path,
    stamped fictional."""
    from pacte.finance.inputs import from_criteres

    demo = demo or demo_national(seed)
    inputs = from_criteres(demo.criteres, source=f"démonstration fictive (graine {seed})",
                           epci_rrf=demo.epci_rrf, fictional=True)
    inputs.meta["perimetre"] = "national fictif"
    inputs.meta["notes"].insert(0, "données fictives : démonstration, aucun montant réel")
    return inputs
