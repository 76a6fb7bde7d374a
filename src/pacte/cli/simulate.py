"""``pacte simulate dcrtp``: who loses what under a DCRTP cut, under the legal key or an
alternative, and the burden on the most industrial and most vulnerable territories
(:func:`pacte.handlers.finance.simulate_dcrtp`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

import contextlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pacte.cli.common import DbOpt, check_writable_file, err, friendly
from pacte.errors import InvalidParameterError
from pacte.export.indented import dumps_indented
from pacte.labels import fr_number
from pacte.settings import default_db_path

#: The keys of pacte.finance.simulator.KEYS, for the help text (the finance package loads only
#: when a simulation runs; tests/cli check that this list matches).
KEYS_HELP = "legal, dcrtp, population, legal-exempt, spare-industrial"

KEY_SHORT = {"legal": "clé légale", "dcrtp": "prorata DCRTP", "population": "prorata population",
             "legal-exempt": "légale avec exonérations", "spare-industrial": "épargne Q5 industrie"}
GROUP_LABELS = {"total": "ensemble", "industrial": "industrie",
                "vulnerability": "vulnérabilité"}
KEY_HEAD = {"legal": "Légale", "dcrtp": "Prorata DCRTP", "population": "Prorata pop.",
            "legal-exempt": "Exonérations", "spare-industrial": "Épargne Q5"}
POOLS = {"commune": "communes", "epci": "EPCI", "ensemble": "ensemble"}
TOP = 10


class SimFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def _pct(x) -> str:
    import pandas as pd

    return "—" if x is None or pd.isna(x) else fr_number(100 * float(x), 2) + " %"


def _eur(x, decimals: int = 0) -> str:
    import pandas as pd

    return "—" if x is None or pd.isna(x) else fr_number(float(x), decimals) + " €"


def _ratio(x) -> str:
    import pandas as pd

    return "—" if x is None or pd.isna(x) else fr_number(float(x), 2)


def _table(title: str, headers: list[str], rows: list[list[str]], left: int = 2) -> Table:
    t = Table(title=title, header_style="bold", title_justify="left")
    for i, h in enumerate(headers):
        width = max([len(r[i]) for r in rows] + [len(h) if i >= left else 4])
        cap = 28 if i == 1 else 20
        t.add_column(h, justify="left" if i < left else "right", no_wrap=True,
                     overflow="ellipsis", min_width=min(width, cap), max_width=cap)
    for r in rows:
        t.add_row(*r)
    return t


def rows_table(data: dict, keys: list[str]) -> pd.DataFrame:
    """The published per-entity table; with several keys, one ``cut_<key>`` column each."""
    from pacte.handlers.finance import TABLE_COLUMNS

    rows = data["rows"][TABLE_COLUMNS + (["estampille"] if "estampille" in data["rows"]
                                         else [])].copy()
    if "rows_by_key" in data:
        for k in keys:
            rows[f"cut_{k}"] = data["rows_by_key"][f"cut_{k}"].to_numpy()
    return rows


def print_simulation(data: dict, meta: dict, console: Console) -> None:
    """The French terminal answer: stamp, totals, most affected entities, summary, warnings."""
    import pandas as pd

    stamp = meta.get("estampille")
    keys = meta.get("cles") or [meta["cle"]]
    if stamp:
        console.print(f"[bold reverse] {stamp.upper()} [/] démonstration sur un fichier "
                      "national fictif : aucun montant réel")
    else:
        console.print(f"Données réelles : {meta.get('criteres') or ''}", soft_wrap=True,
                      markup=False, highlight=False)
    cut = meta["minoration"]
    title = (f"Minoration de la DCRTP {meta['annee']} ({meta['stade_minoration_libelle']}) : "
             f"{_eur(cut['valeur'])}")
    console.print(f"[bold]{title}[/bold]", soft_wrap=True)
    if cut.get("fourchette_projets"):
        lo, hi = cut["fourchette_projets"]
        console.print(f"Projets de loi : de {_eur(lo)} à {_eur(hi)}", soft_wrap=True)
    tot = data["totals"]
    if isinstance(tot, pd.DataFrame):
        console.print(_table("Totaux par clé", ["Clé", "Minoration répartie",
                                                 "Non répartie (DCRTP épuisée)", "Minorés",
                                                 "Exonérés"],
                             [[KEY_SHORT[r.key], _eur(r.cut, 2), _eur(r.shortfall, 2),
                               fr_number(r.n_cut), fr_number(r.n_exempt)]
                              for r in tot.itertuples()], left=1))
    else:
        console.print(f"Clé : {meta['cle_libelle']}", soft_wrap=True)
        console.print(f"Minoration répartie : {_eur(tot['cut'], 2)} ; non répartie (DCRTP "
                      f"épuisée) : {_eur(tot['shortfall'], 2)} ; {fr_number(tot['n_cut'])} "
                      f"bénéficiaires minorés, {fr_number(tot['n_exempt'])} exonérés",
                      soft_wrap=True)
        for pool, d in tot["pools"].items():
            console.print(f"  {POOLS.get(pool, pool)} : cible {_eur(d['target'], 2)}, répartie "
                          f"{_eur(d['cut'], 2)} (DCRTP {_eur(d['capacity'])})", soft_wrap=True)
    rows = rows_table(data, keys)
    several = len(keys) > 1
    for level, word in (("epci", "EPCI les plus minorés"),
                        ("commune", "communes les plus minorées")):
        part = rows[rows["level"] == level].sort_values(["cut", "code"],
                                                          ascending=[False, True]).head(TOP)
        if part.empty:
            continue
        if several:
            head = ["Code", "Nom", "DCRTP avant"] + [KEY_HEAD[k] for k in keys]
            body = [[r["code"], str(r["name"]), _eur(r["dcrtp_before"])]
                    + [_eur(r[f"cut_{k}"]) for k in keys] for _, r in part.iterrows()]
        else:
            head = ["Code", "Nom", "DCRTP avant", "Minoration", "DCRTP après", "€/hab.",
                    "/ RRF", "/ DCRTP", "Exonéré"]
            body = [[r["code"], str(r["name"]), _eur(r["dcrtp_before"]), _eur(r["cut"]),
                     _eur(r["dcrtp_after"]), _eur(r["cut_per_inhabitant"], 2),
                     _pct(r["cut_share_rrf"]), _pct(r["cut_share_dcrtp"]),
                     fr_number(bool(r["exempt"]))] for _, r in part.iterrows()]
        what = "minoration par clé" if several else KEY_SHORT[keys[0]]
        console.print(_table(f"Les {len(part)} {word} ({what})", head, body))
    summary = data["summary"]
    groups = [[GROUP_LABELS.get(r["grouping"], r["grouping"]), r["group"],
               _pct(r["population_share"])] for _, r in summary.iterrows()]
    title = "Qui porte la minoration (quintiles d'EPCI, Q5 = les plus industriels ou vulnérables)"
    head = ["Regroupement", "Groupe", "Part de la pop."]
    if several:
        for col, what in (("cut_share", "part de la minoration"),
                          ("double_peine", "indice « double peine »")):
            fmt = _pct if col == "cut_share" else _ratio
            body = [g + [fmt(r[f"{col}_{k}"]) for k in keys]
                    for g, (_, r) in zip(groups, summary.iterrows(), strict=True)]
            console.print(_table(f"{title} : {what}", head
                                 + [KEY_HEAD[k] for k in keys], body))
    else:
        body = [g + [_pct(r["cut_share"]), _ratio(r["double_peine"])]
                for g, (_, r) in zip(groups, summary.iterrows(), strict=True)]
        console.print(_table(title, head + ["Part de la minoration", "Double peine"], body))
    console.print("Indice « double peine » : part de la minoration / part de la population "
                  "(au-dessus de 1, le groupe porte plus que son poids démographique).",
                  soft_wrap=True)
    poids = meta.get("poids")
    if isinstance(poids, dict):
        console.print("Poids de l'industrie : " + poids["industrial"] + " ; vulnérabilité : "
                      + poids["vulnerability"] + ".", soft_wrap=True, markup=False)
    elif poids:
        console.print(f"Quintiles : {poids}.", soft_wrap=True, markup=False)
    if meta.get("exonerations_source"):
        console.print(f"Exonérations : {meta['exonerations_source']}.", soft_wrap=True,
                      markup=False)
    print_warnings(meta, console)
    console.print(meta["attribution"], style="dim", soft_wrap=True, markup=False)
    if stamp:
        console.print(f"[bold reverse] {stamp.upper()} [/]")


def print_warnings(meta: dict, console: Console) -> None:
    for w in meta.get("avertissements", []):
        console.print(f"[yellow]Avertissement :[/yellow] {w}", soft_wrap=True, highlight=False)


def sources_text(meta: dict) -> str:
    """The sidecar text of a written file: stamp, attribution, law parameters, warnings."""
    lines = [meta["estampille"].upper()] if meta.get("estampille") else []
    lines.append(meta["attribution"])
    lines.append(f"Paramètres de loi ({meta.get('source_parametres', '')}) :")
    for p in meta.get("parametres", []):
        refs = " ; ".join(f"{r['title']} <{r['href']}>" for r in p["references"])
        flag = "vérifié" if p["verified"] else "NON VÉRIFIÉ"
        lines.append(f"- {p['parametre']} = {p['valeur']} ({flag}) : {refs}")
    lines += [f"Avertissement : {w}" for w in meta.get("avertissements", [])]
    return "\n".join(lines)


def _french(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    from pacte.handlers.finance import ROW_LABELS, SUMMARY_LABELS

    labels = {**ROW_LABELS, **SUMMARY_LABELS}
    for k in keys:
        labels[f"cut_{k}"] = f"Minoration ({KEY_SHORT[k]}) (€)"
        labels[f"cut_share_{k}"] = f"Part de la minoration ({KEY_SHORT[k]})"
        labels[f"double_peine_{k}"] = f"Double peine ({KEY_SHORT[k]})"
    return df.rename(columns=labels)


def write_outputs(data: dict, meta: dict, fmt: SimFormat, out: Path | None) -> None:
    import pandas as pd

    from pacte.export.atomic import write_text
    from pacte.export.cells import safe_frame
    from pacte.export.tables import (
        append_frame,
        records,
        save_workbook,
        write_csv_fr,
        xlsx_workbook,
    )

    keys = meta.get("cles") or [meta["cle"]]
    rows, summary = rows_table(data, keys), data["summary"]
    totals = data["totals"]
    totals = records(totals) if isinstance(totals, pd.DataFrame) else totals
    if fmt is SimFormat.json:
        doc = {"meta": meta, "rows": records(rows), "summary": records(summary),
               "totals": totals}
        text = dumps_indented(doc) + "\n"  # json.dumps(indent=1), faster
        if out is None:
            sys.stdout.write(text)
        else:
            write_text(out, text)
            err.print(f"Simulation écrite dans {out}")
        return
    if fmt is SimFormat.csv and out is None:
        safe_frame(rows).to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    note = sources_text(meta)
    if fmt is SimFormat.csv:
        second = Path(out).with_name(Path(out).stem + ".synthese.csv")
        write_csv_fr(_french(rows, keys), out, attribution=note)
        write_csv_fr(_french(summary, keys), second, attribution=note)
        err.print(f"{fr_number(len(rows))} lignes écrites dans {out} ; synthèse dans {second} "
                  f"(sources : {out}.sources.txt)")
        return
    wb = xlsx_workbook(_french(rows, keys), title="DCRTP", attribution=note)
    for title, df in (("Synthèse", _french(summary, keys)),
                      ("Paramètres", pd.DataFrame([{
                          "Paramètre": p["parametre"], "Valeur": str(p["valeur"]),
                          "Depuis": p["depuis"], "Vérifié": "oui" if p["verified"] else "non",
                          "Note": p["note"], "Références": " ; ".join(
                              r["title"] for r in p["references"])}
                          for p in meta.get("parametres", [])]))):
        append_frame(wb.create_sheet(title, index=len(wb.sheetnames) - 1), df)
    save_workbook(wb, out)
    err.print(f"{fr_number(len(rows))} lignes écrites dans {out} (feuilles DCRTP, Synthèse, "
              "Paramètres, Sources)")


def register(app: typer.Typer) -> None:
    """Add ``pacte simulate`` (sub-app) and its ``dcrtp`` command to ``app``."""

    sim = typer.Typer(help="Simulations de finances locales.", no_args_is_help=True)
    app.add_typer(sim, name="simulate")

    @sim.command("dcrtp")
    @friendly
    def dcrtp(
        criteria: Annotated[Path | None, typer.Option(
            "--criteria", help="Fichier DGCL « critères de répartition » (ou dossier de "
            "l'extrait AMP) ; sans lui, démonstration sur données fictives.")] = None,
        epci_rrf: Annotated[Path | None, typer.Option(
            "--epci-rrf", help="CSV des RRF des EPCI (SIREN ; montant, ou format long "
            "OFGL).")] = None,
        year: Annotated[int | None, typer.Option(
            "--year", help="Année de la minoration (défaut : la dernière connue).")] = None,
        cut: Annotated[float | None, typer.Option(
            "--cut", help="Minoration en euros (défaut : celle de la loi ou du projet).")
        ] = None,
        stage: Annotated[str | None, typer.Option(
            "--stage", help="lfi, plf ou senat (défaut : la loi, sinon le projet).")] = None,
        key: Annotated[str, typer.Option(
            "--key", help="Clé : " + KEYS_HELP + ".")] = "legal",
        exempt: Annotated[str | None, typer.Option(
            "--exempt", help="Exonérations : fichier de codes, ou rank:N (les N premiers "
            "du classement).")] = None,
        compare: Annotated[bool, typer.Option(
            "--compare", help="Toutes les clés côte à côte.")] = False,
        fmt: Annotated[SimFormat, typer.Option(
            "--format", "-f", help="table, csv, json ou xlsx.")] = SimFormat.table,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Fichier de sortie (obligatoire pour xlsx).")] = None,
        territory: Annotated[str | None, typer.Option(
            "--territory", help="Code commune ou SIREN d'EPCI : son historique de DCRTP et "
            "sa minoration selon chaque clé, sur les montants réels du REI (pacte fetch "
            "ofgl_rei puis pacte build --with-fetched).")] = None,
        db: DbOpt = None,
    ) -> None:
        """Minoration de la DCRTP : qui perd quoi, selon la clé légale ou une autre."""
        from pacte import store
        from pacte.handlers.finance import check_options, simulate_dcrtp

        if territory is not None:
            if criteria is not None or compare or exempt is not None or fmt is SimFormat.xlsx:
                raise InvalidParameterError("--territory se combine avec --year, --cut, "
                                            "--stage, --epci-rrf, --format table|csv|json")
            from pacte.cli.simulate_territory import print_territory, write_territory
            from pacte.handlers.dcrtp_territory import territory_dcrtp

            with store.connect(db) as con:
                ans = territory_dcrtp(con, territory, year, cut, stage, epci_rrf)
            if fmt is SimFormat.table:
                print_territory(ans.data, ans.meta, Console(width=max(Console().width, 130)))
            else:
                write_territory(ans.data, ans.meta, fmt.value, out)
            return
        if fmt is SimFormat.xlsx and out is None:
            raise InvalidParameterError("--format xlsx demande --out FICHIER.xlsx")
        if fmt is SimFormat.table and out is not None:
            raise InvalidParameterError("--out demande --format csv, json ou xlsx")
        check_options(key, stage, exempt, compare)
        if out is not None:
            check_writable_file(out, "--out")
        with contextlib.ExitStack() as stack:
            con = None
            if db is not None or default_db_path().exists():
                con = stack.enter_context(store.connect(db))
            with err.status("Simulation de la minoration…"):
                answer = simulate_dcrtp(con, criteria, year, cut, key, exempt, stage,
                                        epci_rrf, compare=compare)
        if fmt is SimFormat.table:
            print_simulation(answer.data, answer.meta, Console(width=max(Console().width,
                                                                         130)))
            return
        print_warnings(answer.meta, err)
        write_outputs(answer.data, answer.meta, fmt, out)
