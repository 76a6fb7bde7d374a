"""The territory profile: one Jinja2 template for HTML and PDF (``@page`` CSS,
WeasyPrint, no browser), the job-series chart and the map inset as PNG data URIs
(:mod:`pacte.report.profile_charts`).

The printed profile is a "fiche territoire" of at most two A4 pages: one headline figure
per indicator (with its period, France beside it), abridged notes, sources grouped by
licence (:mod:`pacte.report.profile_text`). The HTML adds an annex with every period, the
full notes and the sources table (hidden in print); ``--format json`` carries everything.

``render_html(con, answer)`` and ``render_pdf(con, answer)`` take the answer of
:func:`pacte.handlers.profile.profile`; ``write_profile`` writes one file in a format.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pacte.export.tables import records
from pacte.handlers.envelope import Answer
from pacte.labels import (
    LEVEL_LABELS,
    MODELLED_JOBS,
    fr_datetime,
    fr_modelled,
    fr_number,
    upper_first,
)
from pacte.report.profile_charts import (
    CONTEXT_EDGE,
    CONTEXT_FILL,
    TERRITORY_COLOR,
    render_chart,
    render_inset,
)
from pacte.report.profile_text import (
    pair_changes,
    print_notes,
    references,
    resolutions_text,
    short_label,
    short_unit,
    source_short,
    sources_by_licence,
)
from pacte.settings import package_file

TEMPLATES = package_file("report", "templates")
FORMATS = ("html", "pdf", "json")
#: Short headers of the key figures in the peers table.
SHORT_LABELS = {"industry_jobs": "Emplois industriels", "industry_share": "Part de l'industrie",
                "lq_industry": "Spécificité industrielle",
                "industry_job_change_rel": "Évolution de l'emploi industriel",
                "resistance": "Résistance à la crise", "drop_from_peak": "Recul depuis le pic",
                "industrie_elargie_share": "Industrie élargie",
                "import_exposure_china": "Exposition aux importations chinoises"}
#: The census measures a function (« fabrication »), not a sector: its short headers say so.
CENSUS_SHORT_LABELS = {"industry_jobs": "Emplois : fonction « fabrication »",
                       "industry_share": "Part de la fonction « fabrication »",
                       "lq_industry": "Spécificité : fonction « fabrication »",
                       "industry_job_change_rel": "Évolution : fonction « fabrication »",
                       "drop_from_peak": "Recul depuis le pic : fonction « fabrication »"}


def key_label(k: dict) -> str:
    """Short header of a key figure, naming the concept its source measures."""
    if k.get("source") == "rp" and k.get("indicator") in CENSUS_SHORT_LABELS:
        return CENSUS_SHORT_LABELS[k["indicator"]]
    return SHORT_LABELS.get(k.get("indicator"), k.get("label", ""))


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
    if unit == MODELLED_JOBS:  # modelled jobs: two significant figures
        return fr_modelled(value)
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


def _environment() -> Environment:
    # every template is HTML: everything inserted is escaped (select_autoescape() matches
    # ``*.html`` but not ``*.html.j2``); only the package's own stylesheet is trusted
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(value=fmt_value, signed=fmt_signed, number=fr_number,
                       short_unit=short_unit, short_label=short_label,
                       source_short=source_short, upper_first=upper_first,
                       renumber=lambda refs, renum: sorted({renum[n] for n in refs
                                                            if n in renum}))
    return env


def _context(con, answer: Answer, charts: bool = True, annex: bool = True,
             inline_css: bool = True, stylesheet: str | None = None) -> dict:
    d, meta = answer.data, answer.meta
    t = d["territory"]
    name = t["name"]
    chart = render_chart(d["series"]) if charts else None
    dep = _dep_of(t)
    mapped = (render_inset(con, t["level"], t["code"], dep, meta.get("build_hash"))
              if charts else None)
    overseas = isinstance(dep, str) and dep.startswith("97")
    where = "de son département d'outre-mer" if overseas else "de France métropolitaine"
    notes, renum = print_notes(d["families"], d["notes"])
    return {
        "d": d, "meta": meta, "t": t, "css": Markup(_css()) if inline_css else "",
        "stylesheet": stylesheet,
        "nature": NATURES.get(t.get("nature") or "", t.get("nature")),
        "level_label": LEVEL_LABELS[t["level"]], "annex": annex,
        "chart": chart, "map": mapped, "short": key_label,
        "chart_alt": _chart_alt(d["series"], name),
        "map_alt": f"Carte de localisation : {name} (en rouge) parmi les départements {where}.",
        "context_label": "département" if overseas else "autres départements",
        "colors": {"territory": TERRITORY_COLOR, "fill": CONTEXT_FILL, "edge": CONTEXT_EDGE},
        "generated": fr_datetime(meta.get("generated_at", ""), with_time=False),
        "print_notes": notes, "renum": renum, "blocks": blocks(d, notes),
        "licences": sources_by_licence(meta.get("sources", [])),
        "references": references(meta.get("sources", [])),
        "resolutions": resolutions_text(d.get("resolutions", [])),
    }


#: Characters per printed line in a column: a table's label cell, a note.
LABEL_CHARS, NOTE_LINE_CHARS, INDUSTRY_CHARS = 44, 64, 30


def _lines(text: str, width: int) -> int:
    return max(1, -(-len(text) // width))


def blocks(d: dict, notes: list[str]) -> list[dict]:
    """The printed figures as blocks in reading order (one per family group, the exposure's
    industries, the notes), each with its estimated height in lines."""
    out = []
    for fam in d["families"]:
        for i, g in enumerate(fam["groups"]):
            rows, paired = pair_changes(g["headline"])
            h2 = i == 0 and fam["id"] != "jobs"
            h = 2.0 * h2 + 1.4 * (len(fam["groups"]) > 1) + 1.2 * bool(g["missing"])
            if rows:
                h += 1.3 + sum(_lines(f"{r['label']} ({short_unit(r['unit'])})", LABEL_CHARS)
                               for r in rows)
            if paired:
                h += 3 + len(paired["rows"])
            out.append({"kind": "group", "fam": fam, "g": g, "h2": h2, "rows": rows,
                        "paired": paired, "h": h})
        if fam["id"] == "exposure" and d.get("exposure_top"):
            top = d["exposure_top"]["rows"]
            out.append({"kind": "top", "h": 4.5 + sum(_lines(r["label"], INDUSTRY_CHARS)
                                                      for r in top)})
    if notes:
        out.append({"kind": "notes", "h": 4.0 + sum(_lines(n, NOTE_LINE_CHARS) for n in notes)})
    return out


def _dep_of(t: dict) -> str | None:
    if t.get("dep"):
        return t["dep"]
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


@functools.cache
def _css() -> str:
    """The profile's stylesheet: ``profile.css``, the legend swatches in the chart colours
    and the column widths (classes ``w1``…``w100``): no inline style in the page, so the
    API serves it under a CSP without ``'unsafe-inline'``."""
    widths = "\n".join(f"col.w{n} {{ width: {n}%; }}" for n in range(1, 101))
    swatches = (f".swatch.territory {{ background: {TERRITORY_COLOR}; border: 1px solid "
                f"#000000; }}\n.swatch.context {{ background: {CONTEXT_FILL}; border: 1px "
                f"solid {CONTEXT_EDGE}; }}")
    return (TEMPLATES / "profile.css").read_text("utf-8") + "\n" + swatches + "\n" + widths + "\n"


def stylesheet() -> str:
    """The stylesheet of :func:`render_html` (served apart by the API)."""
    return _css()


@functools.cache
def _template():
    return _environment().get_template("profile.html.j2")


def render_html(con, answer: Answer, charts: bool = True, annex: bool = True,
                inline_css: bool = True, stylesheet: str | None = None) -> str:
    """The profile as one self-contained HTML page (images as data URIs), with the annex of
    every indicator and period unless ``annex`` is False (the PDF leaves it out). With
    ``stylesheet`` (an address), the page links to it instead of holding its style."""
    return _template().render(**_context(con, answer, charts, annex,
                                         inline_css and stylesheet is None, stylesheet))


@functools.cache
def _weasy():
    """WeasyPrint's font configuration, the parsed stylesheet and an HTML class whose user
    agent stylesheet covers only the profile's elements, once per process.

    With a checked WeasyPrint (:mod:`pacte.report.pdf_columns`), the two columns are laid
    out in one pass and the page, well-formed XML (void elements closed), is read by expat
    (about 5 ms) instead of WeasyPrint's HTML5 parser in Python (about 50 ms): same tree,
    same PDF byte for byte; a page that is not well-formed goes to the HTML5 parser."""
    import xml.etree.ElementTree as ET

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from pacte.report import pdf_text, profile_pdf
    from pacte.report.pdf_columns import install

    fast = install()  # the two columns in one pass
    profile_pdf.install()  # images passed through, zlib level 6, percentages, font descriptions
    pdf_text.install()  # lines of text laid out and drawn once per process
    fonts = FontConfiguration()
    ua = CSS(string=(TEMPLATES / "profile_ua.css").read_text("utf-8"), font_config=fonts)

    class ProfileHTML(HTML):
        def __init__(self, string=None, base_url=None, **kwargs):
            try:
                if not fast or kwargs or string is None:
                    raise ET.ParseError("analyseur HTML5")
                root = ET.fromstring(string)
            except ET.ParseError:
                super().__init__(string=string, base_url=base_url, **kwargs)
                return
            import cssselect2
            from weasyprint.urls import URLFetcher

            # what HTML.__init__ sets after parsing (the page has no <base>)
            self.base_url, self.url_fetcher, self.media_type = base_url, URLFetcher(), "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms=False):
            return [ua]

    return fonts, CSS(string=_css(), font_config=fonts), ProfileHTML


def print_html(con, answer: Answer) -> str:
    """The HTML the PDF is made of: no annex, the stylesheet given to WeasyPrint apart."""
    return render_html(con, answer, annex=False, inline_css=False)


def pdf_from_html(html: str) -> bytes:
    """WeasyPrint on :func:`print_html` (fonts and stylesheet parsed once per process)."""
    fonts, css, html_class = _weasy()
    return html_class(string=html, base_url=str(TEMPLATES)).write_pdf(stylesheets=[css],
                                                                       font_config=fonts)


def render_pdf(con, answer: Answer) -> bytes:
    """The profile as an A4 PDF of at most two pages (WeasyPrint, same template as the
    HTML, without the annex)."""
    return pdf_from_html(print_html(con, answer))


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
    """Write the profile in ``fmt`` (html, pdf or json) to ``out``, whole or not at all (a
    device or folder at ``out`` is refused before rendering)."""
    from pacte.export.atomic import check_target, write_bytes, write_text

    out = check_target(Path(out))
    if fmt == "pdf":
        return write_bytes(out, render_pdf(con, answer))
    if fmt == "html":
        return write_text(out, render_html(con, answer))
    return write_text(out, render_json(answer))
