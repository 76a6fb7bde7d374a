"""Typed rows: DuckDB answers as plain tuples with their column names, for the readers that
print a table, CSV or JSON without pandas (``pacte show``, ``rank``, ``indicators``).

:func:`csv_text` and :func:`json_records` write rows exactly as pandas writes the same
values (``DataFrame.to_csv`` and :func:`pacte.export.tables.records`, doubles to 15
decimals), so that an answer has the same bytes whichever path produced it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

#: DuckDB types read as numbers (right-aligned in a terminal table).
NUMERIC_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                           "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE"})


@dataclass
class Rows:
    """``rows`` (tuples) of ``columns``; ``numeric[i]``: column i holds numbers (not
    booleans), as a numeric dtype would in a DataFrame."""

    columns: tuple[str, ...]
    rows: list[tuple]
    numeric: tuple[bool, ...] = field(default=())

    def __post_init__(self) -> None:
        self.columns = tuple(self.columns)
        if not self.numeric:
            self.numeric = tuple(False for _ in self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def select(self, names: Sequence[str]) -> Rows:
        """The columns ``names``, in that order."""
        idx = [self.columns.index(n) for n in names]
        return Rows(tuple(names), [tuple(r[i] for i in idx) for r in self.rows],
                    tuple(self.numeric[i] for i in idx))

    def renamed(self, names: dict[str, str]) -> Rows:
        return Rows(tuple(names.get(c, c) for c in self.columns), self.rows, self.numeric)


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None) -> Rows:
    """The rows of ``sql``, typed by DuckDB."""
    cur = con.execute(sql, list(params or []))
    desc = cur.description or []
    return Rows(tuple(d[0] for d in desc), cur.fetchall(),
                tuple(str(d[1]) in NUMERIC_TYPES for d in desc))


def json_float(value: float, precision: int = 15) -> float:
    """``value`` as pandas' JSON encoder writes it with ``double_precision`` (ultrajson's
    modp_dtoa: rounded to ``precision`` decimals, half to odd, trailing zeros dropped; very
    large or small values by ``%.{precision}g``), read back as a float."""
    if value == 0.0:
        return 0.0
    neg = value < 0
    v = -value if neg else value
    if v > 1e16 - 1 or v < 1e-15:
        return float(f"{value:.{precision}g}")
    if precision == 15 and v >= 8.0:  # the value itself (see :data:`JSON_KEPT`)
        return float(value)
    pow10 = 10.0 ** precision
    whole = int(v)
    tmp = (v - whole) * pow10
    frac = int(tmp)
    diff = tmp - frac
    if diff > 0.5 or (diff == 0.5 and (frac == 0 or frac & 1)):
        frac += 1
    if frac >= pow10:
        frac, whole = 0, whole + 1
    out = float(f"{whole}.{str(frac).rjust(precision, '0').rstrip('0') or '0'}")
    return -out if neg else out


def json_value(v):
    """A cell as :func:`pacte.export.tables.records` gives it (NaN -> None)."""
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else json_float(v)
    return v


#: Doubles of magnitude from 8 to 1e16 come back from :func:`json_float` (15 decimals)
#: unchanged: the fraction ``v - int(v)`` is exact, scaling it by 1e15 errs by at most
#: 0.12 of the last decimal and rounding it by 0.5, so the decimal written is within
#: 0.62e-15 of ``v``, less than half the spacing of doubles there (0.89e-15 at 8), and
#: reads back as ``v``.
JSON_KEPT = (8.0, 1e16)


def _json_column(values: list) -> list:
    """A column's cells as :func:`json_value` gives them; a column without floats as it is,
    whole floats below 1e15 and doubles of :data:`JSON_KEPT` as they are (rounding them to
    15 decimals changes nothing)."""
    if not any(issubclass(k, float) for k in set(map(type, values))):
        return values
    low, high = JSON_KEPT
    return [v if not isinstance(v, float) or low <= abs(v) <= high
            or (v.is_integer() and 0 < abs(v) < 1e15) else json_value(v) for v in values]


def json_records(rows: Rows) -> list[dict]:
    """The rows as JSON-safe records, as :func:`pacte.export.tables.records` gives them."""
    if not rows.rows:
        return []
    cols = [_json_column(list(c)) for c in zip(*rows.rows, strict=True)]
    names = rows.columns
    return [dict(zip(names, r, strict=True)) for r in zip(*cols, strict=True)]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
#: Cell types whose JSON text depends on the value alone (a column of one of them, and gaps,
#: is encoded once per distinct value).
_SCALARS = frozenset({str, int, float, bool})
_float_repr = float.__repr__


class _JsonTexts(dict):
    """Value -> its JSON text, as the encoder writes it (each distinct value encoded once;
    for a column of a single scalar type, where equal values have one text)."""

    def __missing__(self, value) -> str:
        text = self[value] = _ENCODER.encode(value)
        return text


def _json_texts(values: list) -> list[str]:
    """A column's cells as the JSON texts of :func:`json_records`' values."""
    values = _json_column(values)
    kinds = set(map(type, values)) - {type(None)}
    if kinds == {float}:  # finite here: the encoder writes float.__repr__
        return [_float_repr(v) if v is not None else "null" for v in values]
    if len(kinds) <= 1 and kinds <= _SCALARS:
        return list(map(_JsonTexts().__getitem__, values))
    return list(map(_ENCODER.encode, values))


def json_lines(rows: Rows, pad: str = "") -> list[str]:
    """Each row as the line :func:`json_text` writes for its record in
    :func:`json_records` (``pad``, a space, the compact record), built column by column:
    each distinct text or number is encoded once, and no dict is made per row."""
    names = rows.columns
    if len(set(names)) != len(names) or not all(type(n) is str for n in names):
        return [pad + " " + _ENCODER.encode(r) for r in json_records(rows)]
    template = pad + " {" + ",".join(_ENCODER.encode(n).replace("%", "%%") + ":%s"
                                     for n in names) + "}"
    if not names:
        return [template] * len(rows.rows)
    columns = [_json_texts(list(c)) for c in zip(*rows.rows, strict=True)]
    return [template % r for r in zip(*columns, strict=True)]


def json_text(value) -> str:
    """``value`` as the readers write JSON: compact (no spaces), one record of a list of
    records a line, one key of a top-level object a line, so that a file of thousands of
    rows stays readable line by line (and ``grep``-able) without the indentation that
    tripled its size; the values are those of ``json.dumps`` (non-ASCII kept). Typed rows
    (:class:`Rows`) stand for their records (:func:`json_records`), and are written
    faster."""
    enc = _ENCODER.encode

    def block(v, pad: str) -> str:
        if isinstance(v, Rows):
            if not v.rows:
                return "[]"
            return "[\n" + ",\n".join(json_lines(v, pad)) + "\n" + pad + "]"
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            return "[\n" + ",\n".join(pad + " " + enc(x) for x in v) + "\n" + pad + "]"
        return enc(v)

    if isinstance(value, dict) and value:
        return ("{\n" + ",\n".join(f" {enc(str(k))}:{block(v, ' ')}" for k, v in value.items())
                + "\n}\n")
    return block(value, "") + "\n"


def _csv_column(values: list) -> list:
    """A column's cells as ``to_csv`` writes them: gaps (None, NaN) empty, floats by repr."""
    kinds = set(map(type, values))
    if type(None) not in kinds and not any(issubclass(k, float) for k in kinds):
        return values
    return [("" if v != v else repr(v)) if isinstance(v, float) else "" if v is None else v
            for v in values]


#: Characters that may make the csv writer quote a field (a text without them is written as
#: it is; with them, the writer decides).
_CSV_SPECIAL = frozenset(',"\n\r')


class _CsvFields(dict):
    """Text -> that text as a field of a row of several fields, quoted as the csv writer
    quotes it (each distinct text written once by the writer itself)."""

    def __init__(self) -> None:
        super().__init__()
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\n")

    def __missing__(self, text: str) -> str:
        if not _CSV_SPECIAL.intersection(text):  # written as it is: no writer call
            self[text] = text
            return text
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.writerow((text, ""))
        field = self[text] = self._buf.getvalue()[:-2]  # without ",\n"
        return field


def csv_text(rows: Rows) -> str:
    """The rows as ``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(rows.columns)
    if not rows.rows:
        return buf.getvalue()
    columns = [_csv_column(list(c)) for c in zip(*rows.rows, strict=True)]
    if len(columns) == 1:  # a lone empty field is quoted: the writer decides
        w.writerows(zip(*columns, strict=True))
        return buf.getvalue()
    fields = _CsvFields()
    texts = [list(map(fields.__getitem__, c)) if set(map(type, c)) == {str}
             else [fields[v if type(v) is str else str(v)] for v in c] for c in columns]
    return buf.getvalue() + "\n".join(map(",".join, zip(*texts, strict=True))) + "\n"


#: The stored indicator table (:mod:`pacte.engine.materialise`) and its long columns.
INDICATOR_TABLE = "indicator"
INDICATOR_COLUMNS = ("level", "code", "name", "indicator", "period", "value", "unit",
                     "resolution", "source", "note")


def indicator_sql(level: str | None, indicators: Sequence[str] | None = None,
                  period: str | None = None, code: str | None = None,
                  columns: Sequence[str] = INDICATOR_COLUMNS) -> tuple[str, list]:
    """The query of the stored indicators of ``level`` (every level but France when None),
    optionally filtered, in the engine's row order; notes never null."""
    where, params = [], []
    if level is None:
        where.append("level <> 'fr'")
    else:
        where.append("level = ?")
        params.append(level)
    if indicators:
        where.append(f"indicator IN ({', '.join('?' * len(indicators))})")
        params += list(indicators)
    if period is not None:
        where.append("period = ?")
        params.append(period)
    if code is not None:
        where.append("code = ?")
        params.append(code)
    cols = ", ".join("coalesce(note, '') AS note" if c == "note" else c for c in columns)
    return (f"SELECT {cols} FROM {INDICATOR_TABLE} WHERE {' AND '.join(where)} ORDER BY ord",
            params)


def indicator_rows(con: duckdb.DuckDBPyConnection, level: str,
                   indicators: Sequence[str] | None = None, period: str | None = None,
                   limit: int | None = None) -> Rows | None:
    """The stored indicators of ``level`` (``pacte indicators``; the first ``limit`` rows
    only when given), or None when the store cannot answer them as asked (an indicator or
    period it does not hold at that level, a store without the table): the caller then
    takes the checked path, whose errors name the valid values."""
    try:
        if indicators:
            ph = ", ".join("?" * len(indicators))
            found = con.execute(f"SELECT count(DISTINCT indicator) FROM {INDICATOR_TABLE} "
                                f"WHERE level = ? AND indicator IN ({ph})",
                                [level, *indicators]).fetchall()[0][0]
            if found != len(set(indicators)):
                return None
        sql, params = indicator_sql(level, indicators, period)
        if limit is not None:
            sql, params = f"{sql} LIMIT ?", [*params, int(limit)]
        rows = query(con, sql, params)
    except duckdb.CatalogException:
        return None
    return rows if len(rows) else None


def indicator_count(con: duckdb.DuckDBPyConnection, level: str,
                    indicators: Sequence[str] | None = None, period: str | None = None
                    ) -> int:
    """The number of rows :func:`indicator_rows` gives without a limit."""
    sql, params = indicator_sql(level, indicators, period, columns=("level",))
    return con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]


#: The detailed sector scheme of a job source (URSSAF: 732 APE codes) that territory answers
#: sum into NAF sections unless the detail is asked for.
DETAIL_SCHEME = "APE"


def territory_jobs_sql(level: str, code: str | None = None, detail: bool = True,
                       source: str | None = None) -> tuple[str, list]:
    """The query of :func:`pacte.store.queries.territory_jobs` (see there)."""
    where, params = ["j.level = ?"], [level]
    if code is not None:
        where.append("j.code = ?")
        params.append(code)
    if source is not None:
        where.append("j.source = ?")
        params.append(source)
    cond = " AND ".join(where)
    head = "j.code, " if code is None else ""
    order = "code, " if code is None else ""
    sql = f"""
        SELECT {head}j.source, s.label AS source_label, s.resolution, j.scheme, j.period,
               j.year, j.sector, coalesce(l.label, lt.label, j.sector) AS sector_label, j.jobs,
               j.n_missing, j.estimate, j.partial
        FROM jobs j JOIN series s USING (source)
        LEFT JOIN sector_label l ON l.scheme = j.scheme AND l.sector = j.sector
        LEFT JOIN sector_label lt ON lt.scheme = 'trim' AND lt.sector = j.sector
        WHERE {cond}"""
    if not detail:
        sql += f""" AND (j.scheme <> '{DETAIL_SCHEME}' OR j.sector = 'TOTAL')
        UNION ALL
        SELECT {head}j.source, s.label, s.resolution, 'A21', j.period, j.year,
               n.section_a21, upper(left(n.libelle_section, 1))
                              || lower(substr(n.libelle_section, 2)),
               sum(j.jobs), max(j.n_missing), bool_or(j.estimate), bool_or(j.partial)
        FROM jobs j JOIN series s USING (source) JOIN naf n ON n.ape = j.sector
        WHERE {cond} AND j.scheme = '{DETAIL_SCHEME}'
        GROUP BY ALL"""
        params = params * 2
    return f"{sql} ORDER BY {order}source, scheme, sector, period", params
