"""Time-consistent geography: put any commune-level series of any COG vintage (1999-2025) on
COG 2025 communes, then aggregate to EPCI 2025, ZE2020, département, région and France.

Method
------
* **Fusions and code changes**: the COGiter passage table maps every historical commune code
  to its 2025 commune (a code that still exists in 2025 maps to itself).
* **Splits** (rétablissements): a split table checked into the package
  (``data/commune_splits.csv``: date, parent, child, ratio, valid_from, source). A split is
  applied to a file only when the file's COG predates the split *and* the parent already had
  the composition being split (``valid_from``: the fusion that created it), so that a 1999
  file's Neuvéglise is not split along the 2025 restoration of a commune nouvelle formed later.
  Ratios are population shares: COGugaison's up to 2020; the 2024 and 2025 splits use the
  2023 legal populations (COGugaison's rows from 2022 on are reversed and are not used).

Conservation: weights of each source code sum to 1, so totals are exact for fusions and exact
to floating-point rounding after splits. Missing values stay missing: a 2025 commune fed by a
missing source value is missing, and counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and pandas load on first use: `pacte --help` stays fast
    import pandas as pd

from pacte.errors import GeographyError, InvalidParameterError


class Level(StrEnum):
    """The territorial levels, in lookup order (a code found at several levels resolves to
    the first). The one home of the levels: every level list below and in the code is
    derived from :data:`USES`; a new level is one member and one line of :data:`USES`."""

    EPCI = "epci"
    ZE2020 = "ze2020"
    ZE2010 = "ze2010"
    DEP = "dep"
    REG = "reg"
    COMMUNE = "commune"
    FR = "fr"
    BASSIN = "bassin"  # candidate industrial basins: groupings of 1 to 4 EPCI (spatial)


#: What exists at each level: ``aggregate`` (communes summed to it, COG 2025 geography),
#: ``territory`` (looked up in the territory table), ``indicators`` (the catalogue is
#: computed at it), ``rank`` (the targeting rule ranks it), ``profile`` (a profile exists),
#: ``exposure`` (the exposure-to-globalisation model), ``card`` (a territory card is stored).
USES: dict[Level, frozenset[str]] = {
    Level.EPCI: frozenset({"aggregate", "territory", "indicators", "rank", "profile",
                           "exposure", "card"}),
    Level.ZE2020: frozenset({"aggregate", "territory", "indicators", "rank", "profile",
                             "exposure", "card"}),
    Level.ZE2010: frozenset({"territory", "indicators", "rank", "profile", "exposure",
                             "card"}),
    Level.DEP: frozenset({"aggregate", "territory", "indicators", "profile", "exposure",
                          "card"}),
    Level.REG: frozenset({"aggregate", "territory", "indicators", "profile", "exposure",
                          "card"}),
    Level.COMMUNE: frozenset({"aggregate", "territory"}),
    Level.FR: frozenset({"aggregate", "indicators", "card"}),
    Level.BASSIN: frozenset({"basin"}),
}


def levels_for(use: str) -> tuple[str, ...]:
    """The levels having ``use`` (a key of :data:`USES`), in :class:`Level` order."""
    return tuple(lv.value for lv in Level if use in USES[lv])


#: Every level (lookup order), and the levels of each use.
ALL_LEVELS = tuple(lv.value for lv in Level)
LEVELS = levels_for("aggregate")  # COG 2025 reference geography
TERRITORY_LEVELS = levels_for("territory")
INDICATOR_LEVELS = levels_for("indicators")
RANK_LEVELS = levels_for("rank")
PROFILE_LEVELS = levels_for("profile")
EXPOSURE_LEVELS = levels_for("exposure")
CARD_LEVELS = levels_for("card")
BASIN_LEVELS = levels_for("basin")  # read from the basin tables (pacte.spatial)
#: The periods of the globalisation shocks (WIOD 2013 ends in 2011) and the exposures
#: ``pacte exposure`` ranks by; the catalogue declares them (here so that the CLI's help
#: needs neither the catalogue nor numpy).
EXPOSURE_PERIODS = ("2000-2007", "2007-2011")
EXPOSURE_IDS = ("import_exposure_china", "import_exposure_lowwage", "export_exposure")


def check_level(level: object, among: tuple[str, ...] = ALL_LEVELS, what: str = "") -> Level:
    """``level`` as a :class:`Level` if it is one of ``among``, else the one French error
    (InvalidParameterError naming the value and the levels allowed; ``what`` says for
    what, e.g. « pour le classement »)."""
    if isinstance(level, str) and level in among:
        return Level(level)
    for_what = f" {what}" if what else ""
    raise InvalidParameterError(f"niveau inconnu{for_what} : {level!r} (niveaux : "
                                f"{', '.join(among)})")


SPLIT_SOURCE_COGUGAISON = "COGugaison v1.0.7, ratio de population (ODbL)"
SPLIT_SOURCE_POP2023 = "populations légales 2023 (Insee, en vigueur au 1er janvier 2026)"
FUSION_MODS = {"31", "32", "33", "34"}


def build_split_table(cogugaison_splits: pd.DataFrame, mouvements: pd.DataFrame,
                      population_2023: pd.Series) -> pd.DataFrame:
    """Split table: COGugaison's ratios up to 2021, INSEE mouvements (MOD 21) from 2022 with
    2023 legal populations as ratios; ``valid_from`` from the last fusion into the parent.

    ``population_2023`` is indexed by COG 2025 commune code.
    """
    import pandas as pd
    old = cogugaison_splits.assign(source=SPLIT_SOURCE_COGUGAISON)
    mv = mouvements[(mouvements["MOD"] == "21") & (mouvements["DATE_EFF"] >= "2022-01-01")
                    & (mouvements["TYPECOM_AV"] == "COM") & (mouvements["TYPECOM_AP"] == "COM")]
    new = mv[["DATE_EFF", "COM_AV", "COM_AP"]].drop_duplicates()
    new.columns = ["date", "parent", "child"]
    pop = new["child"].map(population_2023)
    if pop.isna().any():
        raise GeographyError("population 2023 inconnue pour la commune rétablie "
                             + ", ".join(new.loc[pop.isna(), "child"]))
    new = new.assign(ratio=pop / pop.groupby([new["date"], new["parent"]]).transform("sum"),
                     source=SPLIT_SOURCE_POP2023)
    table = pd.concat([old, new], ignore_index=True)
    fus = mouvements[mouvements["MOD"].isin(FUSION_MODS)
                     & (mouvements["COM_AV"] != mouvements["COM_AP"])]
    valid_from = []
    for date, parent in zip(table["date"], table["parent"], strict=True):
        before = fus.loc[(fus["COM_AP"] == parent) & (fus["DATE_EFF"] < date), "DATE_EFF"]
        valid_from.append(before.max() if len(before) else "1943-01-01")
    table["valid_from"] = valid_from
    return table.sort_values(["date", "parent", "child"]).reset_index(drop=True)[
        ["date", "parent", "child", "ratio", "valid_from", "source"]]


@dataclass(frozen=True)
class Vintage:
    """The COG vintage detected for a list of commune codes."""

    year: int
    candidates: tuple[int, ...]  # every COG year holding all the codes
    unknown: tuple[str, ...]  # codes found in no COG year (empty when all are known)


def detect_vintage(codes: Iterable[str], cog_codes: pd.DataFrame) -> Vintage:
    """Detect the COG vintage of a list of commune codes.

    ``cog_codes`` has columns ``cog`` (year) and ``code``. Among the years whose list holds
    every code, the one with the largest Jaccard similarity wins (a full national list matches
    its own year exactly); ties go to the latest year. When no year holds every code, the year
    missing the fewest wins and the codes found nowhere are reported.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    s = set(_values(codes))
    if not s:
        raise GeographyError("liste de codes communes vide : millésime indétectable")
    # counted by column (each year's list once) rather than as one Python set per year
    pairs = cog_codes[["cog", "code"]].drop_duplicates()
    year = pairs["cog"].astype("int64")
    hit = pc.is_in(pa.array(pairs["code"]), value_set=pa.array(list(s))).to_numpy(
        zero_copy_only=False)  # ten times pandas' isin on Arrow strings
    inter = pd.Series(hit, index=year.to_numpy()).groupby(level=0).sum()
    size = year.value_counts()
    unknown = tuple(sorted(s - set(_values(pairs.loc[hit, "code"]))))
    return choose_vintage(len(s), {int(y): int(k) for y, k in inter.items()},
                          {int(y): int(n) for y, n in size.items()}, unknown)


def choose_vintage(n_codes: int, inter: dict[int, int], size: dict[int, int],
                   unknown: tuple[str, ...] = ()) -> Vintage:
    """The rule of :func:`detect_vintage` on counts: ``n_codes`` distinct codes, ``inter``
    (year -> how many of them the year's list holds) and ``size`` (year -> codes in the
    year's list), ``unknown`` the codes found in no year."""
    if not n_codes:
        raise GeographyError("liste de codes communes vide : millésime indétectable")
    full = sorted(y for y, k in inter.items() if k == n_codes)
    pool = full or sorted(inter)
    best = max(pool, key=lambda y: (inter[y] / (n_codes + size[y] - inter[y]), y))
    return Vintage(best, tuple(full), tuple(sorted(unknown)))


def _values(x: Iterable) -> list:
    """The values of a Series, array or iterable as a list (``tolist``: iterating a Series
    of Arrow strings value by value is ten times slower)."""
    return x.tolist() if hasattr(x, "tolist") else list(x)


def commune_weights(codes: Iterable[str], vintage: int, passage: pd.DataFrame,
                    splits: pd.DataFrame, codes_2025: Iterable[str]) -> pd.DataFrame:
    """Weights putting communes of COG ``vintage`` on COG 2025.

    Returns columns ``source, code, weight`` (one row per source x 2025 commune); the weights
    of each source code sum to 1. Raises GeographyError listing codes that cannot be mapped.
    """
    import pandas as pd
    to_2025 = dict(zip(_values(passage["hist_code"]), _values(passage["code"]), strict=True))
    current = set(_values(codes_2025))
    rows: list[tuple[str, str, float]] = []
    unmapped: list[str] = []
    for src, parts in split_parts(codes, vintage, splits):
        for code, w in parts.items():
            target = code if code in current else to_2025.get(code)
            if target is None or target not in current:
                unmapped.append(src)
                break
            rows.append((src, target, w))
    if unmapped:
        raise unmapped_error(unmapped, vintage)
    out = pd.DataFrame(rows, columns=["source", "code", "weight"])
    return out.groupby(["source", "code"], as_index=False, sort=False)["weight"].sum()


def split_parts(codes: Iterable[str], vintage: int, splits: pd.DataFrame,
                only_split: bool = False) -> list[tuple[str, dict[str, float]]]:
    """Each distinct code of ``codes`` (first-seen order) with its parts after the splits
    that apply to a file of COG ``vintage`` (code -> share, the shares summing to 1): a code
    no split applies to is ``{code: 1.0}`` (left out with ``only_split``)."""
    file_date = f"{vintage}-01-01"
    active = splits[(splits["date"] > file_date) & (splits["valid_from"] <= file_date)]
    children = {k: list(zip(g["child"].tolist(), g["ratio"].tolist(), strict=True))
                for k, g in active.sort_values("date").groupby(["date", "parent"])}
    events = sorted(children)  # chronological
    parents = {parent for _, parent in events}
    out = []
    for src in dict.fromkeys(_values(codes)):
        if src not in parents:  # a code that no event splits stays whole
            if not only_split:
                out.append((src, {src: 1.0}))
            continue
        parts = {src: 1.0}
        for date, parent in events:
            if parent in parts:
                w = parts.pop(parent)
                for child, ratio in children[(date, parent)]:
                    parts[child] = parts.get(child, 0.0) + w * ratio
        out.append((src, parts))
    return out


def unmapped_error(unmapped: list[str], vintage: int) -> GeographyError:
    """The error naming source codes of COG ``vintage`` with no 2025 commune."""
    n = len(unmapped)
    return GeographyError(
        f"{n} code{'s' if n > 1 else ''} commune du COG {vintage} sans correspondance en "
        "2025 : " + ", ".join(sorted(set(unmapped))[:20]))


@dataclass(frozen=True)
class HarmonisationReport:
    """What harmonisation did to one series (kept in the store's harmonisation log)."""

    vintage: int
    n_source_codes: int
    n_changed: int  # source codes whose 2025 commune differs (fusion, code change)
    n_split: int  # source codes spread over several 2025 communes
    n_missing_values: int  # missing values (``nd``) in the source, kept missing


def harmonise(df: pd.DataFrame, value_cols: list[str], weights: pd.DataFrame,
              code_col: str = "commune", by: list[str] | None = None
              ) -> tuple[pd.DataFrame, HarmonisationReport]:
    """Put a commune-level table on COG 2025 with ``weights`` from :func:`commune_weights`.

    ``by`` lists extra key columns (e.g. year, APE code). A 2025 commune receiving a missing
    value from any source is missing (never 0).
    """
    import pandas as pd
    by = list(by or [])
    m = df.merge(weights, left_on=code_col, right_on="source", how="left", validate="m:m")
    if m["code"].isna().any():
        miss = sorted(m.loc[m["code"].isna(), code_col].unique())
        raise GeographyError("codes absents de la table de passage : " + ", ".join(miss[:20]))
    vals = m[value_cols].to_numpy(dtype="float64") * m["weight"].to_numpy()[:, None]
    keyed = pd.DataFrame(vals, columns=value_cols)
    keys = [m["code"].rename("commune")] + [m[c] for c in by]
    for k in keys:
        keyed[k.name] = k.to_numpy()
    out = (keyed.groupby(["commune", *by], sort=True)[value_cols]
           .sum(min_count=1)  # all-missing stays missing...
           .reset_index())
    if keyed[value_cols].isna().to_numpy().any():  # ...and so does partly missing
        any_nan = keyed[value_cols].isna().groupby([keyed[k.name] for k in keys]).any()
        out[value_cols] = out[value_cols].mask(any_nan.to_numpy())
    rep = describe_weights(weights, int(df[code_col].nunique()),
                           int(df[value_cols].isna().to_numpy().sum()))
    return out, rep


def describe_weights(weights: pd.DataFrame, n_source_codes: int, n_missing_values: int
                     ) -> HarmonisationReport:
    """What a weight table does: codes moved (fusion, code change) and codes split."""
    n_w = weights.groupby("source").size()
    moved = (weights["source"] != weights["code"]).groupby(weights["source"]).any()
    return HarmonisationReport(vintage=-1, n_source_codes=n_source_codes,
                               n_changed=int(moved.sum()), n_split=int((n_w > 1).sum()),
                               n_missing_values=n_missing_values)


def aggregate(df: pd.DataFrame, value_cols: list[str], communes: pd.DataFrame, level: str,
              by: list[str] | None = None, code_col: str = "commune") -> pd.DataFrame:
    """Aggregate a COG-2025 commune table to ``level`` (epci, ze2020, dep, reg, fr).

    Output columns: ``code`` (the territory), ``by`` keys, value columns and ``n_missing``
    (communes whose value is missing; the territory's value is then missing too, never a
    partial sum presented as a total; at France level the known values are summed and
    ``n_missing`` says how many communes are left out). Communes outside any EPCI are dropped at EPCI level only.
    """
    import numpy as np
    import pandas as pd
    check_level(level, tuple(lv for lv in LEVELS if lv != "commune"), "pour l'agrégation")
    by = list(by or [])
    key = (pd.Series("FR", index=communes.index) if level == "fr" else communes[level])
    lookup = pd.Series(key.to_numpy(), index=communes["code"].to_numpy())
    terr = df[code_col].map(lookup)
    if terr.isna().any() and level != "epci":
        bad = sorted(df.loc[terr.isna(), code_col].unique())
        raise GeographyError("communes inconnues du COG 2025 : " + ", ".join(bad[:20]))
    d = df.assign(code=terr.to_numpy()).dropna(subset=["code"])
    miss = d[value_cols].isna().any(axis=1)
    g = d.groupby(["code", *by], sort=True)
    out = g[value_cols].sum(min_count=1)
    out["n_missing"] = miss.groupby([d[c] for c in ["code", *by]]).sum().astype("int64")
    if level != "fr":  # France is the sum of what is known, with n_missing beside it
        out.loc[out["n_missing"] > 0, value_cols] = np.nan
    return out.reset_index()
