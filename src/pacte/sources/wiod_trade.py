"""WIOD 2013 bilateral trade by sector: parse, validate, and compute French industry shocks.

The input is a long table derived from the World Input-Output Tables of the WIOD 2013 release
(Timmer, Dietzenbacher, Los, Stehrer & de Vries 2015, "An Illustrated User Guide to the World
Input-Output Database", Review of International Economics 23(3): 575-605): one row per
(year, exporter, importer, sector) with intermediate, final and total flows in **million
current US dollars** (integers). Domestic flows are excluded. 40 countries + RoW, 35 sectors
c1-c35 (NACE rev. 1.1), 1995-2011.

Units of the shocks: thousand **current** US dollars per French job at the start of the period
(no deflator: ADH (2013) work in 2007 dollars, so a 2000-2007 French shock in current dollars is
slightly larger in real terms than it looks; pass a price index to
:func:`compute_french_shocks` to convert). No conversion to euros.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.indicators.exposure import calc_export_shock_per_worker, calc_import_shock_per_worker

SOURCES = {
    "wiod2013": {
        "title": "World Input-Output Database, release 2013 : échanges bilatéraux par secteur",
        "url": "https://www.rug.nl/ggdc/valuechain/wiod/wiod-2013-release",
        "derived_from": "bquast/wiod@59a28ac22fbd7751ea84c0f33722b5246b0af46d:data/wiot_YYYY.RData",
        "file": "wiod2013_bilateral_trade_by_sector_1995_2011.parquet",
        "sha256": "141e40cb80736a872f268f665afdf37a5d12a4ded9bdf2b02ac592b1e10dd566",
        "licence": "WIOD : CC-BY, citer Timmer et al. (2015) ; paquet R d'origine GPL-3",
        "unit": "millions de dollars US courants",
        "years": (1995, 2011),
    }
}

WIOD_COUNTRIES = frozenset(
    "AUS AUT BEL BGR BRA CAN CHN CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IDN IND IRL ITA "
    "JPN KOR LTU LUX LVA MEX MLT NLD POL PRT ROM RUS RoW SVK SVN SWE TUR TWN USA".split()
)
WIOD_SECTORS = tuple(f"c{i}" for i in range(1, 36))
COLUMNS = (
    "year",
    "exporter",
    "importer",
    "sector",
    "intermediate_musd",
    "final_musd",
    "total_musd",
)
FLOWS = ("intermediate_musd", "final_musd", "total_musd")

OTHER_HIGH_INCOME = frozenset({"AUS", "CAN", "DNK", "GBR", "JPN", "SWE", "USA"})
"""Importers whose purchases from China instrument France's (the logic of ADH 2013: the
growth of China's exports to other high-income markets reflects China's supply, not French
demand). ADH used Australia, Denmark, Finland, Germany, Japan, New Zealand, Spain and
Switzerland for the US. For France we keep the high-income WIOD countries *outside the euro
area*, whose demand shocks are less tied to France's (same logic as Dauth, Findeisen & Suedekum
2014, JEEA 12(6), for Germany: non-euro high-income countries). Korea and Taiwan are left out
(their imports from China are largely parts for processing trade); New Zealand and Switzerland
are inside WIOD's RoW. See :data:`ADH_OTHER_COUNTRIES_IN_WIOD` for ADH's own list."""

ADH_OTHER_COUNTRIES_IN_WIOD = frozenset({"AUS", "DNK", "FIN", "DEU", "JPN", "ESP"})
"""ADH (2013)'s eight instrument countries that WIOD has (NZL and CHE are in RoW)."""


def _sector_order(sectors: Iterable[str]) -> list[str]:
    return sorted(sectors, key=lambda s: int(s[1:]))


def _first_bad(path: object, mask: np.ndarray, values: pd.Series, message: str) -> None:
    """Raise ParseError at the first True of ``mask``; ``line`` is the 1-based table row."""
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise ParseError(path, message, line=i + 1, value=values.iloc[i])


def validate_wiod_trade(df: pd.DataFrame, path: object = "<table WIOD>") -> None:
    """Check a WIOD bilateral trade table; raise :class:`ParseError` (French) at the first fault.

    Checks: the seven columns are present; no missing value; integer years within 1995-2011;
    exporter and importer among WIOD's 41 codes; sector among c1-c35; no domestic flow
    (exporter == importer); no duplicated key; intermediate >= 0; total = intermediate + final
    within 1 (rounding). Final flows may be negative (they include inventory changes).
    ``line`` in the error is the 1-based row number of the table.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ParseError(path, f"colonnes manquantes : {', '.join(missing)}")
    df = df.reset_index(drop=True)
    for col in COLUMNS:
        _first_bad(
            path, df[col].isna().to_numpy(), df[col], f"valeur manquante dans la colonne {col}"
        )
    for col in ("year", *FLOWS):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna().to_numpy() | (num.to_numpy(dtype=float) % 1 != 0)
        _first_bad(path, bad, df[col], f"la colonne {col} doit contenir des entiers")
    first, last = SOURCES["wiod2013"]["years"]
    year = df["year"].astype("int64")
    _first_bad(
        path,
        ((year < first) | (year > last)).to_numpy(),
        df["year"],
        f"année hors de {first}-{last}",
    )
    for col in ("exporter", "importer"):
        _first_bad(
            path,
            ~df[col].isin(WIOD_COUNTRIES).to_numpy(),
            df[col],
            f"code pays WIOD inconnu ({col})",
        )
    _first_bad(
        path,
        ~df["sector"].isin(WIOD_SECTORS).to_numpy(),
        df["sector"],
        "secteur WIOD inconnu (attendu c1 à c35)",
    )
    _first_bad(
        path,
        (df["exporter"] == df["importer"]).to_numpy(),
        df["exporter"],
        "flux domestique (exportateur = importateur)",
    )
    dup = df.duplicated(["year", "exporter", "importer", "sector"]).to_numpy()
    key = df["year"].astype(str) + " " + df["exporter"] + "->" + df["importer"] + " " + df["sector"]
    _first_bad(path, dup, key, "ligne en double (année, exportateur, importateur, secteur)")
    inter = df["intermediate_musd"].astype("int64")
    _first_bad(
        path, (inter < 0).to_numpy(), df["intermediate_musd"], "consommation intermédiaire négative"
    )
    gap = (df["total_musd"].astype("int64") - inter - df["final_musd"].astype("int64")).abs()
    _first_bad(
        path, (gap > 1).to_numpy(), df["total_musd"], "total différent de intermédiaire + final"
    )


def parse_wiod_trade(path: str | Path) -> pd.DataFrame:
    """Read and validate the WIOD bilateral trade Parquet file.

    Returns a DataFrame with columns year (int64), exporter, importer, sector (str),
    intermediate_musd, final_musd, total_musd (int64, million current USD).
    Raises :class:`ParseError` naming the file, the row and the faulty value.
    """
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ParseError(
            path, f"fichier Parquet illisible ({exc.__class__.__name__} : {exc})"
        ) from exc
    validate_wiod_trade(df, path)
    out = df.loc[:, list(COLUMNS)].reset_index(drop=True)
    out = out.astype({"year": "int64", **{c: "int64" for c in FLOWS}})
    return out.astype({c: str for c in ("exporter", "importer", "sector")})


def load_low_wage_countries(broad: bool = False) -> frozenset[str]:
    """WIOD codes of the low-wage countries in ``pacte/data/low_wage_countries.csv``.

    broad=False: the default set (CHN, IND, IDN, BRA, MEX, TUR, RUS, BGR, ROM);
    broad=True: adds the eight central and eastern European countries that joined the EU in 2004.
    The file's header comments state the rule and its references.
    """
    col = "low_wage_broad" if broad else "low_wage"
    text = (
        resources.files("pacte.data").joinpath("low_wage_countries.csv").read_text(encoding="utf-8")
    )
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    return frozenset(r["wiod_code"] for r in rows if r[col].strip().lower() == "true")


def _check_countries(countries: Iterable[str], what: str) -> frozenset[str]:
    out = frozenset(countries)
    unknown = sorted(out - WIOD_COUNTRIES)
    if unknown:
        raise ValueError(f"{what} : codes pays inconnus de WIOD : {unknown}")
    if not out:
        raise ValueError(f"{what} : ensemble de pays vide")
    return out


def _flows_by_sector(
    df: pd.DataFrame, exporters: frozenset, importers: frozenset, years: Iterable[int], flow: str
) -> pd.DataFrame:
    """Sum of ``flow`` by sector (rows c1-c35, zero when absent) and year (columns)."""
    if flow not in FLOWS:
        raise ValueError(f"flux inconnu : {flow!r} (attendu : {', '.join(FLOWS)})")
    years = [int(y) for y in years]
    absent = sorted(set(years) - set(df["year"].unique().tolist()))
    if absent:
        raise ValueError(f"années absentes des données : {absent}")
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
        raise ValueError("exportateurs : la France ne peut pas s'importer à elle-même")
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
        raise ValueError("pays de l'instrument : ensemble vide ou contenant la Chine")
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
) -> pd.DataFrame:
    """French industry shocks per worker, ADH (2013) ``ΔM_j / L_j``, in thousand USD per job.

    ``workers_by_wiod_sector``: French jobs by WIOD sector at the start of the period, supplied
    by the caller from national data, index c1-c35, values > 0. A Series is used for every
    period; a DataFrame gives one column per start year (e.g. columns 2000 and 2007).
    For each period (t0, t1) and each sector j of that index:

    - shock_china       = (M[CHN->FRA, t1] - M[CHN->FRA, t0]) / L_j,t0
    - shock_lowwage     = same with imports from all low-wage countries (default
      :func:`load_low_wage_countries`, China included)
    - shock_iv_other_hi = (M[CHN->other high-income, t1] - M[..., t0]) / L_j,t0 (the
      instrument; ADH divide it by lagged employment, here L_j,t0 is used for both)
    - shock_exports     = (X[FRA->world, t1] - X[FRA->world, t0]) / L_j,t0

    Flows are WIOD totals (intermediate + final), million current USD, × 1000 / jobs = thousand
    current USD per job, over the whole period (not annualised, not decadal). With
    ``price_index`` (a Series by year, e.g. the US PCE deflator, as ADH do), flows of year t are
    multiplied by ``price_index[price_base_year] / price_index[t]``: constant dollars of the
    base year (default 2007, ADH's). Pass only the sectors you want exposed (ADH: manufacturing,
    c3-c16); shocks in mining (c2) and coke/refined petroleum (c8) mostly reflect energy prices.

    Returns a long DataFrame with columns period ("2000-2007"), sector, shock_china,
    shock_lowwage, shock_iv_other_hi, shock_exports; one row per period × sector.
    """
    lw = (
        load_low_wage_countries()
        if low_wage is None
        else _check_countries(low_wage, "pays à bas salaires")
    )
    if "FRA" in lw:
        raise ValueError("pays à bas salaires : la France ne peut pas en faire partie")
    periods = [(int(a), int(b)) for a, b in periods]
    if any(a >= b for a, b in periods):
        raise ValueError(f"périodes invalides (début >= fin) : {periods}")
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
    result = pd.concat(frames, ignore_index=True)
    result.attrs["unit"] = "milliers de dollars US par emploi du secteur en début de période"
    result.attrs["prices"] = (
        "dollars courants" if price_index is None else f"dollars constants de {price_base_year}"
    )
    return result


def _workers_at(workers: pd.Series | pd.DataFrame, year: int) -> pd.Series:
    if isinstance(workers, pd.DataFrame):
        if year not in workers.columns:
            raise ValueError(f"effectifs absents pour l'année de début {year}")
        return workers[year]
    return workers


def _check_workers(workers: pd.Series) -> pd.Series:
    if not isinstance(workers, pd.Series):
        raise ValueError(
            "workers_by_wiod_sector doit être une pd.Series (ou un pd.DataFrame par année) "
            "indexée par secteur WIOD (c1 à c35)"
        )
    unknown = [s for s in workers.index if s not in WIOD_SECTORS]
    if unknown:
        raise ValueError(f"secteurs WIOD inconnus dans les effectifs : {unknown}")
    if workers.index.duplicated().any():
        raise ValueError("secteur en double dans les effectifs")
    vals = pd.to_numeric(workers, errors="coerce").astype(float)
    bad = vals.index[~np.isfinite(vals.to_numpy()) | (vals.to_numpy() <= 0)].to_list()
    if bad:
        raise ValueError(
            f"effectif manquant, nul ou négatif pour les secteurs {bad} : choc par emploi indéfini"
        )
    return vals.reindex(_sector_order(vals.index))


def _price_ratio(price_index: pd.Series, base: int, year: int) -> float:
    try:
        p_base, p_year = float(price_index.loc[base]), float(price_index.loc[year])
    except KeyError as exc:
        raise ValueError(f"indice de prix absent pour l'année {exc.args[0]}") from exc
    if not (p_base > 0 and p_year > 0):
        raise ValueError("indice de prix nul, négatif ou manquant")
    return p_base / p_year
