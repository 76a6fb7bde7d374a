"""What the server refuses or never does: loopback by default, security headers
on every answer, no client value used as a file path or a URL, bounded sizes and unknown
parameters refused in French (422), CORS off unless configured. On the fictional store."""

import sys

import pytest
from fastapi.testclient import TestClient

from pacte.api import Settings, create_app
from pacte.api.guards import MAX_BODY_BYTES, MAX_QUERY_BYTES


@pytest.fixture(scope="module")
def client(fictional_store):
    with TestClient(create_app(Settings(db=fictional_store))) as c:
        yield c


def refused(r, where: str) -> dict:
    """422 in the French envelope, naming where the request was refused."""
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"error", "meta"} and body["error"]["status"] == 422
    assert body["error"]["message"].startswith("requête invalide — "), body
    assert where in body["error"]["message"], body["error"]["message"]
    return body["error"]


def test_binds_loopback_by_default(monkeypatch):
    import typer

    from pacte.cli.serve import register

    monkeypatch.delenv("PACTE_HOST", raising=False)
    assert Settings().host == "127.0.0.1"
    app = typer.Typer()
    register(app)
    cmd = typer.main.get_command(app)
    host = next(p for p in cmd.params if p.name == "host")
    assert host.default == "127.0.0.1"


@pytest.mark.parametrize("url", ["/", "/api/health", "/api/nulle-part",
                                 "/api/indicators?level=canton"])
def test_security_headers_on_every_answer(client, url):
    h = client.get(url).headers
    csp = dict(part.strip().split(" ", 1) for part in h["content-security-policy"].split(";"))
    # only the server's own origin: no CDN, no inline script or style
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe-inline" not in h["content-security-policy"]
    assert csp["frame-ancestors"] == "'none'"
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"


class Watch:
    """Python audit events (files opened, sockets connected) while on, in every thread (the
    TestClient runs the app in its own threads)."""

    def __init__(self):
        self.on, self.opened, self.connected = False, [], []
        sys.addaudithook(self.hook)  # cannot be removed: it does nothing once off

    def hook(self, event, args):
        if not self.on:
            return
        if event == "open":
            self.opened.append(str(args[0]))
        elif event == "socket.connect":
            self.connected.append(args[1])

    def __enter__(self):
        self.opened, self.connected = [], []
        self.on = True
        return self

    def __exit__(self, *exc):
        self.on = False


WATCH = Watch()


def test_no_client_value_used_as_a_path_or_url(client, tmp_path, fictional_store):
    """Values that name an existing file or a URL, in every place a client can put one,
    are never opened nor fetched: refused (404/422) and no file or socket touched."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: secret\n", encoding="utf-8")
    values = [str(secret), "../../../../etc/passwd", "file:///etc/passwd",
              "http://127.0.0.1:9/x"]
    for v in values:
        requests = [("GET", f"/api/territories/epci/{v.replace('/', '%2F')}", None),
                    ("GET", f"/api/profile/epci/{v.replace('/', '%2F')}", None),
                    ("GET", "/api/indicators", {"level": "epci", "indicator": v}),
                    ("GET", "/api/ranking", {"level": "epci", "weights": v}),
                    ("GET", "/api/sources", {"db": v}),
                    ("POST", "/api/ranking", {"rule_file": v})]
        for method, url, params in requests:
            with WATCH:
                if method == "GET":
                    r = client.get(url, params=params)
                else:
                    r = client.post(url, json=params)
            assert r.status_code in (404, 422), (url, params, r.status_code, r.text[:300])
            touched = [p for p in WATCH.opened if v in p or "passwd" in p or "secret" in p]
            assert touched == [], (url, touched)
            assert WATCH.connected == [], (url, WATCH.connected)
    assert "secret" not in client.get("/%2e%2e/%2e%2e/etc/passwd").text
    assert client.get("/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_unknown_query_parameter_refused_in_french(client):
    err = refused(client.get("/api/indicators", params={"level": "epci", "indicatuer": "x"}),
                  "paramètre « indicatuer » : paramètre inconnu")
    assert "paramètres acceptés : code, indicator, level, period, source" in err["message"]
    refused(client.get("/api/health", params={"debug": "1"}),
            "paramètre « debug » : paramètre inconnu (paramètres acceptés : aucun)")


def test_top_n_bounded(client):
    refused(client.get("/api/ranking", params={"top": 10_001}),
            "paramètre « top » : valeur trop grande (maximum : 10000, réglage PACTE_MAX_TOP)")


def test_weights_document_size_bounded(client):
    rule = {"name": "x" * (MAX_BODY_BYTES + 10)}
    refused(client.post("/api/ranking", json=rule), "corps de la requête : trop long")

    def chunks():  # no declared length: counted while read
        for _ in range(MAX_BODY_BYTES // 1000 + 2):
            yield b" " * 1000

    refused(client.post("/api/ranking", content=chunks(),
                        headers={"content-type": "application/json"}),
            "corps de la requête : trop long")


def test_list_length_bounded(client):
    params = [("level", "epci")] + [("indicator", "industry_share")] * 31
    refused(client.get("/api/indicators", params=params),
            "paramètre « indicator » : liste trop longue (maximum : 30 éléments)")


def test_text_length_bounded(client):
    refused(client.get("/api/territories/epci/" + "a" * 201),
            "chemin « query » : texte trop long (maximum : 200 caractères)")


def test_query_string_length_bounded(client):
    refused(client.get("/api/territories", params={"level": "epci",
                                                    "search": "a" * MAX_QUERY_BYTES}),
            "chaîne de requête : trop longue")


def test_size_limits_come_from_the_settings(fictional_store, tmp_path):
    """PACTE_MAX_QUERY_BYTES and PACTE_MAX_BODY_BYTES bound what the server reads."""
    app = create_app(Settings(db=fictional_store, cache=tmp_path, max_query_bytes=64,
                              max_body_bytes=100))
    with TestClient(app) as small:
        refused(small.get("/api/territories", params={"level": "epci", "search": "a" * 70}),
                "chaîne de requête : trop longue")
        refused(small.post("/api/ranking", json={"name": "x" * 120}),
                "corps de la requête : trop long")
        assert small.get("/api/territories", params={"level": "epci"}).status_code == 200


def test_cors_off_by_default_and_configurable(client, fictional_store):
    h = {"Origin": "https://exemple.fr", "Access-Control-Request-Method": "GET"}
    r = client.options("/api/health", headers=h)
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-origin" not in client.get("/api/health", headers=h).headers
    app = create_app(Settings(db=fictional_store, cors_origins=["https://exemple.fr"]))
    with TestClient(app) as c:
        r = c.options("/api/health", headers=h)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://exemple.fr"
        other = c.get("/api/health", headers={"Origin": "https://autre.fr"})
        assert "access-control-allow-origin" not in other.headers
