"""The spatial structure in the national report and the audit (real store): Moran's I of the
score as stored by the build (0.40 on the bundled data: neighbouring EPCI are not
independent), the map of local clusters, and the audit's lines."""

from __future__ import annotations

import pytest

from pacte.labels import fr_number
from pacte.report.spatial import CLUSTERS, render_cluster_map, spatial_html


@pytest.fixture(scope="module")
def moran(con):
    row = con.execute("SELECT moran_i, p_sim FROM spatial_moran WHERE level = 'epci' AND "
                      "variable = 'score'").fetchall()
    assert row, "the build stores Moran's I of the score"
    return row[0]


def test_report_section_gives_the_stored_moran(con, moran, tmp_path):
    i, p = moran
    assert 0.3 < i < 0.5 and p <= 0.01  # a clear spatial structure of the score
    png = render_cluster_map(con, tmp_path / "grappes.png")
    assert png is not None and png.stat().st_size > 20_000
    text = spatial_html(con, png)
    assert "<h2>Structure spatiale</h2>" in text
    assert fr_number(i, 3) in text and "data:image/png;base64," in text


def test_cluster_counts_in_the_legend_sum_to_the_level(con):
    n = con.execute("SELECT count(*) FROM spatial_lisa WHERE level = 'epci'").fetchall()[0][0]
    counts = dict(con.execute("SELECT cluster, count(*) FROM spatial_lisa WHERE level = 'epci' "
                              "GROUP BY cluster").fetchall())
    assert sum(counts.values()) == n
    assert set(CLUSTERS) <= set(counts) | {"HL", "LH"}


def test_audit_ends_with_the_spatial_lines(con, moran):
    from pacte.cli.rank import spatial_audit

    text = spatial_audit(con, "epci")
    assert "I de Moran" in text and f"I = {fr_number(moran[0], 3)}" in text
    assert "Haut-Haut" in text
    assert max(len(line) for line in text.splitlines()) <= 79  # as the rest of the audit
    flat = " ".join(text.split())  # each indicator named as the audit names it
    assert "Part de l'emploi : fonction « fabrication » — recensement 2016 : I = " in flat
