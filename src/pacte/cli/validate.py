"""``pacte validate``: the ranking checked against a list of territories (a programme's
list, a regional selection): AUC, precision and recall in the top k, by région and nature.

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``, when the command is used).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly
from pacte.geography import RANK_LEVELS, Level
from pacte.labels import fr_number


def _pct(x) -> str:
    return "—" if x is None or x != x else fr_number(100 * x, 1) + " %"


def register(app: typer.Typer) -> None:
    """Add ``pacte validate`` to ``app``."""

    @app.command("validate")
    @friendly
    def validate(
        list_file: Annotated[Path, typer.Option(
            "--list", help="Liste de codes : CSV (, ; ou tabulation) ou un code par ligne.")],
        level: Annotated[str, typer.Option(
            "--level", "-l", help=f"Niveau : {', '.join(RANK_LEVELS)}, bassin (les EPCI de "
                                  "la liste rapportés aux bassins candidats).")] = "epci",
        code_column: Annotated[str | None, typer.Option(
            "--code-column", help="Colonne des codes (défaut : code, siren... ou la "
                                  "première).")] = None,
        weights: Annotated[Path | None, typer.Option(
            "--weights", "-w", help="Fichier YAML de l'indice (défaut : indice de pacte).")
        ] = None,
        fmt: FmtOpt = Format.table,
        db: DbOpt = None,
    ) -> None:
        """Compare le classement à une liste de territoires (AUC, précision, rappel)."""
        import pandas as pd

        from pacte import store
        from pacte.cli.tables import render
        from pacte.export.jsonable import jsonable
        from pacte.handlers.validate import validate as run
        from pacte.handlers.validate import validation_summary
        from pacte.targeting.rule import load_rule

        if level == Level.BASSIN:  # a list of EPCI mapped onto the candidate basins
            from pacte.cli.basins import print_basin_validation
            from pacte.handlers.basins import validate_basins
            with store.connect(db) as con:
                print_basin_validation(validate_basins(con, list_file, code_column).data, fmt)
            return
        with store.connect(db) as con:
            data = run(con, list_file, level, code_column,
                       load_rule(weights) if weights else None,
                       str(weights) if weights else None).data
        summary = validation_summary(data)
        if fmt is Format.json:
            # valid JSON: a missing figure (an AUC without both classes) is null, not NaN
            sys.stdout.write(json.dumps(jsonable(summary), ensure_ascii=False, indent=1,
                                        allow_nan=False, default=str) + "\n")
            return
        if fmt is Format.csv:
            groups = pd.concat([data["by_region"].assign(by="région"),
                                data["by_nature"].assign(by="nature")])
            head = pd.DataFrame([{"by": "ensemble", "group": "", "n": None,
                                  "n_listed": data["n_matched"], "auc": data["auc"],
                                  "precision_at_k": data["precision_at_k"],
                                  "recall_at_k": data["recall_at_k"], "k": data["k"]}])
            sys.stdout.write(pd.concat([head, groups], ignore_index=True)[
                ["by", "group", "n", "n_listed", "auc", "precision_at_k", "recall_at_k", "k"]
            ].to_csv(index=False, lineterminator="\n"))
            return
        print(f"Liste {list_file} : {data['n_listed']} codes, {data['n_matched']} territoires "
              f"retrouvés dans le classement ({level})")
        print(f"AUC : {fr_number(data['auc'], 3)} (probabilité qu'un territoire de la liste "
              "soit classé avant un autre ; 0,5 = hasard)")
        print(f"Précision et rappel dans les {data['k']} premiers (k = taille de la liste "
              f"retrouvée) : {_pct(data['precision_at_k'])}, {_pct(data['recall_at_k'])}")
        mapped = data["mapping"][data["mapping"]["listed"] != data["mapping"]["code"]]
        for r in mapped.itertuples():
            print(f"  {r.listed} → {r.code} ({r.how})")
        if data["unknown"]:
            err.print(f"Codes inconnus, ni en vigueur ni rattachables par la géographie "
                      f"({len(data['unknown'])}) : {escape(', '.join(data['unknown']))}")
        if data["unranked"]:
            err.print(f"Territoires de la liste absents du classement : "
                      f"{escape(', '.join(data['unranked']))}")
        for key, title in (("by_region", "Par région"), ("by_nature", "Par nature")):
            df = data[key]
            if len(df):
                render(df.rename(columns={"group": "Groupe", "n": "Territoires",
                                          "n_listed": "Dont listés", "auc": "AUC"}),
                       title=title, footer=False)
        for key, title in (("members_lowest", "Territoires de la liste les moins bien classés"),
                           ("others_highest", "Territoires hors liste les mieux classés")):
            render(data[key], title=title, footer=key == "others_highest")
