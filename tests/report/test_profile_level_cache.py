"""The profile's level-wide lookups (the exposure's top industries, the chart's series),
read once per store and level, give each territory what the per-territory reading gives,
and each store its own (a second store in the same process does not see the first's)."""

from __future__ import annotations

import pytest

from pacte.engine import read_indicators
from pacte.engine.exposure_top import top_industries
from pacte.handlers import profile as hp


def _codes(con, n: int = 6) -> list[str]:
    codes = [r[0] for r in con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    return codes[:: max(1, len(codes) // n)]


def _per_territory_series(con, code: str) -> list[tuple]:
    df = read_indicators(con, "epci", hp.SERIES_IDS, code=code)
    return list(zip(df["indicator"], df["source"], df["period"], df["value"],
                    df["resolution"], strict=True))


@pytest.fixture(params=["real", "fictional"])
def either(request, con, fictional_con):
    return con if request.param == "real" else fictional_con


def test_level_lookups_equal_the_per_territory_ones(either):
    level_tops = hp._level_tops(either, "epci")
    level_series = hp._level_series(either, "epci")
    indicator, period = hp.EXPOSURE_TOP
    for code in _codes(either):
        top = top_industries(either, "epci", code, period, k=3, indicator=indicator)
        if level_tops is not None:  # None: a store without the table, read per territory
            assert level_tops.get(code) == hp._top_block(top)
        assert hp._exposure_top(either, "epci", code) == hp._top_block(top)
        assert level_series.get(code, []) == _per_territory_series(either, code)


def test_each_store_its_own_answers(con, fictional_con):
    """Profiles of both stores alternated in one process: each one's blocks are its store's."""
    for c in (con, fictional_con, con, fictional_con):
        code = _codes(c, 3)[1]
        data = hp.profile(c, code, "epci").data
        indicator, period = hp.EXPOSURE_TOP
        top = top_industries(c, "epci", code, period, k=3, indicator=indicator)
        assert data["exposure_top"] == hp._top_block(top)
        rows = _per_territory_series(c, code)
        assert sorted((s["source"], s["period"]) for s in data["series"]) == sorted(
            {(src, str(p)) for _i, src, p, _v, _r in rows})
