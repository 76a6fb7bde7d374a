"""The DuckDB store: atomic build (``build``), checked read-only open (``connect``),
derived tables (``derive``), fetched-file overrides (``fetched``) and the read-only
questions every output asks (``queries``)."""

from pacte.settings import default_db_path
from pacte.store.build import beside, build, build_hash, code_fingerprint, read_provenance
from pacte.store.connect import connect, is_store, read_meta

__all__ = ["beside", "build", "build_hash", "code_fingerprint", "connect", "default_db_path",
           "is_store", "read_meta", "read_provenance"]
