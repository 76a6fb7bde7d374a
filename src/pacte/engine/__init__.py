"""Store -> the long indicator table: one module per family (``jobs``, ``valuechain``,
``exposure``), orchestrated by :mod:`pacte.engine.compute`; ``materialise`` writes the
whole catalogue into the store at build time so that readers never recompute."""

from pacte.engine.compute import (
    MODELS,
    check_parameters,
    compute_indicators,
    national_values,
    show_indicators,
    valid_periods,
)

__all__ = ["MODELS", "check_parameters", "compute_indicators", "national_values",
           "show_indicators", "valid_periods"]
