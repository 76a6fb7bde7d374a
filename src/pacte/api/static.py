"""The dashboard's static files, each text file gzip-compressed once per process and kept.

Behind the gzip middleware every request of a file compressed it again, at level 9, in 64 KB
chunks on the event loop: 130 ms of server CPU for geo/epci.json (948 KB) and 50 ms for
maplibre-gl.js (1 MB) on every page load (measured with a fresh browser context each time),
the map layer arriving last on the first map's path. Here a file is compressed on its first
request (in a thread) and the same bytes are sent to every later client that accepts gzip;
the decoded body, the ETag, Last-Modified and the answers to conditional requests stay
those of Starlette's ``StaticFiles``. Range and HEAD requests, small files and other types
are left to it (and to the middleware, which passes an answer that has a Content-Encoding)."""

from __future__ import annotations

import gzip
import threading

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

#: The gzip middleware's threshold (``app.py``): smaller files are sent as they are.
MIN_SIZE = 2000
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


class GzipStatic(StaticFiles):
    """``StaticFiles`` whose text files are sent gzip-compressed from memory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        #: (path, mtime_ns, size) -> gzip bytes; a file rewritten in place gets a new key
        self._gz: dict[tuple, bytes] = {}

    def _compressed(self, path: str, key: tuple) -> bytes:
        with self._lock:
            found = self._gz.get(key)
        if found is None:
            with open(path, "rb") as f:
                found = gzip.compress(f.read(), compresslevel=9, mtime=0)
            with self._lock:
                self._gz[key] = found
        return found

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        st = response.stat_result
        request = Headers(scope=scope)
        kind = response.media_type or ""
        if (scope["method"] != "GET" or "range" in request or st is None
                or "gzip" not in request.get("accept-encoding", "")
                or st.st_size < MIN_SIZE or not kind.startswith(COMPRESSIBLE)):
            return response
        key = (str(response.path), st.st_mtime_ns, st.st_size)
        body = self._gz.get(key) or await anyio.to_thread.run_sync(
            self._compressed, str(response.path), key)
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        headers["content-encoding"] = "gzip"
        headers["vary"] = "Accept-Encoding"
        return Response(body, status_code=200, headers=headers)
