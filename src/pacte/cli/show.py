"""``pacte show``'s output: one territory (:class:`pacte.handlers.territory_rows.TerritoryRows`)
as a terminal sheet, CSV (its job series) or JSON, from typed rows: the stored answer needs
neither pandas nor numpy, and a computed answer (a name, a commune, another comparison
group) is first turned into the same rows, so both give the same bytes."""

from __future__ import annotations

import math
import re
import sys
from typing import TYPE_CHECKING

from pacte.cli.common import Format, LazyConsole
from pacte.labels import LEVEL_LABELS, LEVEL_PLURALS, upper_first, with_unit
from pacte.store.rows import Rows, json_text

if TYPE_CHECKING:
    from pacte.handlers.envelope import Answer
    from pacte.handlers.territory_rows import TerritoryRows

out = LazyConsole()


def from_answer(ans: Answer) -> TerritoryRows:
    """The computed answer (:func:`pacte.handlers.territory.territory`) as rows."""
    from pacte.catalogue import source_name
    from pacte.cli.tables import frame_rows
    from pacte.handlers.territory_rows import TerritoryRows

    d = ans.data
    ind, anch = d["indicators"], d.get("anchoring")
    names = {} if ind is None else {s: source_name(s) for s in set(ind["source"])}
    return TerritoryRows(
        identity=d["territory"], parents=frame_rows(d["parents"]),
        coverage=frame_rows(d["coverage"]),
        indicators=None if ind is None else frame_rows(ind),
        anchoring=None if anch is None else frame_rows(anch), jobs=frame_rows(d["jobs"]),
        headline=d.get("headline") or [], ranking=d.get("ranking"),
        comparison=d.get("comparison"), sources=[], source_names=names)


def print_territory(t: TerritoryRows, fmt: Format, meta: dict) -> None:
    """The sheet (table), the job series (CSV) or the whole answer with ``meta`` (JSON)."""
    if fmt is Format.json:
        anch = t.anchoring
        doc = {"territory": t.identity, "parents": t.parents, "coverage": t.coverage,
               "indicators": [] if t.indicators is None else t.indicators,
               "anchoring": [] if anch is None or not len(anch) else anch,
               "headline": t.headline, "ranking": t.ranking, "comparison": t.comparison,
               "jobs": t.jobs, "meta": meta}  # rows: written as their records
        sys.stdout.write(json_text(doc))
        return
    if fmt is Format.csv:
        from pacte.cli.tables import render

        ident = t.identity
        jobs = t.jobs
        render(Rows((*jobs.columns, "level", "code", "name"),
                    [(*r, ident["level"], ident["code"], ident["name"]) for r in jobs.rows],
                    (*jobs.numeric, False, False, False)), fmt)
        return
    show_sheet(t)


#: The console markup of the sheet's lines (removed where they are written as plain text).
_TAGS = re.compile(r"\[/?(?:bold|yellow)\]")


def _plain(text: str, markup: bool) -> bool:
    """``text`` written as plain text where ``out.print`` would write the same bytes
    (:mod:`pacte.cli.plain`); False when rich must print it."""
    from pacte.cli.plain import plain_print

    return (isinstance(out, LazyConsole) and out.writes_stdout()
            and plain_print(_TAGS.sub("", text) if markup else text, markup=markup))


def _say(text: str, markup: bool = True) -> None:
    """``out.print(text, markup=markup)``, as plain text when that is the same."""
    if not _plain(text, markup):
        out.print(text, markup=markup)


def rank_line(r: dict | None, level: str) -> str | None:
    """« Rang : 218ᵉ sur 1 255 EPCI (intervalle 150ᵉ à 290ᵉ) ; non éligible : métropole
    exclue » — the same words as the profile and the dashboard."""
    from pacte.labels import fr_number, fr_ordinal, fr_rank

    if not r:
        return None
    if r.get("unranked"):
        return f"Non classé : {r['unranked']}"
    text = (f"Rang : {fr_rank(r['rank'], r['n'])} {LEVEL_PLURALS.get(level, level)} "
            f"(intervalle {fr_ordinal(r['rank_low'])} à {fr_ordinal(r['rank_high'])})")
    if r.get("tier"):
        text += (f" ; probabilité d'être dans les {r['programme_size']} premiers : "
                 f"{fr_number(r['p_top'], 2)} (palier : {r['tier']})")
    if r.get("eligible") is False:
        reason = r.get("eligibility_note") or "règle d'éligibilité"
        text += f" ; non éligible : {reason}"
    elif r.get("eligible"):
        text += f" ; éligible, {fr_rank(r['eligible_rank'], r['n_eligible'])} éligibles"
    return text


def _identity(ident: dict) -> None:
    from pacte.labels import fr_number

    _say(f"\n[bold]{ident['name']}[/bold] ({LEVEL_LABELS[ident['level']]} {ident['code']})")
    facts = [("Nature", ident.get("nature")), ("Régime fiscal", ident.get("fiscal_regime")),
             ("Population (2023)", fr_number(ident["population"])),
             ("Population DGCL", fr_number(ident["population_dgcl"])
              if ident.get("population_dgcl") else None),
             ("Communes", ident.get("n_communes")),
             ("Classe de densité (dominante)", ident.get("density_class")),
             ("Part de la population en espace urbain",
              fr_number(100 * ident["urban_share"], 1) + " %"
              if ident.get("urban_share") is not None else None),
             ("Type d'espace", ident.get("area_type"))]
    for k, v in facts:
        if v is not None:
            _say(f"  {k} : {v}")


def show_sheet(t: TerritoryRows) -> None:
    """The terminal sheet: identity, parents, rank, comparison group, coverage, key figures,
    indicators beside France, anchoring, then each job series (key periods)."""
    from pacte.cli.tables import render_grouped

    ident, jobs = t.identity, t.jobs
    _identity(ident)
    for row in t.parents.dicts():
        _say(f"  {upper_first(LEVEL_LABELS[row['level']])} : {row['name']} "
                  f"({row['code']})")
    if (line := rank_line(t.ranking, ident["level"])) is not None:
        _say(f"  {line}", markup=False)
    if group := t.comparison:
        shown = group.get("names") or group["codes"]
        _say(f"  Groupe de comparaison : {group['label']} : {', '.join(shown[:10])}"
                  f"{' et ' + str(len(shown) - 10) + ' autres' if len(shown) > 10 else ''}",
                  markup=False)
    for row in t.coverage.dicts():
        state = "complète" if row["complete"] else "PARTIELLE"
        _say(f"  [yellow]Couverture {row['source'].upper()} : {state} "
                  f"({row['n_covered']}/{row['n_communes']} communes)[/yellow]")
    if ident["level"] in ("ze2010", "ze2020") and "estel" not in set(jobs.column("source")):
        _say("  [yellow]Pas de données ESTEL pour ce territoire (Mayotte n'est pas couverte "
                  "par les estimations d'emploi localisées de l'Insee).[/yellow]")
    if t.headline:  # the key figures, as the profile and the dashboard show them
        # the resolution beside the label: a whole line that wraps between words
        head = Rows(("label", "Source", "Période", "Valeur", "France"),
                    [(with_unit(h["label"], h["unit"]) + (
                        f" — {h['resolution_short']}" if h.get("resolution_short") else ""),
                      h["source_name"], h["period"], h["value"], h["national"])
                     for h in t.headline])
        render_grouped(head, "label", title="Chiffres clés (mêmes chiffres dans le profil, "
                       "le tableau de bord et l'API)", console=out)
        for note in dict.fromkeys(h["resolution_note"] for h in t.headline
                                  if h.get("resolution_note")):
            if not _plain(f"  {note}", markup=False):
                from rich.text import Text

                out.print(Text(f"  {note}", style="yellow"))  # wrapped to the terminal
    _indicators(t)
    if t.anchoring is not None and len(t.anchoring):
        _anchoring(t.anchoring)
    if not len(jobs):
        _say("  Aucune série d'emploi à ce niveau.")
        return
    groups: dict[tuple, list[dict]] = {}
    for r in jobs.dicts():
        groups.setdefault((r["source"], r["scheme"]), []).append(r)
    for (src, _scheme), g in groups.items():
        _print_series(src, g)


def _indicators(t: TerritoryRows) -> None:
    """Indicators beside France, grouped by label; notes as numbered footnotes."""
    from pacte.cli.indicators import footnotes
    from pacte.cli.tables import render_grouped
    from pacte.labels import MODELLED_JOBS, fr_value

    ind, anch = t.indicators, t.anchoring
    if ind is None:
        return
    rows = ind.dicts()
    if anch is not None:  # anchoring gets its own section below
        own = set(anch.column("indicator")) if "indicator" in anch.columns else set()
        rows = [r for r in rows if r["indicator"] not in own and r["source"] != "anchoring"]
    if not rows:
        return

    def shown(r: dict, col: str):
        return fr_value(r[col], MODELLED_JOBS) if r["unit"] == MODELLED_JOBS else r[col]

    table = Rows(("label", "source", "period", "value", "national", "note"),
                 [(with_unit(r["label"], r["unit"]), t.source_names[r["source"]], r["period"],
                   shown(r, "value"), shown(r, "national"), r["note"]) for r in rows])
    table, legend = footnotes(table)
    render_grouped(table.renamed({"note": "Note"}), "label",
                   title="Indicateurs (France à titre de comparaison)", console=out)
    for line in legend:
        _say(f"  {line}", markup=False)


def _anchoring(anch: Rows) -> None:
    """The anchoring section: value, France, percentile within the level, peers' median."""
    from pacte.cli.tables import render

    def rounded(v):
        return v if v is None or math.isnan(v) else float(round(v, 0))

    table = Rows(("Indicateur", "Période", "Valeur", "France", "Centile", "Médiane du groupe"),
                 [(with_unit(r["label"], r["unit"]), r["period"], r["value"], r["national"],
                   rounded(r["percentile"]), r["peers_median"]) for r in anch.dicts()],
                 (False, False, True, True, True, True))
    render(table, title="Ancrage territorial (centile : part des territoires du niveau à "
                        "valeur inférieure ou égale)")
    notes = [n for n in dict.fromkeys(anch.column("note")) if n]
    for n in notes[:5]:
        _say(f"  {n}", markup=False)


def _print_series(src: str, g: list[dict]) -> None:
    """One job series: sectors x key periods (the total first, then the 20 largest sectors
    of the last period when there are more)."""
    from pacte.cli.tables import render

    first = g[0]
    notes = []
    if any(r["estimate"] for r in g):
        notes.append("estimation")
    if any(r["partial"] for r in g):
        notes.append("couverture partielle du territoire")
    if any((r["n_missing"] or 0) > 0 for r in g):
        notes.append("données manquantes (nd) pour certaines communes")
    title = f"{first['source_label']} — {first['resolution']}"
    if notes:
        title += " [" + ", ".join(notes) + "]"
    all_periods = sorted({r["period"] for r in g})
    periods = all_periods
    if src == "trim":  # quarterly: keep the fourth quarters
        periods = [p for p in periods if p.endswith("T4")]
    periods = key_periods(periods)
    cells: dict[tuple, dict] = {}
    for r in g:
        cells.setdefault((r["sector"], r["sector_label"]), {})[r["period"]] = r["jobs"]
    keys = sorted(cells)
    extra = ""
    if len(keys) > 21:
        last = periods[-1]

        def value(k):
            v = cells[k].get(last)
            return math.nan if v is None else v

        total = [k for k in keys if k[0] == "TOTAL"]
        rest = [k for k in keys if k[0] != "TOTAL"]
        ranked = sorted([k for k in rest if not math.isnan(value(k))], key=lambda k: -value(k))
        ranked += [k for k in rest if math.isnan(value(k))]  # gaps last
        extra = f"{len(rest) - 20} autres secteurs non affichés (--format csv pour le détail)"
        keys = total + ranked[:20]
    table = Rows(("Code", "Secteur", *periods),
                 [(s, lab, *(_nan(cells[(s, lab)].get(p)) for p in periods))
                  for s, lab in keys], (False, False, *(True for _ in periods)))
    render(table, title=title)
    if extra:
        _say(f"  {extra}")
    omitted = len(all_periods) - len(periods)
    if omitted > 0:
        _say(f"  {omitted} autres périodes disponibles (--format csv pour le détail)")


def _nan(v):
    return math.nan if v is None else v


def key_periods(periods: list[str], max_n: int = 8) -> list[str]:
    """At most ``max_n`` periods for a terminal table: first, the crisis years 2008 and
    2012, last, then evenly spread ones."""
    if len(periods) <= max_n:
        return periods
    keep = {periods[0], periods[-1]} | {p for p in periods if p[:4] in ("2008", "2012")}
    step = max(1, len(periods) // (max_n - len(keep) + 1))
    keep |= set(periods[::step][: max_n - len(keep)])
    return sorted(keep)
