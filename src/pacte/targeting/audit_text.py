"""The statistical audit of a rule (:func:`pacte.targeting.audit.run_audit`) as French text,
printed by ``pacte rank --audit`` (and usable by the report): plain lines, no terminal codes."""

from __future__ import annotations

import numpy as np

from pacte.labels import LEVEL_PLURALS, fr_number
from pacte.targeting.audit import IMPORTANCE_BAND, MAX_CORRELATION
from pacte.targeting.uncertainty import SOURCE_LABELS


def _n(x, d: int = 2) -> str:
    return fr_number(float(x), d) if x is not None and np.isfinite(x) else "—"


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
    fmt = lambda r: "  ".join(str(v).ljust(w) if c == 0 else str(v).rjust(w)  # noqa: E731
                              for c, (v, w) in enumerate(zip(r, widths, strict=True)))
    return [fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)]


def render_audit(a: dict) -> str:
    """French text of an audit dict."""
    labels = a["labels"]
    short = {lab: f"I{k + 1}" for k, lab in enumerate(labels)}
    out = [f"Audit statistique de la règle « {a['rule']} » — {fr_number(a['n'])} "
           f"{LEVEL_PLURALS.get(a['level'], a['level'])} classés",
           "Méthode : JRC/OCDE (Handbook 2008, COINr) sur les valeurs réellement agrégées "
           "(imputées, winsorisées, orientées : plus haut = plus prioritaire, normalisées).", ""]
    imp = a["importance"]
    out.append("Indicateurs : poids nominal, importance effective (indice de sensibilité de "
               "premier ordre normalisé, Paruolo, Saisana et Saltelli 2013), rapport, décalage "
               "moyen de rang si on le retire")
    rows = []
    lo, hi = IMPORTANCE_BAND
    for r in imp.itertuples():
        flag = "" if lo <= r.ratio <= hi else (" trop fort" if r.ratio > hi else " trop faible")
        rows.append([f"{short[r.indicator]} {r.indicator}", r.dimension, _n(100 * r.nominal, 1),
                     _n(100 * r.effective, 1), _n(r.ratio) + flag, _n(r.shift_removed, 1)])
    out += _table(rows, ["indicateur", "dimension", "poids %", "effectif %", "rapport",
                         "décalage"])
    out.append(f"(rapport attendu entre {_n(lo, 1)} et {_n(hi, 1)})")
    out += ["", "Dimensions : poids, alpha de Cronbach, corrélation avec le score, décalage "
            "moyen de rang si on la retire"]
    rows = [[f"{r.dimension} ({r.label})", _n(100 * r.weight, 1), str(r.n_indicators),
             _n(r.alpha), _n(r.corr_score), _n(r.shift_removed, 1)]
            for r in a["dimensions"].itertuples()]
    out += _table(rows, ["dimension", "poids %", "indicateurs", "alpha", "r score",
                         "décalage"])
    out += ["", "Corrélations des indicateurs (Pearson, valeurs orientées)"]
    C = a["corr_indicators"].to_numpy()
    out += _table([[short[lab], *(_n(v) for v in C[i])] for i, lab in enumerate(labels)],
                  ["", *(short[lab] for lab in labels)])
    pairs = a["pairs_above"]
    out.append(f"Paires au-delà de |r| = {_n(MAX_CORRELATION, 1)} : " + (
        "aucune" if not pairs else "; ".join(f"{short[x]}–{short[y]} ({_n(r)})"
                                             for x, y, r in pairs)))
    D = a["corr_dimensions"]
    out += ["", "Corrélations des dimensions"]
    out += _table([[d, *(_n(v) for v in D.loc[d])] for d in D.index], ["", *D.columns])
    pca = a["pca"]
    out += ["", "Composantes principales : " + "; ".join(
        f"CP{k + 1} {_n(100 * s, 1)} % (valeur propre {_n(v)})"
        for k, (v, s) in enumerate(zip(pca["eigenvalue"], pca["share"], strict=True))
        if k < 4)]
    out += ["", "Estimations à ce niveau (calculées depuis une structure sectorielle plus "
            "grossière) :"]
    if not a["estimates"]:
        out.append("  aucune")
    for e in a["estimates"]:
        lab = labels[e["spec"]]
        text = (f" ; = {e['regional_multiple_of']} × une constante par région : "
                "n'apporte pas d'information propre à ce niveau"
                if e["regional_multiple_of"] else "")
        out.append(f"  {short[lab]} {lab} : estimation pour {_n(100 * e['estimate_share'], 0)} "
                   f"% des territoires{text}")
    out += ["", "Rétrécissement bayésien empirique des taux de crise vers le taux national "
            "(bruit ∝ 1 / effectif de départ ; non appliqué au classement, effet mesuré) :"]
    if not a["shrinkage"]:
        out.append("  aucun taux concerné")
    for s in a["shrinkage"]:
        lab = labels[s["spec"]]
        out.append(
            f"  {short[lab]} {lab} : taux national {_n(s['national'], 1)} %, écart-type vrai "
            f"{_n(s['tau'], 1)} pt, facteur médian {_n(s['median_b'])} ; écart-type du plus "
            f"petit au plus grand quintile {_n(s['sd_before'][0], 1)} / "
            f"{_n(s['sd_before'][1], 1)} pt → {_n(s['sd_after'][0], 1)} / "
            f"{_n(s['sd_after'][1], 1)} pt ; décalage moyen de rang {_n(s['mean_shift'], 1)}, "
            f"{s['top_changed']} territoire(s) changent dans les {s['top']} premiers")
    out += _render_uncertainty(a)
    return "\n".join(out) + "\n"


def _render_uncertainty(a: dict) -> list[str]:
    rows = a.get("uncertainty") or []
    if not rows:
        return []
    top = a.get("programme_size")
    out = ["", "Sources d'incertitude : variance des rangs quand la source varie seule (les "
           "autres à leur choix central), part de la somme, et territoires « incertains » "
           f"(probabilité d'être dans les {top} premiers entre 0,1 et 0,9)"]
    table = [[SOURCE_LABELS.get(r["source"], "toutes à la fois"), _n(r["variance"], 0),
              _n(100 * r["share"], 1) if r["source"] != "all" else "—", str(r["uncertain"])]
             for r in rows]
    out += _table(table, ["source", "variance", "part %", "incertains"])
    out.append("(la variance « toutes à la fois » diffère de la somme des sources seules "
               "par leurs interactions)")
    return out
