"""What stands between a caller and the handlers: security headers on every answer, bounded
request sizes (query string, body) and unknown query parameters refused, each refusal in
the French error envelope of :mod:`pacte.api.errors`."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from pacte.api.errors import envelope_json
from pacte.settings import Settings

#: Longest query string and largest body accepted by default (bytes): the settings'
#: defaults (``PACTE_MAX_QUERY_BYTES``, ``PACTE_MAX_BODY_BYTES``).
MAX_QUERY_BYTES = Settings.__dataclass_fields__["max_query_bytes"].default
MAX_BODY_BYTES = Settings.__dataclass_fields__["max_body_bytes"].default

#: The dashboard's only origin is the server: no CDN, tiles, fonts or inline script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "worker-src 'self' blob:; child-src blob:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer")]


#: An absolute file path of the server (two segments or more; not an address of this API,
#: not inside a URL): clients are told the file's name only.
_SERVER_PATH = re.compile(r"(?<![\w:/.~-])/(?!api/)(?:[^\s/'\"«»()<>,;]+/)+([^\s/'\"«»()<>,;]*)")


def scrub_paths(text: str) -> str:
    """``text`` with every absolute server path reduced to its last part (``store
    introuvable : /srv/x/pacte.duckdb`` -> ``store introuvable : pacte.duckdb``)."""
    return _SERVER_PATH.sub(lambda m: m.group(1) or "…", text)


class SecurityHeaders:
    """Pure ASGI middleware adding the CSP and companion headers to every answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Limits:
    """Pure ASGI middleware refusing (422, French envelope) a query string longer than
    :data:`MAX_QUERY_BYTES` or a body larger than :data:`MAX_BODY_BYTES`. The body is read
    here (whole, bounded) before the application sees it, declared length or not."""

    def __init__(self, app, max_query: int = MAX_QUERY_BYTES, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_query = max_query
        self.max_body = max_body

    async def _refuse(self, scope, send, where: str, message: str) -> None:
        state = scope["app"].state if "app" in scope else None
        response = envelope_json(state, 422, "RequestValidationError",
                                 f"requête invalide — {where} : {message}",
                                 [{"where": where, "message": message}])
        await response(scope, _empty_receive, send)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = scope.get("query_string", b"")
        if len(query) > self.max_query:
            return await self._refuse(scope, send, "chaîne de requête",
                                      f"trop longue ({len(query)} octets, maximum : "
                                      f"{self.max_query})")
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await self._refuse(scope, send, "corps de la requête",
                                      f"trop long ({int(declared)} octets, maximum : "
                                      f"{self.max_body})")
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") and declared is None:
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client gone
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await self._refuse(scope, send, "corps de la requête",
                                          f"trop long (plus de {self.max_body} octets)")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay_body(b"".join(chunks), receive), send)


async def _empty_receive():  # pragma: no cover - a JSON answer does not read the request
    return {"type": "http.disconnect"}


_ACCEPTED: dict[int, frozenset[str]] = {}


def accepted_query(route) -> frozenset[str]:
    """Names of the query parameters a route declares (its dependencies' included)."""
    key = id(route)
    if key not in _ACCEPTED:
        names, todo = set(), [route.dependant]
        while todo:
            dep = todo.pop()
            names.update(p.alias for p in dep.query_params)
            todo.extend(dep.dependencies)
        _ACCEPTED[key] = frozenset(names)
    return _ACCEPTED[key]


async def no_unknown_query(request: Request) -> None:
    """Dependency of every API route: a query parameter the route does not declare (a typo,
    ``weights=...``, ``file=...``) is refused in French rather than silently ignored."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    allowed = accepted_query(route)
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        names = ", ".join(sorted(allowed)) or "aucun"
        raise RequestValidationError([
            {"type": "extra_forbidden", "loc": ("query", k), "msg": "paramètre inconnu",
             "input": request.query_params.get(k), "ctx": {"accepted": names}}
            for k in unknown])


def replay_body(body: bytes, receive):
    """An ASGI ``receive`` that gives the already-read ``body`` once, then defers to the
    original ``receive`` (a middleware that read the body hands it on)."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
