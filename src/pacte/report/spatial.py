"""Spatial structure in the national report: Moran's I of the score and of each rule
indicator (stored at build time by :mod:`pacte.spatial`), and a map of the local Moran
clusters (LISA) of the score: where vulnerable territories neighbour each other."""

from __future__ import annotations

import html
from pathlib import Path

from pacte.labels import fr_number
from pacte.report.maps import FranceCanvas
from pacte.report.tiers import render_category_map

#: Clusters of the local Moran of the score, their French names and colours (the usual
#: LISA palette: red High-High, blue Low-Low, pale outliers, grey otherwise).
CLUSTERS = {"HH": ("Haut-Haut (grappe vulnérable)", "#d7191c"),
            "LL": ("Bas-Bas (grappe peu vulnérable)", "#2c7bb6"),
            "HL": ("Haut-Bas (îlot vulnérable)", "#fdae61"),
            "LH": ("Bas-Haut (îlot peu vulnérable)", "#abd9e9"),
            "NS": ("non significatif", "#f0f0f0")}
OTHER = "#bdbdbd"


def _has(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_name = ?", [table]).fetchall()[0][0])


def render_cluster_map(con, path: Path, level: str = "epci",
                       canvas: FranceCanvas | None = None) -> Path | None:
    """Map of the LISA clusters of the score at ``level`` (None without spatial tables);
    ``canvas``: the report's :func:`~pacte.report.maps.france_canvas`."""
    if not _has(con, "spatial_lisa"):
        return None
    rows = con.execute("SELECT code, cluster FROM spatial_lisa WHERE level = ?",
                       [level]).fetchall()
    if not rows:
        return None
    counts: dict[str, int] = {}
    for _, c in rows:
        counts[c] = counts.get(c, 0) + 1
    colours = {code: CLUSTERS[c][1] for code, c in rows if c in CLUSTERS}
    legend = [(col, f"{lab} ({fr_number(counts.get(k, 0))})")
              for k, (lab, col) in CLUSTERS.items()]
    legend.append((OTHER, f"sans voisin ou non classé "
                          f"({fr_number(sum(v for k, v in counts.items() if k not in CLUSTERS))})"))
    return render_category_map(con, level, colours, OTHER, legend,
                               "Grappes du score (Moran local, p < 0,05)", path, canvas)


def spatial_html(con, cluster_map: Path | None, level: str = "epci") -> str:
    """The report's section: Moran's I of the score and of the rule's indicators, with
    permutation p-values, and the cluster map (embedded)."""
    import base64

    if not _has(con, "spatial_moran"):
        return ""
    rows = con.execute("SELECT label, moran_i, p_sim, permutations, n, n_left_out "
                       "FROM spatial_moran WHERE level = ? ORDER BY variable <> 'score', "
                       "variable", [level]).fetchall()
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{html.escape(str(lab))}</td><td>{fr_number(i, 3)}</td>"
        f"<td>{fr_number(p, 3)} ({fr_number(perm)} permutations)</td>"
        f"<td>{fr_number(n)} ({fr_number(out)} sans voisin ou non classés)</td></tr>"
        for lab, i, p, perm, n, out in rows)
    img = ""
    if cluster_map is not None:
        data = base64.b64encode(Path(cluster_map).read_bytes()).decode()
        img = (f'<img src="data:image/png;base64,{data}" alt="Carte des grappes du score '
               '(Moran local)" style="max-width:100%">')
    return ("<h2>Structure spatiale</h2><p>Les territoires voisins (contiguïté par sommet "
            "partagé) ne sont pas indépendants : l'I de Moran mesure combien le score et ses "
            "indicateurs se ressemblent entre voisins (0 : aucune ressemblance ; p : part des "
            "permutations aléatoires qui font au moins aussi bien). La carte montre les "
            "grappes locales du score ; les bassins candidats (« pacte basins ») en partent. "
            "Une grappe est une piste de lecture, pas un périmètre.</p>"
            "<table><thead><tr><th>Variable</th><th>I de Moran</th><th>p (permutations)"
            f"</th><th>Territoires</th></tr></thead><tbody>{body}</tbody></table>{img}")
