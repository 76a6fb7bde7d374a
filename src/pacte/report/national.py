"""The national report: ranking as CSV (French habits) and XLSX, a static
map of the score (PNG), and a self-contained index.html in French.

``build_national_report(con, out_dir)`` writes the four files and returns their paths and the
top 20 (:func:`render_national_report` writes them in a temporary folder, swapped in by its
:class:`PendingReport`; :class:`ReportBeside` renders them during ``pacte run``'s build).
``render_*`` write one file each; the table writers are in :mod:`pacte.export`.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.export.tables import SOURCES_SUFFIX, write_csv_fr, write_xlsx
from pacte.handlers.ranking import ranking
from pacte.labels import ATTRIBUTION, fr_number
from pacte.labels import LEVEL_PLURALS as LEVEL_NAMES
from pacte.labels import RANKING_LABELS as HEADERS
from pacte.report.maps import TOP_SHOWN, france_canvas, render_map
from pacte.report.spatial import render_cluster_map, spatial_html
from pacte.report.tiers import render_tier_map, tiers_html, uncertainty_html
from pacte.store.heap import release_duckdb_heap, release_heap
from pacte.targeting import Config, load_config
from pacte.targeting.audit import indicator_name, run_audit
from pacte.targeting.audit_text import render_audit_html
from pacte.targeting.facts import RankingFacts
from pacte.targeting.index import rank_territories
from pacte.targeting.tiers import with_tiers


def _method_html(config: Config) -> str:
    sens = {"higher_is_worse": "plus haut = plus prioritaire",
            "higher_is_better": "plus haut = moins prioritaire"}
    total = sum(d.weight for d in config.dimensions)
    items = []
    for d, dim in enumerate(config.dimensions):
        inds = "".join(
            f"<li>{html.escape(indicator_name(s.id, *s.candidates[0]))} ({sens[s.direction]}, poids "
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
            f"prioritaire selon les dimensions de la règle : {_dimensions_text(config)}.</p>"
            f"{uncertainty_html(config)}<p><b>Types.</b> Les territoires sont "
            "regroupés (k-moyennes) selon leurs scores de dimension ; le nom du type décrit le "
            "centre du groupe.</p>")


def _dimensions_text(config: Config) -> str:
    """The rule's dimensions in words, each with the direction of its indicators (the
    method text says what the rule measures, never a dimension it does not have)."""
    parts = []
    for d, dim in enumerate(config.dimensions):
        dirs = {s.direction for s in config.specs if s.dimension == d}
        how = ("valeurs élevées" if dirs == {"higher_is_worse"} else "valeurs faibles"
               if dirs == {"higher_is_better"} else "selon le sens de chaque indicateur")
        parts.append(f"« {html.escape(dim.label)} » ({how})")
    return ", ".join(parts)


def _imputed_html(ranked: pd.DataFrame, n_indicators: int) -> str:
    weak = ranked[ranked["n_imputed"] * 2 > n_indicators]
    if weak.empty:
        return ""
    names = ", ".join(f"{html.escape(r.name)} (rang {r.rank})" for r in weak.itertuples())
    return (f"<p><b>Attention :</b> {len(weak)} territoires ont plus de la moitié de leurs "
            f"{n_indicators} indicateurs imputés (données absentes) ; leur rang est peu "
            f"informatif : {names}.</p>")


def _cell(r, col: str) -> str:
    """One cell of the top table, in French."""
    if col == "name":
        return f"{html.escape(r.name)} <small>({r.code})</small>"
    if col == "score":
        return fr_number(r.score, 2)
    if col == "rank_low":
        return f"{fr_number(r.rank_low)} – {fr_number(r.rank_high)}"
    if col == "eligible_rank":
        if not getattr(r, "eligible", True):
            return f"non éligible ({html.escape(str(r.eligibility_note))})"
        return fr_number(r.eligible_rank) if pd.notna(r.eligible_rank) else "—"
    if col == "rank":
        return fr_number(r.rank)
    value = getattr(r, col)
    return "—" if value is None or (isinstance(value, float) and pd.isna(value)) \
        else html.escape(str(value))


def render_html(ranked: pd.DataFrame, facts: RankingFacts, path: Path, map_path: Path | None,
                config: Config, provenance: pd.DataFrame, build_hash: str, audit_html: str = "",
                tier_map: Path | None = None, spatial: str = "") -> Path:
    """index.html, self-contained: the map embedded (base64), method, top 50, sources."""
    level = facts.level
    img = ""
    if map_path is not None:
        data = base64.b64encode(Path(map_path).read_bytes()).decode()
        img = (f'<img src="data:image/png;base64,{data}" alt="Carte du score de vulnérabilité '
               f'industrielle ({LEVEL_NAMES.get(level, level)})" style="max-width:100%">')
    cols = ["rank", "name", "score", "rank_low", "eligible_rank", "tier", "area_type", "type",
            "top_dimension"]
    cols = [c for c in cols if c in ranked.columns or c == "rank_low"]
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(r, c)}</td>" for c in cols) + "</tr>"
        for r in ranked.head(TOP_SHOWN).itertuples())
    heads = {**HEADERS, "rank_low": "Intervalle de rang (5e–95e centile)",
             "eligible_rank": "Rang parmi les éligibles (ou motif d'exclusion)"}
    head = "".join(f"<th>{heads[c]}</th>" for c in cols)
    src = "".join(f"<tr><td>{html.escape(str(p.source))}</td><td>{html.escape(str(p.vintage))}"
                  f"</td><td>{html.escape(str(p.licence))}</td></tr>"
                  for p in provenance.itertuples())
    body = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>pacte — territoires industriels les plus vulnérables ({LEVEL_NAMES.get(level, level)})</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em;
color:#222}}table{{border-collapse:collapse;font-size:.9em}}td,th{{border-bottom:1px solid
#ddd;padding:.25em .5em;text-align:left}}th{{background:#f3f3f3}}small{{color:#777}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}}table.audit{{margin-bottom:.5em}}</style>
</head><body>
<h1>Territoires industriels les plus vulnérables : {LEVEL_NAMES.get(level, level)}</h1>
<p>{len(ranked)} territoires classés par l'indice « {html.escape(config.name)} ». Fichiers :
<a href="classement_{level}.csv">classement_{level}.csv</a>,
<a href="classement_{level}.xlsx">classement_{level}.xlsx</a>.</p>
<h2>Carte du score</h2>{img}
<h2>Méthode</h2>{_method_html(config)}
{_imputed_html(ranked, len(config.specs))}
{tiers_html(ranked, facts, tier_map)}
{spatial}
{f"<h2>Audit statistique de la règle</h2>{audit_html}" if audit_html else ""}
<h2>Les {TOP_SHOWN} premiers</h2><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h2>Sources et licences</h2><table><thead><tr><th>Source</th><th>Millésime</th>
<th>Licence</th></tr></thead><tbody>{src}</tbody></table>
<p><small>Empreinte du store : {html.escape(build_hash)} ; graine {facts.seed},
{facts.draws} tirages. Produit par pacte.</small></p>
<p><small>{html.escape(ATTRIBUTION)}</small></p>
</body></html>
"""
    path.write_text(body, encoding="utf-8")
    return path


#: The files of a report folder (and their attribution sidecars): a folder holding anything
#: else is not replaced (nothing of the user's is lost).
REPORT_FILES = ("classement_{level}.csv", "classement_{level}.csv" + SOURCES_SUFFIX,
                "classement_{level}.xlsx", "carte_score.png", "carte_paliers.png", "carte_grappes.png", "index.html")


def check_out_dir(out_dir: Path, level: str = "epci") -> None:
    """Before any computation: ``out_dir`` is absent or a folder of a previous report, and
    its parent is writable (ReportError-like :class:`PacteError`, French)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidParameterError(f"--out {out_dir} : c'est un fichier, un dossier est "
                                    "attendu")
    if out_dir.is_dir():
        ours = {f.format(level=level) for f in REPORT_FILES}
        others = sorted(p.name for p in out_dir.iterdir() if p.name not in ours)
        if others:
            shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            raise InvalidParameterError(
                f"--out {out_dir} : le dossier contient d'autres fichiers que le rapport "
                f"({shown}) ; il ne sera pas remplacé. Choisissez un dossier dédié")
    parent = out_dir.resolve().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidParameterError(f"--out {out_dir} : le dossier {parent} n'est pas "
                                    "accessible en écriture")


def _remove_stale(out_dir: Path) -> None:
    """Temporary folders of killed runs (``.NAME.PID.tmp`` / ``.old``, PID dead)."""
    for p in out_dir.parent.glob(f".{out_dir.name}.*"):
        pid, _, kind = p.name[len(out_dir.name) + 2:].partition(".")
        if not (pid.isdigit() and kind in ("tmp", "old")) or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Put the finished folder ``tmp`` in place of ``out_dir`` (two renames: the old
    report is moved aside, the new one takes its name, then the old one is deleted)."""
    old = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.old")
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _audit_html(cur, level: str, rule: Config) -> str:
    """The audit section of the report, read through its own cursor ``cur`` (closed after):
    a DuckDB connection is used by one thread at a time."""
    try:
        return render_audit_html(run_audit(cur, level, rule))
    finally:
        cur.close()


def build_national_report(con, out_dir: Path, level: str = "epci", seed: int = 0,
                          config: Config | None = None, draws: int | None = None) -> dict:
    """Rank every territory of ``level`` and write ``out_dir``: classement_<level>.csv (and
    its attribution sidecar) and .xlsx, carte_score.png, index.html. Returns the paths and
    the top 20 (DataFrame).

    The files are written in a temporary sibling folder, then swapped in whole: a run killed
    midway leaves the previous report intact, never a mix of two runs."""
    return render_national_report(con, out_dir, level, seed, config, draws).publish()


@dataclass
class PendingReport:
    """A report written in its temporary folder ``tmp``, not yet in place of ``out_dir``:
    :meth:`publish` swaps it in, :meth:`discard` removes it (the previous report kept)."""

    out_dir: Path
    tmp: Path
    level: str
    answer: dict

    def publish(self) -> dict:
        """Swap the report in (the folder checked again: a file the user put in it since
        is never deleted); returns the paths and the top 20."""
        try:
            check_out_dir(self.out_dir, self.level)
            _swap_in(self.tmp, self.out_dir)
        finally:
            self.discard()
        return self.answer

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class ReportBeside:
    """The report of ``pacte run`` on a new store, rendered during its build: a build step
    (``step(cur, say)``, :func:`pacte.handlers.build.build_store`'s ``beside_cards``) run
    on a cursor of the build's connection once every table the report reads is written
    (the ranking, selection, audit, indicators, contours, spatial statistics), beside the
    ranked levels' cards that end the build. Its failure does not fail the build (the new
    store is kept, as when the report ran after it): :meth:`publish`, once the store is in
    place, raises it, else swaps the report in; :meth:`discard` (the build failed) removes
    it, the previous report kept.

    The cards leave most of a core idle (1.1 cores over the build's last 3.5 s); the report
    (~1.2 s of CPU, one core) ran after the build. Measured beside them (`pacte run` on a
    new store, machine under load 8-17, so no wall figure): it ended before the cards in
    every run (0.7 to 10 s before), the wall after the build went from 1.0-4 s to under
    0.1 s; in 3 alternated pairs against main's code (same packages), CPU 21.1 -> 22.0 s
    (user + sys, medians; 20.6-21.3 against 21.3-23.8: within the load's noise) and the
    process's peak 468,888 -> 468,660 KiB (without the heap's releases below, 5 to 15 MB
    more: the report's memory stayed under the cards'). On a quiet machine, with the
    ranked cards' rows made ahead (:mod:`pacte.handlers.card_ahead`), 4 alternated pairs
    against the code before both: wall 12.37 -> 11.61 s, CPU 17.18 -> 17.38 s, peak
    461 -> 467 MB (medians; 463-481 MB)."""

    def __init__(self, out_dir: Path, seed: int = 0) -> None:
        self.out_dir, self.seed = Path(out_dir), seed
        self.pending: PendingReport | None = None
        self.error: Exception | None = None
        self.__name__ = "national_report"  # a step's name (pacte.store.build.beside)

    def __call__(self, cur, say) -> dict:
        # what the spatial statistics freed since their last message (which released the
        # heap, :func:`pacte.store.build.build`) given back before the report's own memory
        release_heap()
        release_duckdb_heap()
        try:
            self.pending = render_national_report(cur, self.out_dir, seed=self.seed)
        except Exception as exc:  # raised by publish, after the build
            self.error = exc
        finally:  # the report's freed memory given back, not kept under the last cards
            release_heap()
            release_duckdb_heap()
        return {}

    def publish(self, con) -> dict:
        """The report in place of ``out_dir`` (rendered after the build, on ``con``, if
        the build did not run the step)."""
        if self.error is not None:
            raise self.error
        if self.pending is None:
            return build_national_report(con, self.out_dir, seed=self.seed)
        return self.pending.publish()

    def discard(self) -> None:
        if self.pending is not None:
            self.pending.discard()


def render_national_report(con, out_dir: Path, level: str = "epci", seed: int = 0,
                           config: Config | None = None, draws: int | None = None
                           ) -> PendingReport:
    """The files of :func:`build_national_report` written in a temporary sibling folder of
    ``out_dir`` (removed if anything fails), to be published or discarded."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir, level)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        if config is None:
            ans = ranking(con, level, seed=seed, draws=draws)
            ranked, facts = ans.data, RankingFacts.from_meta(ans.meta)
        else:
            r = with_tiers(rank_territories(con, level, config, seed=seed, draws=draws),
                           config.programme.size, config.programme)
            ranked, facts = r.frame, r.facts
        rule = config or load_config()
        dims = {d.id: d.label for d in rule.dimensions}
        # the audit (numpy Monte Carlo runs, which release the GIL) runs on the second core
        # while this thread writes the tables and draws the maps (Python-bound)
        with ThreadPoolExecutor(max_workers=1) as pool:
            audit = pool.submit(_audit_html, con.cursor(), level, rule)
            write_csv_fr(ranked, tmp / f"classement_{level}.csv", dimensions=dims)
            write_xlsx(ranked, tmp / f"classement_{level}.xlsx",
                       title=f"Classement {LEVEL_NAMES.get(level, level)}", dimensions=dims)
            with france_canvas(con, level) as canvas:  # one figure, recoloured per map
                # the contours' parsing (DuckDB's JSON, ~35 MB) freed now, not after its
                # allocator's decay (1 s) under the maps (pacte.store.heap)
                release_duckdb_heap()
                png = render_map(con, ranked, tmp / "carte_score.png", level,
                                 canvas=canvas) if canvas else None
                tier_png = render_tier_map(con, ranked, facts, tmp / "carte_paliers.png",
                                           level, canvas) if canvas else None
                # the stored spatial statistics are those of the default rule's score
                cluster_png = (render_cluster_map(con, tmp / "carte_grappes.png", level,
                                                  canvas) if canvas and config is None
                               else None)
            prov = con.execute("SELECT source, vintage, licence FROM provenance "
                               "ORDER BY table_name").df()
            bh = dict(con.execute("SELECT key, value FROM meta").fetchall()
                      ).get("build_hash", "?")
            audit_html = audit.result()
        render_html(ranked, facts, tmp / "index.html", png, rule, prov, bh, audit_html,
                    tier_png, spatial_html(con, cluster_png, level) if config is None else "")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PendingReport(out_dir, tmp, level, {
        "csv": out_dir / f"classement_{level}.csv",
        "xlsx": out_dir / f"classement_{level}.xlsx",
        "map": None if png is None else out_dir / "carte_score.png",
        "tier_map": None if tier_png is None else out_dir / "carte_paliers.png",
        "html": out_dir / "index.html", "ranking": ranked, "top": ranked.head(20)})
