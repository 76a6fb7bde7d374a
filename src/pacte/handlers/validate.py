"""Validation answers (``pacte validate``): a ranking (default rule or ``weights``) checked
against a list of territory codes read from a CSV or text file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.geography import RANK_LEVELS, check_level
from pacte.handlers.envelope import Answer
from pacte.handlers.ranking import ranking
from pacte.labels import fr_number, plural
from pacte.settings import Settings
from pacte.sources._csv import guess_separator
from pacte.targeting.rule import Rule
from pacte.targeting.validate import calc_validation, map_codes

#: Column names taken as the code column when --code-column is not given (lowercase).
CODE_COLUMNS = ("code", "siren", "code_epci", "siren_epci", "epci", "code_ze", "ze2020",
                "ze2010", "codgeo", "code_insee")
_CODE = re.compile(r"^[0-9][0-9AB][0-9 ]{2,10}$")
WIDTH = {"epci": 9, "ze2020": 4, "ze2010": 4}


def _clean(code: str, level: str) -> str:
    code = re.sub(r"\s", "", str(code)).upper()
    if code.endswith(".0") and code[:-2].isdigit():  # a spreadsheet's float
        code = code[:-2]
    width = WIDTH.get(level)
    if code.isdigit() and width and len(code) < width and level != "epci":
        code = code.zfill(width)
    return code


#: Characters of a line of a list file. The bytes read at most and the number of lines are
#: settings (``PACTE_MAX_LIST_BYTES``, ``PACTE_MAX_LIST_CODES``; a level has at most ~35,000
#: communes).
MAX_LINE_CHARS = 10_000
MAX_LIST_BYTES = Settings.__dataclass_fields__["max_list_bytes"].default


def _size_text(n: int) -> str:
    """French size: « 8 Mo » for whole mebibytes, else bytes."""
    mib = 1024 * 1024
    return f"{n // mib} Mo" if n % mib == 0 else f"{fr_number(n)} octets"


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused in French beyond ``max_bytes`` (read no further:
    ``/dev/zero`` or a 200 MB file is not read whole)."""
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidParameterError(f"{path} : fichier trop grand (plus de "
                                    f"{_size_text(max_bytes)}, réglage PACTE_MAX_LIST_BYTES) "
                                    "; une liste de territoires (codes) est attendue")
    return data


def read_list(path: Path | str, level: str = "epci", code_column: str | None = None,
              settings: Settings | None = None) -> list[str]:
    """Codes of a CSV (``,``, ``;`` or tab) or text file (one code a line). The code column:
    ``code_column``, else the first known name (:data:`CODE_COLUMNS`), else the first
    column; a file whose first cell is a code has no header. ``settings`` (default: the
    environment's) bound the file's bytes and lines."""
    path = Path(path)
    settings = settings or Settings.from_env()
    try:
        text = _read_bounded(path, settings.max_list_bytes).decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidParameterError(f"{path} : fichier introuvable (--list)") from None
    except IsADirectoryError:
        raise InvalidParameterError(f"{path} est un dossier, pas une liste (--list)") from None
    except UnicodeDecodeError:
        raise InvalidParameterError(f"{path} : ce n'est pas un fichier texte UTF-8 (CSV ou "
                                    "une ligne par code)") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InvalidParameterError(f"{path} : liste vide")
    long = next((i for i, ln in enumerate(text.splitlines(), 1) if len(ln) > MAX_LINE_CHARS),
                None)
    if long is not None:
        raise InvalidParameterError(f"{path}, ligne {long} : ligne trop longue (plus de "
                                    f"{MAX_LINE_CHARS} caractères) ; une liste de codes est "
                                    "attendue (CSV ou un code par ligne)")
    if len(lines) > settings.max_list_codes + 1:
        raise InvalidParameterError(f"{path} : {len(lines)} lignes, plus qu'un en-tête et "
                                    f"{plural(settings.max_list_codes, 'code')} (réglage "
                                    "PACTE_MAX_LIST_CODES) ; une liste de territoires est "
                                    "attendue")
    delim = guess_separator(lines[0], ",;\t")
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    first = [c.strip() for c in rows[0]]
    header = code_column is not None or not _CODE.match(first[0])
    if not header:
        col = 0
    elif code_column is not None:
        if code_column not in first:
            raise InvalidParameterError(f"{path} : colonne « {code_column} » absente "
                                        f"(colonnes : {', '.join(first)})")
        col = first.index(code_column)
    else:
        low = [c.lower() for c in first]
        col = next((low.index(n) for n in CODE_COLUMNS if n in low), 0)
    body = rows[1:] if header else rows
    codes = [_clean(r[col], level) for r in body if len(r) > col and r[col].strip()]
    if not codes:
        raise InvalidParameterError(f"{path} : aucun code dans la colonne « {first[col]} »")
    return codes


def validate(con: duckdb.DuckDBPyConnection, list_path: Path | str, level: str = "epci",
             code_column: str | None = None, rule: Rule | None = None,
             rule_source: str | None = None) -> Answer:
    """The ranking of ``level`` checked against the list: ``data`` is the dict of
    :func:`pacte.targeting.validate.calc_validation` plus ``mapping`` (listed, code, how)
    and ``unknown`` (codes nothing maps)."""
    check_level(level, RANK_LEVELS, "pour le classement")
    codes = read_list(list_path, level, code_column)
    answer = ranking(con, level, rule=rule, rule_source=rule_source)
    df = answer.data
    nature = con.execute("SELECT code, nature FROM territory WHERE level = ?",
                         [level]).df().set_index("code")["nature"]
    df = df.assign(nature=df["code"].map(nature))
    mapping, unknown = map_codes(con, level, codes)
    ranked = set(df["code"])
    unranked = sorted(set(mapping["code"]) - ranked)  # excluded from the ranking
    out = calc_validation(df, set(mapping["code"]) & ranked, len(dict.fromkeys(codes)))
    out.update(mapping=mapping, unknown=unknown, unranked=unranked, level=level)
    return Answer(out, {**answer.meta, "list": str(list_path)})


def validation_summary(data: dict) -> dict:
    """The JSON-able figures of a validation (auc, n_listed, n_matched,
    precision_at_k, recall_at_k) plus groups, mapping and unknown codes."""
    def recs(df: pd.DataFrame) -> list[dict]:
        return [{k: (None if pd.isna(v) else v) for k, v in r.items()}
                for r in df.to_dict("records")]

    return {"auc": data["auc"], "n_listed": data["n_listed"], "n_matched": data["n_matched"],
            "precision_at_k": data["precision_at_k"], "recall_at_k": data["recall_at_k"],
            "k": data["k"], "level": data["level"], "by_region": recs(data["by_region"]),
            "by_nature": recs(data["by_nature"]),
            "members_lowest": recs(data["members_lowest"]),
            "others_highest": recs(data["others_highest"]),
            "mapped": recs(data["mapping"][data["mapping"]["listed"] != data["mapping"]["code"]]),
            "unknown": data["unknown"], "unranked": data["unranked"]}
