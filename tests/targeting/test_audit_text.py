"""The audit in French: plain text under 80 columns for the terminal, HTML tables for the
national report; indicators and dimensions named by the catalogue's French labels, never by
their identifiers (fictional store, then the v1 rule's estimate line on the real store)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pacte.catalogue import INDICATORS
from pacte.targeting.audit import run_audit
from pacte.targeting.audit_text import WIDTH, audit_sections, render_audit, render_audit_html
from pacte.targeting.rule import load_config

IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")  # industry_share, industrial_weight, crisis_...


@pytest.fixture(scope="module")
def audit(fictional_con) -> dict:
    return run_audit(fictional_con, "epci", load_config(), draws=20)


def test_text_fits_80_columns_and_names_no_identifier(audit):
    text = render_audit(audit)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert not IDENTIFIER.findall(text), IDENTIFIER.findall(text)
    for spec in load_config().specs:  # what the data of the source measure
        label = INDICATORS[spec.id].label_for(spec.candidates[0][0])
        assert " ".join(label.split()) in " ".join(text.split()), label
    flat = " ".join(text.split())
    assert "Part de l'emploi : fonction « fabrication » — recensement 2016" in flat
    assert "Taux de variation de l'emploi total — recensement 2006-2011" in flat
    assert "D1 Poids de l'industrie" in text


def test_text_guillemets_never_end_a_line(audit):
    for line in render_audit(audit).splitlines():
        assert not line.rstrip().endswith("«") and not line.lstrip().startswith("»")


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_html_is_one_table_per_tabular_section_with_the_text_values(audit):
    page = render_audit_html(audit)
    parser = _Tables()
    parser.feed(page)
    assert "pre" not in parser.tags
    _, sections = audit_sections(audit)
    tables = [s.table for s in sections if s.table is not None]
    assert len(parser.tables) == len(tables)
    for got, want in zip(parser.tables, tables, strict=True):
        assert got == [list(want.header), *map(list, want.rows)]
    assert not IDENTIFIER.findall(re.sub(r'class="[^"]*"', "", page))


def test_v1_rule_names_the_regional_multiple_in_french(con):
    """The v1 rule's exposure is a regional multiple of the 1999 census share: the audit says
    so with the French name of what the census measures, not its identifier."""
    v1 = Path(__file__).parents[1] / "data" / "golden" / "composite_default_v1.yaml"
    text = render_audit(run_audit(con, "epci", load_config(v1), draws=20))
    flat = " ".join(text.split())
    assert "industry_share" not in text
    assert "« Part de l'emploi : fonction « fabrication » — recensement 1999 » × une constante " \
           "par région" in flat
