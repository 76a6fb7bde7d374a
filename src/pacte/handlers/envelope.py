"""The envelope every answer carries: where the figures come from and which store built
them (datasette shows source and licence on every page; openfisca's handlers know no web
framework)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pacte.labels import ATTRIBUTION
from pacte.store.connect import read_meta
from pacte.store.provenance import read_source_tables
from pacte.store.state import state_of


@dataclass
class Answer:
    """``data``: a DataFrame or a dict of them; ``meta``: the envelope (JSON-safe dict)."""

    data: Any
    meta: dict = field(default_factory=dict)


def _provenance(con: duckdb.DuckDBPyConnection, tables: Iterable[str] | None,
                build_hash: str | None = None) -> list[dict]:
    """The store's provenance rows (fixed by its build hash: read once per store)."""
    rows = state_of(con, build_hash).get("provenance", lambda: con.execute(
        "SELECT table_name, source, vintage, licence FROM provenance ORDER BY table_name"
    ).fetchall())
    wanted = None if tables is None else set(tables)
    return [{"table": t, "source": s, "vintage": v, "licence": lic} for t, s, v, lic in rows
            if wanted is None or t in wanted]


def envelope(con: duckdb.DuckDBPyConnection, sources: Iterable[str] | None = None,
             store_meta: dict | None = None, **extra: Any) -> dict:
    """The envelope of an answer read from the store: build hash and date, the snapshot
    tables of ``sources`` (job sources or models, as the store records them:
    :func:`pacte.store.provenance.read_source_tables`; every table when None) with their vintage and licence, the attribution line, plus ``extra`` (seed, rule,
    resolution...). ``store_meta``: the store's meta table when the caller read it already."""
    meta = read_meta(con) if store_meta is None else store_meta
    tables = None
    if sources is not None:
        declared = state_of(con, meta.get("build_hash")).get(
            "source_tables", lambda: read_source_tables(con))
        tables = {t for s in sources for t in declared.get(s, ())}
        tables |= set(declared["territory"])
    return {"build_hash": meta.get("build_hash"), "built_at": meta.get("built_at"),
            "sources": _provenance(con, tables, meta.get("build_hash")), "attribution": ATTRIBUTION, **extra}
