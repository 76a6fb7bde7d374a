"""The statistical audit of a rule (:func:`pacte.targeting.audit.run_audit`) in French, as
sections (a title, an introduction, a table, closing lines) rendered two ways: plain text
for ``pacte rank --audit`` (lines under 80 characters, no terminal codes) and HTML tables
for the national report. Indicators and dimensions are named in French (the catalogue's
labels); short codes I1, I2... and D1, D2... stand for them in the tables."""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

import numpy as np

from pacte.labels import LEVEL_PLURALS, fr_number, upper_first
from pacte.targeting.audit import IMPORTANCE_BAND, MAX_CORRELATION, indicator_name
from pacte.targeting.uncertainty import SOURCE_LABELS

WIDTH = 79


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    text_columns: int = 1  # leading columns aligned left (text), the others right (numbers)
    key_columns: int = 1  # leading columns that title a row when rows are stacked


@dataclass(frozen=True)
class Section:
    title: str
    intro: str = ""
    table: Table | None = None
    lines: tuple[str, ...] = ()


def _n(x, d: int = 2) -> str:
    return fr_number(float(x), d) if x is not None and np.isfinite(x) else "—"


def _codes(a: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Short codes of the indicators (by audit label) and of the dimensions (by id)."""
    ind = {lab: f"I{k + 1}" for k, lab in enumerate(a["labels"])}
    dim = {d: f"D{k + 1}" for k, d in enumerate(a["dimensions"]["dimension"])}
    return ind, dim


def audit_sections(a: dict) -> tuple[str, list[Section]]:
    """What is audited (« règle « … » : N EPCI classés ») and the sections, in reading
    order."""
    ind, dim = _codes(a)
    names = dict(zip(a["labels"], a.get("names", a["labels"]), strict=True))
    dim_label = dict(zip(a["dimensions"]["dimension"], a["dimensions"]["label"], strict=True))
    title = (f"règle « {a['rule']} » : {fr_number(a['n'])} "
             f"{LEVEL_PLURALS.get(a['level'], a['level'])} classés")
    imp = a["importance"]
    out = [Section(
        "Indicateurs et dimensions",
        "Méthode : JRC/OCDE (Handbook 2008, COINr) sur les valeurs réellement agrégées "
        "(imputées, winsorisées, orientées : plus haut = plus prioritaire, normalisées).",
        Table(("code", "indicateur (source et période)", "dimension"),
              tuple((ind[r.indicator], names[r.indicator],
                     f"{dim[r.dimension]} {dim_label[r.dimension]}")
                    for r in imp.itertuples()), text_columns=3, key_columns=2))]
    lo, hi = IMPORTANCE_BAND
    rows = []
    for r in imp.itertuples():
        flag = "" if lo <= r.ratio <= hi else (" trop fort" if r.ratio > hi else " trop faible")
        rows.append((ind[r.indicator], _n(100 * r.nominal, 1), _n(100 * r.effective, 1),
                     _n(r.ratio) + flag, _n(r.shift_removed, 1)))
    out.append(Section(
        "Importance des indicateurs",
        "Poids nominal, importance effective (indice de sensibilité de premier ordre "
        "normalisé, Paruolo, Saisana et Saltelli 2013), leur rapport, et décalage moyen de "
        "rang si on retire l'indicateur.",
        Table(("code", "poids %", "effectif %", "rapport", "décalage de rang"), tuple(rows)),
        (f"Rapport attendu entre {_n(lo, 1)} et {_n(hi, 1)}.",)))
    out.append(Section(
        "Dimensions",
        "Poids, cohérence interne (alpha de Cronbach), corrélation avec le score et décalage "
        "moyen de rang si on retire la dimension.",
        Table(("code", "poids %", "indicateurs", "alpha", "r score", "décalage de rang"),
              tuple((dim[r.dimension], _n(100 * r.weight, 1), str(r.n_indicators), _n(r.alpha),
                     _n(r.corr_score), _n(r.shift_removed, 1))
                    for r in a["dimensions"].itertuples()))))
    C = a["corr_indicators"].to_numpy()
    pairs = a["pairs_above"]
    out.append(Section(
        "Corrélations des indicateurs", "Pearson, valeurs orientées.",
        Table(("", *ind.values()), tuple((ind[lab], *(_n(v) for v in C[i]))
                                         for i, lab in enumerate(a["labels"]))),
        (f"Paires au-delà de |r| = {_n(MAX_CORRELATION, 1)} : " + (
            "aucune" if not pairs else "; ".join(f"{ind[x]}–{ind[y]} ({_n(r)})"
                                                 for x, y, r in pairs)),)))
    D = a["corr_dimensions"]
    out.append(Section("Corrélations des dimensions", "", Table(
        ("", *(dim[d] for d in D.columns)),
        tuple((dim[d], *(_n(v) for v in D.loc[d])) for d in D.index))))
    pca = a["pca"]
    out.append(Section("Composantes principales", "", Table(
        ("composante", "part de la variance %", "valeur propre"),
        tuple((f"CP{k + 1}", _n(100 * s, 1), _n(v)) for k, (v, s) in enumerate(
            zip(pca["eigenvalue"], pca["share"], strict=True)) if k < 4))))
    out.append(_estimates(a, ind))
    out.append(_shrinkage(a, ind))
    unc = _uncertainty(a)
    return title, out + ([unc] if unc else [])


def _label_name(a: dict, label: str) -> str:
    """French name of an audit label ``id (source période)``, its code when in the rule."""
    if label in a["labels"]:
        return _codes(a)[0][label]
    ident, _, rest = label.partition(" (")
    source, _, period = rest.rstrip(")").partition(" ")
    return indicator_name(ident, source, period)


def _estimates(a: dict, ind: dict[str, str]) -> Section:
    lines = []
    for e in a["estimates"]:
        lab = a["labels"][e["spec"]]
        text = (f" ; égale à « {_label_name(a, e['regional_multiple_of'])} » × une "
                "constante par région : "
                "n'apporte pas d'information propre à ce niveau"
                if e["regional_multiple_of"] else "")
        lines.append(f"{ind[lab]} : estimation pour {_n(100 * e['estimate_share'], 0)} % des "
                     f"territoires{text}.")
    return Section("Estimations à ce niveau",
                   "Indicateurs calculés depuis une structure sectorielle plus grossière.",
                   lines=tuple(lines) or ("Aucune.",))


def _shrinkage(a: dict, ind: dict[str, str]) -> Section:
    rows = []
    for s in a["shrinkage"]:
        rows.append((ind[a["labels"][s["spec"]]], _n(s["national"], 1), _n(s["tau"], 1),
                     _n(s["median_b"]),
                     f"{_n(s['sd_before'][0], 1)} / {_n(s['sd_before'][1], 1)}",
                     f"{_n(s['sd_after'][0], 1)} / {_n(s['sd_after'][1], 1)}",
                     _n(s["mean_shift"], 1), str(s["top_changed"])))
    top = a["shrinkage"][0]["top"] if a["shrinkage"] else a.get("programme_size")
    intro = ("Rétrécissement bayésien empirique des taux de crise vers le taux national "
             "(bruit proportionnel à 1 / effectif de départ). Il n'est pas appliqué au "
             "classement : son effet est mesuré. Écarts-types en points, du plus petit au "
             "plus grand quintile de taille, avant et après.")
    if not rows:
        return Section("Taux de crise rétrécis", intro, lines=("Aucun taux concerné.",))
    return Section("Taux de crise rétrécis", intro, Table(
        ("code", "taux national %", "écart-type vrai", "facteur médian", "é.-t. avant",
         "é.-t. après", "décalage de rang", f"changent dans les {top} premiers"),
        tuple(rows)))


def _uncertainty(a: dict) -> Section | None:
    rows = a.get("uncertainty") or []
    if not rows:
        return None
    top = a.get("programme_size")
    return Section(
        "Sources d'incertitude",
        "Variance des rangs quand la source varie seule (les autres à leur choix central), "
        "part de la somme, et territoires « incertains » (probabilité d'être dans les "
        f"{top} premiers entre 0,1 et 0,9).",
        Table(("source", "variance", "part %", "incertains"),
              tuple((SOURCE_LABELS.get(r["source"], "toutes à la fois"), _n(r["variance"], 0),
                     _n(100 * r["share"], 1) if r["source"] != "all" else "—",
                     str(r["uncertain"])) for r in rows)),
        ("La variance « toutes à la fois » diffère de la somme des sources seules par "
         "leurs interactions.",))


# --- text ----------------------------------------------------------------------------------


def wrap_text(text: str, indent: str = "", hanging: str | None = None) -> list[str]:
    """Lines of at most :data:`WIDTH` characters, never breaking inside « … »'s spaces;
    ``hanging``: the indent of the lines after the first (default ``indent``)."""
    glued = text.replace("« ", "«\xa0").replace(" »", "\xa0»")
    return [line.replace("\xa0", " ") for line in textwrap.wrap(
        glued, WIDTH, initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_on_hyphens=False)] or [""]


def _text_table(t: Table) -> list[str]:
    """Aligned columns; when they do not fit in :data:`WIDTH`, one block per row (each
    value on its own line after its header)."""
    cells = [t.header, *t.rows]
    widths = [max(len(r[c]) for r in cells) for c in range(len(t.header))]
    if sum(widths) + 2 * (len(widths) - 1) <= WIDTH:
        fmt = lambda r: "  ".join(  # noqa: E731
            v.ljust(w) if c < t.text_columns else v.rjust(w)
            for c, (v, w) in enumerate(zip(r, widths, strict=True))).rstrip()
        return [fmt(t.header), fmt(tuple("-" * w for w in widths)), *map(fmt, t.rows)]
    out = []
    k = t.key_columns
    for r in t.rows:
        out += wrap_text(" ".join(r[:k]))
        for h, v in zip(t.header[k:], r[k:], strict=True):
            out += wrap_text(f"{h} : {v}", "    ")
    return out


def render_audit(a: dict) -> str:
    """French text of an audit dict (``pacte rank --audit``, the API's ``text``)."""
    title, sections = audit_sections(a)
    out = wrap_text(f"Audit statistique de la {title}")
    for s in sections:
        out += ["", s.title, "-" * len(s.title)]
        if s.intro:
            out += wrap_text(s.intro)
        if s.table is not None:
            out += _text_table(s.table)
        for line in s.lines:
            out += wrap_text(line)
    return "\n".join(out) + "\n"


# --- HTML ----------------------------------------------------------------------------------


def render_audit_html(a: dict) -> str:
    """The audit as French HTML (sections with tables) for the national report."""
    title, sections = audit_sections(a)
    e = html.escape
    parts = [f"<p>{e(upper_first(title))}.</p>"]
    for s in sections:
        parts.append(f"<h3>{e(s.title)}</h3>")
        if s.intro:
            parts.append(f"<p>{e(s.intro)}</p>")
        if s.table is not None:
            t = s.table
            head = "".join(f"<th>{e(h)}</th>" for h in t.header)
            body = "".join(
                "<tr>" + "".join(
                    f'<td class="num">{e(v)}</td>' if c >= t.text_columns else f"<td>{e(v)}</td>"
                    for c, v in enumerate(r)) + "</tr>" for r in t.rows)
            parts.append(f'<table class="audit"><thead><tr>{head}</tr></thead>'
                         f"<tbody>{body}</tbody></table>")
        parts += [f"<p>{e(line)}</p>" for line in s.lines]
    return "\n".join(parts)
