"""Which snapshot tables (PROVENANCE.json, the store's ``provenance`` table) each job source
or model reads: the envelope of every answer names their source, vintage and licence. Plain
data, so that a reader needs nothing but DuckDB to name its sources: the catalogue, where
each family declares its tables (:class:`pacte.catalogue.Family`), loads numpy. This is
that declaration copied (:data:`pacte.catalogue.SOURCE_TABLES`); a test keeps the two equal
(tests/catalogue/test_families.py)."""

from __future__ import annotations

#: Snapshot tables (PROVENANCE.json) each job source or model reads: the envelope of an
#: answer lists their source, vintage and licence.
SOURCE_TABLES: dict[str, tuple[str, ...]] = {
    "estel": ("estel_salaried", "estel_nonsalaried", "commune_ze2010"),
    "rp": ("census_functions", "communes", "commune_passage"),
    "trim": ("quarterly_jobs",),
    "urssaf": ("urssaf_jobs", "naf"),
    "valuechain": ("io_sut_a17_flows", "io_sut_a17_sectors", "census_functions",
                   "estel_salaried", "quarterly_jobs"),
    "exposure": ("wiod_trade", "io_wiod_fra_output", "wiod_crosswalk_a17", "wiod_crosswalk_a38",
                 "wiod_low_wage", "wiod_sector_labels", "census_functions", "estel_salaried",
                 "quarterly_jobs"),
    "anchoring": ("anchoring_bpe", "anchoring_ftth_communes", "anchoring_ftth_epci",
                  "anchoring_thd_epci", "anchoring_neet_epci", "anchoring_cif_epci",
                  "anchoring_productive_ze2010", "anchoring_grants_2018", "anchoring_grants_2019",
                  "census_functions"),
    "territory": ("communes", "epci", "territory_names", "commune_supracom", "cog_codes"),
    "ofgl_rei": ("ofgl_rei",),
}
