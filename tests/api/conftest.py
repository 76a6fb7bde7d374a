"""Fixtures of the API tests: an in-process client on the real store and its build hash."""

import pytest
from fastapi.testclient import TestClient

from pacte.api import Settings, create_app
from pacte.store.connect import read_meta


@pytest.fixture(scope="module")
def client(built_store, tmp_path_factory):
    app = create_app(Settings(db=built_store, cache=tmp_path_factory.mktemp("cache")))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def build_hash(con):
    return read_meta(con)["build_hash"]
