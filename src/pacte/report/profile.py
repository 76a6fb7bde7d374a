"""The one-page territory profile (issue 15): one Jinja2 template for HTML and PDF (``@page``
CSS, WeasyPrint, no browser), the job-series chart and the map inset drawn once per call as
PNG (matplotlib) and embedded as data URIs.

``render_html(con, answer)`` and ``render_pdf(con, answer)`` take the answer of
:func:`pacte.handlers.profile.profile`; ``write_profile`` writes one file in a format.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pacte.export.tables import records
from pacte.handlers.envelope import Answer
from pacte.labels import LEVEL_LABELS, fr_number
from pacte.report.maps import _rings

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf", "json")
#: Map colours (the legend repeats them; contrast with white >= 3:1 for the non-text parts).
TERRITORY_COLOR = "#b2182b"
CONTEXT_FILL = "#e3e3e3"
CONTEXT_EDGE = "#6b6b6b"
#: One colour per job source in the chart (dark enough on white).
SOURCE_COLORS = {"rp": "#1f4e79", "estel": "#7a3b00", "trim": "#2e6b30", "urssaf": "#8e2c7a"}
#: Short headers of the key figures in the peers table.
SHORT_LABELS = {"industry_jobs": "Emplois industriels", "industry_share": "Part de l'industrie",
                "lq_industry": "Spécificité industrielle",
                "industry_job_change_rel": "Évolution de l'emploi industriel",
                "resistance": "Résistance à la crise", "drop_from_peak": "Recul depuis le pic",
                "industrie_elargie_share": "Industrie élargie",
                "import_exposure_china": "Exposition aux importations chinoises"}
#: Overseas régions -> their single département (map inset).
OVERSEAS_REGIONS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}
NATURES = {"CC": "communauté de communes", "CA": "communauté d'agglomération",
           "CU": "communauté urbaine", "ME": "métropole", "METRO": "métropole",
           "MET69": "métropole de Lyon"}


def fmt_value(value, unit: str = "") -> str:
    """A figure in French: jobs without decimals, percentages with one, small indices with
    three, others with two; "—" when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if unit == "emplois":
        decimals = 0
    elif unit == "%":
        decimals = 1
    elif value != 0 and abs(value) < 0.1:
        decimals = 3
    else:
        decimals = 2
    text = fr_number(float(value), decimals)
    return f"{text} %" if unit == "%" else text


def fmt_signed(value, decimals: int = 2) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + fr_number(float(value), decimals)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def render_chart(series: list[dict]) -> str | None:
    """Industrial jobs and their share (with France) of each job source over the years:
    a PNG data URI, None without a series."""
    if not series:
        return None
    plt = _pyplot()
    import matplotlib.ticker as mt

    fig, (left, right) = plt.subplots(1, 2, figsize=(7.0, 1.9), dpi=150)
    fr = mt.FuncFormatter(lambda x, _p: fr_number(x, 0))
    for src in dict.fromkeys(s["source"] for s in series):
        pts = [s for s in series if s["source"] == src]
        color = SOURCE_COLORS.get(src, "#333333")
        name = pts[0]["source_name"]
        years = [p["year"] for p in pts]
        left.plot(years, [p["industry_jobs"] for p in pts], marker="o", ms=3, lw=1.4,
                  color=color, label=name)
        right.plot(years, [p["industry_share"] for p in pts], marker="o", ms=3, lw=1.4,
                   color=color, label=name)
        if any(p["national_share"] is not None for p in pts):
            right.plot(years, [p["national_share"] for p in pts], ls="--", lw=1.1, color=color,
                       label=f"France ({name})")
    left.set_title("Emplois industriels", fontsize=8)
    right.set_title("Part de l'emploi industriel (%)", fontsize=8)
    for ax in (left, right):
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_locator(mt.MaxNLocator(integer=True, nbins=6))
    left.yaxis.set_major_formatter(fr)
    right.yaxis.set_major_formatter(mt.FuncFormatter(lambda x, _p: fr_number(x, 0)))
    right.legend(fontsize=6.5, frameon=False, loc="best")
    fig.tight_layout(pad=0.4)
    return _png(fig)


def _geometries(con, table: str, where: str = "", params=()) -> list[tuple[str, str]]:
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                         [table]).fetchall()[0][0]
    if not exists:
        return []
    return con.execute(f"SELECT code, geometry FROM {table} {where}", list(params)).fetchall()


def render_map(con, level: str, code: str, dep: str | None) -> str | None:
    """The territory in red among the départements (metropolitan France, or its overseas
    département): a PNG data URI, None when the level has no contours."""
    own = _geometries(con, f"contours_{level}", "WHERE code = ?", [code])
    if not own:
        return None
    plt = _pyplot()
    from matplotlib.collections import PolyCollection

    overseas = isinstance(dep, str) and dep.startswith("97")
    deps = _geometries(con, "contours_dep")
    deps = [(c, g) for c, g in deps if (c == dep if overseas else not c.startswith("97"))]
    fig = plt.figure(figsize=(2.2, 2.2), dpi=150)
    ax = fig.add_axes((0, 0, 1, 1))
    ctx = [r for _c, g in deps for r in _rings(g)]
    mine = [r for _c, g in own for r in _rings(g)]
    ax.add_collection(PolyCollection(ctx, facecolors=CONTEXT_FILL, edgecolors=CONTEXT_EDGE,
                                     linewidths=0.25))
    ax.add_collection(PolyCollection(mine, facecolors=TERRITORY_COLOR, edgecolors="#000000",
                                     linewidths=0.4))
    xy = np.vstack(ctx + mine)
    ax.set_xlim(xy[:, 0].min(), xy[:, 0].max())
    ax.set_ylim(xy[:, 1].min(), xy[:, 1].max())
    ax.set_aspect(1 / np.cos(np.radians(xy[:, 1].mean())))
    ax.set_axis_off()
    return _png(fig)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(value=fmt_value, signed=fmt_signed, number=fr_number)
    return env


def _context(con, answer: Answer, charts: bool = True) -> dict:
    d, meta = answer.data, answer.meta
    t = d["territory"]
    name = t["name"]
    chart = render_chart(d["series"]) if charts else None
    dep = _dep_of(con, t)
    mapped = render_map(con, t["level"], t["code"], dep) if charts else None
    overseas = isinstance(dep, str) and dep.startswith("97")
    where = "de son département d'outre-mer" if overseas else "de France métropolitaine"
    return {
        "d": d, "meta": meta, "t": t, "css": (TEMPLATES / "profile.css").read_text("utf-8"),
        "nature": NATURES.get(t.get("nature") or "", t.get("nature")),
        "level_label": LEVEL_LABELS[t["level"]],
        "chart": chart, "map": mapped, "short": SHORT_LABELS,
        "chart_alt": _chart_alt(d["series"], name),
        "map_alt": f"Carte de localisation : {name} (en rouge) parmi les départements {where}.",
        "context_label": "département" if overseas else "autres départements",
        "colors": {"territory": TERRITORY_COLOR, "fill": CONTEXT_FILL, "edge": CONTEXT_EDGE},
        "generated": meta.get("generated_at", "")[:10],
    }


def _dep_of(con, t: dict) -> str | None:
    row = con.execute("SELECT dep FROM territory WHERE level = ? AND code = ?",
                      [t["level"], t["code"]]).fetchall()
    row = row[0] if row else None
    if row and row[0]:
        return row[0]
    if t["level"] == "dep":
        return t["code"]
    if t["level"] == "reg":
        return OVERSEAS_REGIONS.get(t["code"])
    return None


def _chart_alt(series: list[dict], name: str) -> str:
    """Alt text of the chart: first and last values of each source, in words."""
    parts = []
    for src in dict.fromkeys(s["source"] for s in series):
        pts = [s for s in series if s["source"] == src and s["industry_jobs"] is not None]
        if pts:
            a, b = pts[0], pts[-1]
            parts.append(f"{a['source_name']} : {fmt_value(a['industry_jobs'], 'emplois')} "
                         f"emplois industriels en {a['period']}, "
                         f"{fmt_value(b['industry_jobs'], 'emplois')} en {b['period']} "
                         f"({fmt_value(b['industry_share'], '%')} de l'emploi)")
    return (f"Graphique : évolution de l'emploi industriel de {name}. " + " ; ".join(parts)
            + "." if parts else f"Graphique : pas de série d'emploi pour {name}.")


def render_html(con, answer: Answer, charts: bool = True) -> str:
    """The profile as one self-contained HTML page (images as data URIs)."""
    return _environment().get_template("profile.html.j2").render(**_context(con, answer, charts))


def render_pdf(con, answer: Answer) -> bytes:
    """The profile as an A4 PDF (WeasyPrint, same template as the HTML)."""
    from weasyprint import HTML

    return HTML(string=render_html(con, answer), base_url=str(TEMPLATES)).write_pdf()


def render_json(answer: Answer) -> str:
    return json.dumps({"data": answer.data, "meta": answer.meta}, ensure_ascii=False, indent=1,
                      default=_json_default) + "\n"


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if hasattr(x, "to_dict"):
        return records(x)
    return str(x)


def write_profile(con, answer: Answer, fmt: str, out: Path) -> Path:
    """Write the profile in ``fmt`` (html, pdf or json) to ``out``."""
    out = Path(out)
    if fmt == "pdf":
        out.write_bytes(render_pdf(con, answer))
    elif fmt == "html":
        out.write_text(render_html(con, answer), encoding="utf-8")
    else:
        out.write_text(render_json(answer), encoding="utf-8")
    return out
