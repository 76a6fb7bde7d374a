"""The catalogue names the concept each figure measures: walking every indicator and every
job source it runs on, no label names a concept that the source's resolution does not
measure (the census « fabrication » is a function, not the industry sector; diversity
indices say what they run on; the exposure instrument is not called an exposure)."""

from __future__ import annotations

import pytest

from pacte.catalogue import INDICATORS, SERIES

PAIRS = [(i, s) for i, ind in INDICATORS.items() for s in ind.sources if s in SERIES]


@pytest.mark.parametrize("ind_id, source", PAIRS)
def test_label_names_the_concept_of_its_source(ind_id, source):
    ind = INDICATORS[ind_id]
    label = ind.label_for(source).lower()
    functions = "fonction" in SERIES[source].resolution
    if functions:  # the census: occupations at the workplace
        assert "sectoriel" not in label and "secteur industriel" not in label, label
        if "industri" in label or "fabrication" in label:
            assert "fonction" in label, label
    else:
        assert "fonction" not in label or "secteur" in label, label
    if ind_id in ("herfindahl", "shannon", "krugman"):  # say what they run on
        assert any(w in label for w in ("secteurs", "fonctions", "codes ape")), label


def test_generic_labels_name_both_concepts_where_sources_differ():
    for ind_id in ("industry_share", "industry_jobs", "lq_industry", "herfindahl", "shannon"):
        label = INDICATORS[ind_id].label.lower()
        assert "fonction" in label and "secteur" in label, label


def test_model_labels():
    assert not INDICATORS["import_exposure_iv"].label.lower().startswith("exposition")
    assert "pas une exposition" in INDICATORS["import_exposure_iv"].label
    assert INDICATORS["import_exposure_iv"].direction == "neutral"
    assert INDICATORS["krugman"].direction == "neutral"  # symmetric: neither good nor bad
    for ind in INDICATORS.values():
        if ind.family == "exposure" and ind.id != "jobs_at_risk":
            assert "courants" in ind.unit and "non déflatés" in ind.unit, ind.id
    assert "base : la part industrielle affichée" in INDICATORS["industrie_elargie_share"].label
