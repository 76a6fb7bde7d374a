"""Parquet with its provenance: the envelope (build hash, sources, vintages, licences,
attribution) in the file's key-value metadata (key ``pacte``), the label, unit, source,
period and resolution of each indicator column in the field metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

META_KEY = b"pacte"


def write_parquet(df: pd.DataFrame, path: Path, meta: dict) -> Path:
    """Write ``df`` (a wide table, :func:`pacte.export.wide.wide_table`) with ``meta`` (an
    answer's envelope) in the schema metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pacte.export.wide import headers

    names = headers(df)
    cols = df.attrs.get("columns", {})
    table = pa.Table.from_pandas(df.rename(columns=names), preserve_index=False)
    fields = []
    for f, c in zip(table.schema, df.columns, strict=True):
        m = cols.get(c)
        fields.append(f.with_metadata({k: str(v) for k, v in m.items()}) if m else f)
    doc = {**meta, "columns": {names[c]: m for c, m in cols.items()}}
    schema = pa.schema(fields, metadata={
        **(table.schema.metadata or {}),
        META_KEY: json.dumps(doc, ensure_ascii=False, default=str).encode()})
    from pacte.export.atomic import atomic_path

    with atomic_path(path) as tmp:
        pq.write_table(table.cast(schema), tmp)
    return Path(path)


def read_provenance(path: Path) -> dict:
    """The provenance written by :func:`write_parquet`."""
    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(path).metadata[META_KEY])
