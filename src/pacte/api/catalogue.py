"""What the catalogue offers at each level: (source, periods) per indicator, so that a client
(the dashboard) proposes only combinations the store holds. Derived from the catalogue's
declarations alone (no store read)."""

from __future__ import annotations

from pacte.catalogue import INDICATORS, SERIES, source_name
from pacte.geography import INDICATOR_LEVELS
from pacte.labels import LEVEL_LABELS
from pacte.targeting.rule import source_periods


def available(indicator_id: str) -> dict[str, dict[str, list[str]]]:
    """level -> source -> periods of one indicator."""
    ind = INDICATORS[indicator_id]
    out: dict[str, dict[str, list[str]]] = {}
    for level in ind.levels or INDICATOR_LEVELS:
        if ind.kind == "model":
            out[level] = {ind.model: list(ind.periods)}
            continue
        by_source = {}
        for s in ind.sources:
            series = SERIES[s]
            if level in series.levels or (level == "fr" and series.has_national):
                by_source[s] = source_periods(ind, s)
        if by_source:
            out[level] = by_source
    return out


def catalogue_extras() -> dict:
    """Per-indicator availability and resolution; the job series and levels' French names."""
    return {
        "available": {i: available(i) for i in INDICATORS},
        "resolution": {i: ind.resolution for i, ind in INDICATORS.items()},
        # the label naming the concept each source measures (census: a function, not a sector)
        "source_labels": {i: dict(ind.source_labels) for i, ind in INDICATORS.items()
                          if ind.source_labels},
        "sources": {s: {"name": source_name(s), "resolution": ser.resolution,
                        "industry": list(ser.industry), "years": list(ser.years)}
                    for s, ser in SERIES.items()},
        "levels": dict(LEVEL_LABELS),
    }
