"""``pacte rank``: the ranking of the territories of a level by the composite index.

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``, when the command is used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

import sys
import textwrap
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, check_writable_file, err, friendly
from pacte.errors import InvalidParameterError
from pacte.geography import RANK_LEVELS, Level
from pacte.labels import RANKING_LABELS as HEADERS
from pacte.labels import count_title, fr_number, ranking_title, upper_first

#: Columns of the terminal table; csv, json and xlsx get every column.
TABLE_COLUMNS = ["rank", "code", "name", "score", "rank_low", "rank_high", "p_top", "tier",
                 "area_type", "type", "top_dimension"]


class RankFormat(StrEnum):
    table = "table"
    csv = "csv"
    csv_fr = "csv-fr"
    json = "json"
    xlsx = "xlsx"


def register(app: typer.Typer) -> None:
    """Add ``pacte rank`` to ``app``."""

    @app.command("rank")
    @friendly
    def rank(
        level: Annotated[str, typer.Option(
            "--level", "-l", help=f"Niveau : {', '.join(RANK_LEVELS)}, bassin.")] = "epci",
        top: Annotated[int | None, typer.Option(
            "--top", "-n", help="Ne garder que les N territoires sélectionnés ; probabilité "
            "d'être dans les N premiers et palier (retenu, incertain, écarté) pour ce N "
            "(défaut : la taille de programme du fichier, 100).")] = None,
        rural_quota: Annotated[int, typer.Option(
            "--rural-quota", help="Au moins N territoires ruraux dans la sélection.")] = 0,
        urban_quota: Annotated[int, typer.Option(
            "--urban-quota", help="Au moins N territoires urbains dans la sélection.")] = 0,
        per_region: Annotated[bool, typer.Option(
            "--per-region", help="Sélection (--top, quotas) dans chaque région.")] = False,
        weights: Annotated[Path | None, typer.Option(
            "--weights", "-w", help="Fichier YAML de l'indice (défaut : indice de pacte).")
        ] = None,
        seed: Annotated[int, typer.Option("--seed", help="Graine du Monte Carlo.")] = 0,
        draws: Annotated[int | None, typer.Option(
            "--draws", help="Tirages Monte Carlo (défaut : celui du fichier, 1000).")] = None,
        fmt: Annotated[RankFormat, typer.Option(
            "--format", "-f", help="table, csv, csv-fr (Excel français : « ; », virgule décimale), "
            "json ou xlsx.")] = RankFormat.table,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Fichier de sortie (obligatoire pour xlsx).")] = None,
        db: DbOpt = None,
        audit: Annotated[bool, typer.Option(
            "--audit", help="Affiche l'audit statistique de l'indice (corrélations, alpha de "
                            "Cronbach, importance effective, sensibilité) au lieu du "
                            "classement.")] = False,
    ) -> None:
        """Classe les territoires par l'indice composite de vulnérabilité industrielle."""
        from pacte import store
        from pacte.handlers.ranking_rows import check_ranking, default_ranking_rows

        if fmt in (RankFormat.xlsx, RankFormat.csv_fr) and out is None:
            raise InvalidParameterError(f"--format {fmt.value} demande --out FICHIER")
        if fmt is RankFormat.table and out is not None:
            raise InvalidParameterError("--out demande --format csv, json ou xlsx")
        if level == Level.BASSIN:  # candidate basins, ranked at build time
            from pacte.cli.basins import rank_basins
            rank_basins(top, fmt.value, out, db, custom=bool(
                weights or seed or draws or audit or rural_quota or urban_quota or per_region))
            return
        check_ranking(level, top, rural_quota, urban_quota, per_region, seed, draws)
        if weights:
            from pacte.targeting.rule import load_rule
            rule = load_rule(weights)
        else:
            rule = None
        if audit:
            print_audit(db, level, weights)
            return
        if out is not None:
            check_writable_file(out, "--out")
        stored = (out is None and rule is None and fmt in (RankFormat.table, RankFormat.csv,
                                                           RankFormat.json)
                  and not (rural_quota or urban_quota or per_region))
        with store.connect(db) as con:  # the stored default answer, else computed
            rows = default_ranking_rows(con, level, top, seed, draws) if stored else None
            if rows is None:
                from pacte.handlers.ranking import ranking

                answer = ranking(con, level, top, rural_quota, urban_quota, per_region, rule,
                                 seed, draws, rule_source=str(weights) if weights else None)
        if rows is not None:
            print_rows(rows, level, fmt)
            return
        print_answer(answer, level, fmt, out, per_region)


def print_rows(ans, level: str, fmt: RankFormat) -> None:
    """The stored default ranking (:class:`pacte.handlers.ranking_rows.RankingRows`) as a
    table, CSV or JSON: the same bytes as :func:`print_answer` for the same ranking."""
    from pacte.cli.tables import render
    from pacte.export.cells import neutralise
    from pacte.store.rows import Rows, csv_text, json_text

    print_skipped(ans.skipped)
    rows = ans.rows
    if fmt is RankFormat.table:
        cols = list(TABLE_COLUMNS)
        if "eligible_rank" in rows.columns:
            cols.insert(cols.index("rank") + 1, "eligible_rank")
        shown = rows.select(cols)
        i = shown.columns.index("p_top")
        shown = Rows(shown.columns, [(*r[:i], fr_number(r[i], 2), *r[i + 1:])
                                     for r in shown.rows],
                     (*shown.numeric[:i], False, *shown.numeric[i + 1:]))
        render(shown.renamed(_table_headers(ans.size)),
               title=_table_title(level, len(rows), ans.draws, ans.size))
        print_unranked({"unranked": ans.unranked})
        return
    if fmt is RankFormat.csv:  # formula-like texts neutralised, as every CSV writer does
        safe = Rows(tuple(neutralise(c) for c in rows.columns),
                    [tuple(neutralise(v) for v in r) for r in rows.rows], rows.numeric)
        sys.stdout.write(csv_text(safe))
    else:
        sys.stdout.write(json_text(rows))


def _table_headers(size: int) -> dict[str, str]:
    return {**HEADERS, "region_rank": "Rang régional", "rank_low": "Rang P5",
            "eligible_rank": "Rang éligible", "rank_high": "Rang P95", "p_top": f"P(≤ {size})"}


def _table_title(level: str, n: int, draws: int, size: int) -> str:
    return (f"{ranking_title(level, n)} (intervalle de rang P5-P95, {fr_number(draws)} "
            f"tirages ; P(≤ {size}) : probabilité d'être dans les {size} premiers)")


def print_answer(answer, level: str, fmt: RankFormat, out: Path | None,
                 per_region: bool) -> None:
    """A computed ranking (:func:`pacte.handlers.ranking.ranking`) in ``fmt``, on standard
    output or into ``out``."""
    from pacte.cli.tables import records, render
    from pacte.export.atomic import write_text
    from pacte.export.cells import safe_frame
    from pacte.export.tables import write_attribution, write_csv_fr, write_xlsx
    from pacte.store.rows import json_text

    df = answer.data
    print_skipped(answer.meta.get("skipped") or [])
    if fmt is RankFormat.xlsx:  # the writers of pacte export / the national report
        write_xlsx(df, out, title=ranking_title(level), dimensions=answer.meta["dimensions"])
        err.print(f"{count_title(len(df))} écrits dans {out}")
        return
    if fmt is RankFormat.csv_fr:
        write_csv_fr(df, out, dimensions=answer.meta["dimensions"])
        err.print(f"{count_title(len(df))} écrits dans {out}")
        return
    if fmt is RankFormat.table:
        cols = (["region_rank", "reg_name"] if per_region else []) + TABLE_COLUMNS
        if "eligible_rank" in df.columns:  # the rank a programme uses, beside the rank
            cols.insert(cols.index("rank") + 1, "eligible_rank")
        size = answer.meta["programme"]["size"]
        shown = df[cols].assign(p_top=df["p_top"].map(lambda v: fr_number(v, 2))).rename(
            columns=_table_headers(size))
        render(shown, title=_table_title(level, len(df), answer.meta["draws"], size))
        print_unranked(answer.meta)
        return
    text = (safe_frame(df).to_csv(index=False, lineterminator="\n")
            if fmt is RankFormat.csv
            else json_text(records(df)))
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(out, text)
        write_attribution(out)
        err.print(f"{count_title(len(df))} écrits dans {out} (sources : "
                  f"{out}.sources.txt)")


def print_skipped(skipped: list[dict]) -> None:
    """Say which ranks a top N left out, and why (on standard error: the data stay clean)."""
    from pacte.cli.plain import plain_print
    from pacte.labels import fr_ordinal

    if not skipped:
        return
    lines = [f"{count_title(len(skipped), 'rang sauté', 'rangs sautés')} (non éligibles) :",
             *(f"  {fr_ordinal(s['rank'])} : {s['name']} ({s['code']}) : {s['reason']}"
               for s in skipped)]
    for line in lines:
        if not plain_print(line, stderr=True, markup=False):
            err.print(line, markup=False)


def print_unranked(meta: dict) -> None:
    """The territories the rule leaves unranked, with the reason (stderr)."""
    from pacte.cli.plain import plain_print

    for u in meta.get("unranked", []):
        message = f"Non classé : {u['name']} ({u['code']}) — {u['reason']}"
        if not plain_print(message, stderr=True):
            err.print(message)


def print_top(df: pd.DataFrame, console: Console | None = None, n: int = 20) -> None:
    """The first ``n`` rows of a ranking as a French terminal table."""
    from rich.console import Console

    from pacte.cli.tables import render

    cols = ["rank", "code", "name", "score", "rank_low", "rank_high", "area_type", "type",
            "top_dimension"]
    top = df.head(n)[cols].assign(score=lambda d: d["score"].round(2))
    render(top.rename(columns={**HEADERS, "rank_low": "Rang P5", "rank_high": "Rang P95"}),
           title=f"Les {len(top)} territoires les plus prioritaires",
           console=console or Console())


def print_audit(db: Path | None, level: str, weights: Path | None) -> None:
    """The statistical audit of the rule (default or ``weights``) at ``level``, in French
    (``pacte rank --audit``), with the rule's eligibility."""
    from pacte import store
    from pacte.targeting.audit import run_audit
    from pacte.targeting.audit_text import render_audit
    from pacte.targeting.eligibility import from_rule
    from pacte.targeting.rule import load_rule

    rule = load_rule(weights)
    config, rules = rule.config, from_rule(rule.eligibility)
    with store.connect(db) as con:
        text = render_audit(run_audit(con, level, config))
        spatial = spatial_audit(con, level) if weights is None else ""
    eligibility = textwrap.fill(upper_first(rules.describe()) + " (appliquée après le score : "
                                "ni les scores ni les rangs ne changent)", 79)
    sys.stdout.write(text + "\n" + eligibility + "\n" + spatial)


def spatial_audit(con, level: str) -> str:
    """The audit's spatial lines (default rule): Moran's I of the score and of each rule
    indicator, and the local clusters, from the statistics stored at build time."""
    from pacte.errors import PacteError
    from pacte.handlers.basins import spatial_statistics

    try:
        ans = spatial_statistics(con, level)
    except PacteError:  # a level or a store without spatial statistics
        return ""
    from pacte.targeting.audit_text import wrap_text

    lines = ["", *wrap_text("Structure spatiale (contiguïté par sommet partagé, I de Moran, p "
                            "par permutations) :")]
    for r in ans.data["moran"].itertuples():
        lines += wrap_text(f"{r.label} : I\xa0=\xa0{fr_number(r.moran_i, 3)} (p\xa0=\xa0"
                           f"{fr_number(r.p_sim, 3)}, {fr_number(r.permutations)} "
                           "permutations)", "  ", "    ")
    counts = ", ".join(f"{r.label} {fr_number(r.n)}" for r in ans.data["clusters"].itertuples())
    lines += wrap_text(f"Grappes locales du score (Moran local) : {counts}", "  ", "    ")
    return "\n".join(lines) + "\n"
