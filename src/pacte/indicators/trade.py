"""French industry shocks from WIOD bilateral trade (ADH 2013 ``ΔM_j / L_j``): pure
functions of the trade table (parsed by :mod:`pacte.sources.wiod_trade`) and of French jobs
by WIOD sector. No I/O: the low-wage country set is an argument (the store's table
``wiod_low_wage``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pacte.errors import DataError
from pacte.indicators.exposure import calc_export_shock_per_worker, calc_import_shock_per_worker

WIOD_COUNTRIES = frozenset(
    "AUS AUT BEL BGR BRA CAN CHN CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IDN IND IRL ITA "
    "JPN KOR LTU LUX LVA MEX MLT NLD POL PRT ROM RUS RoW SVK SVN SWE TUR TWN USA".split()
)
WIOD_SECTORS = tuple(f"c{i}" for i in range(1, 36))
FLOWS = ("intermediate_musd", "final_musd", "total_musd")
OTHER_HIGH_INCOME = frozenset({"AUS", "CAN", "DNK", "GBR", "JPN", "SWE", "USA"})
"""Importers whose purchases from China instrument France's (see
:data:`pacte.sources.wiod_trade.OTHER_HIGH_INCOME` for the reasoning)."""


@dataclass(frozen=True)
class FrenchShocks:
    """French industry shocks per worker (:func:`compute_french_shocks`) with their unit."""

    #: period ("2000-2007"), sector, shock_china, shock_lowwage, shock_iv_other_hi,
    #: shock_exports; one row per period x sector
    frame: pd.DataFrame
    unit: str  # French
    prices: str  # French: current dollars, or constant dollars of the base year


def _sector_order(sectors: Iterable[str]) -> list[str]:
    return sorted(sectors, key=lambda s: int(s[1:]))


def _check_countries(countries: Iterable[str], what: str) -> frozenset[str]:
    out = frozenset(countries)
    unknown = sorted(out - WIOD_COUNTRIES)
    if unknown:
        raise DataError(f"{what} : codes pays inconnus de WIOD : {unknown}")
    if not out:
        raise DataError(f"{what} : ensemble de pays vide")
    return out


def _flows_by_sector(
    df: pd.DataFrame, exporters: frozenset, importers: frozenset, years: Iterable[int], flow: str
) -> pd.DataFrame:
    """Sum of ``flow`` by sector (rows c1-c35, zero when absent) and year (columns)."""
    if flow not in FLOWS:
        raise DataError(f"flux inconnu : {flow!r} (attendu : {', '.join(FLOWS)})")
    years = [int(y) for y in years]
    absent = sorted(set(years) - set(df["year"].unique().tolist()))
    if absent:
        raise DataError(f"années absentes des données : {absent}")
    sel = df[
        df["year"].isin(years) & df["exporter"].isin(exporters) & df["importer"].isin(importers)
    ]
    wide = sel.pivot_table(index="sector", columns="year", values=flow, aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=list(WIOD_SECTORS), columns=years, fill_value=0).astype("int64")
    wide.index.name, wide.columns.name = "sector", "year"
    return wide


def france_imports_by_sector(
    df: pd.DataFrame, exporters: Iterable[str], years: Iterable[int], flow: str = "total_musd"
) -> pd.DataFrame:
    """France's imports from ``exporters`` by WIOD sector and year (million current USD).

    Returns a (35, len(years)) DataFrame, index ``sector`` c1-c35, columns the years.
    """
    ex = _check_countries(exporters, "exportateurs")
    if "FRA" in ex:
        raise DataError("exportateurs : la France ne peut pas s'importer à elle-même")
    return _flows_by_sector(df, ex, frozenset({"FRA"}), years, flow)


def china_exports_to_other_high_income(
    df: pd.DataFrame,
    years: Iterable[int],
    exclude: Iterable[str] = frozenset({"FRA"}),
    countries: Iterable[str] = OTHER_HIGH_INCOME,
    flow: str = "total_musd",
) -> pd.DataFrame:
    """China's exports to other high-income countries by sector and year (million current USD).

    The ADH (2013) instrument: importers are ``countries`` minus ``exclude`` (default
    :data:`OTHER_HIGH_INCOME`, without France). Returns a (35, len(years)) DataFrame.
    """
    imp = _check_countries(countries, "pays de l'instrument") - frozenset(exclude)
    if not imp or "CHN" in imp:
        raise DataError("pays de l'instrument : ensemble vide ou contenant la Chine")
    return _flows_by_sector(df, frozenset({"CHN"}), imp, years, flow)


def france_exports_by_sector(
    df: pd.DataFrame, years: Iterable[int], flow: str = "total_musd"
) -> pd.DataFrame:
    """France's exports to all other WIOD countries and RoW by sector and year (million current USD).

    Returns a (35, len(years)) DataFrame.
    """
    return _flows_by_sector(df, frozenset({"FRA"}), WIOD_COUNTRIES - {"FRA"}, years, flow)


def compute_french_shocks(
    trade_df: pd.DataFrame,
    workers_by_wiod_sector: pd.Series | pd.DataFrame,
    periods: Iterable[tuple[int, int]] = ((2000, 2007), (2007, 2011)),
    low_wage: Iterable[str] | None = None,
    other_high_income: Iterable[str] = OTHER_HIGH_INCOME,
    price_index: pd.Series | None = None,
    price_base_year: int = 2007,
) -> FrenchShocks:
    """French industry shocks per worker, ADH (2013) ``ΔM_j / L_j``, in thousand USD per job.

    ``workers_by_wiod_sector``: French jobs by WIOD sector at the start of the period, supplied
    by the caller from national data, index c1-c35, values > 0. A Series is used for every
    period; a DataFrame gives one column per start year (e.g. columns 2000 and 2007).
    For each period (t0, t1) and each sector j of that index:

    - shock_china       = (M[CHN->FRA, t1] - M[CHN->FRA, t0]) / L_j,t0
    - shock_lowwage     = same with imports from all low-wage countries (default
      table ``wiod_low_wage``, China included)
    - shock_iv_other_hi = (M[CHN->other high-income, t1] - M[..., t0]) / L_j,t0 (the
      instrument; ADH divide it by lagged employment, here L_j,t0 is used for both)
    - shock_exports     = (X[FRA->world, t1] - X[FRA->world, t0]) / L_j,t0

    Flows are WIOD totals (intermediate + final), million current USD, × 1000 / jobs = thousand
    current USD per job, over the whole period (not annualised, not decadal). With
    ``price_index`` (a Series by year, e.g. the US PCE deflator, as ADH do), flows of year t are
    multiplied by ``price_index[price_base_year] / price_index[t]``: constant dollars of the
    base year (default 2007, ADH's). Pass only the sectors you want exposed (ADH: manufacturing,
    c3-c16); shocks in mining (c2) and coke/refined petroleum (c8) mostly reflect energy prices.

    Returns the long table (columns period ("2000-2007"), sector, shock_china,
    shock_lowwage, shock_iv_other_hi, shock_exports; one row per period × sector) with its
    unit and its prices (current or constant dollars).
    """
    if low_wage is None:
        raise DataError("pays à bas salaires : ensemble à fournir (table wiod_low_wage)")
    lw = _check_countries(low_wage, "pays à bas salaires")
    if "FRA" in lw:
        raise DataError("pays à bas salaires : la France ne peut pas en faire partie")
    periods = [(int(a), int(b)) for a, b in periods]
    if any(a >= b for a, b in periods):
        raise DataError(f"périodes invalides (début >= fin) : {periods}")
    years = sorted({y for p in periods for y in p})
    flows = {
        "shock_china": france_imports_by_sector(trade_df, {"CHN"}, years),
        "shock_lowwage": france_imports_by_sector(trade_df, lw, years),
        "shock_iv_other_hi": china_exports_to_other_high_income(
            trade_df, years, countries=other_high_income
        ),
        "shock_exports": france_exports_by_sector(trade_df, years),
    }
    factor = {t: 1.0 for t in years}
    if price_index is not None:
        factor = {t: _price_ratio(price_index, price_base_year, t) for t in years}
    frames = []
    for t0, t1 in periods:
        workers = _check_workers(_workers_at(workers_by_wiod_sector, t0))
        out = {"period": f"{t0}-{t1}", "sector": workers.index.to_list()}
        for name, wide in flows.items():
            calc = (
                calc_export_shock_per_worker
                if name == "shock_exports"
                else calc_import_shock_per_worker
            )
            m = wide.loc[workers.index].astype(float)
            out[name] = calc(m[t0] * factor[t0], m[t1] * factor[t1], workers.to_numpy()) * 1000.0
        frames.append(pd.DataFrame(out))
    return FrenchShocks(
        pd.concat(frames, ignore_index=True),
        unit="milliers de dollars US par emploi du secteur en début de période",
        prices=(
            "dollars courants" if price_index is None else f"dollars constants de {price_base_year}"
        ),
    )


def _workers_at(workers: pd.Series | pd.DataFrame, year: int) -> pd.Series:
    if isinstance(workers, pd.DataFrame):
        if year not in workers.columns:
            raise DataError(f"effectifs absents pour l'année de début {year}")
        return workers[year]
    return workers


def _check_workers(workers: pd.Series) -> pd.Series:
    if not isinstance(workers, pd.Series):
        raise DataError(
            "workers_by_wiod_sector doit être une pd.Series (ou un pd.DataFrame par année) "
            "indexée par secteur WIOD (c1 à c35)"
        )
    unknown = [s for s in workers.index if s not in WIOD_SECTORS]
    if unknown:
        raise DataError(f"secteurs WIOD inconnus dans les effectifs : {unknown}")
    if workers.index.duplicated().any():
        raise DataError("secteur en double dans les effectifs")
    vals = pd.to_numeric(workers, errors="coerce").astype(float)
    bad = vals.index[~np.isfinite(vals.to_numpy()) | (vals.to_numpy() <= 0)].to_list()
    if bad:
        raise DataError(
            f"effectif manquant, nul ou négatif pour les secteurs {bad} : choc par emploi indéfini"
        )
    return vals.reindex(_sector_order(vals.index))


def _price_ratio(price_index: pd.Series, base: int, year: int) -> float:
    try:
        p_base, p_year = float(price_index.loc[base]), float(price_index.loc[year])
    except KeyError as exc:
        raise DataError(f"indice de prix absent pour l'année {exc.args[0]}") from exc
    if not (p_base > 0 and p_year > 0):
        raise DataError("indice de prix nul, négatif ou manquant")
    return p_base / p_year
