"""Store -> the long indicator table: one module per indicator family, orchestrated by
:mod:`pacte.engine.compute` (its ``MODELS`` lists the families computed by a model);
``materialise`` writes the whole catalogue into the store at build time so that readers
never recompute."""

from pacte.engine.compute import (
    MODELS,
    check_parameters,
    compute_indicators,
    national_values,
    valid_periods,
)
from pacte.engine.materialise import read_indicators, read_show_indicators, write_indicators

show_indicators = read_show_indicators  # one territory beside France, read from the store

__all__ = ["MODELS", "check_parameters", "compute_indicators", "national_values",
           "read_indicators", "read_show_indicators", "show_indicators", "valid_periods",
           "write_indicators"]
