"""Tests of pacte.sources.wiod_trade on a compact extract of the WIOD 2013 bilateral trade table.

tests/data/trade/wiod2013_fra_chn_2000_2007_2011.parquet holds the rows of the derived WIOD
table (bquast/wiod@59a28ac22fbd7751ea84c0f33722b5246b0af46d:data/wiot_YYYY.RData; Timmer et al.
2015) whose importer is FRA or exporter is CHN or FRA, for 2000, 2007 and 2011 (8,513 rows).
Known answer: the data manifest's check, CHN->FRA total imports 6.8 bn USD (2000) -> 32.6
(2007) -> 53.3 (2011).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.indicators import trade as T
from pacte.indicators.trade import (
    OTHER_HIGH_INCOME,
    WIOD_COUNTRIES,
    china_exports_to_other_high_income,
    france_exports_by_sector,
    france_imports_by_sector,
)
from pacte.settings import package_data
from pacte.sources.wiod_trade import (
    ADH_OTHER_COUNTRIES_IN_WIOD,
    parse_low_wage_countries,
    parse_wiod_trade,
)


def load_low_wage_countries(broad: bool = False) -> frozenset[str]:
    """The bundled low-wage country file (store table ``wiod_low_wage``)."""
    return parse_low_wage_countries(package_data("low_wage_countries.csv"), broad)


def french_shocks(*args, **kw) -> T.FrenchShocks:
    kw.setdefault("low_wage", load_low_wage_countries())
    return T.compute_french_shocks(*args, **kw)


def compute_french_shocks(*args, **kw):
    return french_shocks(*args, **kw).frame

TRADE = Path(__file__).parents[1] / "data" / "trade" / "wiod2013_fra_chn_2000_2007_2011.parquet"
YEARS = [2000, 2007, 2011]

# Fictional but plausible French jobs by WIOD manufacturing sector around 2000 (round figures,
# about 3.9 million in all; NOT official data: the real input comes from national sources).
WORKERS_2000 = pd.Series(
    {
        "c3": 620_000,
        "c4": 230_000,
        "c5": 40_000,
        "c6": 100_000,
        "c7": 230_000,
        "c8": 35_000,
        "c9": 280_000,
        "c10": 230_000,
        "c11": 150_000,
        "c12": 520_000,
        "c13": 330_000,
        "c14": 480_000,
        "c15": 430_000,
        "c16": 200_000,
    },
    dtype=float,
)


@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    return parse_wiod_trade(TRADE)


def test_china_to_france_totals_match_manifest(trade):
    totals = france_imports_by_sector(trade, {"CHN"}, YEARS).sum() / 1000  # bn USD
    assert totals.to_dict() == pytest.approx({2000: 6.8, 2007: 32.6, 2011: 53.3}, abs=0.05)
    assert france_imports_by_sector(trade, {"CHN"}, YEARS).sum().tolist() == [6785, 32569, 53342]


def test_flow_tables_shape_and_values(trade):
    chn = france_imports_by_sector(trade, {"CHN"}, YEARS)
    assert chn.shape == (35, 3) and chn.index[0] == "c1" and chn.index[-1] == "c35"
    assert chn.loc["c14"].tolist() == [2260, 12489, 21159]  # electrical and optical equipment
    assert chn.loc["c4"].tolist() == [1174, 5127, 7651]  # textiles
    iv = china_exports_to_other_high_income(trade, YEARS)
    assert iv.sum().tolist() == [142023, 529839, 793049]
    adh = china_exports_to_other_high_income(trade, YEARS, countries=ADH_OTHER_COUNTRIES_IN_WIOD)
    no_us = china_exports_to_other_high_income(trade, YEARS, exclude={"FRA", "USA"})
    assert (adh.sum() > 0).all() and (no_us.sum() < iv.sum()).all()
    exports = france_exports_by_sector(trade, YEARS)
    assert exports.sum().tolist() == [348182, 634724, 690056]
    assert france_imports_by_sector(trade, {"CHN"}, [2007], flow="intermediate_musd").shape == (
        35,
        1,
    )


def test_instrument_is_relevant(trade):
    """ADH's identifying assumption needs China's exports to other high-income countries to move
    with its exports to France: across the 14 manufacturing sectors the 2000-2007 changes
    correlate at 0.988 on this data."""
    m = WORKERS_2000.index
    d_fra = france_imports_by_sector(trade, {"CHN"}, [2000, 2007]).loc[m].diff(axis=1)[2007]
    d_oth = china_exports_to_other_high_income(trade, [2000, 2007]).loc[m].diff(axis=1)[2007]
    assert d_fra.corr(d_oth) == pytest.approx(0.988, abs=0.001)


def test_compute_french_shocks_by_hand(trade):
    result = french_shocks(trade, WORKERS_2000)
    shocks = result.frame
    assert list(shocks.columns) == [
        "period",
        "sector",
        "shock_china",
        "shock_lowwage",
        "shock_iv_other_hi",
        "shock_exports",
    ]
    assert shocks.shape == (28, 6)
    assert shocks["period"].unique().tolist() == ["2000-2007", "2007-2011"]
    assert shocks["sector"][:14].tolist() == list(WORKERS_2000.index)
    c14 = shocks[(shocks["period"] == "2000-2007") & (shocks["sector"] == "c14")].iloc[0]
    # million USD * 1000 / jobs = thousand USD per job
    assert c14["shock_china"] == pytest.approx((12489 - 2260) * 1000 / 480_000)
    assert c14["shock_exports"] == pytest.approx((66502 - 51413) * 1000 / 480_000)
    lw = france_imports_by_sector(trade, load_low_wage_countries(), YEARS).loc["c4"]
    c4 = shocks[(shocks["period"] == "2007-2011") & (shocks["sector"] == "c4")].iloc[0]
    assert c4["shock_lowwage"] == pytest.approx((lw[2011] - lw[2007]) * 1000 / 230_000)
    iv = china_exports_to_other_high_income(trade, YEARS).loc["c4"]
    assert c4["shock_iv_other_hi"] == pytest.approx((iv[2011] - iv[2007]) * 1000 / 230_000)
    assert "milliers de dollars" in result.unit and result.prices == "dollars courants"
    assert not shocks.attrs


def test_price_index_converts_to_constant_dollars(trade):
    workers = pd.Series({"c14": 480_000.0})
    prices = pd.Series({2000: 80.0, 2007: 100.0, 2011: 110.0})
    result = french_shocks(trade, workers, price_index=prices)
    out = result.frame
    assert out["shock_china"].tolist() == pytest.approx(
        [
            (12489 - 2260 * 100 / 80) * 1000 / 480_000,
            (21159 * 100 / 110 - 12489) * 1000 / 480_000,
        ]
    )
    assert result.prices == "dollars constants de 2007"
    with pytest.raises(ValueError, match="indice de prix absent"):
        compute_french_shocks(trade, workers, price_index=prices.drop(2011))


def test_workers_by_start_year(trade):
    workers = pd.DataFrame({2000: [480_000.0], 2007: [400_000.0]}, index=["c14"])
    out = compute_french_shocks(trade, workers)
    assert out["shock_china"].tolist() == pytest.approx(
        [(12489 - 2260) * 1000 / 480_000, (21159 - 12489) * 1000 / 400_000]
    )
    with pytest.raises(ValueError, match="année de début 2007"):
        compute_french_shocks(trade, workers[[2000]])


def test_country_sets():
    assert load_low_wage_countries() == {
        "CHN",
        "IND",
        "IDN",
        "BRA",
        "MEX",
        "TUR",
        "RUS",
        "BGR",
        "ROM",
    }
    broad = load_low_wage_countries(broad=True)
    assert broad - load_low_wage_countries() == {
        "POL",
        "CZE",
        "SVK",
        "HUN",
        "EST",
        "LVA",
        "LTU",
        "SVN",
    }
    assert broad <= WIOD_COUNTRIES and "FRA" not in broad
    assert OTHER_HIGH_INCOME <= WIOD_COUNTRIES and not OTHER_HIGH_INCOME & {"FRA", "CHN"}


def test_input_errors(trade):
    with pytest.raises(ValueError, match="années absentes"):
        france_imports_by_sector(trade, {"CHN"}, [2001])
    with pytest.raises(ValueError, match="inconnus de WIOD"):
        france_imports_by_sector(trade, {"XXX"}, YEARS)
    with pytest.raises(ValueError, match="elle-même"):
        france_imports_by_sector(trade, {"FRA", "CHN"}, YEARS)
    with pytest.raises(ValueError, match="flux inconnu"):
        france_exports_by_sector(trade, YEARS, flow="gross")
    with pytest.raises(ValueError, match="nul"):
        compute_french_shocks(trade, pd.Series({"c3": 0.0}))
    with pytest.raises(ValueError, match="inconnus"):
        compute_french_shocks(trade, pd.Series({"C3": 10.0}))
    with pytest.raises(ValueError, match="périodes"):
        compute_french_shocks(trade, WORKERS_2000, periods=[(2007, 2000)])


def _row(**changes) -> dict:
    row = {
        "year": 2000,
        "exporter": "CHN",
        "importer": "FRA",
        "sector": "c4",
        "intermediate_musd": 10,
        "final_musd": 5,
        "total_musd": 15,
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_row(exporter="CHI"), "code pays WIOD inconnu"),
        (_row(importer="CHN"), "flux domestique"),
        (_row(sector="c36"), "secteur WIOD inconnu"),
        (_row(year=2014), "année hors de 1995-2011"),
        (_row(total_musd=20), "total différent"),
        (_row(intermediate_musd=-3, total_musd=2), "intermédiaire négative"),
        (_row(sector="c5"), "ligne en double"),
    ],
)
def test_parse_errors_name_file_line_and_value(tmp_path, bad, message):
    rows = [_row(sector="c3"), _row(sector="c5"), bad]
    path = tmp_path / "wiod.parquet"
    pd.DataFrame(rows).to_parquet(path, index=False)
    with pytest.raises(ParseError, match=message) as err:
        parse_wiod_trade(path)
    assert err.value.line == 3 and "wiod.parquet, ligne 3" in str(err.value)


def test_parse_errors_file_level(tmp_path):
    path = tmp_path / "cols.parquet"
    pd.DataFrame([_row()]).drop(columns=["final_musd"]).to_parquet(path)
    with pytest.raises(ParseError, match="colonnes manquantes : final_musd"):
        parse_wiod_trade(path)
    garbage = tmp_path / "pas_parquet.parquet"
    garbage.write_text("year,exporter\n")
    with pytest.raises(ParseError, match="pas_parquet.parquet : fichier Parquet illisible"):
        parse_wiod_trade(garbage)
    nan = tmp_path / "nan.parquet"
    pd.DataFrame([_row(), _row(sector="c5", final_musd=np.nan)]).to_parquet(nan)
    with pytest.raises(ParseError, match="ligne 2 : valeur manquante dans la colonne final_musd"):
        parse_wiod_trade(nan)


def test_negative_final_demand_is_accepted(tmp_path):
    """WIOD final use includes inventory changes, so final (and total) flows can be negative."""
    path = tmp_path / "neg.parquet"
    pd.DataFrame([_row(final_musd=-12, total_musd=-2)]).to_parquet(path)
    assert parse_wiod_trade(path)["total_musd"].item() == -2
