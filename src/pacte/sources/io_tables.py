"""National input-output tables: France's WIOD-2013 national table and the 2010 supply-use
table at A17 (ThreeME calibration), plus the WIOD -> NAF rév. 2 sector crosswalks.

``parse_*`` read one file and return numpy arrays in the conventions of
:mod:`pacte.indicators.inputoutput` (row = supplying sector, column = buying sector).
Malformed input raises :class:`pacte.errors.ParseError` naming the file, the line
(1-based, header = line 1 for CSV; row number of the table for Parquet) and the value.

Sources
-------
* WIOD 2013 release, national IO table of France, million USD: Timmer, Dietzenbacher, Los,
  Stehrer & de Vries (2015), "An Illustrated User Guide to the World Input-Output
  Database", *Review of International Economics* 23: 575-605; long form derived from the
  WIOTs of bquast/wiod@59a28ac2 (GPL-3).
* French SUT 2010, A17, million EUR, ThreeME model calibration
  (ThreeME-org/ThreeME_V3-open@fd2bf59f, ``data/France/calibration_SUT_17x17.xlsx``,
  GPL-3), derived from INSEE's TES.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError, ParseError
from pacte.sources._csv import first_bad

WIOD_SECTORS = [f"c{i}" for i in range(1, 36)]
WIOD_FINAL_DEMAND = ["hh_consumption", "npish_consumption", "gov_consumption", "gfcf",
                     "inventories", "exports_intermediate", "exports_final"]
#: INSEE A17 sector codes, in the order of the national accounts.
A17_SECTORS = ["AZ", "DE", "C1", "C2", "C3", "C4", "C5", "FZ", "GZ", "HZ", "IZ", "JZ", "KZ",
               "LZ", "MN", "OQ", "RU"]
SUT_ACCOUNTS = {"Total": "x", "Value added": "value_added", "Wages": "wages",
                "Employer social contribution": "employer_social_contributions",
                "Labor": "labor"}


class WiodNationalTable(NamedTuple):
    """One year of the WIOD national table (unpacks as a 5-tuple)."""

    Z_domestic: np.ndarray  # (35, 35) domestic intermediate flows, million USD
    Z_imported: np.ndarray  # (35, 35) imported intermediate flows (by product row)
    final_demand: pd.DataFrame  # (35, 7) final uses of domestic output, incl. exports
    x: np.ndarray  # (35,) gross output
    sectors: list[str]  # c1..c35


def _number_lines(df: pd.DataFrame, header_lines: int) -> pd.DataFrame:
    """Index rows by their line number in the file (1-based), kept through filtering."""
    return df.set_axis(pd.RangeIndex(header_lines + 1, header_lines + 1 + len(df)), axis=0)


def _require(path: Path, df: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParseError(path, "colonnes attendues absentes : " + ", ".join(missing))


def _numeric(path: Path, df: pd.DataFrame, column: str) -> pd.Series:
    raw = df[column]
    num = pd.to_numeric(raw, errors="coerce").astype(float)
    first_bad(path, ~np.isfinite(num), raw, f"valeur non numérique ({column})")
    return num


def _pivot(path: Path, df: pd.DataFrame, rows: list[str], cols: list[str], what: str,
           row_key: str, col_key: str) -> np.ndarray:
    """Cells (row_key x col_key) of ``df`` as a dense array; every cell exactly once."""
    dup = df.duplicated([row_key, col_key])
    first_bad(path, dup, df[row_key] + " x " + df[col_key], f"cellule en double ({what})")
    table = df.pivot(index=row_key, columns=col_key, values="value")
    table = table.reindex(index=rows, columns=cols)
    missing = np.argwhere(table.isna().to_numpy())
    if len(missing):
        i, j = missing[0]
        raise ParseError(path, f"cellule absente ({what})", value=f"{rows[i]} x {cols[j]}")
    return table.to_numpy(dtype=float)


def parse_wiod_national(path: Path | str, year: int) -> WiodNationalTable:
    """France's national IO table of one year from the WIOD-2013 long Parquet file.

    Columns ``year, origin (domestic|imported), row_sector (c1..c35), col, value_musd``;
    ``col`` is a buying sector c1..c35, a final use (:data:`WIOD_FINAL_DEMAND`) or
    ``gross_output`` (domestic rows only). Returns ``(Z_domestic, Z_imported,
    final_demand, x, sectors)``: ``x`` is the published gross output, not recomputed: in
    the source file, intermediate plus final uses fall short of it by up to 75 million USD
    in 2010 (mean 42; 1 % of the output of leather, c5; 0.002 % of total output);
    ``final_demand`` holds the final uses of domestic output, exports included, indexed by
    sector. Use ``Z_domestic`` for domestic multipliers (imports leak abroad).
    """
    path = Path(path)
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ParseError(path, f"lecture impossible ({exc})") from exc
    _require(path, df, ["year", "origin", "row_sector", "col", "value_musd"])
    df = _number_lines(df, 0)
    years = pd.to_numeric(df["year"], errors="coerce")
    first_bad(path, years.isna(), df["year"], "année invalide")
    df = df[years == year]
    if df.empty:
        found = ", ".join(str(int(y)) for y in sorted(years.unique()))
        raise ParseError(path, f"année {year} absente (années présentes : {found})")
    df = df.astype({"origin": str, "row_sector": str, "col": str})
    first_bad(path, ~df["origin"].isin(["domestic", "imported"]), df["origin"],
               "origine inconnue")
    first_bad(path, ~df["row_sector"].isin(WIOD_SECTORS), df["row_sector"],
               "secteur WIOD inconnu")
    known = WIOD_SECTORS + WIOD_FINAL_DEMAND + ["gross_output"]
    first_bad(path, ~df["col"].isin(known), df["col"], "colonne d'emploi inconnue")
    value = _numeric(path, df, "value_musd")
    first_bad(path, (value < 0) & (df["col"] != "inventories"), df["value_musd"],
               "valeur négative")
    first_bad(path, (df["origin"] == "imported") & (df["col"] == "gross_output"), df["col"],
               "production sur une ligne importée")
    df = df.assign(value=value)
    dom = df[df["origin"] == "domestic"]
    imp = df[df["origin"] == "imported"]

    def cells(part: pd.DataFrame, cols: list[str], what: str) -> np.ndarray:
        return _pivot(path, part[part["col"].isin(cols)], WIOD_SECTORS, cols,
                      f"{year} {what}", "row_sector", "col")

    Z_dom = cells(dom, WIOD_SECTORS, "domestic")
    Z_imp = cells(imp, WIOD_SECTORS, "imported")
    fd = cells(dom, WIOD_FINAL_DEMAND, "domestic")
    x = cells(dom, ["gross_output"], "domestic")[:, 0]
    final_demand = pd.DataFrame(fd, index=pd.Index(WIOD_SECTORS, name="sector"),
                                columns=WIOD_FINAL_DEMAND)
    return WiodNationalTable(Z_dom, Z_imp, final_demand, x, list(WIOD_SECTORS))


def parse_sut_a17(path: Path | str) -> dict:
    """France's 2010 supply-use table at A17 (ThreeME calibration, long CSV, million EUR).

    Returns a dict (A17 order of :data:`A17_SECTORS`):

    * ``sectors`` (17 codes), ``labels`` (French labels);
    * ``Z_domestic`` (17, 17): domestic intermediate use, product (row) x sector (column);
      ``Z_imported`` the same for imports; ``make`` (17, 17): production, product x sector;
    * ``x``: sector output (equal to the make matrix's column sums and to intermediate
      consumption + value added), ``value_added``, ``wages``,
      ``employer_social_contributions`` (million EUR), ``labor`` (thousand jobs);
    * ``household_consumption_domestic`` (17,): by product;
    * ``Z_domestic_ixi`` (17, 17): an industry-by-industry table from the fixed product
      sales structure assumption (Eurostat Manual of Supply, Use and Input-Output Tables,
      2008, ch. 11, model D): ``Z_ixi = D U_dom`` with market shares
      ``D[s, p] = make[p, s] / q_p``.

    Approximation: ``Z_domestic`` is product x sector; used directly as a symmetric
    industry-by-industry table (``A = Z_domestic / x``), it treats product i as the output
    of sector i. That holds for most A17 rows, **not** for row cRU, to which ThreeME
    reallocates much of the output of sGZ (trade margins) and sMN: demand for cRU then
    lands on sector RU. ``Z_domestic_ixi`` moves it back to the producing sectors and is
    the better choice for jobs by sector; both give the same column sums (the same
    ``A`` column totals). The file is model calibration data derived from INSEE's TES, not
    the TES itself.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ParseError(path, f"lecture impossible ({exc})") from exc
    cols = ["row_block", "row_code", "row_label", "col_side", "col_block", "col_code",
            "col_label", "value"]
    _require(path, df, cols)
    df = _number_lines(df, 1)
    df = df.assign(value=_numeric(path, df, "value"))
    products = ["c" + s for s in A17_SECTORS]
    sectors = ["s" + s for s in A17_SECTORS]
    coded = df["col_code"].str.startswith("s")
    first_bad(path, coded & ~df["col_code"].isin(sectors), df["col_code"],
               "code de secteur A17 inconnu")
    first_bad(path, (df["row_code"] != "") & ~df["row_code"].isin(products), df["row_code"],
               "code de produit A17 inconnu")

    def block(row_block: str, side: str, col_block: str) -> pd.DataFrame:
        return df[(df["row_block"] == row_block) & (df["col_side"] == side)
                  & (df["col_block"] == col_block)]

    def matrix(row_block: str, side: str, col_block: str) -> np.ndarray:
        sel = block(row_block, side, col_block)
        sel = sel[sel["row_code"] != ""]
        return _pivot(path, sel, products, sectors, f"{row_block} {col_block}", "row_code",
                      "col_code")

    make = matrix("TOTAL", "SUPPLY", "PRODUCTION")
    out: dict = {"sectors": list(A17_SECTORS)}
    accounts = block("TOTAL", "SUPPLY", "PRODUCTION")
    accounts = accounts[accounts["row_code"] == ""].assign(row_code=accounts["row_label"])
    for label, key in SUT_ACCOUNTS.items():
        sel = accounts[accounts["row_label"] == label]
        out[key] = _pivot(path, sel, [label], sectors, f"TOTAL {label}", "row_code",
                          "col_code")[0]
    labels = df[coded].drop_duplicates("col_code").set_index("col_code")["col_label"]
    out["labels"] = [labels.get(s, "") for s in sectors]
    out["Z_domestic"] = matrix("DOMESTIC", "USE", "INTERMEDIATE USE")
    out["Z_imported"] = matrix("IMPORTED", "USE", "INTERMEDIATE USE")
    out["make"] = make
    hh = block("DOMESTIC", "USE", "Households").assign(col_code="households")
    out["household_consumption_domestic"] = _pivot(
        path, hh[hh["row_code"] != ""], products, ["households"], "DOMESTIC Households",
        "row_code", "col_code")[:, 0]
    if not np.allclose(make.sum(axis=0), out["x"], rtol=1e-6, atol=1e-3):
        j = int(np.argmax(np.abs(make.sum(axis=0) - out["x"])))
        raise ParseError(path, "production du secteur différente de la somme de la matrice "
                         "de production", value=A17_SECTORS[j])
    q = make.sum(axis=1)
    shares = np.divide(make, q[:, None], out=np.zeros_like(make), where=q[:, None] > 0)
    out["Z_domestic_ixi"] = shares.T @ out["Z_domestic"]
    return out


def parse_wiod_crosswalk(path: str | Path, level: str = "a38") -> pd.DataFrame:
    """Crosswalk file (bundled ``pacte/data/crosswalk_wiod_<level>.csv``, loaded into the store
    as table ``wiod_crosswalk_<level>``) WIOD-2013 sectors c1..c35 (NACE rév. 1.1) -> NAF rév. 2 A38 or A17.

    One row per link: ``wiod_sector, nace_rev11, wiod_label, a38|a17, <level>_label, main,
    approximate, note``. ``main`` is False for minor parts named only in the notes of the
    hand-made source crosswalk; ``approximate`` is True when the WIOD sector is split
    across several codes of the level (then no official key tells how to split it).
    Not an official correspondence (see the ``note`` column).
    """
    if level not in ("a38", "a17"):
        raise InvalidParameterError(f"niveau de nomenclature inconnu : {level!r} (a38 ou a17)")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    _require(path, df, ["wiod_sector", level, "main", "approximate", "note"])
    df = _number_lines(df, 1)
    for col in ("main", "approximate"):
        first_bad(path, ~df[col].isin(["true", "false"]), df[col], f"booléen attendu ({col})")
        df[col] = df[col] == "true"
    return df.reset_index(drop=True)
