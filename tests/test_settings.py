"""The one settings object of the CLI and the API (:class:`pacte.settings.Settings`): each
field from ``PACTE_<FIELD>``, given values first, a French error naming the variable and the
value for a bad one, and the version in one place."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import pacte
from pacte.errors import InvalidParameterError
from pacte.settings import VERSION, Settings


def test_every_field_is_read_from_its_variable(tmp_path):
    env = {"PACTE_DB": str(tmp_path / "s.duckdb"), "PACTE_CACHE": str(tmp_path / "c"),
           "PACTE_HOST": "0.0.0.0", "PACTE_PORT": "8080",
           "PACTE_CORS_ORIGINS": '["https://a.fr", "https://b.fr"]', "PACTE_WEB": "false",
           "PACTE_MAX_HEAVY": "3", "PACTE_RETRY_AFTER": "7", "PACTE_REQUEST_TIMEOUT": "2.5",
           "PACTE_MAX_DRAWS": "50", "PACTE_MAX_EXPORT_CELLS": "10", "PACTE_MAX_REPEAT": "4",
           "PACTE_CACHE_BYTES": "0", "PACTE_MAX_QUERY_BYTES": "100",
           "PACTE_MAX_BODY_BYTES": "200", "PACTE_CACHE_ENTRY_BYTES": "300",
           "PACTE_MAX_TOP": "5", "PACTE_MAX_LIST_BYTES": "400", "PACTE_MAX_LIST_CODES": "6"}
    s = Settings.from_env(env)
    assert (s.db, s.cache) == (tmp_path / "s.duckdb", tmp_path / "c")
    assert (s.host, s.port, s.web) == ("0.0.0.0", 8080, False)
    assert s.cors_origins == ["https://a.fr", "https://b.fr"]
    assert (s.max_heavy, s.retry_after, s.request_timeout) == (3, 7, 2.5)
    assert (s.max_draws, s.max_export_cells, s.max_repeat, s.cache_bytes) == (50, 10, 4, 0)
    assert (s.max_query_bytes, s.max_body_bytes) == (100, 200)
    assert (s.cache_entry_bytes, s.max_top, s.max_list_bytes, s.max_list_codes) == (300, 5,
                                                                                  400, 6)
    assert {f"PACTE_{k.upper()}" for k in Settings.__dataclass_fields__} == set(env)


def test_defaults_and_given_values_win(tmp_path):
    s = Settings.from_env({"PACTE_DB": str(tmp_path / "env.duckdb"), "PACTE_PORT": "9000"},
                          db=tmp_path / "given.duckdb")
    assert s.db == tmp_path / "given.duckdb" and s.port == 9000
    assert (s.host, s.max_heavy, s.cors_origins, s.web) == ("127.0.0.1", 2, [], True)
    assert Settings.from_env({"PACTE_CORS_ORIGINS": "https://a.fr, https://b.fr"}
                             ).cors_origins == ["https://a.fr", "https://b.fr"]


def test_cli_and_api_share_the_store_path(tmp_path, monkeypatch):
    from pacte.api.settings import Settings as ApiSettings
    from pacte.settings import default_db_path

    monkeypatch.setenv("PACTE_DB", str(tmp_path / "x.duckdb"))
    assert ApiSettings is Settings
    assert Settings.from_env().db == default_db_path() == tmp_path / "x.duckdb"


@pytest.mark.parametrize(("env", "message"), [
    ({"PACTE_PORT": "huit"}, "PACTE_PORT : nombre attendu (valeur : 'huit')"),
    ({"PACTE_PORT": "70000"}, "réglage port : entre 1 et 65535 (valeur : 70000)"),
    ({"PACTE_MAX_HEAVY": "0"}, "réglage max_heavy : valeur trop petite ou non numérique "
                               "(minimum : 1, valeur : 0)"),
    ({"PACTE_WEB": "peut-être"}, "PACTE_WEB : true ou false attendu (valeur : 'peut-être')"),
    ({"PACTE_CORS_ORIGINS": "[1, 2]"}, "PACTE_CORS_ORIGINS : liste JSON de textes attendue"),
])
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(InvalidParameterError) as info:
        Settings.from_env(env)
    assert str(info.value).startswith(message)


def test_one_version():
    """The version is written once (pacte.settings.VERSION): the installed metadata (which
    pyproject reads from there) and ``pacte.__version__`` agree."""
    assert pacte.__version__ == VERSION == metadata.version("pacte")
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and VERSION not in pyproject


def test_settings_load_no_validation_library():
    code = "import sys, pacte.settings; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False"]
