"""Terminal and file output of ``pacte simulate dcrtp --territory CODE``
(:func:`pacte.handlers.dcrtp_territory.territory_dcrtp`): the territory's DCRTP history, its
cut under each key and its « double peine » position, on the real amounts of the OFGL REI."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pacte.export.indented import dumps_indented
from pacte.labels import fr_number, upper_first


def _eur(x, decimals: int = 2) -> str:
    import pandas as pd

    return "—" if x is None or pd.isna(x) else fr_number(float(x), decimals) + " €"


def _num(x, decimals: int = 2, pct: bool = False) -> str:
    import pandas as pd

    if x is None or pd.isna(x):
        return "—"
    return fr_number(100 * float(x), decimals) + " %" if pct else fr_number(float(x), decimals)


def print_territory(data: dict, meta: dict, console: Console) -> None:
    t = data["territory"]
    what = "EPCI" if t["level"] == "epci" else "commune"
    console.print(f"[bold]DCRTP de {t['name']} ({what} {t['code']}) : {meta['donnees']}[/bold] "
                  f"(REI, exercice {meta['exercice_rei']} comme base)", soft_wrap=True)
    hist = Table(title="Historique (REI)", header_style="bold", title_justify="left")
    for h in ("Exercice", "DCRTP communes", "DCRTP EPCI", "DCRTP totale", "FNGIR net"):
        hist.add_column(h, justify="right")
    for r in data["history"].itertuples():
        hist.add_row(str(r.year), _eur(r.dcrtp_communes, 0), _eur(r.dcrtp_epci, 0),
                     _eur(r.dcrtp_total, 0), _eur(r.fngir_net, 0))
    console.print(hist)
    if meta.get("disposition_epci"):
        console.print(f"DCRTP de l'EPCI dans le REI : {meta['disposition_epci']}.",
                      soft_wrap=True)
    cut = meta["minoration"]
    console.print(f"[bold]Minoration {meta['annee']} : {_eur(cut['valeur'])}[/bold] répartie sur "
                  f"{meta['perimetre']}", soft_wrap=True)
    keys = Table(title="Coût pour le territoire, selon la clé", header_style="bold",
                 title_justify="left")
    for h in ("Clé", "DCRTP avant", "Minoration", "/ DCRTP", "Part de la minoration",
              "Part de la pop.", "Double peine", "Quintile industrie", "Double peine du quintile"):
        keys.add_column(h, justify="left" if h == "Clé" else "right")
    for r in data["keys"].itertuples():
        keys.add_row(r.key, _eur(r.dcrtp_before, 0), _eur(r.cut), _num(r.cut_share_dcrtp,
                     pct=True), _num(r.cut_share, 3, pct=True),
                     _num(r.population_share, 3, pct=True), _num(r.double_peine),
                     r.industrial_quintile or "—", _num(r.quintile_double_peine))
    console.print(keys)
    for k, why in data["skipped"].items():
        console.print(f"Clé {k} non calculée : {why}", soft_wrap=True, markup=False)
    console.print(upper_first(meta["lecture"]) + ".", soft_wrap=True)
    for w in meta.get("avertissements", []):
        console.print(f"[yellow]Avertissement :[/yellow] {w}", soft_wrap=True, highlight=False)
    console.print(meta["attribution"], style="dim", soft_wrap=True, markup=False)


def write_territory(data: dict, meta: dict, fmt: str, out: Path | None) -> None:
    """``json`` (meta, territory, history, keys, rows, skipped) or ``csv`` (the keys table,
    with a ``donnees`` column)."""
    from pacte.export.tables import records

    if fmt == "json":
        doc = {"meta": meta, "territory": data["territory"],
               "history": records(data["history"]), "keys": records(data["keys"]),
               "rows": records(data["rows"]), "skipped": data["skipped"]}
        text = dumps_indented(doc) + "\n"  # json.dumps(indent=1), faster
    else:
        keys = data["keys"].copy()
        keys.insert(0, "donnees", meta["donnees"])
        text = keys.to_csv(index=False, lineterminator="\n")
    if out is None:
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
