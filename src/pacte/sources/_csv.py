"""Small CSV helpers shared by the source parsers.

Every data row keeps its 1-based line number as in an editor (the index of the frames these
helpers return), so that a :class:`~pacte.errors.ParseError` can point at it even when a
header cell holds a quoted newline.
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

#: Cells read as "not available" (NaN, never 0) besides empty cells.
MISSING = frozenset({"nd", "n.d", "n.d.", "nc", "n.c", "n.c.", "na", "n/a"})

#: kind of number -> (pattern of a cell once spaces are removed, what the error says is
#: expected). A decimal comma or point; spaces, no-break and narrow no-break spaces group
#: thousands (as :func:`pacte.labels.fr_number` writes them).
NUMBER_KINDS: dict[str, tuple[re.Pattern, str]] = {
    "amount": (re.compile(r"\d+(?:[.,]\d+)?"), "montant positif ou nul"),
    "signed": (re.compile(r"-?\d+(?:[.,]\d+)?"), "montant"),
    "count": (re.compile(r"\d+"), "effectif entier positif ou nul"),
}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_SIGNED = NUMBER_KINDS["signed"][0]

_PLAIN_INT = r"\d+"
_THOUSANDS_INT = r"\d{1,3}(?:,\d{3})+|\d+"
_NEGATIVE = re.compile(r"-\s*\d[\d,.\s]*")


def open_text(path: str | Path) -> IO[str]:
    """Open a CSV as text for :mod:`csv` (``newline=''``), gunzipping ``*.gz`` transparently.

    ``utf-8-sig`` drops a byte-order mark when there is one and reads plain UTF-8 otherwise.
    """
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def guess_separator(line: str, candidates: str = ";,") -> str:
    """The separator of a CSV from its header line: the candidate found most often; a tie
    goes to the first candidate (``;``, the French spreadsheet's); none found: ``,``."""
    counts = [line.count(c) for c in candidates]
    best = max(counts)
    return candidates[counts.index(best)] if best else ","


def sniff_separator(path: str | Path, what: str) -> str:
    """:func:`guess_separator` on the first line of ``path``; an empty file is a
    :class:`ParseError` saying which header (``what``) was expected."""
    with open_text(path) as f:
        first = f.readline()
    if not first.strip():
        raise ParseError(path, f"fichier vide : en-tête {what} attendu", line=1)
    return guess_separator(first)


def parse_fr_numbers(values: pd.Series, path: str | Path, column: str, kind: str = "amount",
                     *, missing: Sequence[str] = MISSING, spaces: bool = True,
                     expected: str | None = None) -> pd.Series:
    """A string column of numbers as written in French or English files, strictly, to
    float64: decimal comma or point, thousands grouped by spaces (unless ``spaces`` is
    False), ``kind`` one of :data:`NUMBER_KINDS`. Empty cells and the ``missing`` marks
    (case ignored) become NaN, never 0.

    ``values`` is indexed by line number (as :func:`read_table` returns it): any other cell
    raises a :class:`ParseError` naming the file, the line, the column and the value
    (« valeur négative » or « valeur non numérique », then ``expected``)."""
    raw = values.fillna("")
    text = raw.str.replace(_SPACES, "", regex=True) if spaces else raw.str.strip()
    absent = text.str.lower().isin({m.lower() for m in missing}) | (text == "")
    pattern, wanted = NUMBER_KINDS[kind]
    ok = text.str.fullmatch(pattern) | absent
    if not ok.all():
        pos = int(np.flatnonzero(~ok.to_numpy())[0])
        cell = _SPACES.sub("", text.iloc[pos])
        what = ("valeur négative" if cell.startswith("-") and _SIGNED.fullmatch(cell)
                else "valeur non numérique")
        raise ParseError(path, f"{what} dans la colonne « {column} » ({expected or wanted} "
                         "attendu)", line=int(values.index[pos]), value=str(values.iloc[pos]))
    number = pd.to_numeric(text.str.replace(",", ".", regex=False).where(~absent))
    return number.astype("float64")


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


def read_table(
    path: str | Path, columns: Sequence[str], *, first_cell: str | None = None, sep: str = ","
) -> pd.DataFrame:
    """The data rows below the header, as a string frame of ``columns``.

    The frame is indexed by the 1-based line number where each row starts (records are
    counted by :mod:`csv`, so quoted newlines are handled). Blank records are skipped; a
    record with a different number of fields than the header raises a :class:`ParseError`.
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
            if not any(record):  # blank line or separators only
                continue
            if len(record) != width:
                raise ParseError(
                    path, f"{len(record)} champs au lieu des {width} de l'en-tête", line=line
                )
            rows.append(record)
            lines.append(line)
    transposed = list(zip(*rows, strict=True)) if rows else [()] * width
    frame = pd.DataFrame({
        name: pd.Series(pa.array(transposed[i], pa.string()), dtype="str")
        for name, i in zip(columns, positions, strict=True)
    })
    frame.index = pd.Index(lines, dtype="int64", name="line")
    return frame


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
    # in Arrow compute, column at once (the pandas string methods took 5x the time on the
    # national URSSAF file's 34 count columns)
    text = pc.utf8_trim_whitespace(pc.fill_null(pa.Array.from_pandas(values, type=pa.string()),
                                                ""))
    is_missing = (pc.is_in(text, value_set=pa.array(list(missing), pa.string())) if missing
                  else pc.equal(text, "\x00"))  # all false (a cell cannot hold NUL alone)
    is_empty = pc.equal(text, "")
    pattern = _THOUSANDS_INT if thousands else _PLAIN_INT
    valid = pc.or_(pc.or_(pc.match_substring_regex(text, f"^(?:{pattern})$"), is_missing),
                   is_empty)
    if not pc.all(valid).as_py():
        pos = int(np.flatnonzero(~valid.to_numpy(zero_copy_only=False))[0])
        bad = str(values.iloc[pos])
        what = "valeur négative" if _NEGATIVE.fullmatch(bad.strip()) else "valeur non numérique"
        raise ParseError(
            path,
            f"{what} dans la colonne « {column} » (effectif entier positif ou nul attendu)",
            line=int(values.index[pos]),
            value=bad,
        )
    digits = pc.replace_substring(text, ",", "") if thousands else text
    digits = pc.if_else(pc.or_(is_missing, is_empty), pa.scalar(None, pa.string()), digits)
    as_float = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False, writable=True)
    as_float[is_empty.to_numpy(zero_copy_only=False)] = empty
    return pd.Series(as_float, index=values.index, name=values.name)


def first_bad(path: str | Path, mask: pd.Series, values: pd.Series, message: str) -> None:
    """Raise a :class:`ParseError` at the first True of ``mask``; frames indexed by line
    number (as :func:`read_table` returns them), so the error names the line and the value."""
    mask = mask.astype(bool)
    if mask.any():
        line = int(mask.index[mask.to_numpy()][0])
        raise ParseError(path, message, line=line, value=values.loc[line])
