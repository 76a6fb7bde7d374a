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

import csv
import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources.estel import read_header, read_table, require_columns, to_counts

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
_CODED_LABEL = re.compile(r"(\S+)\s+(.+)")
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


def _check_codes(path: Path, values: pd.Series, pattern: str, what: str) -> pd.Series:
    text = values.str.strip()
    bad = ~text.str.fullmatch(pattern)
    if bad.any():
        line = int(text.index[np.flatnonzero(bad.to_numpy())[0]])
        raise ParseError(path, f"{what} malformé dans la colonne « {values.name} »",
                         line=line, value=values[line])
    return text


def _to_long(path: Path, chunk: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One chunk from wide to long, dropping the (commune, APE, year) with 0 and 0."""
    commune = _check_codes(path, chunk[COMMUNE], _COMMUNE,
                           "code commune (5 caractères, ex. 01004 ou 2A004)")
    ape = _check_codes(path, chunk[APE], _APE, "code APE (ex. 2511Z)").str.replace(
        ".", "", regex=False)
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


def _count_fields(record: bytes) -> int:
    if b'"' not in record:
        return record.count(_SEP.encode()) + 1
    return len(next(csv.reader(io.StringIO(record.decode("utf-8", "replace")), delimiter=_SEP)))


def _record_chunks(path: Path, chunk_rows: int, width: int) -> Iterator[tuple[bytes, list[int]]]:
    """Yield ``(bytes, start_lines)`` for up to ``chunk_rows`` records below the header.

    Records are cut on physical lines, joining lines while a quote is open, so that each
    record keeps the 1-based line where it starts; blank lines are skipped. A record whose
    number of fields differs from the header's raises a :class:`ParseError`.
    """
    with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as f:
        lines = enumerate(f, start=1)
        quotes = 0
        for _, raw in lines:  # the header, possibly over several lines
            quotes += raw.count(b'"')
            if quotes % 2 == 0:
                break
        body: list[bytes] = []
        starts: list[int] = []
        record: list[bytes] = []
        start = 0
        for number, raw in lines:
            if not record:
                if not raw.strip():
                    continue
                start, quotes = number, 0
            record.append(raw)
            quotes += raw.count(b'"')
            if quotes % 2:
                continue
            text = record[0] if len(record) == 1 else b"".join(record)
            record = []
            fields = _count_fields(text.rstrip(b"\r\n"))
            if fields != width:
                raise ParseError(path, f"{fields} champs au lieu des {width} de l'en-tête",
                                 line=start)
            body.append(text if text.endswith(b"\n") else text + b"\n")
            starts.append(start)
            if len(starts) >= chunk_rows:
                yield b"".join(body), starts
                body, starts = [], []
        if record:
            raise ParseError(path, "guillemet ouvert jamais refermé", line=start)
        if starts:
            yield b"".join(body), starts


def _read_chunk(path: Path, body: bytes, starts: list[int], columns: dict[int, str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.BytesIO(body), sep=_SEP, header=None, usecols=list(columns),
                            dtype=str, keep_default_na=False, na_filter=False,
                            encoding="utf-8", skip_blank_lines=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ParseError(path, f"bloc illisible à partir de cette ligne ({error})",
                         line=starts[0]) from error
    if len(frame) != len(starts):  # cannot happen if the chunking above is right
        raise ParseError(path, "découpage des lignes incohérent", line=starts[0])
    frame = frame.rename(columns=columns)
    frame.index = pd.Index(starts, dtype="int64", name="line")
    return frame


def iter_urssaf(path: str | Path, chunk_rows: int = 200_000) -> Iterator[pd.DataFrame]:
    """Stream the file as long frames built from at most ``chunk_rows`` input rows each.

    Columns: ``commune`` (str), ``ape`` (str, no dot, e.g. ``2511Z``), ``year`` (int),
    ``establishments`` (int), ``jobs`` (int). Empty cells count as 0; a year where a
    commune x APE has neither establishment nor job is left out. Raises a
    :class:`ParseError` (file, line, column, value) on a non-numeric or negative count, a
    malformed commune or APE code, a row with the wrong number of fields, a commune x APE
    repeated within a chunk, or a header missing expected columns.
    """
    path = Path(path)
    _, header, line = read_header(path, sep=_SEP)
    years = year_columns(path, header, line)
    require_columns(path, header, [COMMUNE, APE], line)
    wanted = [COMMUNE, APE, *(f"{p}{y}" for y in years for p in (ESTABLISHMENTS, JOBS))]
    columns = {header.index(name): name for name in wanted}
    for body, starts in _record_chunks(path, chunk_rows, len(header)):
        yield _to_long(path, _read_chunk(path, body, starts, columns), years)


def parse_urssaf(path: str | Path) -> pd.DataFrame:
    """The whole file, long: see :func:`iter_urssaf` for the columns. Also rejects a
    commune x APE repeated anywhere in the file."""
    path = Path(path)
    frames = list(iter_urssaf(path))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    repeated = out.duplicated(["commune", "ape", "year"])
    if repeated.any():
        first = out[repeated].iloc[0]
        commune, ape = first["commune"], first["ape"]
        raise ParseError(path, "couple commune x APE en double", value=f"{commune} {ape}",
                         line=_second_occurrence(path, commune, ape))
    return out


def _second_occurrence(path: Path, commune: str, ape: str) -> int | None:
    """Line of the second row for ``commune`` x ``ape`` (error path only: rereads the file)."""
    _, header, _ = read_header(path, sep=_SEP)
    columns = {header.index(COMMUNE): COMMUNE, header.index(APE): APE}
    seen = 0
    for body, starts in _record_chunks(path, 200_000, len(header)):
        chunk = _read_chunk(path, body, starts, columns)
        hits = (chunk[COMMUNE].str.strip() == commune) & (
            chunk[APE].str.strip().str.replace(".", "", regex=False) == ape)
        lines = chunk.index[hits.to_numpy()]
        if seen + len(lines) >= 2:
            return int(lines[1 - seen])
        seen += len(lines)
    return None


def parse_urssaf_labels(path: str | Path) -> pd.DataFrame:
    """The APE codes of the file with their label and NAF aggregates, one row per code.

    Columns: ``ape`` (no dot), ``ape_label`` (``"Travaux d'étanchéification"``), ``a17``
    (``"FZ"``), ``a38`` (``"FZ"``), ``a88`` (``"43"``): the codes that open the file's
    ``Secteur NA17/NA38/NA88`` cells. A code given two different labels raises.
    """
    path = Path(path)
    _, header, line = read_header(path, sep=_SEP)
    require_columns(path, header, [APE, *LABEL_COLUMNS], line)
    data = read_table(path, [APE, *LABEL_COLUMNS], sep=_SEP)
    out = pd.DataFrame(index=data.index)
    out["ape"] = _check_codes(path, data[APE], _APE, "code APE (ex. 2511Z)").str.replace(
        ".", "", regex=False)
    for column, name in LABEL_COLUMNS.items():
        parts = data[column].str.strip().str.extract(_CODED_LABEL.pattern)
        bad = parts[0].isna()
        if bad.any():
            bad_line = int(data.index[np.flatnonzero(bad.to_numpy())[0]])
            raise ParseError(path, f"libellé sans code dans la colonne « {column} »",
                             line=bad_line, value=data.at[bad_line, column])
        out[name] = parts[1] if column == "APE" else parts[0]
        if column == "APE":
            other = parts[0].str.replace(".", "", regex=False) != out["ape"]
            if other.any():
                bad_line = int(data.index[np.flatnonzero(other.to_numpy())[0]])
                raise ParseError(path, f"le libellé APE ne commence pas par le « {APE} »",
                                 line=bad_line, value=data.at[bad_line, column])
    out = out.drop_duplicates()
    clash = out["ape"].duplicated()
    if clash.any():
        bad_line = int(out.index[np.flatnonzero(clash.to_numpy())[0]])
        raise ParseError(path, "code APE décrit de deux façons différentes", line=bad_line,
                         value=out.at[bad_line, "ape"])
    return out.sort_values("ape", kind="stable", ignore_index=True)[LABEL_OUTPUT]
