"""``pacte basins``: the candidate industrial basins (contiguous groupings of 1 to 4 EPCI)
and the spatial statistics of the score (Moran's I, local Moran clusters); also the
renderings used by ``pacte rank --level bassin`` and ``pacte validate --level bassin``.

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``, when the command is used).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly
from pacte.labels import fr_number

#: French headers of the basin table.
HEADERS = {"rank": "Rang", "code": "Code", "name": "Bassin", "score": "Score",
           "rank_low": "Rang P5", "rank_high": "Rang P95", "tier": "Palier",
           "n_members": "EPCI",
           "population": "Population", "industry_jobs": "Emplois industriels",
           "industry_share": "Part industrielle (%)"}
MEMBER_HEADERS = {"joined": "Ordre", "code": "Code", "name": "EPCI", "role": "Rôle",
                  "population": "Population", "industry_jobs": "Emplois industriels",
                  "score": "Score EPCI", "cluster_label": "Grappe locale (LISA)"}


def _pvalue(p) -> str:
    if p is None or p != p:
        return "—"
    return fr_number(p, 4) if p >= 0.0001 else "< 0,0001"


def print_basin_ranking(df, fmt: Format | str = Format.table) -> None:
    """The basins by rank (table: the main columns; csv and json: every column)."""
    from pacte.cli.tables import render

    fmt = Format(fmt)
    if fmt is not Format.table:
        render(df, fmt)
        return
    shown = df[list(HEADERS)].assign(score=lambda d: d["score"].round(2),
                                     industry_share=lambda d: d["industry_share"].round(1))
    render(shown.rename(columns=HEADERS),
           title=f"{len(df)} bassins industriels candidats (rang parmi les bassins ; palier "
                 f"pour un programme de {df['tier_size'].iloc[0] if len(df) else 0} bassins ; "
                 "propositions à discuter, pas des périmètres)")


def print_basin_validation(data: dict, fmt: Format | str = Format.table) -> None:
    """``pacte validate --level bassin``: the basins touched by a list of EPCI."""
    from pacte.cli.tables import render

    fmt = Format(fmt)
    table = data["basins"]
    if fmt is Format.json:
        out = {k: v for k, v in data.items() if k != "basins"}
        out["basins"] = json.loads(table.to_json(orient="records", force_ascii=False))
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt is Format.csv:
        render(table, fmt)
        return
    print(f"Liste : {data['n_listed']} codes, {data['n_known']} EPCI en vigueur, dont "
          f"{data['n_in_basins']} dans un bassin candidat ; {len(table)} bassins sur "
          f"{data['n_basins']} comptent au moins un EPCI listé")
    shown = table.assign(share_listed=(100 * table["share_listed"]).round(1))[
        ["rank", "code", "name", "n_members", "n_listed", "share_listed"]]
    render(shown.rename(columns={"rank": "Rang", "code": "Code", "name": "Bassin",
                                 "n_members": "EPCI", "n_listed": "Dont listés",
                                 "share_listed": "Population listée (%)"}),
           title="Bassins candidats touchés par la liste")
    for m in data["mapped"]:
        err.print(f"  {m['listed']} → {m['code']} ({m['how']})")
    if data["outside"]:
        err.print(f"EPCI listés hors de tout bassin candidat ({len(data['outside'])}) : "
                  + ", ".join(data["outside"]))
    if data["unknown"]:
        err.print(f"Codes inconnus ({len(data['unknown'])}) : {', '.join(data['unknown'])}")


def print_statistics(data: dict) -> None:
    """Moran's I of the score and each indicator, then the LISA cluster counts."""
    from pacte.cli.tables import render

    m = data["moran"]
    shown = m.assign(I=m["moran_i"].map(lambda v: fr_number(v, 3)),
                     p_perm=m["p_sim"].map(_pvalue), p_norm=m["p_norm"].map(_pvalue))[
        ["label", "I", "p_perm", "p_norm", "permutations", "n", "n_left_out"]]
    render(shown.rename(columns={"label": "Variable", "I": "I de Moran",
                                 "p_perm": "p (permutations)", "p_norm": "p (normale)",
                                 "permutations": "Permutations", "n": "Territoires",
                                 "n_left_out": "Sans voisin"}),
           title="Autocorrélation spatiale (contiguïté par sommet partagé, poids "
                 "normalisés en ligne)", footer=False)
    c = data["clusters"]
    render(c[["label", "n"]].rename(columns={"label": "Grappe locale", "n": "Territoires"}),
           title="Grappes locales du score (Moran local)")
    if data["islands"]:
        err.print(f"Sans voisin par contiguïté (îles, exclus des tests) : "
                  f"{', '.join(data['islands'])}")


def register(app: typer.Typer) -> None:
    """Add ``pacte basins`` to ``app``."""

    @app.command("basins")
    @friendly
    def basins(
        code: Annotated[str | None, typer.Argument(
            help="Code d'un bassin (B001…) : ses EPCI membres.")] = None,
        stats: Annotated[bool, typer.Option(
            "--stats", help="I de Moran du score et des indicateurs, grappes locales.")
        ] = False,
        level: Annotated[str, typer.Option(
            "--level", "-l", help="Niveau des statistiques (--stats) : epci ou ze2020.")
        ] = "epci",
        top: Annotated[int | None, typer.Option(
            "--top", "-n", help="Ne garder que les N premiers bassins.")] = None,
        fmt: FmtOpt = Format.table,
        db: DbOpt = None,
    ) -> None:
        """Bassins industriels candidats : regroupements contigus de 1 à 4 EPCI autour des
        grappes de vulnérabilité (propositions à discuter, pas des périmètres)."""
        from pacte import store
        from pacte.cli.tables import render
        from pacte.handlers import basins as h

        with store.connect(db) as con:
            if stats:
                data = h.spatial_statistics(con, level).data
                if fmt is Format.table:
                    print_statistics(data)
                else:
                    render(data["moran"], fmt)
                return
            if code is None:
                print_basin_ranking(h.basin_ranking(con, top).data, fmt)
                return
            data = h.basin(con, code).data
        b, members = data["basin"], data["members"]
        if fmt is not Format.table:
            render(members, fmt)
            return
        print(f"{b['code']} — {b['name']} : rang {b['rank']} sur les bassins candidats "
              f"(intervalle P5-P95 {b['rank_low']}-{b['rank_high']} ; palier « {b['tier']} » "
              f"pour un programme de {b['tier_size']} bassins), score "
              f"{fr_number(b['score'], 2)} ; {fr_number(b['population'])} habitants, "
              f"{fr_number(b['industry_jobs'])} emplois industriels "
              f"({fr_number(b['industry_share'], 1)} % des emplois, recensement "
              f"{b['census_year']})")
        render(members.rename(columns=MEMBER_HEADERS)[list(MEMBER_HEADERS.values())],
               title="EPCI membres (dans l'ordre où le regroupement les a réunis)")



def rank_basins(top: int | None, fmt: str, out, db, custom: bool = False) -> None:
    """``pacte rank --level bassin``: the stored basin ranking (table, csv, csv-fr, json,
    xlsx). Rule files, seeds, draws, quotas and the audit apply to EPCI and ZE only."""
    from pacte import store
    from pacte.errors import InvalidParameterError
    from pacte.export.tables import write_attribution, write_csv_fr, write_xlsx
    from pacte.handlers.basins import basin_ranking

    if custom:
        raise InvalidParameterError(
            "au niveau bassin, seuls --top, --format et --out s'appliquent : le classement "
            "des bassins est calculé à la construction du store avec l'indice par défaut")
    if fmt in ("xlsx", "csv-fr") and out is None:
        raise InvalidParameterError(f"--format {fmt} demande --out FICHIER")
    with store.connect(db) as con:
        df = basin_ranking(con, top).data
    if fmt == "xlsx":
        write_xlsx(df, out, title="Bassins industriels candidats")
    elif fmt == "csv-fr":
        write_csv_fr(df, out)
    elif out is not None:
        text = (df.to_csv(index=False, lineterminator="\n") if fmt == "csv" else
                df.to_json(orient="records", force_ascii=False, indent=1) + "\n")
        Path(out).write_text(text, encoding="utf-8")
        write_attribution(out)
    else:
        print_basin_ranking(df, fmt)
        return
    err.print(f"{len(df)} bassins écrits dans {out}")
