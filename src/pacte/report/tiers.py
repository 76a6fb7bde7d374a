"""The programme's tiers in the national report: a map (PNG) of « retenu / incertain /
écarté / non classé », and the French text saying what the rank intervals and the tiers
mean and what they do not cover."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pacte.labels import ATTRIBUTION, fr_number
from pacte.report.maps import FranceCanvas, france_canvas
from pacte.targeting.facts import RankingFacts
from pacte.targeting.rule import Config
from pacte.targeting.tiers import EXCLUDED, RETAINED, UNCERTAIN, UNRANKED, calc_tier_counts
from pacte.targeting.uncertainty import SOURCE_LABELS

#: Colours of the tiers (colour-blind safe: dark red, orange, pale, grey).
TIER_COLOURS = {RETAINED: "#b2182b", UNCERTAIN: "#f4a582", EXCLUDED: "#f7f7f7",
                UNRANKED: "#9e9e9e"}


def render_tier_map(con, ranked: pd.DataFrame, facts: RankingFacts, path: Path,
                    level: str = "epci", canvas: FranceCanvas | None = None) -> Path | None:
    """Map of each territory's tier for the ranking's programme size (``tier_size``);
    territories left unranked in grey. None when the level has no contours or the ranking
    no tiers."""
    if "tier" not in ranked:
        return None
    size = facts.tier_size
    counts = calc_tier_counts(ranked["tier"].to_numpy())
    legend = [(TIER_COLOURS[t], f"{t} ({fr_number(counts[t])})")
              for t in (RETAINED, UNCERTAIN, EXCLUDED)]
    legend.append((TIER_COLOURS[UNRANKED],
                   f"{UNRANKED} ({fr_number(len(facts.unranked))})"))
    colours = {c: TIER_COLOURS[t] for c, t in zip(ranked["code"], ranked["tier"], strict=True)}
    return render_category_map(con, level, colours, TIER_COLOURS[UNRANKED], legend,
                               f"Palier pour un programme de {size} territoires", path,
                               canvas)


def render_category_map(con, level: str, colours: dict[str, str], missing: str,
                        legend: list[tuple[str, str]], title: str, path: Path,
                        canvas: FranceCanvas | None = None) -> Path | None:
    """A map of the territories of ``level`` coloured by category (``colours``: code ->
    colour; ``missing`` for the others), mainland and overseas insets, a legend of
    (colour, label) and the attribution. None when the level has no contours. ``canvas``:
    the report's :func:`~pacte.report.maps.france_canvas` (else a figure of its own)."""
    if canvas is None:
        with france_canvas(con, level) as own:
            return None if own is None else render_category_map(
                con, level, colours, missing, legend, title, path, own)
    from matplotlib.colors import to_rgba_array
    from matplotlib.patches import Patch

    faces = to_rgba_array([colours.get(c, missing) for c in canvas.geo.codes])
    canvas.colour(faces, (0.4, 0.4, 0.4, 0.5), 0.2)
    handles = [Patch(facecolor=c, edgecolor="#666", label=lab) for c, lab in legend]
    leg = canvas.main.legend(handles=handles, loc="lower left", fontsize=8, frameon=False,
                             title=title, title_fontsize=8)
    text = canvas.fig.text(0.01, 0.01, ATTRIBUTION, fontsize=6, color="#555")
    return canvas.save(path, [leg, text])


def uncertainty_html(config: Config) -> str:
    """What the rank intervals and the tiers mean, and what they do not cover (French)."""
    unc, prog = config.uncertainty, config.programme
    on = [SOURCE_LABELS[s] for s in unc.sources]
    off = [SOURCE_LABELS[s] for s in SOURCE_LABELS if s not in unc.sources]
    sampling = ("l'erreur d'échantillonnage du recensement (les emplois par fonction "
                "viennent d'un échantillon des bulletins : chaque effectif est retiré avec la "
                f"variance N (1 − f) / f, f = {fr_number(unc.sampling_rate, 2)}, puis les "
                "indicateurs sont recalculés)" if "sampling" in unc.sources else "")
    return (
        f"<p><b>Incertitude.</b> Le calcul est refait {fr_number(unc.draws)} fois ; chaque "
        "tirage fait varier à la fois : " + html.escape("; ".join(on) or "rien") +
        (f" — dont {html.escape(sampling)}" if sampling else "") + ". "
        "L'intervalle de rang va du 5e au 95e centile des rangs obtenus (élargi si besoin "
        "pour contenir le rang central).</p>"
        f"<p><b>Paliers.</b> Pour un programme de N territoires (ici N = {prog.size}, "
        "`pacte rank --top N` pour un autre N), la probabilité d'être dans les N premiers "
        "territoires éligibles est la part des tirages où il y est. « Retenu » : au moins "
        f"{fr_number(prog.retained, 2)} ; « écarté » : au plus {fr_number(prog.excluded, 2)} ; "
        "« incertain » entre les deux : le choisir ou non relève d'un arbitrage que les "
        "données et la méthode ne tranchent pas.</p>"
        "<p><b>Ce que cela ne couvre pas.</b> Un intervalle étroit ou un palier « retenu » "
        "disent seulement que le rang résiste aux variations tirées ci-dessus"
        + (f" (non tirées ici : {html.escape('; '.join(off))})" if off else "") +
        ". Ils ne couvrent ni le choix des indicateurs eux-mêmes et de ce qu'ils mesurent, "
        "ni les erreurs des sources administratives (ESTEL, URSSAF) ni les révisions des "
        "données, ni l'effet de grappe des ménages dans l'échantillon du recensement, ni "
        "l'écart entre les dates des données (2006-2016) et la situation actuelle. Ce ne "
        "sont pas des intervalles de confiance sur une « vraie » vulnérabilité.</p>")


def tiers_html(ranked: pd.DataFrame, facts: RankingFacts, map_path: Path | None) -> str:
    """Counts of the tiers, their map, and the territories left unranked with the reason."""
    if "tier" not in ranked:
        return ""
    import base64

    size = facts.tier_size
    counts = calc_tier_counts(ranked["tier"].to_numpy())
    img = ""
    if map_path is not None:
        data = base64.b64encode(Path(map_path).read_bytes()).decode()
        img = (f'<img src="data:image/png;base64,{data}" alt="Carte des paliers pour un '
               f'programme de {size} territoires" style="max-width:100%">')
    unranked = facts.unranked
    rows = "".join(f"<li>{html.escape(u['name'])} ({u['code']}) : {html.escape(u['reason'])}"
                   "</li>" for u in unranked)
    return (f"<h2>Paliers d'un programme de {size} territoires</h2>"
            f"<p>{fr_number(counts[RETAINED])} retenus, {fr_number(counts[UNCERTAIN])} "
            f"incertains, {fr_number(counts[EXCLUDED])} écartés.</p>{img}"
            + (f"<p><b>Non classés</b> ({len(unranked)}) :</p><ul>{rows}</ul>" if rows else ""))
