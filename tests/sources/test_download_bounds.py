"""``pacte fetch`` against hostile servers on 127.0.0.1 (never the internet): a gzip bomb, a
redirect loop, a corrupted gzip body, a ``Content-Length`` shorter than the body, a server
that drips bytes. Each was reproduced first (written out as 300 MB, « erreur inattendue »
twice, a file cut mid-row placed as complete, 80 s with no overall deadline); each now
ends in a French FetchError with nothing placed in the cache.
"""

from __future__ import annotations

import functools
import json
import struct
import time
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from pacte.errors import FetchError
from pacte.sources.download import fetch
from pacte.sources.registry import parse_registry

HERE = Path(__file__).parents[1]
COG = (HERE / "data/fetch/v_mvt_commune_2025_head40.csv").read_bytes()


@functools.cache
def bomb() -> bytes:
    """300 MB of zeros gzip-compressed: about 300 KB on the wire. Written as one gzip member
    whose deflate stream repeats 300 times the block of one MiB (each block ends with a full
    flush, so it references nothing before it): 0.2 s of CPU instead of the 1.7 s of
    ``gzip.compress`` on 300 MB; ``gzip.decompress`` gives back the 300 MB of zeros."""
    mib = b"0" * (1024 * 1024)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, framed by hand
    block = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH) == block
    crc = 0
    for _ in range(300):
        crc = zlib.crc32(mib, crc)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * 300 + deflate.flush()
            + struct.pack("<II", crc, 300 * 1024 * 1024))


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _head(self, status=200, length=None, extra=()):
        self.send_response(status)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()

    def do_GET(self):  # noqa: N802 (http.server API)
        name = self.path.split("?")[0]
        if name == "/bomb.csv":
            self._head(200, len(bomb()), [("Content-Encoding", "gzip")])
            self.wfile.write(bomb())
        elif name == "/loop.csv":
            self._head(302, 0, [("Location", "/loop.csv")])
        elif name == "/badgzip.csv":
            body = b"\x1f\x8b\x08\x00garbage, not a deflate stream" * 10
            self._head(200, len(body), [("Content-Encoding", "gzip")])
            self.wfile.write(body)
        elif name == "/short.csv":  # announces 200 bytes, sends the whole file
            self._head(200, 200)
            self.wfile.write(COG)
            self.close_connection = True
        elif name == "/drip.csv":
            self._head(200, len(COG))
            try:
                for i in range(0, len(COG), 20):
                    self.wfile.write(COG[i:i + 20])
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:  # the client gave up
                pass
        else:
            self._head(404, 0)


@pytest.fixture
def base(local_server):
    return local_server(Hostile, {}).base


def registry(url: str) -> dict:
    raw = json.loads((HERE.parent / "src/pacte/data/sources.json").read_text(encoding="utf-8"))
    raw["insee_cog_mouvements"]["vintages"]["2025"]["urls"] = [url]
    return parse_registry(raw)


def get(base: str, name: str, tmp_path: Path, **kw):
    return fetch("insee_cog_mouvements", "2025", cache_dir=tmp_path, progress=False,
                 registry=registry(base + name), retries=1, backoff=0.01, **kw)


def cached_files(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*")
                  if p.is_file())


def test_gzip_bomb_is_stopped_not_written_out(base, tmp_path):
    assert len(bomb()) < 400_000
    with pytest.raises(FetchError, match="bombe de décompression|plus grand que prévu"):
        get(base, "/bomb.csv", tmp_path)
    files = cached_files(tmp_path)
    assert files == [] or all(size == 0 for _, size in files), files


def test_gzip_bomb_stopped_by_a_size_bound_too(base, tmp_path):
    with pytest.raises(FetchError, match="plus grand que prévu"):
        get(base, "/bomb.csv", tmp_path, max_bytes=1_000_000)
    assert sum(size for _, size in cached_files(tmp_path)) == 0


def test_redirect_loop_gives_a_french_error(base, tmp_path):
    with pytest.raises(FetchError, match="trop de redirections"):
        get(base, "/loop.csv", tmp_path)
    assert cached_files(tmp_path) == []


def test_corrupted_gzip_body_gives_a_french_error(base, tmp_path):
    with pytest.raises(FetchError, match="illisible"):
        get(base, "/badgzip.csv", tmp_path)
    assert cached_files(tmp_path) == []


def test_body_longer_than_its_content_length_is_not_placed(base, tmp_path):
    """The 200 bytes announced end mid-row: the file is refused, nothing is placed."""
    assert COG[:200].count(b"\n") < COG.count(b"\n") and not COG[:200].endswith(b"\n")
    with pytest.raises(FetchError, match="tronqué"):
        get(base, "/short.csv", tmp_path)
    assert [f for f, _ in cached_files(tmp_path) if not f.endswith((".part", ".part.json"))
            ] == []


def test_overall_deadline_stops_a_drip(base, tmp_path):
    """A server sending 20 bytes every 0.3 s (each read well within the per-read timeout)
    is stopped by the overall deadline, in about that time."""
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="délai total de 1 s"):
        get(base, "/drip.csv", tmp_path, deadline=1.0, timeout=10.0)
    assert time.monotonic() - t0 < 4
    placed = [f for f, _ in cached_files(tmp_path) if not f.endswith((".part", ".part.json"))]
    assert placed == []
