"""Parsers of the national IO tables and the packaged WIOD -> NAF crosswalks.

Real inputs in tests/data/io/ (see its README): France's WIOD-2013 national table for 2010
(Timmer et al. 2015, Review of International Economics 23: 575-605) and the French SUT
2010 at A17 of the ThreeME calibration (ThreeME_V3-open@fd2bf59f)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.settings import package_data
from pacte.sources.io_tables import (
    A17_SECTORS,
    WIOD_FINAL_DEMAND,
    WIOD_SECTORS,
    parse_sut_a17,
    parse_wiod_crosswalk,
    parse_wiod_national,
)

DATA = Path(__file__).parents[1] / "data" / "io"
WIOD_2010 = DATA / "wiod2013_FRA_national_io_2010.parquet"
SUT_2010 = DATA / "fr_sut_2010_A17_threeme_long.csv.gz"


# --- WIOD --------------------------------------------------------------------------------

def load_wiod_crosswalk(level):
    return parse_wiod_crosswalk(package_data(f"crosswalk_wiod_{level}.csv"), level)


def test_parse_wiod_national_2010_values():
    """Shapes and cells of the 2010 table (million USD, values of the source file)."""
    Z_dom, Z_imp, fd, x, sectors = parse_wiod_national(WIOD_2010, 2010)
    assert sectors == WIOD_SECTORS
    assert Z_dom.shape == Z_imp.shape == (35, 35) and x.shape == (35,)
    assert list(fd.columns) == WIOD_FINAL_DEMAND and list(fd.index) == WIOD_SECTORS
    assert x[0] == 117973 and x[2] == 172057 and x[34] == 14006  # c1, c3, c35
    assert Z_dom[:, 34].sum() == 0  # households as employers buy no intermediate inputs
    # Accounting identity Z i + y = x, up to the source's residuals (<= 75 million USD).
    residual = Z_dom.sum(axis=1) + fd.sum(axis=1).to_numpy() - x
    assert np.abs(residual).max() <= 100
    assert np.abs(residual).max() / x.sum() < 1e-4


def _wiod_frame() -> pd.DataFrame:
    return pd.read_parquet(WIOD_2010)


def _write(df: pd.DataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "wiod.parquet"
    df.to_parquet(path, index=False)
    return path


def test_parse_wiod_missing_year():
    with pytest.raises(ParseError, match="année 1990 absente.*2010"):
        parse_wiod_national(WIOD_2010, 1990)


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [("origin", "foreign", "origine inconnue"),
     ("row_sector", "c36", "secteur WIOD inconnu"),
     ("col", "c99", "colonne d'emploi inconnue"),
     ("value_musd", -5, "valeur négative")],
)
def test_parse_wiod_bad_value_names_line(tmp_path, column, bad, message):
    """The error names the file, the row of the table (1-based) and the value."""
    df = _wiod_frame()
    if column == "value_musd":
        df[column] = df[column].astype("int64")
    else:
        df[column] = df[column].astype(object)
    df.loc[41, column] = bad
    path = _write(df, tmp_path)
    with pytest.raises(ParseError, match=message) as err:
        parse_wiod_national(path, 2010)
    assert err.value.line == 42 and err.value.value == bad
    assert "wiod.parquet, ligne 42" in str(err.value)


def test_parse_wiod_missing_and_duplicate_cells(tmp_path):
    df = _wiod_frame()
    cell = (df.origin == "domestic") & (df.row_sector == "c5") & (df.col == "c7")
    with pytest.raises(ParseError, match="cellule absente") as err:
        parse_wiod_national(_write(df[~cell], tmp_path), 2010)
    assert err.value.value == "c5 x c7"
    dup = pd.concat([df, df[cell]], ignore_index=True)
    with pytest.raises(ParseError, match="cellule en double") as err:
        parse_wiod_national(_write(dup, tmp_path), 2010)
    assert err.value.line == len(dup)


def test_parse_wiod_missing_column_and_unreadable(tmp_path):
    with pytest.raises(ParseError, match="colonnes attendues absentes : value_musd"):
        parse_wiod_national(_write(_wiod_frame().drop(columns="value_musd"), tmp_path), 2010)
    junk = tmp_path / "junk.parquet"
    junk.write_text("pas un parquet")
    with pytest.raises(ParseError, match="lecture impossible"):
        parse_wiod_national(junk, 2010)


# --- SUT A17 -----------------------------------------------------------------------------

def test_parse_sut_a17_values():
    """Known cells of the ThreeME SUT 2010 (million EUR; Labor in thousand jobs) and the
    table's identities: output = make column sums = intermediate use + value added."""
    sut = parse_sut_a17(SUT_2010)
    assert sut["sectors"] == A17_SECTORS
    assert sut["labels"][0] == "Agriculture, sylviculture et pêche"
    assert sut["x"][0] == pytest.approx(89026.368477, abs=1e-5)
    assert sut["value_added"][0] == pytest.approx(36248.435541, abs=1e-5)
    assert sut["wages"][0] == pytest.approx(9174.459496, abs=1e-5)
    assert sut["labor"][0] == pytest.approx(763.853493, abs=1e-5)
    assert sut["labor"].sum() == pytest.approx(25479.456468, abs=1e-5)  # 25.5 M jobs
    for key in ("Z_domestic", "Z_imported", "make", "Z_domestic_ixi"):
        assert sut[key].shape == (17, 17)
    np.testing.assert_allclose(sut["make"].sum(axis=0), sut["x"], rtol=1e-9)
    intermediate = sut["Z_domestic"] + sut["Z_imported"]
    np.testing.assert_allclose(intermediate.sum(axis=0) + sut["value_added"], sut["x"],
                               rtol=1e-9)
    # Model D only moves rows between producers: column totals are unchanged.
    np.testing.assert_allclose(sut["Z_domestic_ixi"].sum(axis=0),
                               sut["Z_domestic"].sum(axis=0), rtol=1e-12)
    # ThreeME's cRU row is mostly produced by GZ and MN: the ixi table moves it back.
    ru, gz = A17_SECTORS.index("RU"), A17_SECTORS.index("GZ")
    assert sut["Z_domestic_ixi"][ru].sum() < 0.5 * sut["Z_domestic"][ru].sum()
    assert sut["Z_domestic_ixi"][gz].sum() > sut["Z_domestic"][gz].sum()


def _sut_lines() -> list[str]:
    with gzip.open(SUT_2010, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def test_parse_sut_non_numeric_value_names_line(tmp_path):
    lines = _sut_lines()
    line_no = 1124  # TOTAL,,Labor,...,sAZ
    assert ",Labor," in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].rsplit(",", 1)[0] + ",n/d"
    path = tmp_path / "sut.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="valeur non numérique") as err:
        parse_sut_a17(path)
    assert err.value.line == line_no and err.value.value == "n/d"
    assert f"sut.csv, ligne {line_no}" in str(err.value)


def test_parse_sut_missing_cell_and_unknown_code(tmp_path):
    lines = _sut_lines()
    target = next(i for i, s in enumerate(lines)
                  if s.startswith("DOMESTIC,cC3,") and ",INTERMEDIATE USE,sHZ," in s)
    path = tmp_path / "sut.csv"
    path.write_text("\n".join(lines[:target] + lines[target + 1:]) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="cellule absente") as err:
        parse_sut_a17(path)
    assert err.value.value == "cC3 x sHZ"
    lines[target] = lines[target].replace(",sHZ,", ",sXX,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="code de secteur A17 inconnu") as err:
        parse_sut_a17(path)
    assert err.value.line == target + 1 and err.value.value == "sXX"


# --- crosswalks --------------------------------------------------------------------------

def test_crosswalks_cover_wiod_and_flag_splits():
    """Every WIOD sector has a main link; ``approximate`` flags exactly the sectors split
    across several codes of the level (hand-made source crosswalk, not official)."""
    for level in ("a38", "a17"):
        cw = load_wiod_crosswalk(level)
        assert set(cw.wiod_sector) == set(WIOD_SECTORS)
        assert set(cw[cw.main].wiod_sector) == set(WIOD_SECTORS)
        split = cw.groupby("wiod_sector")[level].transform("nunique") > 1
        assert (cw.approximate[split]).all()
        assert not cw.duplicated(["wiod_sector", level]).any()
    a17 = load_wiod_crosswalk("a17")
    assert set(a17.a17) <= set(A17_SECTORS)
    by = a17.groupby("wiod_sector")
    assert not by.approximate.any()["c9"]  # chemicals + pharma are both C5
    assert not by.approximate.any()["c17"]  # electricity/gas + water are both DE
    assert by.approximate.any()["c16"]  # recycling moves to DE
    a38 = load_wiod_crosswalk("a38")
    assert a38.set_index("wiod_sector").loc["c9", "a38"].tolist() == ["CE", "CF"]
    assert not a38[a38.approximate == False].note.str.len().any()  # noqa: E712
    with pytest.raises(ValueError):
        parse_wiod_crosswalk(package_data("crosswalk_wiod_a17.csv"), "a88")
