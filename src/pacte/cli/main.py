"""The core commands: ``pacte build | run | territories | show``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pacte.cli.basins import register as register_basins
from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly
from pacte.cli.crisis import register as register_crisis
from pacte.cli.diversify import register as register_diversify
from pacte.cli.export import register as register_export
from pacte.cli.exposure import register as register_exposure
from pacte.cli.fetch import register as register_fetch
from pacte.cli.french import install_french
from pacte.cli.impact import register as register_impact
from pacte.cli.indicators import register
from pacte.cli.profile import register as register_profile
from pacte.cli.rank import register as register_rank
from pacte.cli.serve import register as register_serve
from pacte.cli.simulate import register as register_simulate
from pacte.cli.validate import register as register_validate
from pacte.errors import InvalidParameterError
from pacte.geography import TERRITORY_LEVELS
from pacte.labels import A5_LABELS as SECTOR_LABELS
from pacte.labels import (
    LEVEL_LABELS,
    LEVEL_PLURALS,
    count_title,
    fr_duration,
    upper_first,
    with_unit,
)
from pacte.settings import default_db_path

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="pacte : intelligence industrielle des territoires (données officielles).")
out = Console()


def _build(db: Path | None, with_fetched: bool = False, **kw) -> dict:
    from pacte.handlers.build import build_store

    t0 = time.perf_counter()
    with err.status("Construction du store…") as status:
        meta = build_store(db, progress=lambda msg: status.update(f"{msg}…"),
                           with_fetched=with_fetched, **kw)
    err.print(f"Store construit : {db or default_db_path()} "
              f"(empreinte {meta['build_hash']}, {fr_duration(time.perf_counter() - t0)})")
    return meta


@app.command()
@friendly
def build(
    db: DbOpt = None,
    with_fetched: Annotated[bool, typer.Option(
        "--with-fetched", help="Utiliser les fichiers officiels téléchargés par « pacte fetch »"
        " (ex. fichier URSSAF national) à la place des tables embarquées qu'ils couvrent.")
    ] = False,
    cache: Annotated[Path | None, typer.Option(
        "--cache", help="Dossier du cache des téléchargements lu par --with-fetched (défaut : "
        "$PACTE_CACHE, sinon le dossier de cache de l'utilisateur).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Remplacer le fichier --db même s'il n'est pas un store pacte.")
    ] = False,
    allow_partial: Annotated[bool, typer.Option(
        "--allow-partial", help="Accepter un fichier téléchargé qui couvre moins de 90 % des "
        "communes (extrait au lieu du fichier national).")] = False,
) -> None:
    """Construit le store DuckDB à partir du snapshot de données officielles embarqué."""
    if (cache is not None or allow_partial) and not with_fetched:
        raise InvalidParameterError("--cache et --allow-partial vont avec --with-fetched")
    _build(db, with_fetched, cache_dir=cache, force=force, allow_partial=allow_partial)


@app.command()
@friendly
def run(
    db: DbOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Dossier du rapport national.")
                       ] = Path("out"),
    seed: Annotated[int, typer.Option("--seed", help="Graine du Monte Carlo.")] = 0,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Reconstruire le store même s'il est à jour.")] = False,
) -> None:
    """Tâche principale : store, indicateurs et rapport national de ciblage dans ./out/.

    Construit le store s'il n'est pas à jour (ou avec --rebuild), puis écrit le classement
    (CSV et XLSX), la carte et index.html ; affiche le top 20 et le chemin du rapport."""
    from pacte import store
    from pacte.cli.rank import print_top
    from pacte.handlers.build import current_store
    from pacte.handlers.ranking import check_ranking
    from pacte.report.national import build_national_report, check_out_dir

    check_ranking("epci", None, 0, 0, False, seed, None)  # before any work
    check_out_dir(out_dir)

    meta = None if rebuild else current_store(db)
    if meta is None:
        _build(db)
    else:
        err.print(f"Store à jour, construit le {meta.get('built_at', '?')} "
                  f"(empreinte {meta['build_hash']}) : {db or default_db_path()}")
    with store.connect(db) as con:
        _print_summary(con)
        with err.status("Classement des EPCI (indice composite, 1 000 tirages)…"):
            rep = build_national_report(con, out_dir, seed=seed)
    print_top(rep["top"])
    out.print(f"\nRapport national : [bold]{Path(rep['html']).resolve()}[/bold]")


def _print_summary(con) -> None:
    import pandas as pd

    from pacte.cli.tables import fr_number, render
    from pacte.store import queries

    s = queries.national_summary(con)
    counts = s["counts"]
    out.print(f"\n[bold]France : {fr_number(s['population'])} habitants (populations légales "
              "2023)[/bold]")
    render(pd.DataFrame([{"level": LEVEL_LABELS[lv], "n": counts.get(lv, 0)}
                         for lv in ("commune", *[v for v in TERRITORY_LEVELS if v != "commune"])])
           .rename(columns={"level": "Niveau", "n": "Territoires"}), Format.table,
           title="Territoires (COG 2025)")
    jobs = s["jobs"].rename(index=SECTOR_LABELS)
    jobs["Évolution"] = jobs[2012] - jobs[2008]
    jobs["Évolution (%)"] = 100 * jobs["Évolution"] / jobs[2008]
    render(jobs.reset_index().rename(columns={"sector": "Secteur", 2008: "2008", 2012: "2012"}),
           title="Emploi salarié national au 31/12 (Insee ESTEL, 5 secteurs)")


@app.command()
@friendly
def territories(
    level: Annotated[str, typer.Option("--level", "-l", help="epci, ze2020, ze2010, dep, reg "
                                       "ou commune.")] = "epci",
    search: Annotated[str | None, typer.Option("--search", "-s", help="Filtre sur le code "
                                               "ou le nom (sans accents ni casse).")] = None,
    fmt: FmtOpt = Format.table, db: DbOpt = None,
) -> None:
    """Liste les territoires d'un niveau avec leur population (populations légales 2023)."""
    from pacte import store
    from pacte.cli.tables import render
    from pacte.handlers import territory as territory_handlers

    with store.connect(db) as con:
        df = territory_handlers.territories(con, level, search).data
    if fmt is Format.table:  # the terminal gets the essential columns; csv/json get all
        keep = {"epci": ["code", "name", "nature", "fiscal_regime", "population",
                         "population_dgcl", "n_communes", "area_type"],
                "commune": ["code", "name", "population", "density_class"]}.get(
            level, ["code", "name", "population", "n_communes", "urban_share", "area_type"])
        df = df[keep]
    render(df, fmt, title=f"{upper_first(LEVEL_PLURALS[level])} : {count_title(len(df))}")


@app.command()
@friendly
def show(
    code: Annotated[str, typer.Argument(help="Code (SIREN d'EPCI, code commune, ZE…) ou nom "
                                        "exact.")],
    level: Annotated[str | None, typer.Option("--level", "-l")] = None,
    compare: Annotated[str | None, typer.Option(
        "--compare", "-c", help="Groupe de comparaison : semblables (défaut : taille, nature "
        "et profil), profil, departement, region, nature, population, codes.")] = None,
    codes: Annotated[str | None, typer.Option(
        "--codes", help="Codes du groupe « codes », séparés par des virgules.")] = None,
    fmt: FmtOpt = Format.table, db: DbOpt = None,
) -> None:
    """Fiche d'un territoire : identité, rang, mixité rurale/urbaine, indicateurs face à la
    France et au groupe de comparaison, emplois par source."""
    from pacte import store
    from pacte.cli.tables import records, render
    from pacte.handlers import territory as territory_handlers

    with store.connect(db) as con, err.status("Calcul de la fiche…"):
        ans = territory_handlers.territory(con, code, level, compare=compare, codes=codes)
    d = ans.data
    ident, par, jobs, cov, ind = (d["territory"], d["parents"], d["jobs"], d["coverage"],
                                  d["indicators"])
    anch = d.get("anchoring")
    if fmt is Format.json:
        doc = {"territory": ident, "parents": records(par), "coverage": records(cov),
               "indicators": [] if ind is None else records(ind),
               "anchoring": [] if anch is None or anch.empty else records(anch),
               "headline": d.get("headline") or [],
               "ranking": d.get("ranking"), "comparison": d.get("comparison"),
               "jobs": records(jobs), "meta": ans.meta}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if fmt is Format.csv:
        render(jobs.assign(level=ident["level"], code=ident["code"], name=ident["name"]), fmt)
        return
    _show_table(ident, par, jobs, cov, ind, anch, d.get("ranking"), d.get("comparison"),
                d.get("headline") or [])


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
        text += f" ; non éligible : {r.get('eligibility_note') or 'règle d éligibilité'}"
    elif r.get("eligible"):
        text += f" ; éligible, {fr_rank(r['eligible_rank'], r['n_eligible'])} éligibles"
    return text


def _show_anchoring(anch: pd.DataFrame) -> None:
    """The anchoring section: value, France, percentile within the level, peers' median."""
    import pandas as pd

    from pacte.cli.tables import render

    table = pd.DataFrame({
        "Indicateur": [with_unit(a, u) for a, u in zip(anch["label"], anch["unit"],
                                                       strict=True)],
        "Période": anch["period"], "Valeur": anch["value"], "France": anch["national"],
        "Centile": anch["percentile"].round(0), "Médiane du groupe": anch["peers_median"]})
    render(table, title="Ancrage territorial (centile : part des territoires du niveau à "
                        "valeur inférieure ou égale)")
    notes = [n for n in dict.fromkeys(anch["note"]) if n]
    for n in notes[:5]:
        out.print(f"  {n}", markup=False)


def _show_table(ident: dict, par: pd.DataFrame, jobs: pd.DataFrame, cov: pd.DataFrame,
                ind: pd.DataFrame | None, anch: pd.DataFrame | None = None,
                rank: dict | None = None, group: dict | None = None,
                head: list[dict] | None = None) -> None:
    from pacte.catalogue import source_name
    from pacte.cli.tables import fr_number, render_grouped

    out.print(f"\n[bold]{ident['name']}[/bold] ({LEVEL_LABELS[ident['level']]} {ident['code']})")
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
            out.print(f"  {k} : {v}")
    for row in par.itertuples():
        out.print(f"  {upper_first(LEVEL_LABELS[row.level])} : {row.name} ({row.code})")
    if (line := rank_line(rank, ident["level"])) is not None:
        out.print(f"  {line}", markup=False)
    if group:
        shown = group.get("names") or group["codes"]
        out.print(f"  Groupe de comparaison : {group['label']} : {', '.join(shown[:10])}"
                  f"{' et ' + str(len(shown) - 10) + ' autres' if len(shown) > 10 else ''}",
                  markup=False)
    for row in cov.itertuples():
        state = "complète" if row.complete else "PARTIELLE"
        out.print(f"  [yellow]Couverture {row.source.upper()} : {state} ({row.n_covered}/"
                  f"{row.n_communes} communes)[/yellow]")
    if ident["level"] in ("ze2010", "ze2020") and "estel" not in set(jobs["source"]):
        out.print("  [yellow]Pas de données ESTEL pour ce territoire (Mayotte n'est pas couverte "
                  "par les estimations d'emploi localisées de l'Insee).[/yellow]")
    if head:  # the key figures, as the profile and the dashboard show them
        import pandas as pd

        from pacte.cli.tables import render_grouped

        table = pd.DataFrame({
            "label": [with_unit(h["label"], h["unit"]) for h in head],
            "Source": [h["source_name"] for h in head], "Période": [h["period"] for h in head],
            "Valeur": [h["value"] for h in head], "France": [h["national"] for h in head],
            "Résolution": [h.get("resolution_short", "") for h in head]})
        render_grouped(table, "label", title="Chiffres clés (mêmes chiffres dans le profil, "
                       "le tableau de bord et l'API)", console=out)
        for note in dict.fromkeys(h["resolution_note"] for h in head
                                  if h.get("resolution_note")):
            out.print(f"  [yellow]{note}[/yellow]", soft_wrap=True)
    if ind is not None and anch is not None:  # anchoring gets its own section below
        ind = ind[~ind["indicator"].isin(set(anch.get("indicator", [])))
                  & ~ind["source"].eq("anchoring")]
    if ind is not None and not ind.empty:
        from pacte.cli.indicators import footnotes
        from pacte.labels import MODELLED_JOBS, fr_value
        table = ind.assign(label=[with_unit(a, u) for a, u in zip(ind["label"], ind["unit"],
                                                                  strict=True)],
                           source=ind["source"].map(source_name))
        modelled = (ind["unit"] == MODELLED_JOBS).to_numpy()  # two significant figures
        for col in ("value", "national"):
            table[col] = table[col].astype(object)
            table.loc[modelled, col] = [fr_value(v, MODELLED_JOBS)
                                        for v in ind.loc[modelled, col]]
        shown, legend = footnotes(table[["label", "source", "period", "value", "national",
                                         "note"]])
        render_grouped(shown.rename(columns={"note": "Note"}).reset_index(drop=True), "label",
                       title="Indicateurs (France à titre de comparaison)", console=out)
        for line in legend:
            out.print(f"  {line}", markup=False)
    if anch is not None and not anch.empty:
        _show_anchoring(anch)
    if jobs.empty:
        out.print("  Aucune série d'emploi à ce niveau.")
        return
    for (src, scheme), g in jobs.groupby(["source", "scheme"], sort=False):
        _print_series(src, scheme, g)


def _print_series(src: str, scheme: str, g: pd.DataFrame) -> None:
    import pandas as pd

    from pacte.cli.tables import render

    first = g.iloc[0]
    notes = []
    if g["estimate"].any():
        notes.append("estimation")
    if g["partial"].any():
        notes.append("couverture partielle du territoire")
    if (g["n_missing"] > 0).any():
        notes.append("données manquantes (nd) pour certaines communes")
    title = f"{first.source_label} — {first.resolution}"
    if notes:
        title += " [" + ", ".join(notes) + "]"
    periods = sorted(g["period"].unique())
    if src == "trim":  # quarterly: keep the fourth quarters
        periods = [p for p in periods if p.endswith("T4")]
    periods = _key_periods(periods)
    piv = g.set_index(["sector", "sector_label", "period"])["jobs"].unstack("period")[periods]
    extra = ""
    if len(piv) > 21:
        last = periods[-1]
        is_total = piv.index.get_level_values("sector") == "TOTAL"
        top = piv[~is_total].sort_values(last, ascending=False)
        extra = f"{len(top) - 20} autres secteurs non affichés (--format csv pour le détail)"
        piv = pd.concat([piv[is_total], top.head(20)])
    piv = piv.reset_index()
    render(piv.rename(columns={"sector": "Code", "sector_label": "Secteur"}), title=title)
    if extra:
        out.print(f"  {extra}")
    omitted = len(g["period"].unique()) - len(periods)
    if omitted > 0:
        out.print(f"  {omitted} autres périodes disponibles (--format csv pour le détail)")


def _key_periods(periods: list[str], max_n: int = 8) -> list[str]:
    """At most ``max_n`` periods for a terminal table: first, the crisis years 2008 and
    2012, last, then evenly spread ones."""
    if len(periods) <= max_n:
        return periods
    keep = {periods[0], periods[-1]} | {p for p in periods if p[:4] in ("2008", "2012")}
    step = max(1, len(periods) // (max_n - len(keep) + 1))
    keep |= set(periods[::step][: max_n - len(keep)])
    return sorted(keep)


# after the core commands, so that ``pacte --help`` lists them in reading order
register(app)
register_exposure(app)
register_rank(app)
register_validate(app)
register_profile(app)
register_export(app)
register_simulate(app)
register_impact(app)
register_diversify(app)
register_crisis(app)
register_serve(app)
register_fetch(app)
register_basins(app)
install_french(app)  # last: every command registered above speaks French
