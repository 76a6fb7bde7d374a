"""Parsing traps of the geography files (../shared/data/PARSING.md), one test each, on small
files written in the exact layout of the official ones."""

import gzip
import json
import sys

import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.sources import geo


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


def test_codes_keep_leading_zeros_and_corsica_letters(tmp_path):
    p = write(tmp_path / "appartenance.csv",
              "DEPCOM,NOM_DEPCOM,EPCI,DEP,REG,ZE2020,LIB_ZE2020,NOM_DEP,NOM_REG\n"
              "01001,L'Abergement,200069193,01,84,0601,Mayotte?,Ain,ARA\n"
              "2A004,Ajaccio,242010056,2A,94,9401,Ajaccio,Corse-du-Sud,Corse\n")
    df = geo.parse_cogiter_communes(p)
    assert df["code"].tolist() == ["01001", "2A004"]
    assert df["ze2020"].tolist() == ["0601", "9401"] and df["reg"].tolist() == ["84", "94"]


def test_malformed_commune_code_names_file_line_and_value(tmp_path):
    p = write(tmp_path / "appartenance.csv",
              "DEPCOM,NOM_DEPCOM,EPCI,DEP,REG,ZE2020,LIB_ZE2020,NOM_DEP,NOM_REG\n"
              "01001,A,200069193,01,84,8405,B,Ain,ARA\n"
              "1002,A,200069193,01,84,8405,B,Ain,ARA\n")
    with pytest.raises(ParseError) as e:
        geo.parse_cogiter_communes(p)
    assert "appartenance.csv" in str(e.value) and "ligne 3" in str(e.value)
    assert "'1002'" in str(e.value)


def test_missing_column_is_named(tmp_path):
    p = write(tmp_path / "epci.csv", "EPCI,NOM_EPCI\n200000172,CC X\n")
    with pytest.raises(ParseError, match="NATURE_EPCI"):
        geo.parse_cogiter_epci(p)


def test_supracom_2008_nan_epci_and_trailing_empty_row_and_duplicates(tmp_path):
    """2008 writes no EPCI as an empty cell, 2020 repeats Nanchez on 4 rows, 2022-2024 end
    with an all-empty row; ZZZZZZZZZ means no EPCI."""
    text = ("CODGEO,LIBGEO,REG,DEP,EPCI,ZE2010\n"
            "22016,Île-de-Bréhat,53,22,,5301\n"
            "39130,Nanchez,27,39,200071645,2703\n39130,Nanchez,27,39,200071645,2703\n"
            "29083,Île-de-Sein,53,29,ZZZZZZZZZ,5302\n,,,,,\n")
    p = tmp_path / "table_supracom_2008.csv.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write(text)
    df = geo.parse_supracom(p, 2008)
    assert df["code"].tolist() == ["22016", "39130", "29083"]
    assert df["epci"].isna().tolist() == [True, False, True]
    assert (df["ze_zoning"] == "ZE2010").all() and df["ze"].iloc[0] == "5301"


def test_anct_bom_and_leading_space(tmp_path):
    p = write(tmp_path / "typo.csv",
              "\ufeffinsee_com,lib_com,niveau_ruralite\n01001,A, Les ruralités productives\n")
    df = geo.parse_anct_grid(p, "niveau_ruralite", "rural_typology")
    assert df.columns.tolist() == ["code", "rural_typology"]
    assert df["rural_typology"].iloc[0] == "Les ruralités productives"


def test_cogugaison_variant_filter_mixed_dates_and_reversed_rows(tmp_path):
    """Keep variant 'cog' only (else rows double); dates mix ISO and dd/mm/yyyy; the
    2022->2023 and 2023->2024 rows are reversed and dropped."""
    p = write(tmp_path / "passage.csv",
              "cog_from,cog_to,variant,code_from,code_to,date_effet,typemodif,ratio\n"
              "2019,2020,cog,14712,14666,31/12/2019,d,0.354533654737623\n"
              "2019,2020,cog,14712,14712,31/12/2019,d,0.645466345262377\n"
              "2019,2020,insee-diffusion,14712,14666,31/12/2019,d,0.354533654737623\n"
              "2003,2004,cog,22179,22179,2004-10-01,d,0.7\n"
              "2003,2004,cog,22179,22201,2004-10-01,d,0.3\n"
              "2023,2024,cog,60694,60054,01/01/2024,d,0.5\n"
              "2023,2024,cog,60054,60054,01/01/2024,d,0.5\n")
    df = geo.parse_cogugaison_splits(p)
    assert len(df) == 4
    assert set(df["date"]) == {"2019-12-31", "2004-10-01"}  # 2004-10-01 not read as 10 January
    assert df.groupby("parent")["ratio"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_cogugaison_ratios_not_summing_to_one_rejected(tmp_path):
    p = write(tmp_path / "passage.csv",
              "cog_from,cog_to,variant,code_from,code_to,date_effet,typemodif,ratio\n"
              "2019,2020,cog,14712,14666,31/12/2019,d,0.5\n"
              "2019,2020,cog,14712,14712,31/12/2019,d,0.9\n")
    with pytest.raises(ParseError, match="somme"):
        geo.parse_cogugaison_splits(p)


def test_decoupage_excludes_com_and_keeps_float_population(tmp_path):
    p = tmp_path / "communes.json"
    p.write_text(json.dumps([
        {"code": "01001", "type": "commune-actuelle", "zone": "metro", "population": 860},
        {"code": "97501", "type": "commune-actuelle", "zone": "com"},
        {"code": "01015", "type": "commune-deleguee", "zone": "metro", "population": 10}]))
    df = geo.parse_decoupage_communes(p)
    assert df["code"].tolist() == ["01001"] and df["population"].dtype == "float64"


def test_ze2010_composition_skips_its_header_rows(tmp_path):
    p = write(tmp_path / "ze2010.csv",
              "Zones d'emploi 2010,,,,,\nFrance - Composition communale,,,,,\n"
              "Mise en ligne le 26/02/2020,,,,,\n\"©Insee\",,,,,\n"
              "Code géographique,Libellé,Zone d'emploi 2010,Libellé ZE,Département,Région\n"
              "CODGEO,LIBGEO,ZE2010,LIBZE2010,DEP,REG\n"
              "01001,A,8213,Villefranche-sur-Saône,01,84\n")
    df = geo.parse_ze2010_composition(p)
    assert df.to_dict("records") == [{"code": "01001", "ze2010": "8213",
                                      "ze2010_name": "Villefranche-sur-Saône"}]


def test_contours_missing_property_is_named(tmp_path):
    p = tmp_path / "c.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "x"}, "geometry": None}]}))
    with pytest.raises(ParseError, match="EPCI"):
        geo.parse_contours(p, "EPCI", "nom")


def test_split_table_in_package_is_consistent():
    """The checked-in split table: ratios of each split sum to 1; the 2024 and 2025 splits use
    the 2023 legal populations; no COGugaison row from 2022 on."""
    from pacte.settings import package_data
    t = pd.read_csv(package_data("commune_splits.csv"), dtype=str)
    t["ratio"] = t["ratio"].astype(float)
    sums = t.groupby(["date", "parent"])["ratio"].sum()
    assert (sums - 1).abs().max() < 1e-12
    late = t[t["date"] >= "2022-01-01"]
    assert set(late["parent"]) == {"60054", "85084", "15141"}
    assert late["source"].str.contains("populations légales 2023").all()
    neuss = t[(t["parent"] == "15141")]
    assert sorted(neuss["child"]) == ["15031", "15035", "15047", "15141", "15171"]
    assert (neuss["valid_from"] > "2016-01-01").all()


def test_snapshot_conversion_fails_cleanly_on_malformed_raw_file(tmp_path):
    """The conversion script stops at a malformed raw file, names it with the line, and leaves
    the previous snapshot untouched."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_snapshot.py"
    spec = importlib.util.spec_from_file_location("build_snapshot", script)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    raw = tmp_path / "raw"
    (raw / "geo/cogiter_2025").mkdir(parents=True)
    bad = raw / "geo/cogiter_2025/communes_appartenance_2025.csv.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as fh:
        fh.write("DEPCOM,NOM_DEPCOM,EPCI,DEP,REG,ZE2020,LIB_ZE2020,NOM_DEP,NOM_REG\n"
                 "01001,A,200069193,01,84,8405,B,Ain,ARA\n"
                 "01002,A,200069193,01,84,8405,B,Ain,ARA\n"
                 "1X003,A,200069193,01,84,8405,B,Ain,ARA\n")
    out = tmp_path / "data"
    out.mkdir()
    (out / "communes.parquet").write_bytes(b"previous snapshot")
    with pytest.raises(ParseError) as e:
        mod.main(raw, out)
    assert "communes_appartenance_2025.csv.gz" in str(e.value) and "ligne 4" in str(e.value)
    assert (out / "communes.parquet").read_bytes() == b"previous snapshot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "raw"]
