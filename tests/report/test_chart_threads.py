"""Charts and profiles drawn from several threads at once (the API renders profiles in a
thread pool) are the same images as drawn alone: nothing drawn is shared between calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from pacte.report.profile_charts import render_chart


def _series(k: int) -> list[dict]:
    """A distinct job series per ``k`` (two sources, one with the France line)."""
    out = []
    for src, name, scale in (("rp", "recensement", 1.0), ("estel", "ESTEL", 0.8)):
        for i, year in enumerate(range(2006, 2013)):
            jobs = 1000 + 97 * k + 40 * i * (1 + k % 3) * scale
            out.append({"source": src, "source_name": name, "year": year,
                        "industry_jobs": jobs, "industry_share": 10 + k + i * 0.3 * scale,
                        "national_share": 12.5 - 0.2 * i if src == "rp" else None})
    return out


def test_charts_from_8_threads_equal_the_charts_drawn_alone():
    """8 charts (each of 4 series twice) from 8 threads. Enough to fail: with one Figure
    shared by every call and no lock (the lines of one chart replaced while another is
    saved), 10 runs of 10 had charts differing from the chart drawn alone."""
    series = [_series(k) for k in range(4)]
    alone = [render_chart(s) for s in series]
    assert len(set(alone)) == len(series)  # distinct charts: a mix-up would show
    jobs = [k % len(series) for k in range(8)]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda k: render_chart(series[k]), jobs))
    wrong = [k for k, png in zip(jobs, together, strict=True) if png != alone[k]]
    assert wrong == []
    assert [render_chart(s) for s in series[:2]] == alone[:2]  # later charts still right


def test_profiles_from_8_threads_equal_the_profiles_rendered_alone(fictional_con):
    """Whole HTML profiles (chart and map inset) of the fictional store's territories."""
    from pacte.handlers.profile import profile
    from pacte.report.profile import render_html

    codes = [r[0] for r in fictional_con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    if not codes:
        pytest.fail("the fictional store has no EPCI")

    def draw(code: str) -> str:
        with fictional_con.cursor() as cur:
            ans = profile(cur, code, "epci")
            return render_html(cur, ans)  # dated by the day only: equal within a run

    alone = {c: draw(c) for c in codes}
    jobs = [codes[k % len(codes)] for k in range(8)]  # one per thread: drawn at once
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(draw, jobs))
    assert [c for c, html in zip(jobs, together, strict=True) if html != alone[c]] == []


def test_charts_on_the_reused_figure_equal_charts_on_a_new_figure():
    """Each thread draws its charts on one figure, emptied between charts: whatever came
    before (wider ranges, more sources, a France line, a missing value), a chart is the same
    PNG as drawn on a new figure."""
    from pacte.report.profile_charts import _draw_chart

    series = [_series(k) for k in range(4)]
    one = [s for s in _series(5) if s["source"] == "estel"]  # one source, no France line
    gap = [dict(s, industry_jobs=None) if s["year"] == 2009 else s for s in _series(6)]
    huge = [dict(s, industry_jobs=s["industry_jobs"] * 1000) for s in _series(7)]
    distinct = [*series, one, gap, huge]
    drawn = [_draw_chart(s, fresh=True) for s in distinct]
    assert len(set(drawn)) == 7  # seven different charts
    order = [0, 1, 2, 3, 4, 5, 6, 0, 4, 6, 1]  # four of them drawn twice
    fresh = [drawn[i] for i in order]
    cases = [distinct[i] for i in order]
    assert [_draw_chart(s) for s in cases] == fresh
    assert [_draw_chart(s) for s in reversed(cases)] == fresh[::-1]


def test_axis_labels_placed_by_hand_same_chart():
    """The empty axis labels placed by hand (no measure of the tick labels): the chart
    drawn with matplotlib's automatic placement is the same PNG."""
    from pacte.report import profile_charts as pc

    series = _series(9)
    fig, left, right = pc._chart_figure()
    assert not left.xaxis._autolabelpos and not right.yaxis._autolabelpos
    by_hand = pc._draw_chart(series, fresh=True)
    auto = pc._chart_figure

    def automatic():
        figure = auto()
        for ax in figure[1:]:
            ax.xaxis._autolabelpos = ax.yaxis._autolabelpos = True
        return figure

    pc._chart_figure = automatic
    try:
        assert pc._draw_chart(series, fresh=True) == by_hand
    finally:
        pc._chart_figure = auto
