"""pacte: intelligence industrielle territoriale (open territorial industrial intelligence).

A small public Python API (the CLI, the API and the reports use the same handlers)::

    import pacte
    pacte.build("pacte.duckdb")                      # the store, from the bundled data
    with pacte.open_store("pacte.duckdb") as con:
        df = pacte.indicators(con, "epci", ["industry_share"], period="2016")
        top = pacte.rank(con, "epci", top=20)
"""

from __future__ import annotations

from pacte.settings import VERSION as __version__

__all__ = ["__version__", "build", "indicators", "open_store", "rank", "territory"]


def open_store(db=None):
    """Open a built store read-only (default: ``$PACTE_DB`` or the user data directory)."""
    from pacte.store import connect

    return connect(db)


def build(db=None, **kw) -> dict:
    """Build the store atomically from the bundled snapshot; returns its meta (build hash)."""
    from pacte.handlers.build import build_store

    return build_store(db, **kw)


def indicators(con, level: str, indicator=None, period: str | None = None,
               code: str | None = None):
    """The long indicator table (``level, code, name, indicator, period, value, unit,
    resolution, source, note``) of a level, optionally one territory."""
    from pacte.handlers.indicators import indicators as _indicators

    return _indicators(con, level, indicator, period, code).data


def rank(con, level: str = "epci", top: int | None = None, weights=None, seed: int = 0,
         **kw):
    """The ranking of a level by the composite index (default rule, or a YAML ``weights``)."""
    from pacte.handlers.ranking import ranking
    from pacte.targeting.rule import load_rule

    rule = load_rule(weights) if weights else None
    return ranking(con, level, top=top, rule=rule, seed=seed, **kw).data


def territory(con, query: str, level: str | None = None) -> dict:
    """One territory's answer: identity, parents, coverage, indicators and job series."""
    from pacte.handlers.territory import territory as _territory

    return _territory(con, query, level).data
