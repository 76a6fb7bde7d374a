"""Rebuild the bundled snapshot (src/pacte/data/*.parquet + PROVENANCE.json) from the raw
official files.

Usage: python scripts/build_snapshot.py [RAW_DIR]   (default: ../shared/data)
       python scripts/build_snapshot.py --reviewed-only   (after editing a reviewed CSV file)

Each table is written as zstd Parquet with only the columns pacte needs; PROVENANCE.json
records source, vintage, origin, licence, row count and sha256 of every table. The split
table (data/commune_splits.csv) is written too: it is checked into the repository and
reviewed like code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pacte import geography
from pacte.sources import census, estel, geo, quarterly, urssaf

OUT = Path(__file__).resolve().parents[1] / "src" / "pacte" / "data"
LO = "Licence Ouverte / Etalab 2.0"


@dataclass
class Meta:
    source: str
    vintage: str
    origin: str
    licence: str


def write(name: str, df: pd.DataFrame, meta: Meta, provenance: dict) -> None:
    path = Path(provenance["__dir__"]) / f"{name}.parquet"
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    pq.write_table(table, path, compression="zstd", compression_level=19)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance[name] = {**meta.__dict__, "rows": len(df), "sha256": sha,
                        "columns": list(df.columns)}
    print(f"{name:28s} {len(df):>9,d} rows {path.stat().st_size / 1e6:7.2f} MB")


def main(raw: Path, out: Path = OUT) -> None:
    """Convert every raw file into a temporary directory, then move the new snapshot into
    ``out``: a failure (a malformed raw file raises ParseError naming file and line) leaves
    the previous snapshot untouched."""
    tmp = out.parent / f".{out.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        convert(raw, tmp)
        out.mkdir(parents=True, exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(p.stat().st_size for p in out.glob("*.parquet"))
    print(f"snapshot: {total / 1e6:.1f} MB in {out}")


def convert(raw: Path, out_dir: Path) -> None:
    prov: dict[str, dict] = {"__dir__": str(out_dir)}
    g = raw / "geo"
    cogiter = "R package COGiter v0.0.15 (MaelTheuliere/COGiter@4536aa39), INSEE COG 2025"
    dec = "npm @etalab/decoupage-administratif@6.0.0"

    # --- communes COG 2025 ------------------------------------------------------------
    com = geo.parse_cogiter_communes(g / "cogiter_2025/communes_appartenance_2025.csv.gz")
    pop = geo.parse_decoupage_communes(g / "decoupage_administratif_6.0.0/communes.json")
    dens = geo.parse_anct_grid(g / "anct_observatoire/grille_densite_7niveaux_2025.csv",
                               "niveau_densite", "density_class")
    rur = geo.parse_anct_grid(g / "anct_observatoire/typologie_ruralites_anct.csv.gz",
                              "niveau_ruralite", "rural_typology")
    communes = (com.merge(pop, on="code", how="left", validate="1:1")
                .merge(dens, on="code", how="left", validate="1:1")
                .merge(rur, on="code", how="left", validate="1:1"))
    for col in ("population", "density_class"):
        if communes[col].isna().any():
            raise SystemExit(f"{col} manquant pour : {communes.loc[communes[col].isna(), 'code'].tolist()[:10]}")
    bad = set(communes["density_class"]) - set(geo.DENSITY_LEVELS)
    if bad:
        raise SystemExit(f"classe de densité inconnue : {bad}")
    communes["density_level"] = communes["density_class"].map(
        {c: i + 1 for i, c in enumerate(geo.DENSITY_LEVELS)}).astype("int8")
    communes["epci"] = communes["epci"].where(communes["epci"] != geo.NO_EPCI)
    write("communes", communes[["code", "name", "epci", "ze2020", "dep", "reg", "population",
                                "density_class", "density_level", "rural_typology"]],
          Meta("INSEE COG 2025 et table d'appartenance; populations légales 2023; grille de "
               "densité INSEE 2025 et typologie des ruralités ANCT",
               "COG 2025; populations légales millésime 2023",
               f"{cogiter}; {dec} communes.json; ANCT Observatoire des territoires "
               "(anct-carto/superposeur-V2@3f2b0c0b)", LO), prov)

    # --- EPCI, names of other levels ---------------------------------------------------
    epci = geo.parse_cogiter_epci(g / "cogiter_2025/epci_2025.csv").merge(
        geo.parse_decoupage_epci(g / "decoupage_administratif_6.0.0/epci.json"),
        on="code", how="left", validate="1:1")
    write("epci", epci, Meta("DGCL / INSEE, EPCI à fiscalité propre au 1er janvier 2025",
                             "2025 (population DGCL : population municipale 2022)",
                             f"{cogiter}; {dec} epci.json", LO), prov)
    names = [com[["ze2020", "ze2020_name"]].drop_duplicates().set_axis(["code", "name"], axis=1)
             .assign(level="ze2020")]
    names.append(geo.parse_named_codes(g / "decoupage_administratif_6.0.0/departements.json")
                 .assign(level="dep"))
    names.append(geo.parse_named_codes(g / "decoupage_administratif_6.0.0/regions.json")
                 .assign(level="reg"))
    ze10 = geo.parse_ze2010_composition(
        raw / "employment/insee_ze_estel_avelguenin/ZE2010_composition_communale_geo2020.csv")
    names.append(ze10[["ze2010", "ze2010_name"]].drop_duplicates()
                 .set_axis(["code", "name"], axis=1).assign(level="ze2010"))
    tn = pd.concat(names, ignore_index=True)[["level", "code", "name"]]
    tn = tn[tn["level"].ne("dep") | tn["code"].isin(communes["dep"])]
    tn = tn[tn["level"].ne("reg") | tn["code"].isin(communes["reg"])]
    write("territory_names", tn, Meta("INSEE COG 2025, zonages d'étude", "2025 (ZE2010 : 2020)",
                                      f"{cogiter}; {dec}; INSEE ZE2010 composition", LO), prov)
    write("commune_ze2010", ze10[["code", "ze2010"]],
          Meta("INSEE, zones d'emploi 2010, composition communale", "géographie au 01/01/2020",
               "insee.fr (via avelguenin/france-polarisation@7a52c35e)", LO), prov)

    # --- commune history -------------------------------------------------------------
    passage = geo.parse_cogiter_passage(g / "cogiter_2025/passage_com_historique_vers_2025.csv")
    write("commune_passage", passage,
          Meta("INSEE COG, table de passage code historique -> commune 2025 (fusions)",
               "1968-2025", cogiter, f"{LO} (données INSEE); MIT (paquet)"), prov)
    mouv = geo.parse_mouvements(g / "cogiter_2025/mouvements_communes_insee.csv")
    cs = geo.parse_cogugaison_splits(g / "cogugaison/passage_communes_1968_2024_forward.csv")
    splits = geography.build_split_table(cs, mouv, communes.set_index("code")["population"])
    split_path = out_dir / "commune_splits.csv"
    splits.to_csv(split_path, index=False, float_format="%.17g", lineterminator="\n")
    prov["commune_splits"] = {
        "source": "Table des scissions de communes (rétablissements) : date, parent, enfant, "
                  "ratio de population, date de validité de la composition du parent, source",
        "vintage": "1974-2025", "origin": "COGugaison v1.0.7 (ratios jusqu'en 2021); INSEE "
        "mouvements des communes et populations légales 2023 (scissions 2024 et 2025)",
        "licence": "ODbL (COGugaison); Licence Ouverte (INSEE)", "rows": len(splits),
        "sha256": hashlib.sha256(split_path.read_bytes()).hexdigest(),
        "columns": list(splits.columns), "file": "commune_splits.csv"}
    print(f"commune_splits.csv           {len(splits):>9,d} rows")
    cogpop = geo.parse_cog_populations(g / "cogugaison/cog_communes_population_1968_2024.csv.gz")
    cog_codes = pd.concat([cogpop.loc[cogpop["cog"] >= 1999, ["cog", "code", "population"]],
                           communes[["code", "population"]].assign(cog=2025)])
    cog_codes["cog"] = cog_codes["cog"].astype("int16")
    cog_codes["population"] = cog_codes["population"].astype("float32")
    write("cog_codes", cog_codes.sort_values(["code", "cog"]),
          Meta("INSEE COG, liste des communes de chaque millésime et leur population "
               "(COGugaison : 2022 répète 2021, 2024 répète 2023)", "1999, 2008-2025",
               "R package COGugaison v1.0.7 (antuki/COGugaison@37a6d4c9); COG 2025 : COGiter",
               "ODbL (tables COGugaison); Licence Ouverte (INSEE)"), prov)
    supra = pd.concat([geo.parse_supracom(g / f"cogugaison/table_supracom_{y}.csv.gz", y)
                       for y in range(2008, 2025)], ignore_index=True)
    supra["year"] = supra["year"].astype("int16")
    write("commune_supracom", supra,
          Meta("INSEE, appartenance des communes aux EPCI et zones d'emploi, par année",
               "2008-2024 (COG de l'année)",
               "R package COGugaison v1.0.7 (antuki/COGugaison@37a6d4c9)", "ODbL"), prov)

    # --- employment ------------------------------------------------------------------
    est = raw / "employment/insee_ze_estel_avelguenin"
    estel_meta = Meta("INSEE, Estimations d'emploi localisées (ESTEL), emploi au 31/12",
                      "1998-2017, zonage ZE2010",
                      "insee.fr/fr/statistiques/1893177 (via avelguenin/france-polarisation@7a52c35e)",
                      LO)
    sal = estel.parse_estel_salaried(est / "ESTEL_emploi_salarie_sectoriel_ZE2010_1998-2017.csv")
    write("estel_salaried", sal[["ze2010", "sector", "year", "jobs"]], estel_meta, prov)
    nsal = estel.parse_estel_nonsalaried(est / "ESTEL_emploi_non_salarie_ZE2010_1998-2017.csv")
    write("estel_nonsalaried", nsal[["ze2010", "year", "jobs"]], estel_meta, prov)
    frames = [census.parse_census_functions(
        est / f"RP_analyse_fonctionnelle_emplois_communes_{y}.csv", y)
        for y in (1999, 2006, 2011, 2016)]
    cen = pd.concat(frames, ignore_index=True)
    cen["year"] = cen["year"].astype("int16")
    write("census_functions", cen,
          Meta("INSEE, recensement de la population, analyse fonctionnelle des emplois au "
               "lieu de travail", "RP 1999, 2006, 2011, 2016 (COG 2019)",
               "insee.fr (via avelguenin/france-polarisation@7a52c35e)", LO), prov)
    dep_names = dict(zip(tn.loc[tn.level == "dep", "code"], tn.loc[tn.level == "dep", "name"],
                         strict=True))
    reg_names = dict(zip(tn.loc[tn.level == "reg", "code"], tn.loc[tn.level == "reg", "name"],
                         strict=True))
    q = quarterly.parse_quarterly(
        raw / "employment/insee_dep_a17_trim_cinquinandy/"
        "valeurs_trimestrielles_emploi_salarie_dep_A17_A5_2001T4-2022T4.csv",
        dep_names, reg_names)
    write("quarterly_jobs", q,
          Meta("INSEE, estimations trimestrielles d'emploi salarié (BDM)",
               "2001T4-2022T4", "insee.fr BDM (via CinquinAndy/i1-mspr-data@5ea10ea6)", LO), prov)
    ur_path = raw / "employment/urssaf_commune_x_ape_2006_2022_ZE_Rouen_raw.csv"
    ur = urssaf.parse_urssaf(ur_path)
    ur["year"] = ur["year"].astype("int16")
    urssaf_meta = Meta("URSSAF, établissements et effectifs salariés au niveau commune x APE "
                       "(extrait : partie Seine-Maritime de la zone d'emploi de Rouen)",
                       "2006-2022, au 31/12",
                       "open.urssaf.fr etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last "
                       "(via EduardoRodrigues10/ScaleModels_Simulations_FlowRouting@03cc4895)", LO)
    write("urssaf_jobs", ur, urssaf_meta, prov)
    naf = pd.read_csv(raw / "nomenclature/naf_rev2_sousclasse_to_aggregates.csv", dtype=str)
    naf = naf[["sous_classe", "libelle_sous_classe", "division_a88", "libelle_division", "a38",
               "libelle_a38", "a17", "libelle_a17", "section_a21", "libelle_section", "a10"]].copy()
    naf.insert(0, "ape", naf["sous_classe"].str.replace(".", "", regex=False))
    write("naf", naf, Meta("INSEE, nomenclature NAF rév. 2 (732 sous-classes et agrégats)",
                           "NAF rév. 2 (2008)", "PyPI pynsee 0.3.0 metadata/naf.zip", LO), prov)

    # --- contours --------------------------------------------------------------------
    geom = g / "geometries"
    cmeta = Meta("IGN ADMIN EXPRESS COG CARTO 2025, simplifié (keep=3 %)", "2025",
                 "COGiter v0.0.15 contours, reprojected WGS84; ZE2020 dissolved from communes",
                 f"{LO} (IGN)")
    for name, fname, code, label in [("epci", "epci_2025_wgs84.geojson", "EPCI", "nom_epci"),
                                     ("ze2020", "ze2020_2025_wgs84.geojson", "ze2020", "lib_ze2020"),
                                     ("dep", "departements_2025_wgs84.geojson", "DEP", "nom_dep"),
                                     ("reg", "regions_2025_wgs84.geojson", "REG", "nom_reg")]:
        write(f"contours_{name}", geo.parse_contours(geom / fname, code, label), cmeta, prov)

    # --- economy tables (input-output, trade), one module each ------------------------
    for module in ("snapshot_io", "snapshot_trade", "snapshot_anchoring"):
        path = Path(__file__).with_name(f"{module}.py")
        if path.exists():
            spec = importlib.util.spec_from_file_location(module, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[module] = mod
            spec.loader.exec_module(mod)
            mod.add_tables(raw, write, Meta, prov)

    add_reviewed_files(prov)
    del prov["__dir__"]
    (out_dir / "PROVENANCE.json").write_text(json.dumps(prov, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")


#: Hand-made files checked into the repository and reviewed like code: they enter the store
#: as tables, PROVENANCE.json and the build hash like every other table.
REVIEWED = {
    "wiod_crosswalk_a17": ("crosswalk_wiod_a17.csv", "Correspondance WIOD 2013 (c1-c35, NACE rév. "
                           "1.1) -> NAF rév. 2 A17, établie par pacte (non officielle)"),
    "wiod_crosswalk_a38": ("crosswalk_wiod_a38.csv", "Correspondance WIOD 2013 (c1-c35, NACE rév. "
                           "1.1) -> NAF rév. 2 A38, établie par pacte (non officielle)"),
    "wiod_low_wage": ("low_wage_countries.csv", "Pays à bas salaires parmi les pays de WIOD "
                      "(choix documenté de pacte, voir l'en-tête du fichier)"),
    "wiod_sector_labels": ("wiod_sectors_fr.csv", "Libellés français des 35 secteurs WIOD"),
}


def add_reviewed_files(prov: dict, data: Path = OUT) -> None:
    """Provenance entries of the reviewed CSV files (kept in ``data``)."""
    from pacte.store.derive import CSV_PARSERS

    for name, (fname, source) in REVIEWED.items():
        path = data / fname
        df = CSV_PARSERS[name](path)
        prov[name] = {"source": source, "vintage": "2025", "origin": "pacte (fichier relu, "
                      "versionné avec le code)", "licence": "MIT (pacte)", "rows": len(df),
                      "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                      "columns": list(df.columns), "file": fname}


def refresh_reviewed(data: Path = OUT) -> None:
    """Update only the reviewed files' entries of an existing PROVENANCE.json."""
    path = data / "PROVENANCE.json"
    prov = json.loads(path.read_text(encoding="utf-8"))
    add_reviewed_files(prov, data)
    path.write_text(json.dumps(prov, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--reviewed-only"]:
        refresh_reviewed()
        sys.exit(0)
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else
         Path(__file__).resolve().parents[2] / "shared" / "data")
