"""URSSAF establishments and salaried jobs by commune x APE, yearly (open data).

Format of the national file "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last"
(about a million rows; the Rouen extract in ``employment/`` is an exact sample): ``;``-separated,
UTF-8 with a byte-order mark, CRLF line ends, one row per commune x APE code, then a pair of
columns ``Nombre d'établissements AAAA`` / ``Effectifs salariés AAAA`` per year. The years
are read from the header, not assumed.

Traps handled here (PARSING.md):

- codes are strings: ``Code commune`` ``01004`` keeps its zero, ``2A004`` its letter;
- ``Code APE`` has no dot (``2511Z``; NAF tables write ``25.11Z``): a dotted code is
  accepted and the dot removed;
- an empty count cell means no establishment / no job: 0, not missing;
- label cells hold ``;`` inside quotes (``"MN Activités scientifiques ... ; soutien ..."``).

:func:`iter_urssaf` streams the file in chunks (bounded memory); :func:`parse_urssaf`
concatenates them. ``*.gz`` paths are read transparently.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pacte.errors import ParseError
from pacte.sources._csv import read_header, require_columns, to_counts

ESTABLISHMENTS = "Nombre d'établissements "
JOBS = "Effectifs salariés "
COMMUNE = "Code commune"
APE = "Code APE"
LABEL_COLUMNS = {"APE": "ape_label", "Secteur NA17": "a17", "Secteur NA38": "a38",
                 "Secteur NA88": "a88"}
COLUMNS = ["commune", "ape", "year", "establishments", "jobs"]
LABEL_OUTPUT = ["ape", "ape_label", "a17", "a38", "a88"]

_COMMUNE = r"[0-9][0-9AB][0-9]{3}"
_APE = r"\d{2}\.?\d{2}[A-Z]"
_COUNT_COLUMN = re.compile(rf"({re.escape(ESTABLISHMENTS)}|{re.escape(JOBS)})(\d{{4}})")
_CODED_LABEL = re.compile(r"(?s)^(\S+)\s+(.+)$")
_SEP = ";"


def year_columns(path: str | Path, header: list[str], line: int = 1) -> list[int]:
    """The years of the header's count columns; each year must have both columns."""
    found: dict[str, set[int]] = {ESTABLISHMENTS: set(), JOBS: set()}
    for column in header:
        match = _COUNT_COLUMN.fullmatch(column)
        if match:
            found[match.group(1)].add(int(match.group(2)))
    years = sorted(found[ESTABLISHMENTS] | found[JOBS])
    if not years:
        raise ParseError(path, f"colonnes manquantes dans l'en-tête : « {ESTABLISHMENTS}AAAA » "
                         f"et « {JOBS}AAAA »", line=line)
    missing = [f"{prefix}{y}" for y in years for prefix in (ESTABLISHMENTS, JOBS)
               if y not in found[prefix]]
    require_columns(path, header, missing, line)
    return years


def _check_codes(path: Path, values: pd.Series, pattern: str, what: str, expected: str) -> pd.Series:
    text = values.str.strip()
    bad = ~text.str.fullmatch(pattern)
    if bad.any():
        line = int(text.index[np.flatnonzero(bad.to_numpy())[0]])
        raise ParseError(path, f"{what} malformé dans la colonne « {values.name} » "
                         f"(attendu : {expected})", line=line, value=values[line])
    return text


def _communes(path: Path, values: pd.Series) -> pd.Series:
    return _check_codes(path, values, _COMMUNE, "code commune", "5 caractères, ex. 01004, 2A004")


def _apes(path: Path, values: pd.Series) -> pd.Series:
    """APE codes without their dot (``25.11Z`` -> ``2511Z``)."""
    text = _check_codes(path, values, _APE, "code APE", "ex. 2511Z")
    return text.str.replace(".", "", regex=False)


def _to_long(path: Path, chunk: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One chunk from wide to long, dropping the (commune, APE, year) with 0 and 0."""
    commune, ape = _communes(path, chunk[COMMUNE]), _apes(path, chunk[APE])
    duplicated = (commune + " " + ape).duplicated()
    if duplicated.any():
        line = int(chunk.index[np.flatnonzero(duplicated.to_numpy())[0]])
        raise ParseError(path, "couple commune x APE en double", line=line,
                         value=f"{commune[line]} {ape[line]}")

    def counts(prefix: str) -> np.ndarray:
        return np.column_stack([
            to_counts(chunk[f"{prefix}{y}"], path, f"{prefix}{y}", missing=(), empty=0).to_numpy()
            for y in years
        ]).astype("int64")

    establishments, jobs = counts(ESTABLISHMENTS), counts(JOBS)
    rows, cols = np.nonzero((establishments != 0) | (jobs != 0))  # row by row, years in order
    return pd.DataFrame({
        "commune": commune.array.take(rows),
        "ape": ape.array.take(rows),
        "year": np.asarray(years, dtype="int64")[cols],
        "establishments": establishments[rows, cols],
        "jobs": jobs[rows, cols],
    })


def _separators(record: bytes) -> int:
    """Number of ``;`` outside double quotes (RFC 4180: ``""`` inside quotes)."""
    return sum(part.count(b";") for part in record.split(b'"')[::2])


def _join_records(
    path: Path, f: IO[bytes], lines: list[bytes], first: int
) -> tuple[list[bytes], list[int], int]:
    """Slow path for a block holding blank lines or quoted newlines: join the physical
    lines of each record, drop blank lines, read on past the block while a quote is open.
    Returns the records, their start lines and the number of extra lines read."""
    records: list[bytes] = []
    starts: list[int] = []
    pending: list[bytes] = []
    quotes = start = extra = 0

    def add(raw: bytes) -> None:  # a physical line; a record ends when its quotes close
        nonlocal pending, quotes
        pending.append(raw)
        quotes += raw.count(b'"')
        if quotes % 2 == 0:
            records.append(b"".join(pending))
            starts.append(start)
            pending = []

    for number, raw in enumerate(lines, start=first):
        if not pending and not raw.strip():
            continue
        if not pending:
            start, quotes = number, 0
        add(raw)
    while pending:
        raw = f.readline()
        if not raw:
            raise ParseError(path, "guillemet ouvert jamais refermé", line=start)
        extra += 1
        add(raw)
    return records, starts, extra


def _record_chunks(path: Path, chunk_rows: int, width: int) -> Iterator[tuple[bytes, list[int]]]:
    """Yield ``(bytes, start_lines)`` for the records of up to ``chunk_rows`` lines at a time.

    Every record keeps the 1-based line where it starts (a quoted newline makes a record
    span several lines); blank lines are skipped. A record whose number of fields differs
    from the header's raises a :class:`ParseError`. Most blocks take the fast path: no
    open quote at a line end and no blank line, so one line is one record.
    """
    with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as f:
        number = quotes = 0
        for raw in f:  # the header, possibly over several lines
            number += 1
            quotes += raw.count(b'"')
            if quotes % 2 == 0:
                break
        while lines := list(islice(f, chunk_rows)):
            first = number + 1
            number += len(lines)
            counts = [line.count(b'"') for line in lines]
            if any(q % 2 for q in counts) or min(map(len, lines)) <= 2:
                lines, starts, extra = _join_records(path, f, lines, first)
                number += extra
                counts = [line.count(b'"') for line in lines]
            else:
                starts = list(range(first, number + 1))
            if not lines:
                continue
            seps = [line.count(b";") if not q else _separators(line)
                    for line, q in zip(lines, counts, strict=True)]
            wrong = [i for i, n in enumerate(seps) if n != width - 1]
            if wrong:
                raise ParseError(path, f"{seps[wrong[0]] + 1} champs au lieu des {width} de "
                                 "l'en-tête", line=starts[wrong[0]])
            if not lines[-1].endswith(b"\n"):
                lines[-1] += b"\n"
            body = b"".join(lines)
            del lines, counts, seps  # keep one copy of the block in memory, not two
            yield body, starts
            del body


def _read_chunk(path: Path, body: bytes, starts: list[int], columns: dict[int, str]) -> pd.DataFrame:
    """Parse one block of whole records (every cell as a string) with pyarrow's CSV reader,
    which keeps memory low; index the rows by their start line."""
    names = {f"f{i}": name for i, name in columns.items()}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=_SEP, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(names), column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise ParseError(path, f"bloc illisible à partir de cette ligne ({error})",
                         line=starts[0]) from error
    if table.num_rows != len(starts):  # cannot happen if the chunking above is right
        raise ParseError(path, "découpage des lignes incohérent", line=starts[0])
    frame = pd.DataFrame({
        name: pd.Series(table.column(key).combine_chunks(), dtype="str")
        for key, name in names.items()
    })
    frame.index = pd.Index(starts, dtype="int64", name="line")
    return frame


def _iter_frames(path: Path, wanted: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    """String frames of the ``wanted`` columns, ``chunk_rows`` input lines at most each,
    indexed by line number."""
    _, header, line = read_header(path, sep=_SEP)
    require_columns(path, header, wanted, line)
    columns = {header.index(name): name for name in wanted}
    for body, starts in _record_chunks(path, chunk_rows, len(header)):
        frame = _read_chunk(path, body, starts, columns)
        del body
        yield frame


def iter_urssaf(path: str | Path, chunk_rows: int = 200_000) -> Iterator[pd.DataFrame]:
    """Stream the file as long frames built from at most ``chunk_rows`` input rows each.

    Columns: ``commune`` (str), ``ape`` (str, no dot, e.g. ``2511Z``), ``year`` (int),
    ``establishments`` (int), ``jobs`` (int). Empty cells count as 0; a year where a
    commune x APE has neither establishment nor job is left out. Raises a
    :class:`ParseError` (file, line, column, value) on a non-numeric or negative count, a
    malformed commune or APE code, a row with the wrong number of fields, a commune x APE
    repeated within a chunk, or a header missing expected columns.

    Memory grows with ``chunk_rows``, not with the file: about 0.7 GB at the default for
    400-byte rows (measured on a synthetic 1 M-row national-size file: 10 M output rows in
    about 9 s); pass a smaller ``chunk_rows`` on a small machine.
    """
    path = Path(path)
    _, header, line = read_header(path, sep=_SEP)
    years = year_columns(path, header, line)
    wanted = [COMMUNE, APE, *(f"{p}{y}" for y in years for p in (ESTABLISHMENTS, JOBS))]
    for frame in _iter_frames(path, wanted, chunk_rows):
        yield _to_long(path, frame, years)


def parse_urssaf(path: str | Path, chunk_rows: int = 200_000) -> pd.DataFrame:
    """The whole file, long: see :func:`iter_urssaf` for the columns. Also rejects a
    commune x APE repeated anywhere in the file, not only within a chunk."""
    path = Path(path)
    frames = list(iter_urssaf(path, chunk_rows))
    if not frames:
        return pd.DataFrame({"commune": pd.Series(dtype="str"), "ape": pd.Series(dtype="str"),
                             **{c: pd.Series(dtype="int64") for c in COLUMNS[2:]}})
    out = pd.concat(frames, ignore_index=True)
    repeated = out.duplicated(["commune", "ape", "year"])
    if repeated.any():
        first = out[repeated].iloc[0]
        commune, ape = first["commune"], first["ape"]
        raise ParseError(path, "couple commune x APE en double", value=f"{commune} {ape}",
                         line=_second_occurrence(path, commune, ape, chunk_rows))
    return out


def _second_occurrence(path: Path, commune: str, ape: str, chunk_rows: int) -> int | None:
    """Line of the second row for ``commune`` x ``ape`` (error path only: rereads the file)."""
    seen = 0
    for chunk in _iter_frames(path, [COMMUNE, APE], chunk_rows):
        hits = (chunk[COMMUNE].str.strip() == commune) & (
            chunk[APE].str.strip().str.replace(".", "", regex=False) == ape)
        lines = chunk.index[hits.to_numpy()]
        if seen + len(lines) >= 2:
            return int(lines[1 - seen])
        seen += len(lines)
    return None


def _labels(path: Path, data: pd.DataFrame) -> pd.DataFrame:
    data = data.drop_duplicates()  # keeps each distinct row's first line
    out = pd.DataFrame({"ape": _apes(path, data[APE])}, index=data.index)
    for column, name in LABEL_COLUMNS.items():
        parts = data[column].str.strip().str.extract(_CODED_LABEL.pattern)
        bad = parts[0].isna()
        if column == "APE":
            bad |= parts[0].str.replace(".", "", regex=False) != out["ape"]
        if bad.any():
            line = int(data.index[np.flatnonzero(bad.to_numpy())[0]])
            expected = f"« {APE} » puis libellé" if column == "APE" else "code puis libellé"
            raise ParseError(path, f"libellé illisible dans la colonne « {column} » "
                             f"(attendu : {expected})", line=line, value=data.at[line, column])
        out[name] = parts[1] if column == "APE" else parts[0]
    return out.drop_duplicates()


def parse_urssaf_labels(path: str | Path, chunk_rows: int = 200_000) -> pd.DataFrame:
    """The APE codes of the file with their label and NAF aggregates, one row per code.

    Columns: ``ape`` (no dot), ``ape_label`` (``"Travaux d'étanchéification"``), ``a17``
    (``"FZ"``), ``a38`` (``"FZ"``), ``a88`` (``"43"``): the codes that open the file's
    ``APE`` and ``Secteur NA17/NA38/NA88`` cells. Streams like :func:`iter_urssaf`. A code
    described two different ways raises a :class:`ParseError`.
    """
    path = Path(path)
    wanted = [APE, *LABEL_COLUMNS]
    parts = [_labels(path, frame) for frame in _iter_frames(path, wanted, chunk_rows)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in LABEL_OUTPUT})
    out = pd.concat(parts).drop_duplicates()
    clash = out["ape"].duplicated()
    if clash.any():
        line = int(out.index[np.flatnonzero(clash.to_numpy())[0]])
        raise ParseError(path, "code APE décrit de deux façons différentes", line=line,
                         value=out.at[line, "ape"])
    return out.sort_values("ape", kind="stable", ignore_index=True)[LABEL_OUTPUT]
