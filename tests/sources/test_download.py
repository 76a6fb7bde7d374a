"""``pacte fetch`` against a local HTTP server on 127.0.0.1 serving official-format files.

No test touches the internet. The server (http.server in a thread) answers Range requests
with 206 (and honours If-Range), and can cut a transfer after N bytes, answer an HTTP error,
or ignore Range, so that resume, retries, checksum rejection and offline errors are tested
on real bytes: the Rouen URSSAF extract (exact national format), INSEE COG rows, and a DGCL
fixture in the official column layout (tests/data/fetch/README.md).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pacte.cli import fetch as cli_fetch
from pacte.errors import ChecksumError, FetchError, OfflineError, UnexpectedContentError
from pacte.settings import CACHE_ENV, default_cache_dir
from pacte.sources.download import cache_inventory, cache_path, fetch
from pacte.sources.registry import get_source, load_registry, parse_registry
from pacte.store.fetched import snapshot_overrides

HERE = Path(__file__).parents[1]
URSSAF_BYTES = gzip.decompress((HERE / "data/raw/urssaf_rouen_raw.csv.gz").read_bytes())
COG_BYTES = (HERE / "data/fetch/v_mvt_commune_2025_head40.csv").read_bytes()
DGCL_BYTES = (HERE / "data/fetch/2019-communes-criteres-repartition_fixture.csv").read_bytes()
SNAPSHOT_URSSAF = HERE.parent / "src/pacte/data/urssaf_jobs.parquet"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Handler(BaseHTTPRequestHandler):
    """GET of the server's files; Range ``bytes=N-`` -> 206 unless ``ranges`` is off."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server API)
        srv = self.server
        name = self.path.split("?")[0]
        srv.requests.append({"path": name, "range": self.headers.get("Range"),
                             "if_range": self.headers.get("If-Range")})
        statuses = srv.statuses.get(name)
        if statuses:
            status = statuses.pop(0)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = srv.files.get(name)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = f'"{sha(body)[:16]}"'
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and srv.ranges and self.headers.get("If-Range") in (None, etag):
            start = int(match.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("ETag", etag)
        if srv.ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        cuts = srv.cuts.get(name)
        if cuts:  # send the first N bytes, then drop the connection
            self.wfile.write(payload[:cuts.pop(0)])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)


@pytest.fixture
def server(local_server):
    srv = local_server(Handler, {
        "/urssaf.csv": URSSAF_BYTES, "/v_mvt_commune_2025.csv": COG_BYTES,
        "/dgcl-2019.csv": DGCL_BYTES, "/error.html": b"<html>Maintenance</html>\n"})
    srv.requests, srv.cuts, srv.statuses, srv.ranges = [], {}, {}, True
    return srv


def make_registry(base: str, *, urssaf_sha: str | None = None, urssaf_size: int | None = None,
                  cog_url: str = "/v_mvt_commune_2025.csv") -> dict:
    """The shipped registry with its URLs pointed at the local server."""
    raw = json.loads((HERE.parent / "src/pacte/data/sources.json").read_text(encoding="utf-8"))
    last = raw["urssaf_commune_ape"]["vintages"]["last"]
    last.update(urls=[f"{base}/urssaf.csv"], sha256=urssaf_sha, size=urssaf_size)
    raw["insee_cog_mouvements"]["vintages"]["2025"]["urls"] = [base + cog_url]
    return parse_registry(raw)


def files_in(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_fetch_places_file_and_sidecar(server, tmp_path):
    reg = make_registry(server.base, urssaf_sha=sha(URSSAF_BYTES), urssaf_size=len(URSSAF_BYTES))
    got = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    assert got.path == tmp_path / "urssaf_commune_ape/last" / get_source(
        "urssaf_commune_ape", registry=reg).filename
    assert got.path.read_bytes() == URSSAF_BYTES
    meta = json.loads(got.path.with_name(got.path.name + ".meta.json").read_text("utf-8"))
    assert meta["sha256"] == sha(URSSAF_BYTES) == got.meta["sha256"]
    assert meta["size"] == 3_825_827
    assert meta["url"] == f"{server.base}/urssaf.csv"
    assert meta["licence"] == "Licence Ouverte / Etalab 2.0"
    assert meta["vintage"] == "last" and meta["sha256_registered"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", meta["fetched_at"])
    assert files_in(tmp_path) == [f"urssaf_commune_ape/last/{got.path.name}",
                                  f"urssaf_commune_ape/last/{got.path.name}.meta.json"]
    # a complete cached copy is not downloaded again
    again = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    assert again.path == got.path and len(server.requests) == 1


def test_interrupted_download_resumes_with_range(server, tmp_path):
    reg = make_registry(server.base, urssaf_sha=sha(URSSAF_BYTES))
    server.cuts["/urssaf.csv"] = [1_000_000]
    with pytest.raises(FetchError, match="interrompu après 1000000 octets") as info:
        fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False,
              retries=0)
    assert "Relancez « pacte fetch » pour reprendre" in str(info.value)
    final = cache_path(get_source("urssaf_commune_ape", registry=reg), tmp_path)
    assert not final.exists() and not final.with_name(final.name + ".meta.json").exists()
    part = final.with_name(final.name + ".part")
    assert part.stat().st_size == 1_000_000  # kept for resuming, never looks complete
    assert [m["state"] for m in cache_inventory(tmp_path)] == ["partiel (reprise possible)"]

    got = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    assert server.requests[-1]["range"] == "bytes=1000000-"
    assert server.requests[-1]["if_range"] == f'"{sha(URSSAF_BYTES)[:16]}"'
    assert got.meta["sha256"] == sha(URSSAF_BYTES)
    assert got.path.read_bytes() == URSSAF_BYTES and not part.exists()


def test_retries_resume_within_one_call_with_exponential_backoff(server, tmp_path):
    reg = make_registry(server.base, urssaf_sha=sha(URSSAF_BYTES))
    server.cuts["/urssaf.csv"] = [500_000, 1_000_000]
    server.statuses["/urssaf.csv"] = [503]
    waits: list[float] = []
    got = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False,
                retries=4, backoff=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]
    assert [r["range"] for r in server.requests] == [None, None, "bytes=500000-",
                                                     "bytes=1500000-"]
    assert got.meta["sha256"] == sha(URSSAF_BYTES)


def test_server_without_range_support_restarts_from_zero(server, tmp_path):
    server.ranges = False
    server.cuts["/urssaf.csv"] = [700_000]
    reg = make_registry(server.base, urssaf_sha=sha(URSSAF_BYTES))
    got = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False,
                retries=1, backoff=0, sleep=lambda _s: None)
    assert got.path.read_bytes() == URSSAF_BYTES


def test_checksum_mismatch_rejected_and_nothing_kept(server, tmp_path):
    reg = make_registry(server.base, urssaf_sha="0" * 64)
    with pytest.raises(ChecksumError, match="empreinte sha256 différente"):
        fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    assert files_in(tmp_path) == []


def test_size_mismatch_rejected(server, tmp_path):
    reg = make_registry(server.base, urssaf_size=len(URSSAF_BYTES) + 1)
    with pytest.raises(ChecksumError, match="taille reçue 3825827 octets, attendue 3825828"):
        fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    assert files_in(tmp_path) == []


def test_offline_gives_french_error_and_writes_nothing(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reg = make_registry(f"http://127.0.0.1:{port}")
    waits: list[float] = []
    with pytest.raises(OfflineError, match="connexion impossible.*Êtes-vous hors ligne"):
        fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False,
              retries=2, backoff=0.25, sleep=waits.append)
    assert waits == [0.25, 0.5]
    assert files_in(tmp_path) == []


def test_http_404_is_not_retried(server, tmp_path):
    reg = make_registry(server.base, cog_url="/absent.csv")
    with pytest.raises(FetchError, match="HTTP 404.*aucun fichier n'a été écrit"):
        fetch("insee_cog_mouvements", "2025", cache_dir=tmp_path, registry=reg,
              progress=False, sleep=lambda _s: None)
    assert len(server.requests) == 1 and files_in(tmp_path) == []


def test_server_error_after_retries(server, tmp_path):
    server.statuses["/urssaf.csv"] = [500] * 3
    reg = make_registry(server.base)
    with pytest.raises(FetchError, match="échec après 3 tentatives \\(HTTP 500\\)"):
        fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False,
              retries=2, sleep=lambda _s: None)
    assert files_in(tmp_path) == []


def test_page_instead_of_csv_is_rejected(server, tmp_path):
    reg = make_registry(server.base, cog_url="/error.html")
    with pytest.raises(UnexpectedContentError, match="n'a pas les colonnes attendues"):
        fetch("insee_cog_mouvements", "2025", cache_dir=tmp_path, registry=reg,
              progress=False)
    assert files_in(tmp_path) == []


def test_cog_and_dgcl_files(server, tmp_path):
    reg = make_registry(server.base)
    cog = fetch("insee_cog_mouvements", "2025", cache_dir=tmp_path, registry=reg,
                progress=False)
    df = pd.read_csv(cog.path, dtype=str)
    assert len(df) == 40 and df.loc[1, ["COM_AV", "COM_AP"]].tolist() == ["01330", "01187"]
    # DGCL has no stable direct link: the error says where to find it
    with pytest.raises(FetchError, match="--url"):
        fetch("dgcl_criteres_repartition_communes", "2019", cache_dir=tmp_path, registry=reg,
              progress=False)
    dgcl = fetch("dgcl_criteres_repartition_communes", "2019", cache_dir=tmp_path,
                 registry=reg, progress=False, url=f"{server.base}/dgcl-2019.csv")
    assert dgcl.meta["url"] == f"{server.base}/dgcl-2019.csv"
    df = pd.read_csv(dgcl.path, dtype=str)
    assert df.shape == (3, 180)
    assert df["Informations générales - Code INSEE de la commune"].tolist() == [
        "76540", "76351", "76217"]


def test_fetched_urssaf_rebuilds_the_urssaf_jobs_table(server, tmp_path):
    reg = make_registry(server.base)
    got = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    over = snapshot_overrides(tmp_path, reg, allow_partial=True)  # Rouen: 218 communes
    jobs = over.tables["urssaf_jobs"]
    by_year = jobs.groupby("year")["jobs"].sum()
    assert by_year[2008] == 183_381 and by_year[2012] == 175_704  # Rouen ZE, Seine-Maritime part
    bundled = pd.read_parquet(SNAPSHOT_URSSAF)
    assert list(jobs.columns) == list(bundled.columns)
    assert jobs.dtypes.astype(str).tolist() == bundled.dtypes.astype(str).tolist()
    key = ["commune", "ape", "year"]
    pd.testing.assert_frame_equal(jobs.sort_values(key, ignore_index=True),
                                  bundled.sort_values(key, ignore_index=True))
    prov = over.provenance["urssaf_jobs"]
    assert prov["sha256"] == sha(URSSAF_BYTES) == got.meta["sha256"]
    assert prov["rows"] == 95_357 and prov["licence"] == "Licence Ouverte / Etalab 2.0"
    assert prov["origin"].startswith(f"{server.base}/urssaf.csv (téléchargé le ")


def test_overrides_refuse_a_file_changed_after_download(server, tmp_path):
    reg = make_registry(server.base)
    got = fetch("urssaf_commune_ape", cache_dir=tmp_path, registry=reg, progress=False)
    got.path.write_bytes(URSSAF_BYTES.replace(b";1;", b";2;", 1))
    with pytest.raises(ChecksumError, match="a changé depuis son téléchargement"):
        snapshot_overrides(tmp_path, reg)


def test_no_override_without_fetched_file(tmp_path):
    over = snapshot_overrides(tmp_path)
    assert over.tables == {} and over.provenance == {}


def test_shipped_registry():
    reg = load_registry()
    urssaf = get_source("urssaf_commune_ape", registry=reg)
    assert urssaf.urls == (
        "https://open.urssaf.fr/api/explore/v2.1/catalog/datasets/etablissements-et-effectifs-"
        "salaries-au-niveau-commune-x-ape-last/exports/csv?delimiter=%3B&use_labels=true",)
    assert urssaf.table == "urssaf_jobs"
    header = URSSAF_BYTES.split(b"\r\n", 1)[0].decode("utf-8-sig").split(";")
    assert set(urssaf.columns) <= set(header)
    for vintages in reg.values():
        for s in vintages.values():
            assert all(u.startswith("https://") for u in s.urls), s.id
            assert s.landing_page.startswith("https://") and s.licence and s.url_note
            assert s.urls or "--url" in s.url_note, s.id
    assert set(reg) >= {"urssaf_commune_ape", "insee_cog_communes", "insee_epci_composition",
                        "dgcl_criteres_repartition_communes", "insee_rp_diplomes",
                        "ofgl_base_gfp", "arcep_thd_deploiements",
                        "ign_admin_express_cog_carto"}


def test_cache_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir().name == "pacte"


def test_cli_fetch_and_sources(server, tmp_path):
    app = typer.Typer()
    cli_fetch.register(app)
    runner = CliRunner()
    url = f"{server.base}/v_mvt_commune_2025.csv"
    res = runner.invoke(app, ["fetch", "insee_cog_mouvements", "--vintage", "2025", "--url",
                              url, "--cache", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert f"({len(COG_BYTES)} octets, sha256 {sha(COG_BYTES)[:12]}…" in res.output
    res = runner.invoke(app, ["sources", "--format", "json", "--cache", str(tmp_path),
                              "--db", str(tmp_path / "absent.duckdb")])
    assert res.exit_code == 0, res.output
    rows = {(r["id"], r["vintage"]): r for r in json.loads(res.output)}
    assert rows[("insee_cog_mouvements", "2025")]["cache"].endswith(
        f"sha256 {sha(COG_BYTES)[:12]}…")
    assert rows[("urssaf_commune_ape", "last")]["cache"] == "absent"
    assert rows[("urssaf_commune_ape", "last")]["store"] == "urssaf_jobs : store absent"
    res = runner.invoke(app, ["fetch", "nope", "--cache", str(tmp_path)])
    assert res.exit_code == 2 and "source inconnue" in res.output
    res = runner.invoke(app, ["fetch", "dgcl_criteres_repartition_communes", "--cache",
                              str(tmp_path)])
    assert res.exit_code == 1 and "--url" in res.output


def test_parse_urssaf_jobs_rejects_a_pair_repeated_across_chunks(tmp_path):
    from pacte.errors import ParseError
    from pacte.store.fetched import parse_urssaf_jobs

    lines = (HERE / "data/raw/urssaf_rouen_sample.csv").read_bytes().split(b"\r\n")
    path = tmp_path / "dup.csv"
    path.write_bytes(b"\r\n".join([*lines[:-1], lines[1], b""]))  # row 1 again, last line
    # 100 rows a chunk (a chunk costs about 60 ms): the sample's 199 rows in two chunks; the
    # repeated row, the 200th, in the second chunk, its first copy in the first
    sample = parse_urssaf_jobs(HERE / "data/raw/urssaf_rouen_sample.csv", chunk_rows=100)
    assert (len(sample), sample["jobs"].sum()) == (2_102, 91_200)  # = parse_urssaf's answer
    with pytest.raises(ParseError, match="couple commune x APE en double") as info:
        parse_urssaf_jobs(path, chunk_rows=100)
    assert info.value.line == len(lines)


def test_build_store_from_fetched_file(fictional_fetched, con):
    """``pacte build --with-fetched``: the fetched file's table replaces the bundled one, and
    provenance records its URL and sha256. Read on the session's fictional store built with
    fetched files (conftest_fictional: a store in seconds, built once per run), whose cache
    holds a fictional national URSSAF file in the official layout
    (:mod:`fixtures.urssaf_national`), placed with its sidecar as ``pacte fetch`` places it:
    its counts are not the bundled table's, so the stored jobs are visibly the file's."""
    import duckdb
    from fixtures.conftest_fictional import SNAPSHOT
    from fixtures.urssaf_national import draw_jobs

    path = fictional_fetched["path"]
    cached = cache_path(get_source("urssaf_commune_ape"), path.parent / "cache")
    sidecar = json.loads(cached.with_name(cached.name + ".meta.json").read_text("utf-8"))
    drawn = draw_jobs()  # the file's counts, long (commune, ape, year)
    expected = [(y, int(drawn.loc[drawn["year"] == y, "jobs"].sum())) for y in (2008, 2012)]
    bundled = pd.read_parquet(SNAPSHOT / "urssaf_jobs.parquet")
    assert expected != [(y, int(bundled.loc[bundled["year"] == y, "jobs"].sum()))
                        for y in (2008, 2012)]  # 23,750 and 26,247 jobs in the bundled one
    with duckdb.connect(str(path), read_only=True) as con_f:
        origin, digest, rows = con_f.execute("SELECT origin, sha256, rows FROM provenance "
                                             "WHERE table_name = 'urssaf_jobs'").fetchall()[0]
        totals = con_f.execute("SELECT year, sum(jobs) FROM jobs WHERE source = 'urssaf' AND "
                               "level = 'commune' AND sector = 'TOTAL' AND year IN (2008, "
                               "2012) GROUP BY year ORDER BY year").fetchall()
    assert origin.startswith(f"{sidecar['url']} (téléchargé le ")
    assert digest == sha(cached.read_bytes()) == sidecar["sha256"]
    assert rows == len(drawn) and totals == expected
    # The real Rouen file parses to the bundled table exactly
    # (test_fetched_urssaf_rebuilds_the_urssaf_jobs_table), so a real build with it stores
    # the jobs of the real store: 183,381 in 2008 and 175,704 in 2012.
    assert con.execute("SELECT year, sum(jobs) FROM jobs WHERE source = 'urssaf' AND level = "
                       "'commune' AND sector = 'TOTAL' AND year IN (2008, 2012) GROUP BY year "
                       "ORDER BY year").fetchall() == [(2008, 183_381), (2012, 175_704)]
