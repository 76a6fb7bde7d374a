"""The national report (issue 6, main job): ranking as CSV (French habits) and XLSX, a static
map of the score (PNG), and a self-contained index.html in French.

``build_national_report(con, out_dir)`` writes the four files and returns their paths and the
top 20; ``print_top(df)`` prints that top in the terminal. ``render_*`` write one file each.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from pacte.composite import Config, load_config
from pacte.output import fr_number, render
from pacte.targeting import rank_territories

#: French headers of the ranking columns (dimension columns are added from the index file).
HEADERS = {
    "rank": "Rang", "code": "Code", "name": "Nom", "score": "Score",
    "rank_low": "Rang le meilleur (5e centile)", "rank_high": "Rang le moins bon (95e centile)",
    "area_type": "Type d'espace", "type": "Type de territoire",
    "top_dimension": "Dimension principale", "reg": "Code région", "reg_name": "Région",
    "population": "Population", "n_imputed": "Valeurs imputées",
    "peers": "Territoires les plus semblables", "selected": "Sélectionné",
}
LEVEL_NAMES = {"epci": "EPCI", "ze2020": "zones d'emploi 2020", "ze2010": "zones d'emploi 2010"}
TOP_SHOWN = 50


def french_headers(df: pd.DataFrame) -> dict[str, str]:
    """Column -> French header, with the dimensions' labels (``df.attrs['dimensions']``)."""
    out = dict(HEADERS)
    for dim_id, label in df.attrs.get("dimensions", {}).items():
        out[f"dim_{dim_id}"] = f"Score : {label}"
        out[f"contrib_{dim_id}"] = f"Contribution : {label}"
    return {c: out.get(c, c) for c in df.columns}


def render_csv_fr(df: pd.DataFrame, path: Path) -> Path:
    """CSV as French analysts open it in Excel: ';' separator, decimal comma, UTF-8 + BOM."""
    df.rename(columns=french_headers(df)).to_csv(path, sep=";", decimal=",", index=False,
                                                   encoding="utf-8-sig", float_format="%.4f")
    return path


def render_xlsx(df: pd.DataFrame, path: Path, title: str = "Classement") -> Path:
    """XLSX with French headers, frozen header row, filters and number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    heads = french_headers(df)
    ws.append([heads[c] for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([None if isinstance(v, float) and np.isnan(v) else
                   v.item() if isinstance(v, np.generic) else v for v in row])
    for j, col in enumerate(df.columns, 1):
        fmt = ("0.00" if col == "score" or col.startswith(("dim_", "contrib_"))
               else "#,##0" if col == "population" else None)
        letter = get_column_letter(j)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        width = max(len(heads[col]), *(len(str(v)) for v in df[col].head(200)))
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)
    return path


def _rings(geometry: str) -> list[np.ndarray]:
    """Exterior rings of a GeoJSON (Multi)Polygon as (m, 2) arrays (holes are left out:
    enclaves are drawn on top, smallest last)."""
    g = json.loads(geometry)
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return [np.asarray(p[0], float) for p in polys]


#: Metropolitan France (with Corsica) and the DOM insets: lon/lat boxes.
METRO_BOX = (-5.5, 10.0, 41.2, 51.3)
DOM = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
       "976": "Mayotte"}


def render_map(con, ranked: pd.DataFrame, path: Path, level: str = "epci",
               highlight: int = TOP_SHOWN) -> Path | None:
    """Choropleth of the score (PolyCollection, matplotlib): metropolitan France, the DOM as
    insets; the top ``highlight`` outlined. None when the level has no contours."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    from matplotlib.collections import PolyCollection

    table = f"contours_{level}"
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [table]).fetchone()[0]:
        return None
    geo = con.execute(f"SELECT c.code, c.geometry, t.dep FROM {table} c LEFT JOIN territory t "
                      "ON t.level = ? AND t.code = c.code", [level]).df()
    geo = geo.merge(ranked[["code", "score", "rank"]], on="code", how="left")
    lo, hi = np.nanpercentile(geo["score"], [2, 98])
    cmap, norm = plt.get_cmap("YlOrRd"), plt.Normalize(lo, hi)
    fig = plt.figure(figsize=(9, 8.5), dpi=110)
    main = fig.add_axes((0.0, 0.08, 0.78, 0.9))
    insets = {d: fig.add_axes((0.80, 0.80 - 0.18 * i, 0.18, 0.16))
              for i, d in enumerate(DOM)}
    for ax, sub in [(main, geo[~geo["dep"].fillna("").str.startswith("97")])] + [
            (insets[d], geo[geo["dep"] == d]) for d in DOM]:
        polys, colors, edges, sizes, widths = [], [], [], [], []
        for row in sub.itertuples():
            for ring in _rings(row.geometry):
                polys.append(ring)
                colors.append("#dddddd" if np.isnan(row.score) else cmap(norm(row.score)))
                top = row.rank <= highlight if not np.isnan(row.rank) else False
                edges.append((0, 0, 0, 0.9) if top else (1, 1, 1, 0.4))
                widths.append(0.9 if top else 0.2)
                sizes.append(np.ptp(ring[:, 0]) * np.ptp(ring[:, 1]))
        order = np.argsort(sizes)[::-1]  # big first: enclaves stay visible
        ax.add_collection(PolyCollection([polys[i] for i in order],
                                         facecolors=[colors[i] for i in order],
                                         edgecolors=[edges[i] for i in order],
                                         linewidths=[widths[i] for i in order]))
        if polys:
            xy = np.vstack(polys)
            ax.set_xlim(xy[:, 0].min(), xy[:, 0].max())
            ax.set_ylim(xy[:, 1].min(), xy[:, 1].max())
        ax.set_aspect(1 / np.cos(np.radians(ax.get_ylim()[0] / 2 + ax.get_ylim()[1] / 2)))
        ax.set_axis_off()
    for d, ax in insets.items():
        ax.set_title(DOM[d], fontsize=7)
    bar = fig.add_axes((0.1, 0.06, 0.58, 0.02))
    cb = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=bar,
                      orientation="horizontal")
    cb.ax.xaxis.set_major_formatter(  # French decimals: 0,5 not 0.5
        matplotlib.ticker.FuncFormatter(lambda x, _pos: f"{x:.1f}".replace(".", ",")))
    cb.set_label(f"Score de vulnérabilité industrielle (plus foncé = plus prioritaire) ; "
                 f"contour noir : {highlight} premiers", fontsize=8)
    fig.savefig(path)
    plt.close(fig)
    return path


def _method_html(config: Config) -> str:
    from pacte.catalogue import INDICATORS, source_name

    sens = {"higher_is_worse": "plus haut = plus prioritaire",
            "higher_is_better": "plus haut = moins prioritaire"}
    total = sum(d.weight for d in config.dimensions)
    items = []
    for d, dim in enumerate(config.dimensions):
        inds = "".join(
            f"<li>{html.escape(INDICATORS[s.id].label)} — {html.escape(source_name(s.candidates[0][0]))} "
            f"{html.escape(s.candidates[0][1])} ({sens[s.direction]}, poids "
            f"{fr_number(s.weight, 1)})</li>" for s in config.specs if s.dimension == d)
        items.append(f"<li><b>{html.escape(dim.label)}</b> (poids "
                     f"{fr_number(100 * dim.weight / total, 0)} %)<ul>{inds}</ul></li>")
    norm = {"zscore": "centrée-réduite (z-score)", "minmax": "min-max (0 à 1)",
            "rank": "par les rangs"}[config.normalisation]
    agg = {"arithmetic": "moyenne arithmétique pondérée",
           "geometric": "moyenne géométrique pondérée"}[config.aggregation]
    win = (f"Les valeurs extrêmes sont ramenées aux quantiles {fr_number(100 * config.winsorisation[0], 0)} % "
           f"et {fr_number(100 * config.winsorisation[1], 0)} %. " if config.winsorisation else "")
    return (f"<p>Le score combine {len(config.specs)} indicateurs officiels en "
            f"{len(config.dimensions)} dimensions (méthode du <i>Handbook on Constructing "
            "Composite Indicators</i> JRC/OCDE) :</p><ul>" + "".join(items) + "</ul>"
            "<p>Une valeur manquante est remplacée par la médiane nationale (le nombre "
            f"d'imputations est donné pour chaque territoire). {win}Chaque indicateur est "
            f"orienté (plus haut = plus prioritaire) puis normalisé de façon {norm} ; les "
            f"dimensions sont des moyennes pondérées de leurs indicateurs, le score est la "
            f"{agg} des dimensions. Plus le score est élevé, plus le territoire est "
            "industriel, exposé à la mondialisation et touché par la crise.</p>"
            f"<p><b>Incertitude.</b> Le calcul est refait {config.draws} fois en tirant au "
            "hasard les poids (autour des poids ci-dessus) et la normalisation (z-score, "
            "min-max ou rangs). L'intervalle de rang va du 5e au 95e centile des rangs obtenus "
            "(élargi si besoin pour contenir le rang central) : un intervalle étroit signale un "
            "classement robuste aux choix de méthode.</p><p><b>Types.</b> Les territoires sont "
            "regroupés (k-moyennes) selon leurs scores de dimension ; le nom du type décrit le "
            "centre du groupe.</p>")


def _imputed_html(ranked: pd.DataFrame, n_indicators: int) -> str:
    weak = ranked[ranked["n_imputed"] * 2 > n_indicators]
    if weak.empty:
        return ""
    names = ", ".join(f"{html.escape(r.name)} (rang {r.rank})" for r in weak.itertuples())
    return (f"<p><b>Attention :</b> {len(weak)} territoires ont plus de la moitié de leurs "
            f"{n_indicators} indicateurs imputés (données absentes) ; leur rang est peu "
            f"informatif : {names}.</p>")


def render_html(ranked: pd.DataFrame, path: Path, map_path: Path | None, config: Config,
                provenance: pd.DataFrame, build_hash: str) -> Path:
    """index.html, self-contained: the map embedded (base64), method, top 50, sources."""
    level = ranked.attrs.get("level", "epci")
    img = ""
    if map_path is not None:
        data = base64.b64encode(Path(map_path).read_bytes()).decode()
        img = (f'<img src="data:image/png;base64,{data}" alt="Carte du score de vulnérabilité '
               f'industrielle ({LEVEL_NAMES.get(level, level)})" style="max-width:100%">')
    cols = ["rank", "name", "score", "rank_low", "area_type", "type", "top_dimension"]
    rows = "".join(
        f"<tr><td>{r.rank}</td><td>{html.escape(r.name)} <small>({r.code})</small></td>"
        f"<td>{fr_number(r.score, 2)}</td><td>{r.rank_low} – {r.rank_high}</td>"
        f"<td>{html.escape(str(r.area_type))}</td><td>{html.escape(r.type)}</td>"
        f"<td>{html.escape(r.top_dimension)}</td></tr>"
        for r in ranked.head(TOP_SHOWN).itertuples())
    heads = {**HEADERS, "rank_low": "Intervalle de rang (5e–95e centile)"}
    head = "".join(f"<th>{heads[c]}</th>" for c in cols)
    src = "".join(f"<tr><td>{html.escape(str(p.source))}</td><td>{html.escape(str(p.vintage))}"
                  f"</td><td>{html.escape(str(p.licence))}</td></tr>"
                  for p in provenance.itertuples())
    body = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>pacte — territoires industriels les plus vulnérables ({LEVEL_NAMES.get(level, level)})</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em;
color:#222}}table{{border-collapse:collapse;font-size:.9em}}td,th{{border-bottom:1px solid
#ddd;padding:.25em .5em;text-align:left}}th{{background:#f3f3f3}}small{{color:#777}}</style>
</head><body>
<h1>Territoires industriels les plus vulnérables : {LEVEL_NAMES.get(level, level)}</h1>
<p>{len(ranked)} territoires classés par l'indice « {html.escape(config.name)} ». Fichiers :
<a href="classement_{level}.csv">classement_{level}.csv</a>,
<a href="classement_{level}.xlsx">classement_{level}.xlsx</a>.</p>
<h2>Carte du score</h2>{img}
<h2>Méthode</h2>{_method_html(config)}
{_imputed_html(ranked, len(config.specs))}
<h2>Les {TOP_SHOWN} premiers</h2><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h2>Sources et licences</h2><table><thead><tr><th>Source</th><th>Millésime</th>
<th>Licence</th></tr></thead><tbody>{src}</tbody></table>
<p><small>Empreinte du store : {html.escape(build_hash)} ; graine {ranked.attrs.get('seed')},
{ranked.attrs.get('draws')} tirages. Produit par pacte.</small></p>
</body></html>
"""
    path.write_text(body, encoding="utf-8")
    return path


def build_national_report(con, out_dir: Path, level: str = "epci", seed: int = 0,
                          config: Config | None = None, draws: int | None = None) -> dict:
    """Rank every territory of ``level`` and write ``out_dir``: classement_<level>.csv and
    .xlsx, carte_score.png, index.html. Returns the paths and the top 20 (DataFrame)."""
    config = config or load_config()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ranked = rank_territories(con, level, config, seed=seed, draws=draws)
    csv = render_csv_fr(ranked, out_dir / f"classement_{level}.csv")
    xlsx = render_xlsx(ranked, out_dir / f"classement_{level}.xlsx",
                       title=f"Classement {LEVEL_NAMES.get(level, level)}")
    png = render_map(con, ranked, out_dir / "carte_score.png", level)
    prov = con.execute("SELECT source, vintage, licence FROM provenance ORDER BY table_name").df()
    bh = dict(con.execute("SELECT key, value FROM meta").fetchall()).get("build_hash", "?")
    page = render_html(ranked, out_dir / "index.html", png, config, prov, bh)
    return {"csv": csv, "xlsx": xlsx, "map": png, "html": page, "ranking": ranked,
            "top": ranked.head(20)}


def print_top(df: pd.DataFrame, console: Console | None = None, n: int = 20) -> None:
    """The first ``n`` rows of a ranking as a French terminal table."""
    cols = ["rank", "code", "name", "score", "rank_low", "rank_high", "area_type", "type",
            "top_dimension"]
    top = df.head(n)[cols].assign(score=lambda d: d["score"].round(2))
    render(top.rename(columns={**HEADERS, "rank_low": "Rang P5", "rank_high": "Rang P95"}),
           title=f"Les {len(top)} territoires les plus prioritaires",
           console=console or Console(width=max(Console().width, 170)))
