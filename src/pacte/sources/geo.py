"""Geography sources: COG 2025 communes and their zonings, EPCI, commune history, yearly
supra-communal tables, density grid, contours.

Each ``parse_*`` reads one official file (or its packaged copy) and returns a tidy DataFrame
with string codes. Validation errors raise :class:`pacte.errors.ParseError` naming the file,
the line and the value.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pandas as pd

from pacte.errors import ParseError

COMMUNE_RE = re.compile(r"^(\d[\dAB]\d{3})$")
EPCI_RE = re.compile(r"^\d{9}$")
NO_EPCI = "ZZZZZZZZZ"

#: INSEE 7-level density grid, in order (1 = densest). The first four are urban, the last
#: three rural (INSEE, grille communale de densité, 2022 definition).
DENSITY_LEVELS = [
    "Grands centres urbains",
    "Centres urbains intermédiaires",
    "Ceintures urbaines",
    "Petites villes",
    "Bourgs ruraux",
    "Rural à habitat dispersé",
    "Rural à habitat très dispersé",
]
URBAN_LEVELS = frozenset(DENSITY_LEVELS[:4])


def _read_csv(path: Path, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kw)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ParseError(path, f"lecture impossible ({exc})") from exc


def check_codes(path: Path, codes: pd.Series, pattern: re.Pattern, what: str, header_lines: int = 1):
    """Raise ParseError on the first code not matching ``pattern`` (line numbers 1-based,
    counting ``header_lines`` lines before the first data row)."""
    bad = ~codes.astype(str).str.match(pattern)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise ParseError(path, f"code {what} invalide", line=pos + header_lines + 1,
                         value=codes.iloc[pos])


def _require(path: Path, df: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParseError(path, "colonnes attendues absentes : " + ", ".join(missing))


def parse_cogiter_communes(path: Path) -> pd.DataFrame:
    """COGiter ``communes_appartenance_2025``: commune (COG 2025) -> EPCI, DEP, REG, ZE2020."""
    df = _read_csv(path)
    cols = ["DEPCOM", "NOM_DEPCOM", "EPCI", "DEP", "REG", "ZE2020", "LIB_ZE2020", "NOM_DEP",
            "NOM_REG"]
    _require(path, df, cols)
    check_codes(path, df["DEPCOM"], COMMUNE_RE, "commune")
    if df["DEPCOM"].duplicated().any():
        pos = int(df["DEPCOM"].duplicated().to_numpy().nonzero()[0][0])
        raise ParseError(path, "commune en double", line=pos + 2, value=df["DEPCOM"].iloc[pos])
    return df[cols].rename(columns={
        "DEPCOM": "code", "NOM_DEPCOM": "name", "EPCI": "epci", "DEP": "dep", "REG": "reg",
        "ZE2020": "ze2020", "LIB_ZE2020": "ze2020_name", "NOM_DEP": "dep_name",
        "NOM_REG": "reg_name"})


def parse_cogiter_epci(path: Path) -> pd.DataFrame:
    """COGiter ``epci_2025``: SIREN, name, nature (CC/CA/CU/ME)."""
    df = _read_csv(path)
    _require(path, df, ["EPCI", "NOM_EPCI", "NATURE_EPCI"])
    check_codes(path, df["EPCI"], EPCI_RE, "EPCI")
    return df.rename(columns={"EPCI": "code", "NOM_EPCI": "name", "NATURE_EPCI": "nature"})[
        ["code", "name", "nature"]]


def parse_cogiter_passage(path: Path) -> pd.DataFrame:
    """COGiter ``passage_com_historique_vers_2025``: every historical code -> 2025 commune
    (fusions and code changes only)."""
    df = _read_csv(path)
    _require(path, df, ["DEPCOM_HIST", "DEPCOM"])
    check_codes(path, df["DEPCOM_HIST"], COMMUNE_RE, "commune historique")
    check_codes(path, df["DEPCOM"], COMMUNE_RE, "commune 2025")
    return df.rename(columns={"DEPCOM_HIST": "hist_code", "DEPCOM": "code"})[
        ["hist_code", "code"]].drop_duplicates()


def parse_mouvements(path: Path) -> pd.DataFrame:
    """INSEE ``mouvements des communes`` (as shipped by COGiter)."""
    df = _read_csv(path)
    _require(path, df, ["MOD", "DATE_EFF", "TYPECOM_AV", "COM_AV", "TYPECOM_AP", "COM_AP",
                        "LIBELLE_AP"])
    return df


def _load_json(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise ParseError(path, f"JSON illisible ({exc})") from exc


def parse_decoupage_communes(path: Path) -> pd.DataFrame:
    """decoupage-administratif ``communes.json``: current communes (collectivités d'outre-mer
    excluded) with their population municipale (legal populations in force on 1 Jan 2026,
    millésime 2023)."""
    rows = [c for c in _load_json(path)
            if c.get("type") == "commune-actuelle" and c.get("zone") != "com"]
    df = pd.DataFrame({"code": [c["code"] for c in rows],
                       "population": [c.get("population") for c in rows]})
    df["population"] = pd.to_numeric(df["population"]).astype("float64")
    return df


def parse_decoupage_epci(path: Path) -> pd.DataFrame:
    """decoupage-administratif ``epci.json``: EPCI fiscal regime and DGCL population."""
    rows = _load_json(path)
    return pd.DataFrame({
        "code": [e["code"] for e in rows],
        "fiscal_regime": [e.get("modeFinancement") for e in rows],
        "population_dgcl": [float(e.get("populationMunicipale") or "nan") for e in rows],
    })


def parse_named_codes(path: Path) -> pd.DataFrame:
    """``departements.json`` / ``regions.json``: code, name."""
    return pd.DataFrame([{"code": r["code"], "name": r["nom"]} for r in _load_json(path)])


def parse_anct_grid(path: Path, value_col: str, out_col: str) -> pd.DataFrame:
    """ANCT Observatoire grids (density, rural typology): insee_com -> cleaned label."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    _require(path, df, ["insee_com", value_col])
    check_codes(path, df["insee_com"], COMMUNE_RE, "commune")
    return pd.DataFrame({"code": df["insee_com"], out_col: df[value_col].str.strip()})


def parse_supracom(path: Path, year: int) -> pd.DataFrame:
    """COGugaison ``table_supracom_YYYY``: commune -> EPCI and zone d'emploi in force in
    ``year``. Returns code, year, epci (None when outside any EPCI), ze, ze_zoning."""
    df = pd.read_csv(path, dtype=str, encoding="utf-8")
    df = df.dropna(how="all")
    _require(path, df, ["CODGEO", "EPCI"])
    df = df.drop_duplicates("CODGEO")
    check_codes(path, df["CODGEO"], COMMUNE_RE, "commune")
    ze_col = next((c for c in ("ZE2020", "ZE2010", "ZE1990") if c in df.columns), None)
    epci = df["EPCI"].where(df["EPCI"].notna() & (df["EPCI"] != NO_EPCI))
    return pd.DataFrame({
        "year": year, "code": df["CODGEO"].to_numpy(), "epci": epci.to_numpy(),
        "ze": df[ze_col].to_numpy() if ze_col else None, "ze_zoning": ze_col,
    })


def parse_cog_populations(path: Path) -> pd.DataFrame:
    """COGugaison ``cog_communes_population_1968_2024``: the commune list of each COG year."""
    df = pd.read_csv(path, dtype={"cog": "int64", "CODGEO": str, "LIBGEO": str})
    _require(path, df, ["cog", "CODGEO", "POP"])
    return df.rename(columns={"cog": "cog", "CODGEO": "code", "POP": "population"})[
        ["cog", "code", "population"]]


def parse_cogugaison_splits(path: Path) -> pd.DataFrame:
    """COGugaison forward passage table, split rows only (typemodif ``d``), years <= 2021.

    The rows of 2022->2023 and 2023->2024 are reversed in this release (PARSING.md) and are
    not returned; the 2024 and 2025 splits are added from INSEE's mouvements by
    :func:`pacte.geography.build_split_table`.
    """
    df = _read_csv(path)
    _require(path, df, ["cog_from", "cog_to", "variant", "code_from", "code_to", "date_effet",
                        "typemodif", "ratio"])
    df = df[(df["variant"] == "cog") & (df["typemodif"] == "d")]
    df = df[df["cog_to"].astype(int) <= 2021]
    iso = pd.to_datetime(df["date_effet"], format="%Y-%m-%d", errors="coerce")
    fr = pd.to_datetime(df["date_effet"], format="%d/%m/%Y", errors="coerce")
    date = iso.fillna(fr)
    if date.isna().any():
        raise ParseError(path, "date d'effet illisible",
                         value=df.loc[date.isna(), "date_effet"].iloc[0])
    # The ratios of one parent sum to 1 over a COG-to-COG transition, which may hold several
    # dated events: the split applies to any file older than the first of them.
    group = [df["cog_from"], df["code_from"]]
    date = date.groupby(group).transform("min").dt.strftime("%Y-%m-%d")
    out = pd.DataFrame({"date": date, "parent": df["code_from"], "child": df["code_to"],
                        "ratio": df["ratio"].astype(float)})
    out = out.groupby(["date", "parent", "child"], as_index=False)["ratio"].sum()
    sums = out.groupby(["date", "parent"])["ratio"].sum()
    if (sums - 1).abs().max() > 1e-9:
        raise ParseError(path, "ratios de scission dont la somme n'est pas 1",
                         value=sums[(sums - 1).abs() > 1e-9].index[0])
    return out


def parse_ze2010_composition(path: Path) -> pd.DataFrame:
    """INSEE ZE2010 composition (géographie au 01/01/2020): commune -> ZE2010."""
    df = _read_csv(path, skiprows=5)
    _require(path, df, ["CODGEO", "ZE2010", "LIBZE2010"])
    check_codes(path, df["CODGEO"], COMMUNE_RE, "commune", header_lines=6)
    return df.rename(columns={"CODGEO": "code", "ZE2010": "ze2010", "LIBZE2010": "ze2010_name"})[
        ["code", "ze2010", "ze2010_name"]]


def parse_contours(path: Path, code_prop: str, name_prop: str | None) -> pd.DataFrame:
    """GeoJSON contours -> code, name, geometry (GeoJSON text, WGS84)."""
    data = _load_json(path)
    rows = []
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        if code_prop not in props:
            raise ParseError(path, f"propriété {code_prop!r} absente de l'objet n°{i + 1}")
        rows.append({"code": str(props[code_prop]),
                     "name": props.get(name_prop) if name_prop else None,
                     "geometry": json.dumps(feat["geometry"], separators=(",", ":"))})
    return pd.DataFrame(rows)
