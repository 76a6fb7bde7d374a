"""What the dashboard shows, as documents: the metadata sheet of each indicator (the
catalogue's text, the same as ``pacte indicators --list``, with the sources' vintages and
licences) as JSON or as a standalone French HTML page; and the export of several
indicators for a selection of territories (the wide table of ``pacte export``, restricted
to the chosen codes and (indicator, source, period) columns, written by the same writers)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

import duckdb
import pandas as pd

from pacte.catalogue import INDICATORS, MODEL_NAMES, SERIES, SOURCE_TEXTS
from pacte.errors import InvalidParameterError
from pacte.handlers.envelope import Answer, envelope
from pacte.handlers.indicators import catalogue
from pacte.handlers.indicators import indicators as indicator_answer

#: Fields of a sheet, in the order of ``pacte indicators --list``, with their French names.
FIELDS = (("label", "Indicateur"), ("unit", "Unité"), ("direction", "Sens"),
          ("formula", "Définition (formule)"), ("sources", "Sources"), ("levels", "Niveaux"),
          ("periods", "Périodes"), ("resolution", "Résolution"))
#: Columns a selection export may hold (indicator x source x period).
MAX_COLUMNS = 40


def source_names() -> dict[str, str]:
    """Short French name of every job source and model (``rp`` -> « recensement »,
    ``exposure`` -> « mondialisation (WIOD) »...)."""
    return {**{s: ser.name for s, ser in SERIES.items()}, **MODEL_NAMES}


def indicator_sheets(con: duckdb.DuckDBPyConnection, ids: Sequence[str] | None = None
                     ) -> Answer:
    """The metadata sheets of ``ids`` (default: the whole catalogue), the French names of
    the sources and the sectors partitioning each job source; the envelope lists the vintages and licences of the tables they read."""
    cat = catalogue()
    if ids:
        bad = [i for i in ids if i not in INDICATORS]
        if bad:
            raise InvalidParameterError(f"indicateur inconnu : {', '.join(bad)} (`pacte "
                                        "indicators --list` pour le catalogue)")
        cat = cat[cat["id"].isin(ids)]
    cat = cat.assign(resolution=cat["id"].map(lambda i: INDICATORS[i].resolution),
                     source_ids=cat["id"].map(lambda i: list(INDICATORS[i].sources)
                                              or [INDICATORS[i].model]))
    used = sorted({s for ss in cat["source_ids"] for s in ss if s})
    meta = envelope(con, used)
    texts = {s: SOURCE_TEXTS[s].label for s in used if s in SOURCE_TEXTS}
    # the sectors that partition each source's total (the census's CFM overlaps them)
    sectors = {s: list(ser.sectors) if ser.sectors else None for s, ser in SERIES.items()}
    data = {"indicators": cat.to_dict("records"), "source_names": source_names(),
            "source_texts": texts, "series_sectors": sectors}
    return Answer(data, meta)


def render_sheet_html(sheet: dict, meta: dict) -> str:
    """One indicator's sheet as a standalone French HTML page (no script, no remote
    resource): the catalogue's fields, then the sources' vintages and licences."""
    rows = "".join(f"<tr><th>{escape(name)}</th><td>{escape(str(sheet.get(key, '')))}</td></tr>"
                   for key, name in FIELDS)
    srcs = "".join(f"<li>{escape(str(s.get('source')))} — {escape(str(s.get('vintage')))} — "
                   f"{escape(str(s.get('licence')))}</li>" for s in meta.get("sources", []))
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>Fiche de métadonnées — {escape(sheet['label'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;color:#1d2330}}
th{{text-align:left;vertical-align:top;padding:4px 12px 4px 0;color:#5b6474;font-weight:600}}
td{{padding:4px 0}}table{{border-collapse:collapse}}tr{{border-bottom:1px solid #e4e7ec}}
code{{font-size:90%}}.sub{{color:#5b6474;font-size:90%}}</style></head>
<body><h1>{escape(sheet['label'])}</h1>
<p class="sub">Fiche de métadonnées pacte, identifiant <code>{escape(sheet['id'])}</code>
(famille : {escape(str(sheet.get('family_label', '')))}) ; même texte que
<code>pacte indicators --list</code>.</p>
<table>{rows}</table>
<h2>Sources, millésimes et licences</h2><ul>{srcs}</ul>
<p class="sub">{escape(str(meta.get('attribution', '')))} · store {escape(str(meta.get('build_hash')))}
(construit le {escape(str(meta.get('built_at') or '')[:10])})</p>
</body></html>
"""


def selection_table(con: duckdb.DuckDBPyConnection, level: str,
                    columns: Sequence[tuple[str, str, str]], codes: Sequence[str] | None
                    ) -> Answer:
    """The wide table (:func:`pacte.export.wide.wide_table`, a
    :class:`~pacte.export.table.Table`) of ``columns`` (indicator, source, period) for
    ``codes`` in their order (default: every territory of ``level``)."""
    from pacte.export.wide import wide_table

    if not columns:
        raise InvalidParameterError("export de la sélection : choisissez au moins un "
                                    "indicateur")
    if len(columns) > MAX_COLUMNS:
        raise InvalidParameterError(f"export de la sélection : {len(columns)} colonnes, au "
                                    f"plus {MAX_COLUMNS}")
    ids = list(dict.fromkeys(c[0] for c in columns))
    bad = [i for i in ids if i not in INDICATORS]
    if bad:
        raise InvalidParameterError(f"indicateur inconnu : {', '.join(bad)}")
    ans = indicator_answer(con, level, ids)
    long = ans.data
    keys = pd.DataFrame(list(columns), columns=["indicator", "source", "period"]).astype(str)
    long = long.merge(keys.drop_duplicates(), on=["indicator", "source", "period"])
    missing = keys.merge(long[["indicator", "source", "period"]].drop_duplicates(),
                         how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    if not missing.empty:
        r = missing.iloc[0]
        raise InvalidParameterError(f"export de la sélection : pas de valeur pour "
                                    f"{r['indicator']}, source {r['source']}, période "
                                    f"{r['period']} au niveau {level}")
    table = wide_table(long)
    if codes:
        df = table.frame
        known = set(df["code"])
        bad = [c for c in codes if c not in known]
        if bad:
            raise InvalidParameterError(f"export de la sélection : code(s) inconnu(s) au "
                                        f"niveau {level} : {', '.join(bad[:5])}")
        table = table.rows(df.set_index("code", drop=False).loc[list(dict.fromkeys(codes))])
    meta = {**ans.meta, "level": level, "indicators": ids, "period": "selon la colonne"}
    return Answer(table, meta)


def write_selection(con: duckdb.DuckDBPyConnection, level: str,
                    columns: Sequence[tuple[str, str, str]], codes: Sequence[str] | None,
                    fmt: str, out: Path) -> tuple[int, dict]:
    """Write the selection as ``csv-fr`` (French Excel) or ``xlsx`` (with its Sources and
    Définitions sheets): (rows written, envelope). The CSV is downloaded alone from the
    dashboard: its provenance (sources, vintages, licences, store) follows the rows, after
    an empty line; the header stays the first line."""
    from pacte.export.tables import provenance_lines, write_csv_fr
    from pacte.export.workbook import write_wide_xlsx

    ans = selection_table(con, level, columns, codes)
    if fmt == "csv-fr":
        write_csv_fr(ans.data, out, attribution=None, footer=provenance_lines(ans.meta))
    elif fmt == "xlsx":
        write_wide_xlsx(ans.data, out, ans.meta, title=f"Sélection {level}")
    else:
        raise InvalidParameterError(f"format d'export inconnu : {fmt!r} (csv-fr ou xlsx)")
    return len(ans.data), ans.meta
