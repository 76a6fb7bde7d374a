"""INSEE ESTEL employment by zone d'emploi (ZE2010), 1998-2017.

Two files (see MANIFEST-employment-national.md):

- ``ESTEL_emploi_salarie_sectoriel_ZE2010_1998-2017.csv``: salaried jobs at 31 December by
  ZE x 5 sectors (A5) plus a ``TT-Total`` line, one column per year (2017 first);
- ``ESTEL_emploi_non_salarie_ZE2010_1998-2017.csv``: non-salaried jobs by ZE (no sector).

Both open with five title rows (``skiprows=5``), write counts with a thousands comma
(``"2,558"``) and give the ZE as ``"0050_Mont-de-Marsan"``. The ZE code is kept as a
4-character string (``"0050"``, never 50).

This module also holds the small CSV helpers the employment parsers share
(:func:`open_text`, :func:`read_header`, :func:`iter_table`, :func:`read_table`,
:func:`to_counts`): every data row keeps its 1-based line number as in an editor (the index
of the frames they return), so that a :class:`~pacte.errors.ParseError` can point at it even
when a header cell holds a quoted newline.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pacte.errors import ParseError

SECTORS = {
    "AZ": "Agriculture",
    "BE": "Industrie",
    "FZ": "Construction",
    "GU": "Tertiaire marchand",
    "OQ": "Tertiaire non marchand",
}
TOTAL = "TT"

_ZE = re.compile(r"(\d{4})_(.+)")
_ACTIVITY = re.compile(r"([A-Z]{2})-(.+)")
_YEAR = re.compile(r"\d{4}")
_PLAIN_INT = r"\d+"
_THOUSANDS_INT = r"\d{1,3}(?:,\d{3})+|\d+"
_NEGATIVE = re.compile(r"-\s*\d[\d,.\s]*")


# --- shared CSV helpers ------------------------------------------------------------------


def open_text(path: str | Path) -> IO[str]:
    """Open a CSV as text for :mod:`csv` (``newline=''``), gunzipping ``*.gz`` transparently.

    ``utf-8-sig`` drops a byte-order mark when there is one and reads plain UTF-8 otherwise.
    """
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _scan_header(
    reader: Iterator[list[str]], path: Path, first_cell: str | None
) -> tuple[list[list[str]], list[str], int]:
    preamble: list[list[str]] = []
    line = 1
    for record in reader:
        if first_cell is None or (record and record[0].strip() == first_cell):
            return preamble, [cell.strip() for cell in record], line
        preamble.append(record)
        line = reader.line_num + 1  # type: ignore[attr-defined]
    wanted = "" if first_cell is None else f" : aucune ligne ne commence par « {first_cell} »"
    raise ParseError(path, f"en-tête introuvable{wanted}")


def read_header(
    path: str | Path, *, first_cell: str | None = None, sep: str = ","
) -> tuple[list[list[str]], list[str], int]:
    """Return ``(preamble, header, header_line)``: the records before the header row, the
    header cells (stripped) and the header's 1-based line number.

    The header is the first record whose first cell is ``first_cell`` (the first record if
    ``None``). Records are counted by :mod:`csv`, so a quoted newline inside a title cell
    does not shift anything.
    """
    with open_text(path) as f:
        return _scan_header(csv.reader(f, delimiter=sep), Path(path), first_cell)


def require_columns(path: str | Path, header: Sequence[str], needed: Sequence[str], line: int) -> None:
    """Raise a :class:`ParseError` listing every column of ``needed`` absent from ``header``."""
    missing = [c for c in needed if c not in header]
    if missing:
        raise ParseError(path, "colonnes manquantes dans l'en-tête : " + ", ".join(missing), line=line)


def iter_table(
    path: str | Path,
    columns: Sequence[str],
    *,
    first_cell: str | None = None,
    sep: str = ",",
    chunk_rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream the data rows below the header as string frames of ``columns``.

    Each frame is indexed by the 1-based line number where its row starts. Blank records
    (every cell empty) are skipped; a record with a different number of fields than the
    header raises a :class:`ParseError`. With ``chunk_rows`` at most that many rows are held
    at once; without it a single frame is yielded (possibly empty).
    """
    path = Path(path)
    with open_text(path) as f:
        reader = csv.reader(f, delimiter=sep)
        _, header, header_line = _scan_header(reader, path, first_cell)
        require_columns(path, header, columns, header_line)
        positions = [header.index(c) for c in columns]
        width = len(header)
        rows: list[list[str]] = []
        lines: list[int] = []
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != width:
                raise ParseError(
                    path, f"{len(record)} champs au lieu des {width} de l'en-tête", line=line
                )
            rows.append(record)
            lines.append(line)
            if chunk_rows is not None and len(rows) >= chunk_rows:
                yield _frame(rows, lines, columns, positions)
                rows, lines = [], []
        if rows or chunk_rows is None:
            yield _frame(rows, lines, columns, positions)


def _frame(
    rows: list[list[str]], lines: list[int], columns: Sequence[str], positions: list[int]
) -> pd.DataFrame:
    transposed = list(zip(*rows, strict=True)) if rows else [()] * (max(positions) + 1)
    data = {name: pd.Series(transposed[i], dtype="str") for name, i in zip(columns, positions, strict=True)}
    frame = pd.DataFrame(data)
    frame.index = pd.Index(lines, dtype="int64", name="line")
    return frame


def read_table(
    path: str | Path, columns: Sequence[str], *, first_cell: str | None = None, sep: str = ","
) -> pd.DataFrame:
    """All the data rows at once: see :func:`iter_table`."""
    return next(iter_table(path, columns, first_cell=first_cell, sep=sep))


def to_counts(
    values: pd.Series,
    path: str | Path,
    column: str,
    *,
    thousands: bool = False,
    missing: Sequence[str] = ("nd",),
    empty: float = np.nan,
) -> pd.Series:
    """Convert a string column of non-negative whole counts to float64, strictly.

    ``values`` is indexed by line number. Cells in ``missing`` (INSEE's ``nd``) become NaN,
    never 0; empty cells become ``empty``. With ``thousands`` a comma may group digits by
    three (``"2,558"``). Anything else (text, decimals, negative numbers) raises a
    :class:`ParseError` naming the line, the column and the value.
    """
    text = values.fillna("").str.strip()
    is_missing = text.isin(list(missing))
    is_empty = text == ""
    pattern = _THOUSANDS_INT if thousands else _PLAIN_INT
    valid = text.str.fullmatch(pattern) | is_missing | is_empty
    if not valid.all():
        pos = int(np.flatnonzero(~valid.to_numpy())[0])
        bad = str(values.iloc[pos])
        what = "valeur négative" if _NEGATIVE.fullmatch(bad.strip()) else "valeur non numérique"
        raise ParseError(
            path,
            f"{what} dans la colonne « {column} » (effectif entier positif ou nul attendu)",
            line=int(values.index[pos]),
            value=bad,
        )
    digits = text.str.replace(",", "", regex=False).where(~(is_missing | is_empty))
    as_float = pc.cast(pa.array(digits), pa.float64()).to_numpy(zero_copy_only=False)
    as_float[is_empty.to_numpy()] = empty
    return pd.Series(as_float, index=values.index, name=values.name)


# --- ESTEL ----------------------------------------------------------------------------------


def _split_ze(path: Path, zone: pd.Series) -> pd.DataFrame:
    parts = zone.str.strip().str.extract(_ZE.pattern)
    bad = parts[0].isna()
    if bad.any():
        line = int(zone.index[np.flatnonzero(bad.to_numpy())[0]])
        raise ParseError(
            path, "zone d'emploi illisible (attendu « 0050_Nom »)", line=line, value=zone[line]
        )
    return parts.rename(columns={0: "ze2010", 1: "ze2010_name"})


def _year_columns(path: Path, header: list[str], line: int) -> list[str]:
    years = [c for c in header if _YEAR.fullmatch(c)]
    if not years:
        raise ParseError(path, "aucune colonne d'année (AAAA) dans l'en-tête", line=line)
    return years


def _counts_wide(path: Path, data: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    return pd.DataFrame({y: to_counts(data[y], path, y, thousands=True) for y in years})


def _check_sector_sums(path: Path, table: pd.DataFrame, years: list[str]) -> None:
    """Every ZE must have its 5 sectors and TT once each, and the sectors must add up to TT."""
    duplicated = table.duplicated(["ze2010", "code"])
    if duplicated.any():
        line = int(table.index[np.flatnonzero(duplicated.to_numpy())[0]])
        raise ParseError(path, "ligne d'activité en double pour la zone", line=line,
                         value=f"{table.at[line, 'ze2010']} {table.at[line, 'code']}")
    expected = set(SECTORS) | {TOTAL}
    for ze, group in table.groupby("ze2010", sort=False):
        absent = expected - set(group["code"])
        if absent:
            raise ParseError(path, f"zone d'emploi {ze} sans les lignes {', '.join(sorted(absent))}",
                             line=int(group.index[0]), value=ze)
    sectors = table[table["code"] != TOTAL].groupby("ze2010", sort=False)[years].sum(min_count=5)
    total = table[table["code"] == TOTAL].set_index("ze2010")
    gap = sectors.sub(total[years].loc[sectors.index])
    both_missing = sectors.isna() & total[years].loc[sectors.index].isna()
    wrong = (gap.fillna(1) != 0) & ~both_missing
    if wrong.to_numpy().any():
        i, j = (int(k[0]) for k in np.nonzero(wrong.to_numpy()))
        ze, year = sectors.index[i], years[j]
        raise ParseError(
            path,
            f"la somme des 5 secteurs ({sectors.iat[i, j]:,.0f}) diffère du total TT "
            f"pour la zone {ze} en {year}",
            line=int(total.at[ze, "line"]),
            value=f"{total.at[ze, year]:,.0f}",
        )


def parse_estel_salaried(path: str | Path) -> pd.DataFrame:
    """Salaried jobs by ZE2010 x A5 sector x year, long.

    Columns: ``ze2010`` (4-char code), ``ze2010_name``, ``region_label`` (as in the file,
    e.g. ``"28_NORMANDIE"`` or ``"INT-INTERREGIONAL"``), ``sector`` (one of :data:`SECTORS`),
    ``year`` (int), ``jobs`` (float64). The ``TT-Total`` rows are not returned but checked:
    the 5 sectors must add up to them exactly for every ZE and year.
    """
    path = Path(path)
    _, header, header_line = read_header(path, first_cell="Zone_emploi")
    years = _year_columns(path, header, header_line)
    data = read_table(path, ["Zone_emploi", "Region", "Activite", *years], first_cell="Zone_emploi")
    ze = _split_ze(path, data["Zone_emploi"])
    activity = data["Activite"].str.strip().str.extract(_ACTIVITY.pattern)[0]
    unknown = ~activity.isin([*SECTORS, TOTAL])
    if unknown.any():
        line = int(data.index[np.flatnonzero(unknown.to_numpy())[0]])
        raise ParseError(path, "activité inconnue (attendu AZ, BE, FZ, GU, OQ ou TT)",
                         line=line, value=data.at[line, "Activite"])
    table = pd.concat([ze, activity.rename("code"), _counts_wide(path, data, years)], axis=1)
    table["region_label"] = data["Region"].str.strip()
    table["line"] = table.index
    _check_sector_sums(path, table, years)
    kept = table[table["code"] != TOTAL]
    long = kept.melt(
        id_vars=["ze2010", "ze2010_name", "region_label", "code"],
        value_vars=years, var_name="year", value_name="jobs",
    ).rename(columns={"code": "sector"})
    long["year"] = long["year"].astype("int64")
    long = long.sort_values(["ze2010", "sector", "year"], kind="stable", ignore_index=True)
    return long[["ze2010", "ze2010_name", "region_label", "sector", "year", "jobs"]]


def parse_estel_nonsalaried(path: str | Path) -> pd.DataFrame:
    """Non-salaried jobs by ZE2010 x year, long: ``ze2010`` (str), ``year`` (int),
    ``jobs`` (float64). A ZE listed twice raises a :class:`ParseError`."""
    path = Path(path)
    _, header, header_line = read_header(path, first_cell="Zone_emploi")
    years = _year_columns(path, header, header_line)
    data = read_table(path, ["Zone_emploi", *years], first_cell="Zone_emploi")
    ze = _split_ze(path, data["Zone_emploi"])
    duplicated = ze["ze2010"].duplicated()
    if duplicated.any():
        line = int(ze.index[np.flatnonzero(duplicated.to_numpy())[0]])
        raise ParseError(path, "zone d'emploi en double", line=line, value=ze.at[line, "ze2010"])
    table = pd.concat([ze[["ze2010"]], _counts_wide(path, data, years)], axis=1)
    long = table.melt(id_vars="ze2010", var_name="year", value_name="jobs")
    long["year"] = long["year"].astype("int64")
    return long.sort_values(["ze2010", "year"], kind="stable", ignore_index=True)
