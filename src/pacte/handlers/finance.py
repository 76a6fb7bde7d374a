"""DCRTP cut answers (:mod:`pacte.finance`): who loses what under a finance law's cut, under
the legal key or an alternative, with the burden borne by the most industrial and most
vulnerable territories.

Inputs: a DGCL « critères de répartition » file (or the AMP fixture folder), or, without
one, the offline demo (a fictional national file: every output is stamped « données
fictives »). With a store, the industrial weight of an EPCI is its stored
``industry_share`` (census 2016) and its vulnerability the default ranking's score; the
demo, whose EPCI are fictional, uses its own fictional weights and scores.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pacte.engine import read_indicators
from pacte.errors import InvalidParameterError, ParseError
from pacte.finance import FICTIONAL, KEYS, compare_keys, simulate
from pacte.finance.demo import demo_inputs, demo_national
from pacte.finance.inputs import AMP_SIREN, load_amp, load_criteres, read_epci_rrf
from pacte.finance.law import STAGE_LABELS, STAGES
from pacte.handlers.envelope import Answer, envelope
from pacte.handlers.ranking import ranking
from pacte.labels import ATTRIBUTION, fr_number
from pacte.sources._csv import guess_separator

#: Columns of the published per-entity table (the first ten of the simulator's rows).
TABLE_COLUMNS = ["level", "code", "name", "dcrtp_before", "cut", "dcrtp_after",
                 "cut_per_inhabitant", "cut_share_rrf", "cut_share_dcrtp", "exempt"]
#: French headers of the rows and of the summary (shares are fractions: 0,25 = 25 %).
ROW_LABELS = {"level": "Niveau", "code": "Code", "name": "Nom",
              "dcrtp_before": "DCRTP avant (€)", "cut": "Minoration (€)",
              "dcrtp_after": "DCRTP après (€)", "cut_per_inhabitant": "Minoration par habitant (€)",
              "cut_share_rrf": "Minoration / RRF", "cut_share_dcrtp": "Minoration / DCRTP",
              "exempt": "Exonéré", "epci": "EPCI", "population": "Population",
              "rrf": "RRF (€)", "estampille": "Estampille"}
SUMMARY_LABELS = {"grouping": "Regroupement", "group": "Groupe",
                  "n_territories": "Territoires", "population": "Population",
                  "population_share": "Part de la population", "dcrtp_before": "DCRTP avant (€)",
                  "cut": "Minoration (€)", "cut_share": "Part de la minoration",
                  "double_peine": "Indice « double peine »",
                  "cut_per_inhabitant": "Minoration par habitant (€)",
                  "cut_share_dcrtp": "Minoration / DCRTP"}
INDUSTRIAL_TEXT = ("part de l'industrie dans l'emploi de l'EPCI (indicateur industry_share, "
                   "recensement 2016, emplois au lieu de travail)")
VULNERABILITY_TEXT = "score de l'indice composite de pacte (classement par défaut des EPCI)"
DEMO_TEXT = "poids de l'industrie et score fictifs de la démonstration (EPCI fictifs)"
RANK_RE = re.compile(r"rank:(\d+)", re.IGNORECASE)
CODE_COLUMNS = ("code", "siren", "codgeo", "code_insee", "code insee", "insee", "code_epci",
                "siren_epci", "code_commune")


#: Largest cut accepted (euros): thirty times the whole DCRTP of the bloc communal.
MAX_CUT = 1e11


def check_cut(cut: float | None) -> None:
    """A cut is a finite amount of euros, 0 to :data:`MAX_CUT` (``inf``, ``nan`` or
    ``1e300`` gave « minoration négative : -92233720368547760.00 € »)."""
    import math

    if cut is not None and not (math.isfinite(cut) and 0 <= cut <= MAX_CUT):
        raise InvalidParameterError(f"--cut : une minoration en euros, finie, entre 0 et "
                                    f"{fr_number(MAX_CUT)} €, est attendue (valeur : {cut!r})")


def check_options(key: str, stage: str | None, exempt: str | Path | None,
                  compare: bool) -> None:
    """French errors on bad options, before any file is read."""
    if key not in KEYS:
        raise InvalidParameterError(f"clé inconnue : « {key} » ; clés possibles : "
                                    + ", ".join(KEYS))
    if stage is not None and stage not in STAGES:
        raise InvalidParameterError(f"stade inconnu : « {stage} » ; stades possibles : "
                                    + ", ".join(STAGES))
    if key == "legal-exempt" and exempt is None:
        raise InvalidParameterError("la clé « legal-exempt » demande --exempt FICHIER (codes "
                                    "commune ou EPCI) ou --exempt rank:N")
    if exempt is not None and key != "legal-exempt" and not compare:
        raise InvalidParameterError(f"--exempt ne s'applique qu'à la clé « legal-exempt » "
                                    f"(clé demandée : « {key} ») ou avec --compare")


def _store_weights(con) -> tuple[pd.Series, pd.Series]:
    ind = read_indicators(con, "epci", ["industry_share"])
    ind = ind[(ind["source"] == "rp") & (ind["period"] == "2016")]
    industrial = pd.Series(ind["value"].to_numpy(float), index=ind["code"].astype(str))
    rank = ranking(con, "epci").data
    vulnerability = pd.Series(rank["score"].to_numpy(float), index=rank["code"].astype(str))
    return industrial.dropna(), vulnerability.dropna()


@functools.lru_cache(maxsize=1)
def _demo():
    """The demo's inputs and frames, drawn once per process (deterministic, seed 0: a
    request on the demo no longer draws its 35,000 fictional communes again)."""
    demo = demo_national(0)
    return demo_inputs(0, demo), demo


def load_inputs(criteria: str | Path | None, epci_rrf: str | Path | None,
                year: int | None):
    """(inputs, demo or None): the demo without ``criteria``; the AMP fixture for a folder;
    otherwise a DGCL criteria file, with the EPCI RRF of ``epci_rrf`` (CSV)."""
    if criteria is None:
        if epci_rrf is not None:
            raise InvalidParameterError("--epci-rrf demande --criteria FICHIER (la "
                                        "démonstration porte ses propres RRF fictives)")
        return copy.deepcopy(_demo())  # a copy: callers may change what they are given
    path = Path(criteria)
    if not path.exists():
        raise ParseError(path, "fichier des critères de répartition introuvable")
    rrf = None
    if epci_rrf is not None:
        if not Path(epci_rrf).exists():
            raise ParseError(epci_rrf, "fichier des RRF des EPCI introuvable")
        rrf = read_epci_rrf(epci_rrf)
    if path.is_dir():
        amp_rrf = None
        if rrf is not None:
            if AMP_SIREN not in rrf.index:
                raise ParseError(epci_rrf, f"SIREN {AMP_SIREN} (métropole d'Aix-Marseille-"
                                 "Provence) absent du fichier des RRF")
            amp_rrf = float(rrf[AMP_SIREN])
        return load_amp(path, year=2020, epci_rrf=amp_rrf), None
    return load_criteres(path, epci_rrf=rrf), None


def read_codes(path: str | Path) -> list[str]:
    """Codes from a file: one per line, or a CSV with a code column (``code``, ``siren``,
    ``codgeo``...). 4-digit commune codes get their leading zero back."""
    path = Path(path)
    if not path.is_file():
        raise ParseError(path, "fichier des exonérations introuvable")
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ParseError(path, "fichier des exonérations vide")
    sep = guess_separator(lines[0], ";,\t") if any(c in lines[0] for c in ";,\t") else None
    if sep is None:
        head = lines[0].lower()
        codes = lines[1:] if head in CODE_COLUMNS else lines
    else:
        header = [h.strip().strip('"').lower() for h in lines[0].split(sep)]
        col = next((i for i, h in enumerate(header) if h in CODE_COLUMNS), None)
        if col is None:
            raise ParseError(path, "colonne des codes introuvable (attendue : "
                             + ", ".join(CODE_COLUMNS[:3]) + "...)", line=1)
        codes = [ln.split(sep)[col].strip().strip('"') if len(ln.split(sep)) > col else ""
                 for ln in lines[1:]]
    bad = [(i, c) for i, c in enumerate(codes) if not re.fullmatch(r"[0-9AB]{4,9}", c)]
    if bad:
        i, c = bad[0]
        raise ParseError(path, "code commune ou SIREN invalide",
                         line=i + 1 + (len(lines) - len(codes)), value=c)
    return [c.zfill(5) if len(c) == 4 else c for c in codes]


def resolve_exempt(exempt: str | Path | None, inputs, con, demo) -> tuple[list[str] | None,
                                                                           str | None]:
    """(codes, French description) of ``--exempt``: a file, or ``rank:N`` = the N first
    EPCI of the default ranking (of the demo's fictional score in demo mode). Codes absent
    from the inputs are an error naming the file."""
    if exempt is None:
        return None, None
    m = RANK_RE.fullmatch(str(exempt).strip())
    if m:
        n = int(m.group(1))
        if n < 1:
            raise InvalidParameterError(f"--exempt rank:N demande N ≥ 1 (valeur : {n})")
        if demo is not None:
            codes = list(demo.vulnerability.sort_values(ascending=False, kind="stable")
                         .index[:n])
            return codes, (f"les {n} EPCI fictifs au score de vulnérabilité fictif le plus "
                           "élevé (démonstration)")
        if con is None:
            raise InvalidParameterError("--exempt rank:N demande un store (--db) : les "
                                        "territoires retenus sont ceux du classement")
        known = set(inputs.entities.loc[inputs.entities["level"] == "epci", "code"])
        top = ranking(con, "epci").data
        codes = [c for c in top["code"].astype(str) if c in known][:n]
        which = "l'EPCI des entrées le mieux classé" if len(codes) == 1 else \
            f"les {len(codes)} EPCI des entrées les mieux classés"
        return codes, f"{which} par l'indice de pacte (classement par défaut, pacte rank)"
    codes = read_codes(exempt)
    known = set(inputs.entities["code"].astype(str))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidParameterError(
            f"{exempt} : {len(unknown)} code(s) absent(s) des critères de répartition : "
            + ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else ""))
    return codes, f"{len(codes)} code(s) lus dans {exempt}"


def _json_safe(x):
    if isinstance(x, dict):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and np.isnan(x):
        return None
    return x


def _stamped(df: pd.DataFrame, stamp: str | None) -> pd.DataFrame:
    """A copy of ``df`` with the ``estampille`` column on fictional data (the stamp is also
    in the answer's meta)."""
    out = df.copy()
    if stamp:
        out["estampille"] = stamp
    return out


def simulate_dcrtp(con: duckdb.DuckDBPyConnection | None, criteria: str | Path | None = None,
                   year: int | None = None, cut: float | None = None, key: str = "legal",
                   exempt: str | Path | None = None, stage: str | None = None,
                   epci_rrf: str | Path | None = None, *, compare: bool = False) -> Answer:
    """The DCRTP cut of ``year`` under ``key`` (or every key with ``compare``).

    ``data``: ``rows`` (one row per commune and EPCI: :data:`TABLE_COLUMNS` plus ``epci``,
    ``population``, ``rrf``; ``estampille`` on fictional data), ``summary`` (total, then
    quintiles of industrial weight and of vulnerability: population share, cut share,
    « double peine » index; with ``compare`` one ``cut_share_<key>`` and
    ``double_peine_<key>`` column per key), ``totals`` (dict; with ``compare`` a DataFrame,
    one row per key) and, with ``compare``, ``rows_by_key`` (``cut_<key>`` per key).
    ``meta``: the store's envelope (when ``con``), the law parameters used with their legal
    references and ``verified`` flags, French warnings, the stamp."""
    check_options(key, stage, exempt, compare)
    check_cut(cut)
    inputs, demo = load_inputs(criteria, epci_rrf, year)
    if demo is not None:
        industrial, vulnerability, weights = demo.industrial, demo.vulnerability, DEMO_TEXT
    elif con is not None:
        industrial, vulnerability = _store_weights(con)
        weights = {"industrial": INDUSTRIAL_TEXT, "vulnerability": VULNERABILITY_TEXT}
    else:
        industrial = vulnerability = None
        weights = "aucun store : pas de quintiles d'industrie ni de vulnérabilité"
    codes, exempt_text = resolve_exempt(exempt, inputs, con, demo)
    if compare:
        comp = compare_keys(inputs, year=year, cut=cut, exempt=codes, industrial=industrial,
                            vulnerability=vulnerability, stage=stage)
        sim = comp.simulations.get(key) or next(iter(comp.simulations.values()))
        sim_meta = comp.meta
        data = {"rows": sim.rows, "rows_by_key": comp.rows, "summary": comp.summary,
                "totals": comp.totals}
    else:
        sim = simulate(inputs, year=year, cut=cut, key=key, exempt=codes,
                       industrial=industrial, vulnerability=vulnerability, stage=stage)
        sim_meta = sim.meta
        data = {"rows": sim.rows, "summary": sim.summary, "totals": sim.totals}
    stamp = sim.stamp
    data["rows"] = _stamped(data["rows"].drop(columns="cut_cents"), stamp)
    for name in ("summary", "rows_by_key"):
        if name in data:
            data[name] = _stamped(data[name], stamp)
    if con is not None:
        meta = envelope(con, ["rp"] if demo is None else [])
        if demo is not None:
            meta["sources"] = []
    else:
        meta = {"build_hash": None, "built_at": None, "sources": [],
                "attribution": ATTRIBUTION}
    meta.update(_json_safe(sim_meta))
    meta.update({"estampille": stamp, "donnees_fictives": stamp is not None,
                 "donnees": FICTIONAL if stamp else "données réelles",
                 "criteres": str(criteria) if criteria is not None else None,
                 "rrf_epci": str(epci_rrf) if epci_rrf is not None else None,
                 "exonerations_source": exempt_text, "exonerations_demandees": codes,
                 "poids": weights,
                 "avertissements": list(sim_meta.get("avertissements", []))})
    param = str(meta.get("minoration", {}).get("parametre", ""))
    cut_stage = param.rsplit(".", 1)[-1] if param.startswith("minoration_") else None
    meta["stade_minoration"] = cut_stage
    meta["stade_minoration_libelle"] = (STAGE_LABELS.get(cut_stage, cut_stage) if cut_stage
                                        else "montant saisi (--cut)")
    if stamp:
        meta["attribution"] = f"{FICTIONAL.capitalize()} : démonstration, aucun montant réel"
    return Answer(data, meta)
