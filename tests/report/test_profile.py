"""The territory profile: ``pacte profile 200023414 --format pdf`` writes a valid
PDF with the name, a figure of each section and the sources block; its first page is not
blank; the HTML passes an accessibility basics check (lang, heading order, alt texts,
contrast of the map legend)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pacte.cli.profile import register
from pacte.handlers.profile import profile
from pacte.report.profile import fmt_value, render_html, stylesheet

ROUEN = "200023414"
OUTPUT = Path(__file__).resolve().parents[1] / "output"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a group, so that ``profile`` stays a sub-command
        pass

    register(app)
    return app


@pytest.fixture(scope="module")
def answer(con):
    return profile(con, ROUEN)


def _weasyprint_missing() -> str:
    """Why WeasyPrint cannot run here ('' when it can): it needs the Pango system library."""
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # pragma: no cover - machines without Pango
        return f"WeasyPrint ne trouve pas ses bibliothèques système (Pango) : {exc}"
    return ""


@pytest.fixture(scope="module")
def pdf_path(built_store, tmp_path_factory) -> Path:
    if why := _weasyprint_missing():  # pragma: no cover
        pytest.skip(why)
    out = tmp_path_factory.mktemp("profile") / "rouen.pdf"
    res = CliRunner().invoke(_app(), ["profile", ROUEN, "--format", "pdf", "--out", str(out),
                                      "--db", str(built_store)])
    assert res.exit_code == 0, res.output
    return out


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    # PDF text extraction may turn the narrow no-break space into a plain space
    return text.replace("\u202f", " ").replace("\u00a0", " ").replace("\r", "")


def _flat(s: str) -> str:
    return s.replace("\u202f", " ").replace("\u00a0", " ")


def test_pdf_has_name_a_figure_per_section_and_sources(pdf_path, answer):
    raw = pdf_path.read_bytes()
    assert raw.startswith(b"%PDF-") and b"%%EOF" in raw[-1024:]
    text = _pdf_text(pdf_path)
    flat = " ".join(text.split())
    assert "Métropole Rouen Normandie" in text
    d = answer.data
    # identity: population légale 2023 of the Métropole (503 000, bundled snapshot)
    assert d["territory"]["population"] == 503000
    assert "503 000 habitants" in flat
    # key figures: each value as printed, with its period
    for k in d["key_figures"]:
        assert _flat(fmt_value(k["value"], k["unit"])) in flat, k["indicator"]
        assert k["period"] in flat
    # ranking: rank and interval
    r = d["ranking"]
    assert f"Rang : {r['rank']}ᵉ sur 1 250 EPCI" in flat  # Mayotte's 5 EPCI unranked
    assert "non éligible : métropole exclue" in flat  # eligibility wherever a rank is shown
    assert f"intervalle de rang {r['rank_low']} à {r['rank_high']}" in flat
    # the probability of being in the programme and its tier (Rouen: a métropole, not
    # eligible by default: 0,00, « écarté »)
    assert f"Probabilité d'être dans les 100 premiers : {r['p_top_text']}" in flat
    assert r["tier"] == "écarté" and r["p_top_text"] == "0,00"
    # every family section with the headline figure (and its period) of each group
    assert {f["id"] for f in d["families"]} >= {"jobs", "valuechain", "exposure"}
    for fam in d["families"]:
        assert fam["label"].capitalize() in flat
        for g in fam["groups"]:
            row = next(r for r in g["headline"] if not r["indicator"].endswith("_change"))
            assert _flat(fmt_value(row["value"], row["unit"])) in flat, g["title"]
            assert row["period"] in flat, g["title"]
    # exposure's top industry, by name
    assert d["exposure_top"]["rows"][0]["label"] in flat
    # the sources block: build hash, a licence, the attribution line
    assert "Sources" in text and answer.meta["build_hash"] in flat
    assert "Licence Ouverte / Etalab 2.0" in flat
    assert "traitement pacte" in flat


def test_first_page_is_not_blank(pdf_path):
    import numpy as np
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    assert 1 <= len(pdf) <= 2  # the "fiche territoire": two A4 pages at most
    img = pdf[0].render(scale=1.5).to_pil().convert("RGB")
    OUTPUT.mkdir(exist_ok=True)
    img.save(OUTPUT / "profile_200023414_page1.png")
    px = np.asarray(img)
    ink = (px.min(axis=2) < 200).mean()
    assert ink > 0.03, f"page 1 presque blanche ({ink:.1%} de pixels encrés)"
    # the map's territory red is on the page (the inset was drawn)
    red = (px[:, :, 0] > 150) & (px[:, :, 1] < 60) & (px[:, :, 2] < 70)
    assert red.sum() > 20


def test_peers_are_named_and_figures_dated(answer):
    d = answer.data
    assert len(d["peers"]) == 5
    for p in d["peers"]:
        assert p["name"] != p["code"] and not p["name"].isdigit()
    for k in d["key_figures"]:
        assert re.fullmatch(r"\d{4}(-\d{4})?(-T\d)?", k["period"]), k
    for fam in d["families"]:
        for g in fam["groups"]:
            for row in g["rows"]:
                assert all(c["period"] for c in row["cells"])
    sources = {s["table"] for s in answer.meta["sources"]}
    assert {"census_functions", "urssaf_jobs", "wiod_trade"} <= sources


def test_json_format(built_store):
    res = CliRunner().invoke(_app(), ["profile", ROUEN, "--format", "json", "--db",
                                      str(built_store)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["data"]["territory"]["name"] == "Métropole Rouen Normandie"
    assert doc["meta"]["build_hash"]


def test_commune_has_no_profile(built_store):
    res = CliRunner().invoke(_app(), ["profile", "76540", "--db", str(built_store)])
    assert res.exit_code == 2
    assert "pas de profil" in res.output


class _Doc(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang, self.headings, self.imgs, self.swatches = None, [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "img":
            self.imgs.append(a)
        if tag == "span" and "swatch" in (a.get("class") or ""):
            # the swatch's colours: the stylesheet's rule for its class (no inline style)
            kind = a["class"].split()[-1]
            self.swatches.append(re.search(r"\.swatch\." + kind + r" \{[^}]*\}",
                                           stylesheet()).group(0))


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_known_answers():
    """WCAG 2.1 contrast ratio: black on white is 21:1, #767676 on white 4.54:1."""
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_html_accessibility_basics(con, answer):
    doc = _Doc()
    doc.feed(render_html(con, answer))
    assert doc.lang == "fr"
    h = doc.headings
    assert h[0] == 1 and h.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(h, h[1:], strict=False)), h  # no skipped level
    assert len(doc.imgs) == 2  # chart and map inset
    for img in doc.imgs:
        assert img["src"].startswith("data:image/png;base64,")
        assert len(img.get("alt", "")) > 30
    assert "Métropole Rouen Normandie" in doc.imgs[1]["alt"]
    assert len(doc.swatches) == 2
    for style in doc.swatches:
        colors = re.findall(r"#[0-9a-fA-F]{6}", style)
        # WCAG 1.4.11: a legend's graphic (its fill or its border) at 3:1 against white
        assert max(_contrast(c, "#ffffff") for c in colors) >= 3, style
