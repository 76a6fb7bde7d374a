"""Employment source parsers: ESTEL, census functions, INSEE quarterly, URSSAF.

One test per parsing trap of PARSING.md for these files, published totals checked on real
copies (tests/data/raw/, provenance in its README.md), and malformed inputs whose error
must name the file, the line (1-based, as in an editor) and the value.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.sources.census import FUNCTIONS, parse_census_functions
from pacte.sources.estel import SECTORS, parse_estel_nonsalaried, parse_estel_salaried
from pacte.sources.quarterly import parse_quarterly
from pacte.sources.urssaf import iter_urssaf, parse_urssaf, parse_urssaf_labels

RAW = Path(__file__).parents[1] / "data" / "raw"
ESTEL_SAL = RAW / "ESTEL_emploi_salarie_sectoriel_ZE2010_1998-2017.csv"
ESTEL_NS = RAW / "ESTEL_emploi_non_salarie_ZE2010_1998-2017.csv"
QUARTERLY = RAW / "quarterly_sample.csv"
URSSAF_FULL = RAW / "urssaf_rouen_raw.csv.gz"
URSSAF_SAMPLE = RAW / "urssaf_rouen_sample.csv"
INDUSTRY_A17 = {"C1", "C2", "C3", "C4", "C5", "DE"}  # URSSAF "GS1 Industrie"


def census_path(year: int) -> Path:
    return RAW / f"RP_analyse_fonctionnelle_emplois_communes_{year}.csv.gz"


@cache
def estel_salaried() -> pd.DataFrame:
    return parse_estel_salaried(ESTEL_SAL)


@cache
def census(year: int) -> pd.DataFrame:
    return parse_census_functions(census_path(year))


@cache
def names(kind: str) -> dict[str, str]:
    items = json.loads((RAW / f"{kind}_subset.json").read_text(encoding="utf-8"))
    return {item["code"]: item["nom"] for item in items}


@cache
def quarterly() -> pd.DataFrame:
    return parse_quarterly(QUARTERLY, names("departements"), names("regions"))


@cache
def urssaf_full() -> pd.DataFrame:
    return parse_urssaf(URSSAF_FULL)


def assert_error(excinfo: pytest.ExceptionInfo, path: Path, line: int | None, value: str) -> None:
    """The message names the file, the line and the faulty value."""
    message = str(excinfo.value)
    assert path.name in message
    if line is not None:
        assert f"ligne {line} " in message, message
        assert excinfo.value.line == line
    assert value in message, message


def edit_line(src: Path, dst: Path, line: int, old: str, new: str) -> Path:
    """Copy a text file, replacing ``old`` by ``new`` on one line (1-based)."""
    lines = src.read_bytes().decode("utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1][:80]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    dst.write_bytes("".join(lines).encode("utf-8"))
    return dst


# --- ESTEL --------------------------------------------------------------------------------


def test_estel_salaried_published_totals():
    """PARSING.md / MANIFEST: industry 3,557,922 (2008) -> 3,269,037 (2012); all sectors
    24,477,364 -> 24,296,410; 321 ZE x 5 sectors x 20 years."""
    df = estel_salaried()
    assert list(df.columns) == ["ze2010", "ze2010_name", "region_label", "sector", "year", "jobs"]
    assert len(df) == 321 * 5 * 20
    assert df["ze2010"].nunique() == 321
    assert set(df["sector"]) == set(SECTORS)
    assert (df["year"].min(), df["year"].max()) == (1998, 2017)
    by_year = df.groupby("year")["jobs"].sum()
    assert by_year[2008] == 24_477_364
    assert by_year[2012] == 24_296_410
    industry = df[df["sector"] == "BE"].groupby("year")["jobs"].sum()
    assert (industry[2008], industry[2012]) == (3_557_922, 3_269_037)
    assert df["jobs"].dtype == "float64" and df["year"].dtype == "int64"


def test_estel_nonsalaried_published_totals():
    """MANIFEST: France non-salaried 2,422,449 (2008) and 2,732,027 (2012)."""
    df = parse_estel_nonsalaried(ESTEL_NS)
    assert list(df.columns) == ["ze2010", "year", "jobs"]
    assert len(df) == 321 * 20
    by_year = df.groupby("year")["jobs"].sum()
    assert (by_year[2008], by_year[2012]) == (2_422_449, 2_732_027)


def test_estel_ze_codes_keep_leading_zeros():
    """Trap: '0050_Mont-de-Marsan' must give the string '0050', never 50."""
    df = estel_salaried()
    assert df["ze2010"].str.fullmatch(r"\d{4}").all()
    first = df[df["ze2010"] == "0050"].iloc[0]
    assert (first["ze2010_name"], first["region_label"]) == ("Mont-de-Marsan", "INT-INTERREGIONAL")
    assert df.loc[df["region_label"] == "INT-INTERREGIONAL", "ze2010"].nunique() == 9
    overseas = df.loc[df["region_label"] == "01_GUADELOUPE", "ze2010"].unique().tolist()
    assert overseas == ["0101", "0102", "0103", "0106"]  # Pointe à Pitre is 0101, not 101


def test_estel_title_rows_and_thousands_separator():
    """Traps: five title rows before the header; '2,558' is 2558 (line 7 of the file)."""
    df = estel_salaried()
    cell = df[(df["ze2010"] == "0050") & (df["sector"] == "AZ") & (df["year"] == 2017)]
    assert cell["jobs"].tolist() == [2558.0]
    rouen = df[(df["ze2010"] == "2307") & (df["year"] == 2008)]  # ZE2010 (ZE2020: 2815)
    assert rouen["ze2010_name"].iloc[0] == "Rouen"


def test_estel_total_rows_dropped_but_sum_checked(tmp_path):
    """Trap: TT-Total is not returned, but the 5 sectors must add up to it exactly."""
    assert "TT" not in set(estel_salaried()["sector"])
    bad = edit_line(ESTEL_SAL, tmp_path / "estel.csv", 12, '"58,277"', '"58,278"')
    with pytest.raises(ParseError, match="somme des 5 secteurs") as excinfo:
        parse_estel_salaried(bad)
    assert_error(excinfo, bad, 12, "58,278")


def test_estel_non_numeric_value(tmp_path):
    bad = edit_line(ESTEL_SAL, tmp_path / "estel.csv", 9, '"2,619"', "n.d.")
    with pytest.raises(ParseError, match="non numérique") as excinfo:
        parse_estel_salaried(bad)
    assert_error(excinfo, bad, 9, "n.d.")
    assert "2017" in str(excinfo.value)


def test_estel_negative_value(tmp_path):
    bad = edit_line(ESTEL_NS, tmp_path / "ns.csv", 8, '"5,537"', "-5537")
    with pytest.raises(ParseError, match="négative") as excinfo:
        parse_estel_nonsalaried(bad)
    assert_error(excinfo, bad, 8, "-5537")


def test_estel_missing_sector_line(tmp_path):
    lines = ESTEL_SAL.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "estel.csv"
    bad.write_text("".join(lines[:8] + lines[9:]), encoding="utf-8")  # drop 0050 FZ
    with pytest.raises(ParseError, match="FZ") as excinfo:
        parse_estel_salaried(bad)
    assert_error(excinfo, bad, 7, "0050")


def test_estel_missing_column(tmp_path):
    bad = edit_line(ESTEL_SAL, tmp_path / "estel.csv", 6, "Activite", "Secteur")
    with pytest.raises(ParseError, match="colonnes manquantes") as excinfo:
        parse_estel_salaried(bad)
    assert_error(excinfo, bad, 6, "Activite")


# --- census functions ---------------------------------------------------------------------

CENSUS_TOTALS = {  # PARSING.md: national jobs / FABRIC
    1999: (23_244_649, 2_673_934),
    2006: (25_797_270, 2_593_609),
    2011: (26_350_576, 2_319_652),
    2016: (26_344_899, 2_205_617),
}


@pytest.mark.parametrize("year", sorted(CENSUS_TOTALS))
def test_census_published_totals(year):
    df = census(year)
    assert list(df.columns) == ["commune", "year", "jobs_total", *FUNCTIONS, "cfm"]
    assert len(df) == 34_970 and df["commune"].is_unique
    assert (df["year"] == year).all()  # read from the title, not passed
    assert (df["jobs_total"].sum(), df["FABRIC"].sum()) == CENSUS_TOTALS[year]
    assert (df.dtypes.iloc[2:] == "float64").all()


def test_census_functions_add_up_to_total():
    """MANIFEST: the 15 functions add up to ELT within ±5 (measured: 0 in 1999, 5 in 2006,
    4 in 2011 and 2016)."""
    for year in CENSUS_TOTALS:
        df = census(year).dropna()
        gap = (df[list(FUNCTIONS)].sum(axis=1) - df["jobs_total"]).abs()
        assert gap.max() <= 5


def test_census_quoted_newline_header_keeps_first_commune():
    """Trap: the label row holds 'Commerce\\ninter-entreprises' in quotes; counting lines
    instead of records drops commune 01001 (L'Abergement-Clémenciat, 84 jobs in 1999)."""
    df = census(1999)
    first = df.iloc[0]
    assert (first["commune"], first["jobs_total"], first["AGRICU"]) == ("01001", 84, 20)


def test_census_quoted_newline_line_numbers(tmp_path):
    """Line numbers count the physical lines: 01001 is on line 13, not 12."""
    lines = gzip.decompress(census_path(2016).read_bytes()).decode("utf-8").splitlines()
    bad = tmp_path / "rp2016.csv"
    text = "\n".join(lines[:20]) + "\n"  # the header and the first 8 communes
    bad.write_text(text.replace("01001,L'Abergement", "1001,L'Abergement", 1), encoding="utf-8")
    with pytest.raises(ParseError, match="code commune malformé") as excinfo:
        parse_census_functions(bad)
    assert_error(excinfo, bad, 13, "'1001'")


def test_census_thousands_separator():
    """Trap: '6,096' (Ambérieu-en-Bugey, 01004, line 15) is 6096; Rouen 75,404 in 1999."""
    df = census(1999).set_index("commune")
    assert df.at["01004", "jobs_total"] == 6096 and df.at["01004", "ADMPUB"] == 1136
    assert df.at["76540", "jobs_total"] == 75_404


def test_census_codes_are_strings():
    """Traps: Corsica codes hold letters, leading zeros stay."""
    df = census(2011)
    assert df["commune"].str.fullmatch(r"[0-9][0-9AB][0-9]{3}").all()
    assert {"2A004", "2B033", "01001", "97601"} <= set(df["commune"])


@pytest.mark.parametrize("year", [1999, 2006, 2016])
def test_census_nd_stays_nan_and_is_counted(year):
    """Trap: Mayotte is 'nd' in 1999, 2006, 2016: NaN, never 0 (17 communes x 17 columns)."""
    df = census(year)
    mayotte = df["commune"].str.startswith("976")
    assert mayotte.sum() == 17
    assert df.loc[mayotte].iloc[:, 2:].isna().all().all()
    assert int(df.iloc[:, 2:].isna().sum().sum()) == 17 * 17
    assert df.loc[~mayotte].iloc[:, 2:].notna().all().all()


def test_census_mayotte_present_in_2011():
    df = census(2011).set_index("commune")
    assert df.at["97601", "jobs_total"] == 400  # Acoua, RP 2012 exhaustive (Mayotte)
    assert not df.iloc[:, 1:].isna().any().any()


def census_snippet(tmp_path: Path, rows: list[str], header_fix=None) -> Path:
    """The 12 header lines of the 2006 file plus the given data rows."""
    lines = gzip.decompress(census_path(2006).read_bytes()).decode("utf-8").splitlines()
    head = lines[:12]
    if header_fix:
        head[11] = header_fix(head[11])
    path = tmp_path / "rp2006.csv"
    path.write_text("\n".join(head + rows) + "\n", encoding="utf-8")
    return path


ROW_01001 = "01001,L'Abergement-Clémenciat,84,01,116,9,35,0,8,0,4,4,20,4,0,0,8,4,4,16,4,0,0,0,0,4"
ROW_01002 = "01002,L'Abergement-de-Varey,84,01,43,3,11,4,5,8,0,0,0,0,4,4,4,0,0,0,0,8,0,0,0,8"


def test_census_snippet_parses(tmp_path):
    path = census_snippet(tmp_path, [ROW_01001, ROW_01002])
    df = parse_census_functions(path, year=2006)
    assert df["commune"].tolist() == ["01001", "01002"]
    assert df["jobs_total"].tolist() == [116, 43]


def test_census_duplicate_commune(tmp_path):
    path = census_snippet(tmp_path, [ROW_01001, ROW_01002, ROW_01001])
    with pytest.raises(ParseError, match="en double") as excinfo:
        parse_census_functions(path)
    assert_error(excinfo, path, 15, "01001")


def test_census_negative_value(tmp_path):
    path = census_snippet(tmp_path, [ROW_01001, ROW_01002.replace(",43,3,", ",43,-3,")])
    with pytest.raises(ParseError, match="négative") as excinfo:
        parse_census_functions(path)
    assert_error(excinfo, path, 14, "-3")
    assert "ADMPUB06" in str(excinfo.value)


def test_census_non_numeric_value(tmp_path):
    path = census_snippet(tmp_path, [ROW_01001.replace(",116,", ",1l6,"), ROW_01002])
    with pytest.raises(ParseError, match="non numérique") as excinfo:
        parse_census_functions(path)
    assert_error(excinfo, path, 13, "1l6")


def test_census_missing_column(tmp_path):
    path = census_snippet(tmp_path, [ROW_01001], lambda h: h.replace("FABRIC06", "FABRIK06"))
    with pytest.raises(ParseError, match="colonnes manquantes") as excinfo:
        parse_census_functions(path)
    assert_error(excinfo, path, 12, "FABRIC06")


def test_census_year_must_match_file(tmp_path):
    path = census_snippet(tmp_path, [ROW_01001])
    with pytest.raises(ParseError, match="2011"):
        parse_census_functions(path, year=2011)


# --- INSEE quarterly ----------------------------------------------------------------------


def test_quarterly_schema_and_published_values():
    """MANIFEST: A5-BE France métropolitaine is 3.538 M (2008-T4) and 3.243 M (2012-T4);
    exact values read in the file: 3,537,722 and 3,242,537."""
    df = quarterly()
    assert list(df.columns) == ["level", "code", "sector", "sector_label", "quarter", "jobs",
                                "discontinued"]
    frm = df[(df["level"] == "frm") & (df["sector"] == "A5-BE")].set_index("quarter")["jobs"]
    assert (frm["2008-T4"], frm["2012-T4"]) == (3_537_722, 3_242_537)
    fra = df[(df["level"] == "fra") & (df["sector"] == "A5-BE")].set_index("quarter")["jobs"]
    assert fra["2008-T4"] == 3_566_853  # "France hors Mayotte" -> FR
    assert df["quarter"].str.fullmatch(r"\d{4}-T[1-4]").all()
    assert df["quarter"].nunique() == 85  # 2001-T4 .. 2022-T4


def test_quarterly_departements_add_up_to_metropolitan_france():
    """The 96 départements give France métropolitaine within 1 job at 2008-T4 (-1) and
    2012-T4 (+1), but not at every quarter: the series are rounded independently and the
    gap reaches 6 jobs for A5-BE (9 over all A5 sectors, 78.20Z and SMNA; measured once on
    the full file). Conservation checks need a tolerance."""
    df = quarterly()
    be = df[df["sector"] == "A5-BE"]
    deps = be[(be["level"] == "dep") & ~be["code"].str.startswith("97")]
    assert deps["code"].nunique() == 96
    total = deps.groupby("quarter")["jobs"].sum(min_count=96)
    frm = be[be["level"] == "frm"].set_index("quarter")["jobs"]
    gap = total - frm
    assert (gap["2008-T4"], gap["2012-T4"]) == (-1, 1)
    assert gap.abs().max() == 6


def test_quarterly_codes_rows_dropped_and_sector_in_parentheses():
    """Traps: the 'Codes' rows are dropped; the sector is the code in parentheses; series
    without one (Ensemble, secteur privé, old 'Construction - Série arrêtée') are left out."""
    df = quarterly()
    assert set(df["sector"]) == {"A5-BE", "A17-GZ", "A17-FZ", "A17-C1", "78.20Z"}
    assert not df["sector_label"].str.contains(r"\(|Codes|Série arrêtée").any()
    assert df.loc[df["sector"] == "A5-BE", "sector_label"].iloc[0] == (
        "Industries manufacturières, industries extractives et autres")
    assert df.loc[df["sector"] == "78.20Z", "code"].unique().tolist() == ["2A"]


def test_quarterly_trailing_space_area_name():
    """Trap: 'France métropolitaine ' (trailing space) on the A17-FZ line is still FRM."""
    fz = quarterly().query("sector == 'A17-FZ'")
    assert fz[["level", "code"]].drop_duplicates().values.tolist() == [["frm", "FRM"]]
    assert fz.set_index("quarter").at["2001-T4", "jobs"] == 1_317_308


def test_quarterly_overseas_are_departement_and_region():
    """Trap: Guadeloupe is both département 971 and région 01: emitted at both levels."""
    c1 = quarterly().query("sector == 'A17-C1'")
    assert sorted(map(tuple, c1[["level", "code"]].drop_duplicates().values)) == [
        ("dep", "971"), ("reg", "01")]
    by_level = c1.pivot(index="quarter", columns="level", values="jobs")
    pd.testing.assert_series_equal(by_level["dep"], by_level["reg"], check_names=False)


def test_quarterly_discontinued_and_missing_stay_nan():
    """'Série arrêtée' is flagged; quarters after the stop are NaN, never 0."""
    gz = quarterly().query("sector == 'A17-GZ'").set_index("quarter")
    assert gz["code"].unique().tolist() == ["76"] and gz["discontinued"].all()
    assert gz.loc["2017-T4", "jobs"] > 0
    assert gz.loc[gz.index >= "2018-T1", "jobs"].isna().sum() == 20
    assert not quarterly().query("sector == 'A5-BE'")["discontinued"].any()


def test_quarterly_unknown_area(tmp_path):
    bad = edit_line(QUARTERLY, tmp_path / "q.csv", 40, " - Aisne;", " - Aisnes;")
    with pytest.raises(ParseError, match="territoire inconnu") as excinfo:
        parse_quarterly(bad, names("departements"), names("regions"))
    assert_error(excinfo, bad, 40, "Aisnes")


def test_quarterly_non_numeric_value(tmp_path):
    bad = edit_line(QUARTERLY, tmp_path / "q.csv", 38, ";56039;", ";56 039;")
    with pytest.raises(ParseError, match="non numérique") as excinfo:
        parse_quarterly(bad, names("departements"), names("regions"))
    assert_error(excinfo, bad, 38, "56 039")
    assert "2001-T4" in str(excinfo.value)


# --- URSSAF -------------------------------------------------------------------------------


def test_urssaf_rouen_published_totals():
    """PARSING.md / MANIFEST: 183,381 jobs (2008) -> 175,704 (2012); GS1 Industrie
    34,093 -> 30,371; 218 communes, 570 APE codes; 95,357 non-zero commune x APE x year."""
    df = urssaf_full()
    assert list(df.columns) == ["commune", "ape", "year", "establishments", "jobs"]
    assert len(df) == 95_357
    jobs = df.groupby("year")["jobs"].sum()
    assert (jobs[2008], jobs[2012]) == (183_381, 175_704)
    labels = parse_urssaf_labels(URSSAF_FULL)
    industry = df.merge(labels, on="ape").query("a17 in @INDUSTRY_A17")
    by_year = industry.groupby("year")["jobs"].sum()
    assert (by_year[2008], by_year[2012]) == (34_093, 30_371)
    assert (df["commune"].nunique(), df["ape"].nunique(), len(labels)) == (218, 570, 570)
    assert (df["year"].min(), df["year"].max()) == (2006, 2022)
    assert df[["year", "establishments", "jobs"]].dtypes.eq("int64").all()


def test_urssaf_bom_crlf_sample_matches_full_file():
    """Traps: BOM and CRLF. The 199-row sample parses to the same rows as the full file."""
    raw = URSSAF_SAMPLE.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    sample = parse_urssaf(URSSAF_SAMPLE)
    keys = sample[["commune", "ape"]].drop_duplicates()
    assert len(keys) == 199
    expected = urssaf_full().merge(keys, on=["commune", "ape"])
    pd.testing.assert_frame_equal(sample, expected)


def test_urssaf_empty_cell_is_zero():
    """Trap: an empty cell means no establishment: 0. Line 2 (76005 x 4399A) reads
    ';;;1;1;1;3;;...': 2006 empty/empty (dropped), 2007 1/1, 2008 1/3, then nothing."""
    df = parse_urssaf(URSSAF_SAMPLE)
    row = df[(df["commune"] == "76005") & (df["ape"] == "4399A")]
    assert row[["year", "establishments", "jobs"]].values.tolist() == [[2007, 1, 1], [2008, 1, 3]]
    # establishments without employees are kept with jobs == 0 (not NaN)
    full = urssaf_full()
    assert ((full["establishments"] > 0) & (full["jobs"] == 0)).sum() == 3121
    assert not ((full["establishments"] == 0) & (full["jobs"] == 0)).any()


def test_urssaf_ape_without_dot():
    """Trap: APE codes have no dot ('2511Z'); the NAF tables write '25.11Z'."""
    df = urssaf_full()
    assert df["ape"].str.fullmatch(r"\d{4}[A-Z]").all()
    labels = parse_urssaf_labels(URSSAF_SAMPLE).set_index("ape")
    assert labels.loc["4399A"].tolist() == ["Travaux d'étanchéification", "FZ", "FZ", "43"]


def test_urssaf_quoted_semicolon_in_labels():
    """Label cells hold ';' in quotes ('MN Activités scientifiques et techniques ; ...')."""
    labels = parse_urssaf_labels(URSSAF_FULL).set_index("ape")
    assert labels.loc["7010Z"].tolist() == ["Activités des sièges sociaux", "MN", "MA", "70"]


def test_urssaf_label_must_start_with_its_code(tmp_path):
    path = write_urssaf(tmp_path / "u.csv", [
        urssaf_row(0), urssaf_row(1, APE="4512Z Commerce de voitures")])
    with pytest.raises(ParseError, match="libellé illisible") as excinfo:
        parse_urssaf_labels(path)
    assert_error(excinfo, path, 3, "4512Z Commerce de voitures")


def write_urssaf(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    """Write rows in the URSSAF format: ';', BOM, CRLF, quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header or urssaf_header())
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


@cache
def urssaf_rows() -> tuple[list[str], ...]:
    with open(URSSAF_SAMPLE, encoding="utf-8-sig", newline="") as f:
        return tuple(csv.reader(f, delimiter=";"))


def urssaf_header() -> list[str]:
    return list(urssaf_rows()[0])


def urssaf_row(i: int, **cells: str) -> list[str]:
    """Data row ``i`` of the sample (0-based), with some cells replaced by column name."""
    header, row = urssaf_header(), list(urssaf_rows()[i + 1])
    for name, value in cells.items():
        row[header.index(name.replace("_", " "))] = value
    return row


def test_urssaf_commune_codes_keep_leading_zeros_and_letters(tmp_path):
    """Trap: read as BIGINT, '01004' becomes 1004; Corsica codes hold letters."""
    path = write_urssaf(tmp_path / "u.csv", [
        urssaf_row(0, Code_commune="01004"), urssaf_row(1, Code_commune="2A004")])
    assert parse_urssaf(path)["commune"].unique().tolist() == ["01004", "2A004"]


def test_urssaf_dotted_ape_is_normalised(tmp_path):
    path = write_urssaf(tmp_path / "u.csv", [urssaf_row(0, Code_APE="43.99A")])
    assert parse_urssaf(path)["ape"].unique().tolist() == ["4399A"]


def test_urssaf_years_read_from_header(tmp_path):
    """The year columns are detected, not assumed to be 2006-2022."""
    header = urssaf_header()
    keep = [i for i, name in enumerate(header) if not re.search(r"\d{4}$", name)
            or name.endswith(("2021", "2022"))]
    rows = [[row[i] for i in keep] for row in urssaf_rows()[1:]]
    path = write_urssaf(tmp_path / "u.csv", rows, [header[i] for i in keep])
    df = parse_urssaf(path)
    assert set(df["year"]) == {2021, 2022}
    full = parse_urssaf(URSSAF_SAMPLE)
    pd.testing.assert_frame_equal(df, full[full["year"] >= 2021].reset_index(drop=True))


def test_urssaf_streaming_chunks_and_gzip(tmp_path):
    """iter_urssaf holds at most chunk_rows input rows; .gz is read transparently."""
    chunks = list(iter_urssaf(URSSAF_SAMPLE, chunk_rows=50))
    assert len(chunks) == 4  # 199 rows
    assert chunks[0][["commune", "ape"]].drop_duplicates().shape[0] <= 50
    whole = parse_urssaf(URSSAF_SAMPLE)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    gz = tmp_path / "sample.csv.gz"
    gz.write_bytes(gzip.compress(URSSAF_SAMPLE.read_bytes()))
    pd.testing.assert_frame_equal(parse_urssaf(gz), whole)


def test_urssaf_non_numeric_count(tmp_path):
    path = write_urssaf(tmp_path / "u.csv", [
        urssaf_row(0), urssaf_row(1), urssaf_row(2, **{"Effectifs salariés 2012": "12a"})])
    with pytest.raises(ParseError, match="non numérique") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 4, "12a")
    assert "Effectifs salariés 2012" in str(excinfo.value)


def test_urssaf_negative_count(tmp_path):
    path = write_urssaf(tmp_path / "u.csv", [
        urssaf_row(0), urssaf_row(1, **{"Nombre d'établissements 2010": "-2"})])
    with pytest.raises(ParseError, match="négative") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 3, "-2")
    assert "Nombre d'établissements 2010" in str(excinfo.value)


def test_urssaf_line_numbers_survive_quoted_newline(tmp_path):
    """A label with a quoted newline makes row 2 span lines 3-4: the bad row is line 5."""
    path = write_urssaf(tmp_path / "u.csv", [
        urssaf_row(0), urssaf_row(1, APE="4511Z Commerce de voitures\r\net véhicules"),
        urssaf_row(2, Code_commune="7600")])
    with pytest.raises(ParseError, match="code commune") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 5, "'7600'")


def test_urssaf_malformed_commune(tmp_path):
    path = write_urssaf(tmp_path / "u.csv", [urssaf_row(0, Code_commune="76 005")])
    with pytest.raises(ParseError, match="code commune") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 2, "76 005")


def test_urssaf_missing_columns_are_listed(tmp_path):
    header = urssaf_header()
    header[header.index("Code commune")] = "Commune INSEE"
    header[header.index("Effectifs salariés 2015")] = "Effectifs 2015"
    path = write_urssaf(tmp_path / "u.csv", [urssaf_row(0)], header)
    with pytest.raises(ParseError, match="colonnes manquantes") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 1, "Effectifs salariés 2015")
    with pytest.raises(ParseError, match="Code commune"):
        parse_urssaf(write_urssaf(tmp_path / "v.csv", [urssaf_row(0)], [
            "Commune INSEE" if name == "Code commune" else name for name in urssaf_header()]))


def test_urssaf_wrong_number_of_fields(tmp_path):
    path = write_urssaf(tmp_path / "u.csv", [urssaf_row(0), urssaf_row(1)[:-3]])
    with pytest.raises(ParseError, match="champs") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 3, "50 champs")


def test_urssaf_duplicate_commune_ape(tmp_path):
    """Within a chunk and across chunks (the second occurrence's line is found again)."""
    path = write_urssaf(tmp_path / "u.csv", [urssaf_row(0), urssaf_row(1), urssaf_row(0)])
    with pytest.raises(ParseError, match="en double") as excinfo:
        parse_urssaf(path)
    assert_error(excinfo, path, 4, "76005 4399A")
    with pytest.raises(ParseError, match="en double") as excinfo:
        parse_urssaf(path, chunk_rows=1)
    assert_error(excinfo, path, 4, "76005 4399A")


def test_counts_are_never_filled_with_zero_for_nd():
    """nd -> NaN in census; empty -> NaN in the quarterly file; empty -> 0 only in URSSAF."""
    assert np.isnan(census(2016).set_index("commune").at["97601", "FABRIC"])
    # A17-GZ Seine-Maritime stops after 2017-T4 (20 quarters); the 5 overseas series
    # (A5-BE x 4, A17-C1 x 1, each at two levels) start in 2010-T4 (36 quarters).
    assert quarterly()["jobs"].isna().sum() == 20 + 36 * 5 * 2
