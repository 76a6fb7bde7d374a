"""No client can starve the others: bounds on what one request may cost, a concurrency limit
on the heavy routes and a deadline on every request, each from the settings
(:class:`pacte.api.settings.Settings`), each refusal in the French error envelope.

* **Bounds** (422, naming the bound and its setting): the size of a selection (``top``,
  ``rural_quota``, ``urban_quota`` of the ranking and the basins: ``max_top``), Monte Carlo
  draws asked in the query (``draws``) or in a posted rule (``uncertainty.draws``, up to the rule's own bound
  :data:`pacte.settings.LIMITS`, which the rule's validation enforces), repetitions of one
  query parameter. The size of an export (territories x columns, by format) is bounded where it is
  known, in :func:`pacte.handlers.export.export_level`.
* **Heavy routes** (a ranking computed on request, a PDF or HTML profile, an export, the
  audit of the rule): at most ``max_heavy`` at once per process; one more is answered 503
  at once with ``Retry-After`` rather than queued without end.
* **Deadline**: a request not answered after ``request_timeout`` seconds gets 503 with
  ``Retry-After``. Its computation cannot be interrupted (it runs in a thread): it goes on,
  its answer is dropped, and a heavy one keeps its place in the limit until it ends, so
  abandoned work never piles up beyond ``max_heavy``.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from pacte.api.errors import envelope_json
from pacte.api.guards import replay_body
from pacte.settings import LIMITS

#: Routes whose answer is computed on request at a cost of seconds (method, path prefix).
HEAVY_PREFIXES = (("POST", "/api/ranking"), ("GET", "/api/export"),
                  ("GET", "/api/ranking/audit"))
#: Query parameters of ``/api/ranking`` that make it computed rather than read.
COMPUTED_RANKING = ("draws", "seed")
#: Query parameters sizing a selection, bounded by ``max_top``, and the routes they size.
SELECTION_SIZES = ("top", "rural_quota", "urban_quota")
SELECTION_ROUTES = ("/api/ranking", "/api/basins")


def is_heavy(method: str, path: str, query: list[tuple[str, str]]) -> bool:
    """Whether a request is one of the heavy routes."""
    path = path.rstrip("/")
    if (method, path) in HEAVY_PREFIXES:
        return True
    if method == "GET" and path == "/api/ranking":
        return any(k in COMPUTED_RANKING for k, _ in query)
    if method == "GET" and path.startswith("/api/profile/"):
        return any(k == "format" and v in ("pdf", "html") for k, v in query)
    return False


def _posted_draws(body: bytes):
    """``uncertainty.draws`` of a posted rule, or None (a malformed body is left to the
    route's own validation)."""
    try:
        rule = json.loads(body)
    except (ValueError, RecursionError):
        return None
    unc = rule.get("uncertainty") if isinstance(rule, dict) else None
    return unc.get("draws") if isinstance(unc, dict) else None


def _integer(text: str) -> int | None:
    """The integer a query value spells in ASCII digits (sign allowed), else None: the
    route's own validation answers anything else (« ¹ » passes ``str.isdigit`` but is no
    number)."""
    t = text.strip()
    digits = t[1:] if t[:1] in "+-" else t
    return int(t) if digits.isascii() and digits.isdigit() else None


class CostLimits:
    """Pure ASGI middleware (inside the answer cache: a cached answer costs nothing)."""

    def __init__(self, app):
        self.app = app
        self._heavy = 0

    @staticmethod
    def _settings(scope):
        return scope["app"].state.settings

    async def _answer(self, scope, send, status: int, message: str, where: str | None = None,
                      retry_after: int | None = None) -> None:
        state = scope["app"].state
        kind = "RequestValidationError" if status == 422 else "ServiceUnavailable"
        details = [{"where": where, "message": message}] if where else None
        text = f"requête invalide — {where} : {message}" if where else message
        response = envelope_json(state, status, kind, text, details)
        if retry_after is not None:
            response.headers["retry-after"] = str(retry_after)
        await response(scope, _no_body, send)

    def _bound_query(self, settings, query, path: str) -> tuple[str, str] | None:
        counts: dict[str, int] = {}
        sized = path.rstrip("/") in SELECTION_ROUTES
        for k, v in query:
            counts[k] = counts.get(k, 0) + 1
            n = _integer(v)
            if sized and k in SELECTION_SIZES and n is not None and n > settings.max_top:
                return (f"paramètre « {k} »", f"valeur trop grande (maximum : "
                        f"{settings.max_top}, réglage PACTE_MAX_TOP)")
            if k == "draws" and n is not None and n > settings.max_draws:
                return ("paramètre « draws »", f"trop de tirages ({v}, maximum : "
                        f"{settings.max_draws}, réglage PACTE_MAX_DRAWS)")
        for k, n in counts.items():
            if n > settings.max_repeat:
                return (f"paramètre « {k} »", f"répété {n} fois (maximum : "
                        f"{settings.max_repeat}, réglage PACTE_MAX_REPEAT)")
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            return await self.app(scope, receive, send)
        settings = self._settings(scope)
        method, path = scope.get("method", "GET"), scope["path"]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        refused = self._bound_query(settings, query, path)
        if refused:
            return await self._answer(scope, send, 422, refused[1], refused[0])
        if method == "POST" and path.rstrip("/") == "/api/ranking":
            receive, body = await _buffered(receive)
            draws = _posted_draws(body)
            # beyond the rule's own bound, the rule's validation answers (same words as the
            # CLI); between the two, the server's
            if (isinstance(draws, int | float) and not isinstance(draws, bool)
                    and settings.max_draws < draws <= LIMITS.max_draws):
                return await self._answer(
                    scope, send, 422, f"trop de tirages ({draws}, maximum : "
                    f"{settings.max_draws}, réglage PACTE_MAX_DRAWS)",
                    "corps de la requête « uncertainty.draws »")
        heavy = is_heavy(method, path, query)
        if heavy:
            if self._heavy >= settings.max_heavy:
                return await self._answer(
                    scope, send, 503, f"serveur occupé : {settings.max_heavy} calcul(s) lourd(s) "
                    f"déjà en cours (classement calculé, profil PDF/HTML, export) ; réessayez "
                    f"dans {settings.retry_after} s", retry_after=settings.retry_after)
            self._heavy += 1
        await self._run(scope, receive, send, settings, heavy)

    async def _run(self, scope, receive, send, settings, heavy: bool) -> None:
        started = answered = False

        async def guarded_send(message):
            nonlocal started
            if answered:  # the deadline answered already: the late answer is dropped
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        if heavy:
            task.add_done_callback(self._release)
        done, _ = await asyncio.wait({task}, timeout=settings.request_timeout)
        if task in done:
            return task.result()
        if started:  # the answer is on its way (a long download): let it finish
            return await task
        answered = True
        task.add_done_callback(_consume)
        await self._answer(scope, send, 503, f"délai dépassé : pas de réponse en "
                           f"{settings.request_timeout:g} s (réglage PACTE_REQUEST_TIMEOUT) ; "
                           f"réessayez dans {settings.retry_after} s ou demandez moins",
                           retry_after=settings.retry_after)

    def _release(self, task) -> None:
        self._heavy -= 1


def _consume(task) -> None:
    """Read the result of an abandoned request, so that its error is not reported as
    never retrieved (the route's own error handler has logged it already)."""
    if not task.cancelled():
        task.exception()


async def _buffered(receive):
    """The whole body (already bounded by :class:`pacte.api.guards.Limits`) and a receive
    that replays it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return replay_body(body, receive), body


async def _no_body():  # pragma: no cover - a JSON answer does not read the request
    return {"type": "http.disconnect"}
