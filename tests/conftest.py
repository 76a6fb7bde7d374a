"""Shared fixtures: one real store, built once per test session from the bundled snapshot."""

from pathlib import Path

import pytest

from pacte import store


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """Path of a DuckDB store built from the real bundled snapshot."""
    path = tmp_path_factory.mktemp("store") / "pacte.duckdb"
    store.build(path)
    return path
