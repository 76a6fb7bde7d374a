"""Each family declares its indicators, the tables of its sources and its model together
(:class:`pacte.catalogue.Family`); the registries the other layers read are derived from
that one list and cannot disagree."""

import inspect

import pytest

from pacte.catalogue import (
    FAMILIES,
    FAMILY_LIST,
    INDICATORS,
    MODEL_NAMES,
    SERIES,
    SOURCE_TABLES,
    Family,
    Indicator,
    source_name,
)
from pacte.engine.compute import MODELS
from pacte.handlers.envelope import envelope
from pacte.settings import package_data
from pacte.store import read_provenance
from pacte.store.fetched import PARSERS
from pacte.store.provenance import read_source_tables


def test_every_family_has_its_tables_and_its_model():
    """Every source an indicator reads has snapshot tables for the envelope; every model
    indicator has its engine function, taking (con, level)."""
    for family in FAMILY_LIST:
        for ind in family.indicators:
            sources = (ind.model,) if ind.kind == "model" else ind.sources
            for source in sources:
                assert SOURCE_TABLES.get(source), (family.id, ind.id, source)
            if ind.kind == "model":
                model = MODELS.get(ind.model)
                assert callable(model), (family.id, ind.id)
                assert list(inspect.signature(model).parameters)[:2] == ["con", "level"]
                assert MODEL_NAMES[ind.model] and source_name(ind.model) == family.model_name
    assert set(MODELS) == set(MODEL_NAMES) == {"valuechain", "exposure", "anchoring"}


def test_a_built_store_records_the_declared_tables(fictional_con):
    """The build writes the families' declaration into the store, where the envelopes read
    it; every table it names for a bundled source has its provenance row in that store and
    is one of its tables, or a snapshot table only the build reads (:data:`pacte.store.derive.
    BUILD_ONLY`, :data:`pacte.store.build_tables.BUILD_TABLES`); the fetched ``ofgl_rei`` is
    absent from a store built without it."""
    from pacte.store.build_tables import BUILD_TABLES
    from pacte.store.derive import BUILD_ONLY

    assert read_source_tables(fictional_con) == SOURCE_TABLES
    stored = {t for (t,) in fictional_con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    with_provenance = {t for (t,) in fictional_con.execute(
        "SELECT table_name FROM provenance").fetchall()}
    named = {t for s, tables in SOURCE_TABLES.items() if s != "ofgl_rei" for t in tables}
    assert named <= with_provenance, named - with_provenance
    build_only = BUILD_ONLY | BUILD_TABLES
    assert named <= stored | build_only, named - stored - build_only
    sources = {row["table"] for row in envelope(fictional_con, ["valuechain"])["sources"]}
    assert sources == set(SOURCE_TABLES["valuechain"]) | set(SOURCE_TABLES["territory"])


def test_declared_tables_exist():
    """Each declared table is in the bundled snapshot (PROVENANCE.json) or is a table of a
    fetched file: a misspelt name would drop a source from every envelope."""
    known = set(read_provenance(package_data())) | set(PARSERS)
    for source, tables in SOURCE_TABLES.items():
        assert set(tables) <= known, (source, set(tables) - known)
    assert SOURCE_TABLES["ofgl_rei"] == ("ofgl_rei",)  # a fetched file, not bundled


def test_registries_are_derived_from_the_families():
    ids = [i.id for f in FAMILY_LIST for i in f.indicators]
    assert len(ids) == len(set(ids)) == len(INDICATORS)  # no id declared twice
    assert list(FAMILIES) == ["jobs", "mass", "valuechain", "exposure", "anchoring",
                              "finance"]
    assert FAMILIES["valuechain"] == "chaînes de valeur"
    assert all(INDICATORS[i].family == f.id for f in FAMILY_LIST for i in
               (x.id for x in f.indicators))
    assert set(SERIES) <= set(SOURCE_TABLES)  # every job series names its tables
    assert "communes" in SOURCE_TABLES["territory"]


def _model_indicator(model: str | None = "m", family: str = "f") -> Indicator:
    return Indicator("x", "X", "%", "neutral", "x", (model or "m",), "model", ("2010",), "r",
                     None, levels=("epci",), model=model or "m", family=family)


def test_a_family_without_a_model_or_a_table_is_refused():
    with pytest.raises(ValueError, match="without a model"):
        Family("f", "F", (_model_indicator(),), tables={"f": ("t",)})
    with pytest.raises(ValueError, match="reads no declared table"):
        Family("m", "M", (_model_indicator(family="m"),), model="pacte.engine.m:run",
               model_name="M")
    with pytest.raises(ValueError, match="names another model"):
        Family("f", "F", (_model_indicator("g"),), tables={"f": ("t",)},
               model="pacte.engine.f:run", model_name="F")
    with pytest.raises(ValueError, match="another family"):
        Family("g", "G", (_model_indicator(family="f"),))
    with pytest.raises(ValueError, match="'module:function'"):
        Family("f", "F", (_model_indicator("f"),), tables={"f": ("t",)}, model="run",
               model_name="F")
    with pytest.raises(ValueError, match="sources without tables"):
        Family("j", "J", tables={"s": ()})
