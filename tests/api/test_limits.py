"""No client can starve the others (:mod:`pacte.api.limits`), and no answer discloses a
server path. On the fictional store.

Reproduced before: ``GET /api/ranking?draws=100000`` was accepted (79 s, about 3 GB on the
real store), a posted rule's ``uncertainty.draws`` was not bounded by the server, heavy
requests queued without end, and ``/api/health`` answered the store's absolute path.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from pacte.api import Settings, create_app
from pacte.api.guards import scrub_paths
from pacte.api.limits import is_heavy


def refused(r, status: int, *words: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "meta"} and body["error"]["status"] == status
    message = body["error"]["message"]
    for w in words:
        assert w in message, message
    return message


@pytest.fixture(scope="module")
def client(fictional_store):
    with TestClient(create_app(Settings(db=fictional_store, max_draws=50))) as c:
        yield c


def test_query_draws_bounded_by_the_setting(client):
    refused(client.get("/api/ranking?level=epci&draws=100000"), 422, "draws", "maximum : 50",
            "PACTE_MAX_DRAWS")
    assert client.get("/api/ranking?level=epci&draws=20").status_code == 200


def test_non_ascii_digits_in_sizes_get_the_route_validation_not_a_500(client):
    """« ¹ » and « ٣ » pass ``str.isdigit``; the cost limits must not crash on them (a
    schemathesis case): the route's own validation answers, in French."""
    for path in ("/api/ranking?level=epci&top=%C2%B9", "/api/basins?top=%C2%B9",
                 "/api/ranking?level=epci&draws=%D9%A3"):
        r = client.get(path)
        assert r.status_code == 422, (path, r.status_code, r.text[:200])


def test_posted_rule_draws_bounded_by_the_setting(client):
    import yaml

    from pacte.settings import package_data

    rule = yaml.safe_load(package_data("composite_default.yaml").read_text(encoding="utf-8"))
    rule["uncertainty"]["draws"] = 60
    refused(client.post("/api/ranking?level=epci", json=rule), 422, "uncertainty.draws",
            "maximum : 50", "PACTE_MAX_DRAWS")
    rule["uncertainty"]["draws"] = 200_000  # beyond the rule's own bound: its validation
    refused(client.post("/api/ranking?level=epci", json=rule), 422, "uncertainty.draws",
            "maximum : 100000")
    rule["uncertainty"]["draws"] = 20
    assert client.post("/api/ranking?level=epci", json=rule).status_code == 200


def test_repeated_parameters_bounded(fictional_store):
    with TestClient(create_app(Settings(db=fictional_store, max_repeat=3))) as c:
        q = "&".join(["period=2016"] * 4)
        refused(c.get(f"/api/indicators?level=epci&{q}"), 422, "period", "4 fois",
                "maximum : 3", "PACTE_MAX_REPEAT")


def test_export_size_bounded_by_the_setting(fictional_store):
    with TestClient(create_app(Settings(db=fictional_store, max_export_cells=5))) as c:
        refused(c.get("/api/export?level=epci&format=xlsx"), 422, "export trop lourd",
                "PACTE_MAX_EXPORT_CELLS")
        # CSV costs little per cell: four times the bound (3 EPCI x (code, name, 2 sources))
        assert c.get("/api/export?level=epci&format=csv&indicator=industry_share"
                     "&period=2016").status_code == 200


def test_which_routes_are_heavy():
    assert is_heavy("POST", "/api/ranking", [])
    assert is_heavy("GET", "/api/ranking", [("draws", "10")])
    assert not is_heavy("GET", "/api/ranking", [("top", "10")])
    assert is_heavy("GET", "/api/profile/epci/200023414", [("format", "pdf")])
    assert is_heavy("GET", "/api/profile/epci/200023414", [("format", "html")])
    assert not is_heavy("GET", "/api/profile/epci/200023414", [])
    assert is_heavy("GET", "/api/export", [("level", "epci")])
    assert not is_heavy("GET", "/api/territories/epci/200023414", [])


def slow_app(fictional_store, seconds: float, **settings):
    """The API with one slow heavy route (an export that waits ``seconds``)."""
    import pacte.handlers.export as export_handlers

    app = create_app(Settings(db=fictional_store, web=False, **settings))
    real = export_handlers.export_level

    def slow(*a, **kw):
        time.sleep(seconds)
        return real(*a, **kw)

    return app, slow


def test_heavy_routes_beyond_the_limit_get_503_with_retry_after(fictional_store, monkeypatch):
    """Two slow exports at once with max_heavy=1: one is served, the other refused at once
    with Retry-After; a light route is served meanwhile; later heavy requests are served."""
    import pacte.handlers.export as export_handlers

    app, slow = slow_app(fictional_store, 1.0, max_heavy=1, retry_after=7)
    monkeypatch.setattr(export_handlers, "export_level", slow)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=transport, base_url="http://t") as c:
            url = "/api/export?level=epci&format=csv"
            first = asyncio.create_task(c.get(url))
            await asyncio.sleep(0.3)
            t0 = time.perf_counter()
            second = await c.get(url)
            refused_in = time.perf_counter() - t0
            light = await c.get("/api/territories?level=epci")
            done = await first
            again = await c.get(url)
            return second, refused_in, light, done, again

    second, refused_in, light, done, again = asyncio.run(scenario())
    refused(second, 503, "serveur occupé", "7 s")
    assert second.headers["retry-after"] == "7" and refused_in < 0.5
    assert light.status_code == 200 and done.status_code == 200 and again.status_code == 200


def test_deadline_answers_503_and_keeps_the_slot_until_the_work_ends(fictional_store,
                                                                     monkeypatch):
    import pacte.handlers.export as export_handlers

    app, slow = slow_app(fictional_store, 1.5, max_heavy=1, request_timeout=0.3)
    monkeypatch.setattr(export_handlers, "export_level", slow)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=transport, base_url="http://t") as c:
            url = "/api/export?level=epci&format=csv"
            t0 = time.perf_counter()
            late = await c.get(url)
            waited = time.perf_counter() - t0
            busy = await c.get(url)  # the abandoned export still runs: no pile-up
            await asyncio.sleep(3)  # the abandoned export ends before the store closes
            return late, waited, busy

    late, waited, busy = asyncio.run(scenario())
    refused(late, 503, "délai dépassé", "PACTE_REQUEST_TIMEOUT")
    assert "retry-after" in late.headers and waited < 1.2
    refused(busy, 503, "serveur occupé")


def test_health_and_errors_hold_no_server_path(client, fictional_store, tmp_path):
    body = client.get("/api/health").json()
    assert body["data"]["db"] == fictional_store.name
    assert str(fictional_store.parent) not in client.get("/api/health").text
    app = create_app(Settings(db=tmp_path / "absent.duckdb", web=False))
    with TestClient(app) as c:
        r = c.get("/api/health")
        message = refused(r, 503, "store introuvable", "absent.duckdb")
        assert str(tmp_path) not in r.text and "/" not in message.split("absent.duckdb")[0]


def test_scrub_paths_keeps_addresses_and_fractions():
    assert scrub_paths("store introuvable : /srv/a/pacte.duckdb. Lancez") == \
        "store introuvable : pacte.duckdb. Lancez"
    assert scrub_paths("/tmp/pacte-rule-x/rule.json, ligne 3") == "rule.json, ligne 3"
    for kept in ("voir https://www.insee.fr/fr/statistiques/1", "GET /api/nope/x",
                 "ratio 1/2"):
        assert scrub_paths(kept) == kept


def test_selection_size_and_cache_entry_are_settings(fictional_store, tmp_path):
    """PACTE_MAX_TOP bounds top and the quotas of the ranking and the basins (not the
    display counts of other routes); PACTE_CACHE_ENTRY_BYTES the answers the cache keeps."""
    from pacte.api.cache import ResponseCache

    app = create_app(Settings(db=fictional_store, cache=tmp_path, max_top=2,
                              cache_entry_bytes=100))
    with TestClient(app) as small:
        for url in ("/api/ranking?top=3", "/api/ranking?top=2&rural_quota=3",
                    "/api/basins?top=3"):
            refused(small.get(url), 422, "maximum : 2", "PACTE_MAX_TOP")
        assert small.get("/api/ranking?top=2").status_code == 200
        assert small.get("/api/ranking?top=2").status_code == 200
        cache = app.middleware_stack
        while not isinstance(cache, ResponseCache):
            cache = cache.app
        assert cache.hits == 0  # every answer is over 100 bytes: none kept
    with TestClient(create_app(Settings(db=fictional_store, cache=tmp_path))) as default:
        default.get("/api/ranking?top=2")
        assert default.get("/api/ranking?top=2").status_code == 200
        cache = default.app.middleware_stack
        while not isinstance(cache, ResponseCache):
            cache = cache.app
        assert cache.hits == 1


def test_concurrent_light_requests_are_never_refused(client):
    results = []

    def hit():
        results.append(client.get("/api/territories?level=epci").status_code)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 8
