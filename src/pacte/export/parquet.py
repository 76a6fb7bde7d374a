"""Parquet with its provenance: the envelope (build hash, sources, vintages, licences,
attribution) in the file's key-value metadata (key ``pacte``), the label, unit, decimals,
source, period and resolution of each indicator column in the field metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pacte.export.table import Table, as_table

META_KEY = b"pacte"


def write_parquet(data: Table | pd.DataFrame, path: Path, meta: dict) -> Path:
    """Write ``data`` (a wide table, :func:`pacte.export.wide.wide_table`) with ``meta`` (an
    answer's envelope) in the schema metadata; headers are the stable identifiers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pacte.export.atomic import atomic_path

    t = as_table(data)
    names = t.headers()
    table = pa.Table.from_pandas(t.frame.set_axis(names, axis=1), preserve_index=False)
    fields = []
    for f, c in zip(table.schema, t.columns, strict=True):
        m = c.provenance()
        fields.append(f.with_metadata(m) if m else f)
    doc = {**meta, "columns": {n: c.provenance() for n, c in zip(names, t.columns,
                                                                 strict=True) if c.indicator}}
    schema = pa.schema(fields, metadata={
        **(table.schema.metadata or {}),
        META_KEY: json.dumps(doc, ensure_ascii=False, default=str).encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table.cast(schema), tmp)
    return Path(path)


def read_provenance(path: Path) -> dict:
    """The provenance written by :func:`write_parquet`."""
    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(path).metadata[META_KEY])
