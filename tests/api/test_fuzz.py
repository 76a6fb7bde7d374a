"""Schemathesis against the app's own ``/openapi.json``, in-process (ASGI), on the fictional
store: for every operation, generated requests (valid and invalid) never get a 5xx, every
error comes in the one French envelope, and every answer matches its declared status, content
type and schema. Each operation is first called with the examples its parameters and body
declare (Rouen Métropole, an indicator, the shipped rule: the successes checked against their
declared schemas), then with random requests. Bounded (few random examples per operation) and
derandomised."""

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.specs.openapi import checks as oa  # noqa: E402

from pacte.api import Settings, create_app  # noqa: E402

#: Random requests per operation and mode. Each costs about 25 ms of CPU, two thirds of it
#: generating the request inside schemathesis and hypothesis; random levels, codes and
#: indicators are almost all answered 4xx, so past ten the requests add little but CPU.
EXAMPLES = 10
#: POST /api/ranking (a rule, a body of nested objects, where wrong types once answered 500)
#: keeps more.
EXAMPLES_RULE = 25
#: The English of FastAPI, Starlette and pydantic: never in a message to a user.
ENGLISH = ("field required", "input should", "not found", "method not allowed",
           "internal server error", "there was an error", "value error", "unprocessable",
           "traceback", "exception", "is not a valid", "expected")

_apps = {}


def app_for(path):
    if path not in _apps:
        _apps[path] = create_app(Settings(db=path, web=False))
    return _apps[path]


@pytest.fixture(scope="module")
def schema(fictional_store, tmp_path_factory):
    app = app_for(fictional_store)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def french_envelope(ctx, response, case):
    """Every 4xx/5xx answer is ``{"error": {status, type, message}, "meta": {build_hash}}``
    with the HTTP status repeated and a message in French."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert set(body) == {"error", "meta"}, body
    err = body["error"]
    assert err["status"] == response.status_code, body
    assert isinstance(err["type"], str) and err["type"], body
    msg = err["message"].lower()
    assert msg.strip(), body
    assert not [w for w in ENGLISH if w in msg], f"message non français : {err['message']!r}"
    assert "detail" not in body
    return None


CHECKS = [oa.status_code_conformance, oa.content_type_conformance,
          oa.response_schema_conformance, french_envelope]


def operations():
    """(method, path, mode) of the spec: valid requests for every operation, requests
    breaking the schema for those that take parameters or a body."""
    from pacte.api.app import ROUTERS

    out = []
    for router in ROUTERS:
        for route in router.routes:
            d = route.dependant
            takes = bool(d.query_params or d.path_params or d.body_params)
            for method in sorted(route.methods):
                out += [(method, route.path, m) for m in ("positive", "negative")
                        if m == "positive" or takes]
    return out


def run_cases(strategy, examples: int) -> None:
    """Send ``examples`` requests drawn from ``strategy``: no 5xx, and every answer passes
    :data:`CHECKS` (a success is validated against its declared schema)."""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error

    @given(strategy)
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call()
        assert response.status_code < 500, (response.status_code, response.text[:500])
        case.validate_response(response, checks=[not_a_server_error, *CHECKS])

    run()


@pytest.mark.parametrize(("method", "path", "mode"), operations(),
                         ids=[" ".join(o) for o in operations()])
def test_no_server_error_and_envelope(schema, method, path, mode):
    """Valid requests (positive: the declared examples first, then random ones) and requests
    breaking the schema (negative)."""
    from schemathesis import GenerationMode

    op = schema[path][method]
    if mode == "positive":
        for strategy in op.get_strategies_from_examples():
            run_cases(strategy, 1)
    rule = (method, path) == ("POST", "/api/ranking")
    run_cases(op.as_strategy(generation_mode=GenerationMode(mode)),
              EXAMPLES_RULE if rule else EXAMPLES)


def test_every_export_format_matches_its_declared_schema(schema):
    """``/api/export`` in each format answers the content type and schema it declares (the
    GeoJSON is a FeatureCollection, the others bytes): the run above sends the declared
    example (CSV) and random formats with random levels (almost all refused)."""
    from schemathesis.checks import not_a_server_error

    from pacte.export.formats import ExportFormat

    op = schema["/api/export"]["GET"]
    for fmt in ExportFormat:
        case = op.Case(query={"level": "epci", "format": fmt.value,
                              "indicator": ["industry_share"]})
        response = case.call()
        assert response.status_code == 200, (fmt, response.text[:300])
        case.validate_response(response, checks=[not_a_server_error, *CHECKS])


def test_spec_declares_the_error_envelope(fictional_store):
    """The documented 422 is the French envelope, not FastAPI's ``detail`` list."""
    from fastapi.testclient import TestClient

    with TestClient(app_for(fictional_store)) as c:
        spec = c.get("/openapi.json").json()
    responses = spec["paths"]["/api/indicators"]["get"]["responses"]
    assert responses["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_success_declares_its_schema(fictional_store):
    """Every 200 of every operation has a real schema (never ``{}``), so the run above checks
    each answer against its declared shape; the rule body forbids unknown keys."""
    spec = app_for(fictional_store).openapi()
    empty = [(method, path, media) for path, ops in spec["paths"].items()
             for method, op in ops.items()
             for media, content in op["responses"]["200"]["content"].items()
             if not content.get("schema")]
    assert empty == []
    rule = spec["components"]["schemas"]["Rule"]
    assert rule["additionalProperties"] is False
    assert spec["paths"]["/api/ranking"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/RankingEnvelope"}


def test_dcrtp_comparison_matches_its_schema(fictional_store):
    """``/api/simulate/dcrtp?compare=true`` (every key at once) answers the declared shape:
    ``cles`` instead of ``cle``, one row of totals per key; ``limit`` bounds the rows and,
    row for row, their amounts under each key (not all 36,255 entities of the demo)."""
    from fastapi.testclient import TestClient

    from pacte.api.routes_more import SimulationEnvelope

    with TestClient(app_for(fictional_store)) as c:
        r = c.get("/api/simulate/dcrtp", params={"compare": "true", "limit": 3})
    assert r.status_code == 200, r.text
    body = SimulationEnvelope.model_validate(r.json())
    assert body.meta.cle is None and "legal" in body.meta.cles
    assert [t["key"] for t in body.data.totals] == body.meta.cles
    by_key = r.json()["data"]["rows_by_key"]
    assert [x["code"] for x in by_key] == [x.code for x in body.data.rows]
    assert len(by_key) == 3 and [x["cut_legal"] for x in by_key] == [
        x.cut for x in body.data.rows]  # rows: the legal key's cut, most hit first


def test_path_examples_are_answered_200(fictional_store):
    """Every operation with a path parameter declares examples (level ``epci``, Rouen
    Métropole's code, an indicator; the impact's sector and jobs) that the store answers
    with a 200: the run above sends them first (its declared examples), so each of these
    operations has at least one success checked against its declared schema, which random
    levels and codes almost never reach. Exceptions, each for a reason of the store: the
    basins' example (B001) is a basin of the real store, the fictional one (3 EPCI) has
    none (404); diversification and the territory's DCRTP need fetched national files (422,
    saying which to fetch)."""
    from fastapi.testclient import TestClient

    spec = app_for(fictional_store).openapi()
    answers = {}
    with TestClient(app_for(fictional_store)) as c:
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                params = op.get("parameters", [])
                if method != "get" or not any(p["in"] == "path" for p in params):
                    continue
                url, query = path, {}
                for p in params:
                    if p["in"] == "path" or p.get("required"):
                        examples = p["schema"].get("examples") or p["schema"].get("enum")
                        assert examples, f"{path} : {p['name']} sans exemple"
                        if p["in"] == "path":
                            url = url.replace("{" + p["name"] + "}", str(examples[0]))
                        else:
                            query[p["name"]] = examples[0]
                answers[path] = c.get(url, params=query)
    fetched = {"/api/diversify/{code}", "/api/simulate/dcrtp/{code}"}
    expected = {p: 404 if p.startswith("/api/basins/") else 422 if p in fetched else 200
                for p in answers}
    assert {p: r.status_code for p, r in answers.items()} == expected
    assert all("pacte fetch" in answers[p].json()["error"]["message"] for p in fetched)
    assert len(answers) >= 12, sorted(answers)


def test_rule_example_is_answered_200(fictional_store):
    """POST ``/api/ranking`` declares the shipped default rule as its example body: the run
    above sends it first (its declared examples), so this operation has a success answer
    checked against its declared schema (random rules name unknown indicators: a 422). The
    example is the file itself and the fictional store ranks with it."""
    from fastapi.testclient import TestClient

    from pacte.api.routes import RankingEnvelope
    from pacte.targeting.rule import DEFAULT_CONFIG, load_rule

    spec = app_for(fictional_store).openapi()
    body = spec["paths"]["/api/ranking"]["post"]["requestBody"]["content"][
        "application/json"]
    example = body["examples"]["defaut"]["value"]
    assert load_rule(DEFAULT_CONFIG) == load_rule_dict(example)
    with TestClient(app_for(fictional_store)) as c:
        r = c.post("/api/ranking", json=example, params={"draws": 50})
    assert r.status_code == 200, r.text
    ranked = RankingEnvelope.model_validate(r.json())
    assert ranked.meta.rule_file == "corps de la requête"
    assert ranked.meta.rule == example["name"]
    assert len(ranked.data) == 3  # the fictional store's 3 EPCI


def load_rule_dict(raw: dict):
    from pacte.targeting.rule import parse_rule

    return parse_rule(raw)
