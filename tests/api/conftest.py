"""Fixtures of the API tests: the build hash of the real store (the in-process client is in
tests/conftest.py)."""

import pytest

from pacte.store.connect import read_meta


@pytest.fixture(scope="module")
def build_hash(con):
    return read_meta(con)["build_hash"]
