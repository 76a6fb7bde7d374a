"""INSEE census « diplômes et formation », commune base (``base-cc-diplomes-formation-AAAA``).

The official file is a zip holding the data CSV (``;``-separated, one row per commune keyed
by ``CODGEO``) next to a ``meta_*`` dictionary. Variables are prefixed by the census year on
two digits (``P21_`` for RP 2021), and the header gives it away: ``P21_NSCOL15P`` is the
population aged 15 or over no longer in education, ``P21_NSCOL15P_<level>`` its split by
highest diploma:

- since RP 2017: ``DIPLMIN`` (no diploma or at most the CEP), ``BEPC``, ``CAPBEP``, ``BAC``,
  ``SUP2`` (bac+2), ``SUP34`` (bac+3/4), ``SUP5`` (bac+5 or more);
- up to RP 2016 (e.g. the Paris RP 2015 IRIS sample): ``DIPLMIN`` (no diploma, CEP or BEPC),
  ``CAPBEP``, ``BAC``, ``SUP`` (any higher-education diploma).

Both layouts are accepted; the bac+2-or-more total is ``SUP2 + SUP34 + SUP5`` or ``SUP``.
Counts are INSEE's weighted estimates (decimals with ``.``; a ``,`` is accepted too). A
non-numeric or negative cell raises :class:`~pacte.errors.ParseError` naming the file (and
zip member), the line and the value.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources._csv import guess_separator, open_text, parse_fr_numbers
from pacte.sources.geo import COMMUNE_RE

KEY = "CODGEO"
_NSCOL = re.compile(r"P(\d\d)_NSCOL15P")

#: output column -> level suffix of ``Pyy_NSCOL15P_<suffix>`` ("" = the total), per layout.
LEVELS_2017 = {"pop_15plus_non_scol": "", "no_diploma": "DIPLMIN", "bepc": "BEPC",
               "cap_bep": "CAPBEP", "bac": "BAC", "bac_plus_2": "SUP2",
               "bac_plus_3_4": "SUP34", "bac_plus_5_or_more": "SUP5"}
LEVELS_OLD = {"pop_15plus_non_scol": "", "no_diploma": "DIPLMIN", "cap_bep": "CAPBEP",
              "bac": "BAC", "bac_plus_2_or_more": "SUP"}

#: Columns of the frame :func:`parse_census_diplomas` returns, in order.
COLUMNS = ["commune", "year", "pop_15plus_non_scol", "no_diploma", "no_diploma_or_bepc",
           "bepc", "cap_bep", "bac", "bac_plus_2_or_more", "bac_plus_2", "bac_plus_3_4",
           "bac_plus_5_or_more"]


@contextmanager
def _open_member(path: Path) -> Iterator[tuple[IO[str], str]]:
    """The data CSV as text, and the name to quote in errors (``file.zip!member.csv``)."""
    if not zipfile.is_zipfile(path):
        with open_text(path) as f:
            yield f, str(path)
        return
    with zipfile.ZipFile(path) as zf:
        candidates = [m for m in zf.namelist() if m.lower().endswith(".csv")
                      and not Path(m).name.lower().startswith("meta")]
        chosen = []
        for member in candidates:
            with zf.open(member) as raw:
                first = raw.readline().decode("utf-8-sig", errors="replace")
            if re.split(r"[;,]", first.strip())[0].strip().strip('"') == KEY:
                chosen.append(member)
        if len(chosen) != 1:
            what = "aucun fichier CSV" if not chosen else f"{len(chosen)} fichiers CSV"
            raise ParseError(path, f"{what} de données ({KEY} en première colonne) dans "
                             f"l'archive (membres : {', '.join(zf.namelist())})")
        with zf.open(chosen[0]) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            yield text, f"{path}!{chosen[0]}"


def _read(path: Path) -> tuple[str, list[str], list[list[str]], list[int]]:
    with _open_member(path) as (f, where):
        first = f.readline()
        sep = guess_separator(first)
        header = [h.strip() for h in next(csv.reader([first], delimiter=sep), [])]
        if not header or header[0] != KEY:
            raise ParseError(where, f"en-tête inattendu : « {KEY} » attendu en première "
                             "colonne", line=1, value=header[0] if header else "")
        reader = csv.reader(f, delimiter=sep)
        rows: list[list[str]] = []
        lines: list[int] = []
        start = 2
        for record in reader:
            line, start = start, reader.line_num + 2
            if not any(record):
                continue
            if len(record) != len(header):
                raise ParseError(where, f"{len(record)} champs au lieu des {len(header)} de "
                                 "l'en-tête", line=line)
            rows.append(record)
            lines.append(line)
    return where, header, rows, lines


def _year_prefix(where: str, header: list[str]) -> str:
    years = sorted({m.group(1) for h in header if (m := _NSCOL.fullmatch(h))})
    if len(years) != 1:
        found = ", ".join(f"P{y}_NSCOL15P" for y in years) or "aucune"
        raise ParseError(where, "année du recensement introuvable : une seule colonne "
                         f"Pyy_NSCOL15P attendue (trouvées : {found})", line=1)
    return years[0]


def _counts(values: pd.Series, where: str, column: str) -> pd.Series:
    """Counts (INSEE weights: decimals, no thousands separator); empty cells are NaN."""
    return parse_fr_numbers(values, where, column, "amount", missing=(), spaces=False,
                            expected="effectif positif ou nul")


def parse_census_diplomas(path: str | Path) -> pd.DataFrame:
    """The INSEE base-cc-diplomes-formation file (zip or CSV) as one row per commune.

    Columns (:data:`COLUMNS`): ``commune`` (5-character code, str), ``year`` (int16, census
    year read from the ``Pyy_`` prefix), then float64 counts of the population aged 15+ no
    longer in education: ``pop_15plus_non_scol`` and by highest diploma ``no_diploma``
    (``DIPLMIN``: see the module doc, its scope changed in RP 2017), ``no_diploma_or_bepc``
    (comparable across layouts), ``bepc``, ``cap_bep``, ``bac``, ``bac_plus_2_or_more``,
    ``bac_plus_2``, ``bac_plus_3_4``, ``bac_plus_5_or_more`` (the last four NaN / ``bepc`` NaN
    in the pre-2017 layout). Empty cells are NaN, never 0.
    """
    path = Path(path)
    where, header, rows, lines = _read(path)
    yy = _year_prefix(where, header)
    levels = LEVELS_2017 if f"P{yy}_NSCOL15P_SUP2" in header else LEVELS_OLD
    wanted = {out: f"P{yy}_NSCOL15P" + (f"_{suffix}" if suffix else "")
              for out, suffix in levels.items()}
    missing = [c for c in wanted.values() if c not in header]
    if missing:
        raise ParseError(where, "colonnes manquantes dans l'en-tête : " + ", ".join(missing),
                         line=1)
    index = pd.Index(lines, dtype="int64", name="line")

    def column(name: str) -> pd.Series:
        i = header.index(name)
        return pd.Series([r[i] for r in rows], index=index, dtype="str")

    codes = column(KEY).str.strip()
    bad = ~codes.str.fullmatch(COMMUNE_RE.pattern.strip("^$"))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParseError(where, "code commune invalide (5 caractères attendus)",
                         line=int(index[pos]), value=codes.iloc[pos])
    dup = codes.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise ParseError(where, "commune en double", line=int(index[pos]),
                         value=codes.iloc[pos])

    out = pd.DataFrame({"commune": codes,
                        "year": pd.Series(2000 + int(yy), index=index, dtype="int16")})
    for name, col in wanted.items():
        out[name] = _counts(column(col), where, col)
    if levels is LEVELS_2017:
        out["no_diploma_or_bepc"] = out["no_diploma"] + out["bepc"]
        out["bac_plus_2_or_more"] = (out["bac_plus_2"] + out["bac_plus_3_4"]
                                     + out["bac_plus_5_or_more"])
    else:
        out["no_diploma_or_bepc"] = out["no_diploma"]
        for name in ("bepc", "bac_plus_2", "bac_plus_3_4", "bac_plus_5_or_more"):
            out[name] = np.nan
    return out[COLUMNS].reset_index(drop=True)
