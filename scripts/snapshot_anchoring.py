"""Anchoring-asset tables of the bundled snapshot (called by scripts/build_snapshot.py).

Tables (zstd Parquet, only the columns the anchoring engine reads):

* ``anchoring_bpe``: INSEE BPE 2009 and 2013, equipment per commune (COG of the file) and
  group (:data:`pacte.sources.attractiveness.BPE_DOMAIN_LABELS`), all types and types
  published in both vintages;
* ``anchoring_ftth_communes`` / ``anchoring_ftth_epci``: ARCEP FttH, premises and
  connectable premises per commune (COG 2018) / per EPCI 2018, 2017-T3 to 2018-T1;
* ``anchoring_thd_epci``, ``anchoring_neet_epci``, ``anchoring_cif_epci``: ANCT barometer
  rates per EPCI of their own perimeter (2017, 2018, 2018);
* ``anchoring_productive_ze2010``: share of productive functions per ZE2010, 2009 and 2014;
* ``anchoring_grants_2018`` / ``anchoring_grants_2019``: every DETR/DSIL(/DSID) project with
  its beneficiary's level, territory code, category and amount.

Standalone: ``python scripts/snapshot_anchoring.py [RAW_DIR]`` writes only these tables
into src/pacte/data/ and merges their entries into the existing PROVENANCE.json (other
entries are left as they are).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

from pacte.sources import attractiveness as at

LO = "Licence Ouverte / Etalab 2.0"
BARO = ("GitHub anct-carto/ba-coh-terr (Baromètre de la cohésion des territoires, CGET/ANCT) "
        "@80dbd0d8d9685204abe296fbdfd3ee4f68262ea0")
BARO_LICENCE = ("non précisée dans le dépôt ; données Observatoire des territoires / Insee / "
                "DGCL (Licence Ouverte)")
BPE_ORIGIN = ("GitHub JGravier/postdoc_services_publics BPE/data/bpe{y}.xlsx (converti) "
              "@f691833b2a8169935ea3f0102b14b7363c48243c")
ARCEP_ORIGIN = ("GitHub NJacq/laravel storage/app/public/{{{f}}}.csv (fusionnés) "
                "@4dbb85293913348d32bb78339c83547f1d6f0f17")
ZE2010_RE = re.compile(r"^\d{4}$")


def add_tables(raw: Path, write, Meta, prov: dict) -> None:
    att, fin = raw / "attractiveness", raw / "finance"
    bpe = [at.parse_bpe_communes(att / f"insee_bpe{y}_communes_nb_equip_par_type.csv", y)
           for y in (2009, 2013)]
    write("anchoring_bpe", pd.concat(bpe, ignore_index=True),
          Meta("Insee, Base permanente des équipements (BPE), fichier « ensemble », nombre "
               "d'équipements par commune et par type, regroupés en 7 domaines par pacte "
               "(arrondissements municipaux sommés dans leur commune)",
               "BPE 2009 et 2013 (COG du fichier)", "; ".join(
                   BPE_ORIGIN.format(y=y) for y in (2009, 2013)),
               f"{LO} (Insee) ; le dépôt ne précise pas de licence"), prov)
    arcep = Meta("ARCEP, observatoire du haut et très haut débit : déploiement FttH, locaux "
                 "(logements + établissements) et locaux raccordables",
                 "2017-T3, 2017-T4, 2018-T1 (COG 2018, EPCI 2018)",
                 ARCEP_ORIGIN.format(f="communes,ftthCommunes"),
                 "Licence Ouverte (open data ARCEP, selon le README du dépôt)")
    write("anchoring_ftth_communes",
          at.parse_arcep_ftth_communes(att / "arcep_ftth_communes_2017T3_2018T1.csv"), arcep,
          prov)
    write("anchoring_ftth_epci",
          at.parse_arcep_ftth_epci(att / "arcep_ftth_epci_2017T3_2018T1.csv"),
          Meta(arcep.source, arcep.vintage, ARCEP_ORIGIN.format(f="epci,ftthEpci"),
               arcep.licence), prov)
    for name, path, src, vintage, pattern, what in (
            ("anchoring_thd_epci", att / "anct_barometre_thd_eligibilite_epci_2015_2017.csv",
             "ANCT / Observatoire des territoires, part des locaux éligibles au très haut "
             "débit filaire (≥ 30 Mbit/s, FttH ou FttLA), en %",
             "2015 et 2017, EPCI 2017", at.EPCI_RE, "EPCI"),
            ("anchoring_neet_epci", att / "anct_barometre_neet_epci_2009_2014.csv",
             "ANCT / Insee recensement, part des 15-24 ans ni en emploi, ni en études, ni en "
             "formation (NEET), en %", "RP 2009 et 2014, EPCI 2018", at.EPCI_RE, "EPCI"),
            ("anchoring_cif_epci", fin / "anct_barometre_cif_epci_2018.csv",
             "ANCT / DGCL, coefficient d'intégration fiscale (CIF) des EPCI à fiscalité "
             "propre, en %", "2018, EPCI 2018", at.EPCI_RE, "EPCI"),
            ("anchoring_productive_ze2010",
             att / "anct_barometre_fonctions_productives_ze2010_2009_2014.csv",
             "ANCT / Insee recensement, part des fonctions productives (production de biens "
             "et de services aux entreprises) dans l'emploi, en %",
             "RP 2009 et 2014, zones d'emploi 2010", ZE2010_RE, "zone d'emploi 2010")):
        write(name, at.parse_barometre(path, pattern, what),
              Meta(src, vintage, BARO, BARO_LICENCE), prov)
    write("anchoring_grants_2018", at.parse_grants_2018(fin / "dgcl_dsil_detr_projets_2018.csv"),
          Meta("DGCL, projets subventionnés par la DETR et la DSIL en 2018 (jeu traité par le "
               "CGET), montant de subvention en euros", "2018 (COG 2018, EPCI 2018)",
               "GitHub anct-carto/dotation_investissement data/Projets_DI_2018.ods (converti) "
               "@c8b71f2fd86c9bbdbdcafc212d0ac969820c3409", "Licence Ouverte 2.0"), prov)
    write("anchoring_grants_2019",
          at.parse_grants_2019(fin / "anct_dotations_investissement_projets_2019.csv"),
          Meta("DGCL, traité par l'ANCT (mise à jour du 4 août 2020) : projets subventionnés "
               "par la DETR, la DSIL et la DSID en 2019, montant de subvention en euros",
               "2019 (COG 2019, EPCI 2019)",
               "GitHub anct-carto/dotations_investissement_2019 "
               "data/projets_dotations_investissement_2019.xlsx "
               "@532d1fd4f4c714d4ff0baa526c03dc0a960e4d7d", "Licence Ouverte 2.0"), prov)


def _build_snapshot_module():
    path = Path(__file__).with_name("build_snapshot.py")
    spec = importlib.util.spec_from_file_location("build_snapshot", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_snapshot"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def main(raw: Path, out: Path | None = None) -> None:
    """Write only the anchoring tables into ``out`` (temporary directory first, so a parse
    error leaves the snapshot untouched) and merge their PROVENANCE entries."""
    bs = _build_snapshot_module()
    out = out or bs.OUT
    tmp = out.parent / f".{out.name}.anchoring.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        prov: dict = {"__dir__": str(tmp)}
        add_tables(raw, bs.write, bs.Meta, prov)
        del prov["__dir__"]
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
        pj = out / "PROVENANCE.json"
        merged = json.loads(pj.read_text(encoding="utf-8")) if pj.exists() else {}
        merged.update(prov)
        part = out / f".PROVENANCE.{os.getpid()}.tmp"
        part.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        os.replace(part, pj)
        print(f"PROVENANCE.json : {len(prov)} entrées anchoring_* fusionnées")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else
         Path(__file__).resolve().parents[2] / "shared" / "data")
