"""Nothing lost, nothing silent: one test per reproduced case of a loss or a silent failure.

Each test reproduces the case through the CLI (in process, Typer's runner) or the function
the CLI calls, and asserts the French message, the exit code, that nothing was lost (file
bytes or store hash unchanged) and that no traceback reached the user.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pacte.cli.main import app
from pacte.errors import BuildError, UnexpectedContentError
from pacte.labels import ATTRIBUTION, count_title, fr_number, plural, ranking_title, with_unit
from pacte.sources.download import fetch
from pacte.sources.registry import parse_registry
from pacte.store.build import check_target, remove_stale_temporaries
from pacte.store.fetched import check_coverage, snapshot_overrides


def load_workbook(path, **kw):
    """openpyxl's reader, imported by the tests that open a workbook (not at collection)."""
    from openpyxl import load_workbook as load

    return load(path, **kw)


HERE = Path(__file__).parents[1]
FETCH = HERE / "data/fetch"
DGCL = FETCH / "dgcl_criteres_2019_fictional.csv"
URSSAF_RAW = HERE / "data/raw/urssaf_rouen_raw.csv.gz"
runner = CliRunner()


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def invoke(*args: str):
    r = runner.invoke(app, [str(a) for a in args])
    out = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert "Traceback" not in out, out
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), (
        repr(r.exception))
    return r, out


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


class Files(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server API)
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


# --- 1. build --db on a file that is not a store -------------------------------------------

def test_1_build_refuses_to_replace_a_text_file(tmp_path):
    f = tmp_path / "f.txt"
    f.write_text("notes\n", encoding="utf-8")
    r, out = invoke("build", "--db", f)
    assert r.exit_code == 1
    assert "n'est pas un store pacte" in out and "--force" in out
    assert f.read_text(encoding="utf-8") == "notes\n"  # nothing lost
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]  # no temporary left
    r, out = invoke("build", "--db", tmp_path)
    assert r.exit_code == 1 and "est un dossier" in out
    check_target(f, force=True)  # --force lifts the refusal (checked without a 30 s build)


def test_1_build_accepts_to_replace_a_store(built_store):
    check_target(built_store)  # a readable store is replaced without --force


# --- 2. fetched files: header only, empty, HTML as zip, implausibly few rows ---------------

@pytest.fixture
def served(local_server):
    header = DGCL.read_bytes().splitlines(keepends=True)[0]
    raw = gzip.decompress(URSSAF_RAW.read_bytes()).splitlines(keepends=True)
    return local_server(Files, {"/good.csv": DGCL.read_bytes(), "/header_only.csv": header,
                                "/empty.csv": b"", "/page.zip": b"<!DOCTYPE html><html>"
                                b"<body>Maintenance</body></html>\n",
                                "/urssaf199.csv": b"".join(raw[:200])})


def test_2_fetch_keeps_the_good_file_over_a_header_only_one(served, tmp_path):
    cache = tmp_path / "cache"
    sid = "dgcl_criteres_repartition_communes"
    r, out = invoke("fetch", sid, "--url", f"{served.base}/good.csv", "--cache", cache)
    assert r.exit_code == 0, out
    [good] = [p for p in (cache / sid / "2019").iterdir() if p.suffix == ".csv"]
    before = {p.name: p.read_bytes() for p in good.parent.iterdir()}
    for name, words in (("header_only.csv", "n'a qu'un en-tête"), ("empty.csv", "vide")):
        r, out = invoke("fetch", sid, "--url", f"{served.base}/{name}", "--force",
                        "--cache", cache)
        assert r.exit_code == 1 and words in out and "rien n'a été gardé" in out
        assert {p.name: p.read_bytes() for p in good.parent.iterdir()} == before


def test_2_fetch_refuses_an_html_page_saved_as_zip(served, tmp_path):
    r, out = invoke("fetch", "insee_rp_diplomes", "--vintage", "2021", "--url",
                    f"{served.base}/page.zip", "--cache", tmp_path)
    assert r.exit_code == 1 and "page HTML" in out
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".zip"]


def test_2_build_refuses_partial_or_empty_national_files(served, tmp_path):
    reg = parse_registry_with(served.base)
    fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    with pytest.raises(BuildError, match="fichier national partiel.*199|--allow-partial"):
        snapshot_overrides(tmp_path, reg)
    over = snapshot_overrides(tmp_path, reg, allow_partial=True)
    assert len(over.tables["urssaf_jobs"]) > 0
    with pytest.raises(BuildError, match="aucune ligne de données"):
        check_coverage("dgcl_criteres", "f.csv", 0, 0, allow_partial=True)
    check_coverage("dgcl_criteres", "f.csv", 34_000, 34_000)  # 97,5 % of the communes: kept


def parse_registry_with(base: str) -> dict:
    import json

    raw = json.loads((HERE.parent / "src/pacte/data/sources.json").read_text("utf-8"))
    raw["urssaf_commune_ape"]["vintages"]["last"].update(
        urls=[f"{base}/urssaf199.csv"], sha256=None, size=None)
    return parse_registry(raw)


# --- 3. misspelt or unknown keys in a weights file (property test: test_rule_safety) -------

@pytest.mark.parametrize("line, words", [
    ("normalization: minmax\n", "voulez-vous dire « normalisation » ?"),
    ("foo: bar\n", "clé inconnue « foo »"),
])
def test_3_weights_with_unknown_keys_are_refused(built_store, tmp_path, line, words):
    from pacte.targeting.rule import DEFAULT_CONFIG

    w = tmp_path / "w.yaml"
    w.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + line, encoding="utf-8")
    digest = sha(built_store)
    r, out = invoke("rank", "--weights", w, "--db", built_store)
    assert r.exit_code == 2 and words in " ".join(out.split())
    assert sha(built_store) == digest  # the store is read, never written


# --- 4. no traceback: bad seed, binary weights, bad stores, read-only targets ---------------

def test_4_seed_minus_one(built_store, tmp_path):
    r, out = invoke("rank", "--seed", "-1", "--db", built_store)
    assert r.exit_code == 2 and "--seed doit être un entier" in out
    t0 = time.perf_counter()
    r, out = invoke("run", "--seed", "-1", "--db", built_store, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "--seed" in out and time.perf_counter() - t0 < 5
    assert not (tmp_path / "out").exists()  # no empty output folder


def test_4_binary_weights(built_store, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_bytes(bytes(range(256)) * 4)
    r, out = invoke("rank", "--weights", w, "--db", built_store)
    assert r.exit_code == 2 and "pas un fichier texte YAML" in out


def _corrupt(src: Path, dst: Path, how: str) -> Path:
    shutil.copy(src, dst)
    n = dst.stat().st_size
    if how == "truncated":
        os.truncate(dst, n - 3 * 262_144)
    elif how == "zeroed header":
        with open(dst, "r+b") as f:
            f.write(b"\0" * 8192)
    else:  # random blocks: 16 bytes in every DuckDB block after the headers
        rng = np.random.default_rng(0)
        with open(dst, "r+b") as f:
            for off in range(12_288 + 1000, n, 262_144):
                f.seek(off)
                f.write(rng.bytes(16))
    return dst


@pytest.mark.parametrize("how", ["truncated", "random blocks", "zeroed header", "text",
                                 "directory"])
def test_4_bad_stores_get_a_french_error(built_store, tmp_path, how):
    if how == "text":
        db = tmp_path / "f.txt"
        db.write_text("notes\n", encoding="utf-8")
    elif how == "directory":
        db = tmp_path
    else:
        db = _corrupt(built_store, tmp_path / "bad.duckdb", how)
    for cmd in (["show", "200023414"], ["rank"], ["territories"]):
        r, out = invoke(*cmd, "--db", db)
        assert r.exit_code == 1, (how, cmd, out)
        assert ("store illisible ou corrompu" in out or "est un dossier" in out), out


def test_4_read_only_targets(built_store, tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access",  # root ignores chmod: refuse writes under ro/
                        lambda p, mode, **kw: False if (mode & os.W_OK and str(p).startswith(
                            str(ro))) else real(p, mode, **kw))
    cases = [(["rank", "--format", "csv", "--out", ro / "r.csv", "--db", built_store],
              2, "écriture refusée"),
             (["run", "--out", ro / "out", "--db", built_store], 2, "accessible en écriture"),
             (["build", "--db", ro / "pacte.duckdb"], 1, "non accessible en écriture"),
             (["fetch", "dgcl_criteres_repartition_communes", "--url", "http://127.0.0.1:9/x",
               "--cache", ro], 1, "non accessible en écriture")]
    for args, code, words in cases:
        r, out = invoke(*args)
        assert r.exit_code == code and words in out, (args, out)
    assert list(ro.iterdir()) == []


# --- 5. a report killed while writing leaves the previous report whole ----------------------

def test_5_report_swapped_in_whole(fictional_con, tmp_path, monkeypatch):
    from pacte.report import national

    out = tmp_path / "out"
    national.build_national_report(fictional_con, out, seed=0)
    assert (out / "classement_epci.csv.sources.txt").read_text("utf-8").strip().endswith(
        ATTRIBUTION)
    assert load_workbook(out / "classement_epci.xlsx")["Sources"]["A2"].value == ATTRIBUTION
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def killed(*a, **k):
        raise KeyboardInterrupt  # the user's Ctrl-C while the map is drawn

    monkeypatch.setattr(national, "render_map", killed)
    with pytest.raises(KeyboardInterrupt):
        national.build_national_report(fictional_con, out, seed=0)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary left
    (out / "notes.txt").write_text("mes notes", encoding="utf-8")
    with pytest.raises(Exception, match="d'autres fichiers que le rapport"):
        national.check_out_dir(out)


# --- 6. temporary files of killed builds ------------------------------------------------------

def test_6_stale_temporaries_of_dead_builds_are_removed(tmp_path):
    db = tmp_path / "pacte.duckdb"
    dead, alive = dead_pid(), os.getpid()
    stale = [tmp_path / f".pacte.duckdb.{dead}.tmp", tmp_path / f".pacte.duckdb.{dead}.tmp.wal"]
    live = tmp_path / f".pacte.duckdb.{alive}.tmp"
    other = tmp_path / ".autre.duckdb.123.tmp"
    for p in [*stale, live, other]:
        p.write_bytes(b"x" * 1000)
    assert sorted(remove_stale_temporaries(db)) == sorted(stale)
    assert live.exists() and other.exists() and not any(p.exists() for p in stale)


# --- 7. suggestions -------------------------------------------------------------------------

@pytest.mark.parametrize("query, first", [
    ("20002341", "Métropole Rouen Normandie (200023414"),
    ("Rouen Metropole", "Métropole Rouen Normandie (200023414"),
])
def test_7_suggestions(built_store, query, first):
    r, out = invoke("show", query, "--db", built_store)
    assert r.exit_code == 2
    text = " ".join(out.split())
    assert f"voulez-vous dire : {first}" in text, text


def test_7_suggestions_for_a_code_far_from_any(built_store):
    r, out = invoke("show", "999999999", "--db", built_store)
    assert r.exit_code == 2 and "voulez-vous dire" in out and "EPCI" in out


def test_7_ambiguous_code_lists_levels(built_store):
    r, out = invoke("show", "28", "--db", built_store)
    text = " ".join(out.split())
    assert r.exit_code == 2 and "ambigu" in text
    assert "département Eure-et-Loir (--level dep)" in text
    assert "région Normandie (--level reg)" in text
    r, out = invoke("show", "28", "--level", "reg", "--db", built_store)
    assert r.exit_code == 0 and "Normandie" in out


# --- 8. options checked before any computation --------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--top", "0"], "--top doit être un entier ≥ 1"),
    (["--top", "-3"], "--top doit être un entier ≥ 1"),
    (["--top", "5", "--rural-quota", "-1"], "--rural-quota doit être un entier ≥ 0"),
    (["--top", "5", "--rural-quota", "10"], "quotas supérieurs à la sélection"),
    (["--draws", "0"], "--draws doit être un entier entre 1"),
])
def test_8_rank_options_before_the_store(tmp_path, args, words):
    t0 = time.perf_counter()  # a missing store would say "store introuvable": not reached
    r, out = invoke("rank", *args, "--db", tmp_path / "absent.duckdb")
    assert r.exit_code == 2 and words in out and time.perf_counter() - t0 < 2


@pytest.mark.parametrize("url", ["not a url", "file:///etc/passwd", "ftp://example.org/f"])
def test_8_fetch_urls_must_be_http(tmp_path, url):
    t0 = time.perf_counter()
    r, out = invoke("fetch", "dgcl_criteres_repartition_communes", "--url", url,
                    "--cache", tmp_path)
    assert r.exit_code == 2 and "adresse invalide" in out and "http" in out
    assert time.perf_counter() - t0 < 2 and list(tmp_path.iterdir()) == []


# --- 9. promised options and the attribution line ----------------------------------------

def test_9_promised_options_exist():
    assert "--db" in runner.invoke(app, ["fetch", "--help"]).output
    assert "--cache" in runner.invoke(app, ["build", "--help"]).output


def test_9_terminal_tables_carry_the_attribution(built_store):
    r, out = invoke("territories", "--level", "reg", "--db", built_store)
    assert r.exit_code == 0 and "Licence Ouverte" in " ".join(out.split())


# --- 10. French -------------------------------------------------------------------------------

def test_10_french_words_and_numbers():
    assert plural(1, "territoire") == "1 territoire"
    assert count_title(1255) == "1\u202f255 territoires"
    assert ranking_title("epci", 1255) == "Classement des EPCI : 1\u202f255 territoires"
    assert fr_number(-0.0001, 2) == "0,00" and fr_number(-0.0) == "0"
    assert with_unit("Indice de Krugman", "indice (0 à 2)") == "Indice de Krugman (0 à 2)"


def test_10_excel_csv_population_without_decimals(tmp_path):
    from pacte.export.tables import write_csv_fr

    df = pd.DataFrame({"code": ["a", "b"], "population": [47505.0, 12.0],
                       "score": [-0.00001, 1.23456]})
    text = write_csv_fr(df, tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    # a score to its two decimals, never "-0"
    assert text.splitlines()[1:] == ["a;47505;0,0", "b;12;1,23"]


def test_10_click_words_in_french():
    out = runner.invoke(app, ["rank", "--help"]).output
    assert "Affiche cette aide" in out and "Show this message" not in out
    r = runner.invoke(app, ["rank", "--nope"])
    text = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert r.exit_code == 2 and "Option inconnue" in text and "No such option" not in text


def test_10_yaml_errors_name_the_line_not_the_content(built_store, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text("name: essai\n  dimensions: secret-de-fabrication\n", encoding="utf-8")
    r, out = invoke("rank", "--weights", w, "--db", built_store)
    text = " ".join(out.split())
    assert r.exit_code == 2 and "ligne 2" in text and "w.yaml" in text
    assert "secret-de-fabrication" not in text and "unicode string" not in text


# --- 11. typology from each territory's own class, independent of --seed ------------------

def test_11_types_follow_the_territory_class_and_not_the_seed(con):
    from pacte.targeting import load_config
    from pacte.targeting.typology import calc_typology

    config = load_config()
    dim_cols = [f"dim_{d.id}" for d in config.dimensions]
    df = con.execute(
        f"SELECT code, name, area_type, type, {', '.join(dim_cols)} FROM ranking "
        "WHERE level = 'epci' ORDER BY code").df()
    urban = df[df["area_type"] == "urbain"]
    # 393 urban EPCI, 4 of them in Mayotte, unranked (3 of 5 inputs missing)
    assert len(urban) == 389 and not urban["type"].str.contains(" rural").any()
    assert not df[df["area_type"] == "rural"]["type"].str.contains(" urbain").any()
    toulouse = df.set_index("code").loc["243100518", "type"]
    assert "urbain" in toulouse and "rural" not in toulouse
    dims = df[dim_cols].to_numpy()
    area = df["area_type"].to_numpy()
    types = calc_typology(dims, area, config, 0)[0]
    assert types == calc_typology(dims, area, config, 7)[0]
    assert types == df["type"].tolist()


def test_11_fetch_refuses_an_empty_body_before_placing(tmp_path):
    from pacte.sources.download import check_signature
    from pacte.sources.registry import get_source

    part = tmp_path / "x.part"
    part.write_bytes(b"")
    with pytest.raises(UnexpectedContentError, match="vide"):
        check_signature(get_source("dgcl_criteres_repartition_communes", "2019"), part)
