"""The two blocks of a profile that need files fetched by ``pacte fetch`` (« Finances
locales »: DCRTP and FNGIR of the OFGL REI; « Montée en gamme »: the national URSSAF file).
Each block says ``available`` and, when not, the French how-to; a territory the fetched
data do not cover gets the reason instead of an error, so the profile always renders."""

from __future__ import annotations

import duckdb

from pacte.errors import PacteError
from pacte.handlers.dcrtp_territory import finances_block
from pacte.handlers.diversify import LEVELS, diversify_block


def local_blocks(con: duckdb.DuckDBPyConnection, level: str, code: str) -> dict:
    """``{"finances": ..., "diversification": ...}`` for a profile (EPCI: both; zone
    d'emploi: diversification only; other levels: neither)."""
    out: dict = {}
    if level == "epci":
        try:
            out["finances"] = finances_block(con, code)
        except PacteError as exc:
            out["finances"] = {"available": False, "title": "Finances locales",
                               "message": str(exc)}
    if level in LEVELS:
        try:
            out["diversification"] = diversify_block(con, code, level)
        except PacteError as exc:
            out["diversification"] = {"available": False, "title": "Montée en gamme",
                                      "message": str(exc)}
    return out
