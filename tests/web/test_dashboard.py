"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; never a downloaded browser), served by uvicorn on a free loopback port over the
fictional store (tests/web/conftest.py): pick an indicator, click a territory, read its
panel, sort the table, reload the permalink and find the same view; zero requests outside
the server. The shipped map layers are checked against the real store without a browser
(the Métropole du Grand Paris holds Notre-Dame). Screenshots go to tests/output/. Waits are
on flags the page sets at the map's ``idle`` event, never sleeps."""

import json
import re

import httpx
from webhelpers import OUTPUT, needs_chromium, wait_flag, web_group

from pacte.api.app import web_dir
from pacte.catalogue import INDICATORS

LABEL = {i: ind.label for i, ind in INDICATORS.items()}

pytestmark = web_group
GRAND_PARIS = "200054781"
NOTRE_DAME = (2.349, 48.853)
# the fictional store's EPCI (tests/fixtures/fictional_tables.py: real codes, fictional names)
F_METRO, F_CHAMPS, F_PLATEAU = "200023414", "200070936", "247600620"


def calc_inside(pt: tuple[float, float], rings: list) -> bool:
    """Even-odd rule: ``pt`` inside the polygon of ``rings`` (outer ring then holes)."""
    x, y = pt
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def test_geo_layers_match_the_store(con):
    """The committed layers (scripts/snapshot_web.py) hold every territory of the store's
    contours, with the dashboard's filter fields; the EPCI layer stays under 1 MB."""
    for level in ("epci", "ze2020", "dep", "reg"):
        path = web_dir() / "geo" / f"{level}.json"
        feats = json.loads(path.read_text(encoding="utf-8"))["features"]
        codes = {r[0] for r in con.execute(f"SELECT code FROM contours_{level}").fetchall()}
        assert {f["properties"]["code"] for f in feats} == codes
        assert {f["properties"]["area_type"] for f in feats} <= {"rural", "urbain"}
        assert all(f["properties"]["reg"] for f in feats)
    assert (web_dir() / "geo" / "epci.json").stat().st_size < 1_000_000
    feats = json.loads((web_dir() / "geo" / "epci.json").read_text())["features"]
    gp = next(f for f in feats if f["properties"]["code"] == GRAND_PARIS)
    assert gp["properties"]["reg_name"] == "Île-de-France"
    assert gp["properties"]["name"] == "Métropole du Grand Paris" == con.execute(
        "SELECT name FROM territory WHERE level = 'epci' AND code = ?", [GRAND_PARIS]
    ).fetchall()[0][0]
    # a click on Notre-Dame lands in the Grand Paris, and in no other EPCI
    hits = [f["properties"]["code"] for f in feats
            if any(calc_inside(NOTRE_DAME, poly) for poly in f["geometry"]["coordinates"])]
    assert hits == [GRAND_PARIS]


def module_graph(name: str, seen: set[str] | None = None) -> set[str]:
    """``name`` (a file of web/js) and every module it imports, transitively."""
    seen = set() if seen is None else seen
    if name not in seen:
        seen.add(name)
        text = (web_dir() / "js" / name).read_text(encoding="utf-8")
        for dep in re.findall(r'^import .*? from "\./([\w-]+\.js)";', text, re.M | re.S):
            module_graph(dep, seen)
    return seen


def test_every_module_preloaded_and_first_requests_early():
    """index.html preloads exactly the modules main.js and start.js import (a module left out
    is fetched only once its importer is read: a round trip more before the first map), and
    start.js, which asks for the first map's answers, is an async module placed before the
    stylesheets and maplibre-gl.js (so it runs as soon as it arrives)."""
    html = (web_dir() / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="js/([\w-]+\.js)">', html)
    assert len(preloaded) == len(set(preloaded))
    graph = module_graph("main.js") | module_graph("start.js")
    assert set(preloaded) == graph - {"main.js", "start.js"}
    assert {p.name for p in (web_dir() / "js").glob("*.js")} == graph
    start = html.index('<script type="module" async src="js/start.js"></script>')
    assert start < html.index('rel="stylesheet"') < html.index('src="vendor/maplibre-gl.js"')
    assert module_graph("start.js") == {"start.js", "api.js", "state.js"}


def fr2(x: float) -> str:
    """French format of the dashboard for values under 10: at most two decimals."""
    s = f"{x:.2f}".replace(".", ",")
    return s.rstrip("0").rstrip(",")


@needs_chromium
def test_dashboard(fictional_server, browser):
    server = fictional_server
    api = httpx.get(server + "api/indicators", params={
        "level": "epci", "indicator": "lq_industry", "period": "2016", "source": "rp"}).json()
    values = {r["code"]: r["value"] for r in api["data"] if r["value"] is not None}
    name = httpx.get(server + f"api/territories/epci/{F_METRO}").json()
    assert name["data"]["territory"]["name"] == "Métropole fictive du Val d'Essai"
    # a point inside the territory: the centre of its first square (0.06° a side)
    geo = httpx.get(server + "geo/epci.json").json()
    ring = next(f for f in geo["features"]
                if f["properties"]["code"] == F_METRO)["geometry"]["coordinates"][0][0]
    inside = [sum(p[0] for p in ring[:-1]) / (len(ring) - 1),
              sum(p[1] for p in ring[:-1]) / (len(ring) - 1)]
    outside: list[str] = []
    errors: list[str] = []

    def watch(page):
        page.on("request", lambda r: None if r.url.startswith((server, "blob:", "data:"))
                else outside.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))

    # the session's browser (tests/web/conftest.py), a context of this test
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                              reduced_motion="reduce")
    try:
        page = ctx.new_page()
        watch(page)
        page.goto(server)
        wait_flag(page, "window.pacte && window.pacte.mapIdle")
        assert page.locator("#legend h3").inner_text() == f"{LABEL['industry_share']} (2016)"

        # pick an indicator
        page.select_option("#indicator", "lq_industry")
        wait_flag(page, "window.pacte.mapIdle")
        assert page.locator("#legend h3").inner_text() == f"{LABEL['lq_industry']} (2016)"
        assert page.locator("#about-period").inner_text() == "2016"
        assert "indicateur=lq_industry" in page.url

        # click a territory on the map
        box = page.locator("#map").bounding_box()
        pt = page.evaluate(f"(() => {{ const p = window.pacteMap.project({inside});"
                           " return [p.x, p.y]; })()")
        page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
        wait_flag(page, "window.pacte.panelReady")
        assert page.locator("#panel-name").inner_text() == "Métropole fictive du Val d'Essai"
        assert page.locator("#panel-value").inner_text() == f"{fr2(values[F_METRO])} indice"
        assert page.locator("#table tbody tr.selected").get_attribute("data-code") == F_METRO
        assert f"territoire={F_METRO}" in page.url
        # the sector mix (the source with the most years, at its last year) and the links
        # to the profile
        assert page.locator("#panel-mix rect").count() >= 5
        years: dict[str, set] = {}
        for r in name["data"]["jobs"]:
            years.setdefault(r["source"], set()).add(r["year"])
        last = max(max(years.values(), key=len))
        assert f", {last} : " in page.locator("#panel-mix figcaption").inner_text()
        pdf = page.locator("#panel-profile a").first
        href = pdf.get_attribute("href")
        assert href == f"api/profile/epci/{F_METRO}?format=pdf"
        got = page.request.get(server.rstrip("/") + "/" + href)
        assert got.status == 200 and got.headers["content-type"] == "application/pdf"
        assert got.body()[:5] == b"%PDF-"

        # sort the table by value, descending (two clicks), and filter on a région
        header = page.locator('#table th button[data-col="value"]')
        header.click()
        header.click()
        assert page.locator('#table th:has(button[data-col="value"])').get_attribute(
            "aria-sort") == "descending"
        page.select_option("#region", "28")
        rows = page.locator("#table tbody tr")
        kept = rows.evaluate_all("rs => rs.map(r => r.dataset.code)")
        assert sorted(kept) == [F_METRO, F_PLATEAU]  # région 28's EPCI, not the third
        best = max((c for c in kept if c in values), key=values.get)
        assert rows.first.get_attribute("data-code") == best
        page.screenshot(path=str(OUTPUT / "dashboard-selection.png"))

        # the permalink, in a fresh page, gives back the same view
        link = page.url
        for key in ("tri=-value", "region=28", f"territoire={F_METRO}"):
            assert key in link
        again = ctx.new_page()
        watch(again)
        again.goto(link)
        wait_flag(again, "window.pacte && window.pacte.mapIdle && window.pacte.panelReady")
        assert again.locator("#indicator").input_value() == "lq_industry"
        assert again.locator("#region").input_value() == "28"
        assert again.locator("#panel-name").inner_text() == "Métropole fictive du Val d'Essai"
        assert again.locator("#table tbody tr").first.get_attribute("data-code") == best
        assert again.locator("#table tbody tr.selected").get_attribute(
            "data-code") == F_METRO
        again.screenshot(path=str(OUTPUT / "dashboard-permalink.png"))
    finally:
        ctx.close()
    assert errors == []
    assert outside == [], f"requêtes hors du serveur : {outside}"
