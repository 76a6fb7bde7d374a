"""The dashboard's static files: text files sent gzip-compressed from memory (compressed once
per process), the same decoded bytes, ETag and conditional answers as Starlette's
``StaticFiles``; small files, Range and HEAD requests left to it."""

import gzip
import os

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette

from pacte.api import Settings, create_app
from pacte.api import static as static_mod
from pacte.api.app import web_dir
from pacte.api.static import GzipStatic

GZ = {"accept-encoding": "gzip, deflate"}
PLAIN = {"accept-encoding": "identity"}


def raw(client, url, headers):
    """(response, body bytes as sent on the wire, not decoded)."""
    with client.stream("GET", url, headers=headers) as r:
        return r, b"".join(r.iter_raw())


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder served by GzipStatic, and a counter of gzip.compress calls."""
    calls = []
    real = gzip.compress

    def counting(data, *a, **k):
        calls.append(len(data))
        return real(data, *a, **k)

    monkeypatch.setattr(static_mod.gzip, "compress", counting)
    (tmp_path / "big.js").write_text("const x = 1;\n" * 1000, encoding="utf-8")
    (tmp_path / "small.css").write_text("body { margin: 0 }\n", encoding="utf-8")
    (tmp_path / "data.json").write_text('{"a": [' + "1," * 3000 + "1]}", encoding="utf-8")
    app = Starlette()
    app.mount("/", GzipStatic(directory=tmp_path, html=True))
    with TestClient(app) as c:
        yield c, tmp_path, calls


def test_text_file_sent_compressed_once(site):
    client, root, calls = site
    plain, body = raw(client, "/big.js", PLAIN)
    assert "content-encoding" not in plain.headers and body == (root / "big.js").read_bytes()
    for _ in range(3):
        r, wire = raw(client, "/big.js", GZ)
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
        assert int(r.headers["content-length"]) == len(wire) < len(body) / 10
        assert gzip.decompress(wire) == body
        for h in ("etag", "last-modified", "content-type"):
            assert r.headers[h] == plain.headers[h]
    assert calls == [len(body)]  # compressed on the first request only
    r, wire = raw(client, "/data.json", GZ)
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(wire) == (root / "data.json").read_bytes()


def test_rewritten_file_compressed_again(site):
    client, root, calls = site
    raw(client, "/big.js", GZ)
    path = root / "big.js"
    path.write_text("let y = 2;\n" * 1500, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    r, wire = raw(client, "/big.js", GZ)
    assert gzip.decompress(wire) == path.read_bytes()
    assert len(calls) == 2


def test_small_range_head_and_conditional_left_to_staticfiles(site):
    client, root, calls = site
    r, wire = raw(client, "/small.css", GZ)
    assert "content-encoding" not in r.headers and wire == (root / "small.css").read_bytes()
    r = client.get("/big.js", headers={**GZ, "range": "bytes=0-9"})
    assert r.status_code == 206 and r.content == (root / "big.js").read_bytes()[:10]
    assert "content-encoding" not in r.headers
    etag = client.get("/big.js", headers=PLAIN).headers["etag"]
    r = client.get("/big.js", headers={**GZ, "if-none-match": etag})
    assert r.status_code == 304 and r.content == b""
    r = client.head("/big.js", headers=GZ)
    assert r.status_code == 200 and r.content == b"" and "content-encoding" not in r.headers
    assert client.get("/absent.js", headers=GZ).status_code == 404
    assert calls == []


def test_app_serves_the_dashboard_precompressed(fictional_store):
    """Through the whole middleware stack: compressed once (not again by the gzip
    middleware), decoded to the shipped file."""
    with TestClient(create_app(Settings(db=fictional_store))) as client:
        for url in ("/vendor/maplibre-gl.js", "/geo/epci.json", "/"):
            r, wire = raw(client, url, GZ)
            assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
            shipped = (web_dir() / (url.lstrip("/") or "index.html")).read_bytes()
            assert gzip.decompress(wire) == shipped
            assert r.headers["content-security-policy"]
