"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; never a downloaded browser), served by uvicorn on a free loopback port over a
real store: pick an indicator, click a territory, read its panel, sort the table, reload the
permalink and find the same view; zero requests outside the server. Screenshots go to
tests/output/. Waits are on flags the page sets at the map's ``idle`` event, never sleeps."""

import json

import httpx
from webhelpers import OUTPUT, needs_chromium, wait_flag

from pacte.api.app import web_dir
from pacte.catalogue import INDICATORS

LABEL = {i: ind.label for i, ind in INDICATORS.items()}

GRAND_PARIS = "200054781"


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
    gp = next(f for f in json.loads((web_dir() / "geo" / "epci.json").read_text())["features"]
              if f["properties"]["code"] == GRAND_PARIS)
    assert gp["properties"]["reg_name"] == "Île-de-France"


def fr2(x: float) -> str:
    """French format of the dashboard for values under 10: at most two decimals."""
    s = f"{x:.2f}".replace(".", ",")
    return s.rstrip("0").rstrip(",")


@needs_chromium
def test_dashboard(server, browser):
    api = httpx.get(server + "api/indicators", params={
        "level": "epci", "indicator": "lq_industry", "period": "2016", "source": "rp"}).json()
    values = {r["code"]: r["value"] for r in api["data"] if r["value"] is not None}
    idf = httpx.get(server + f"api/territories/epci/{GRAND_PARIS}").json()
    assert idf["data"]["territory"]["name"] == "Métropole du Grand Paris"
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

        # click a territory on the map: the Métropole du Grand Paris (Paris, Notre-Dame)
        box = page.locator("#map").bounding_box()
        pt = page.evaluate("(() => { const p = window.pacteMap.project([2.349, 48.853]);"
                           " return [p.x, p.y]; })()")
        page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
        wait_flag(page, "window.pacte.panelReady")
        assert page.locator("#panel-name").inner_text() == "Métropole du Grand Paris"
        assert page.locator("#panel-value").inner_text() == f"{fr2(values[GRAND_PARIS])} indice"
        assert page.locator("#table tbody tr.selected").get_attribute("data-code") == GRAND_PARIS
        assert f"territoire={GRAND_PARIS}" in page.url
        # the sector mix (census functions, 2016) and the links to the profile
        assert page.locator("#panel-mix rect").count() >= 5
        assert "2016" in page.locator("#panel-mix figcaption").inner_text()
        pdf = page.locator("#panel-profile a").first
        href = pdf.get_attribute("href")
        assert href == f"api/profile/epci/{GRAND_PARIS}?format=pdf"
        got = page.request.get(server.rstrip("/") + "/" + href)
        assert got.status == 200 and got.headers["content-type"] == "application/pdf"
        assert got.body()[:5] == b"%PDF-"

        # sort the table by value, descending (two clicks), and filter on Île-de-France
        header = page.locator('#table th button[data-col="value"]')
        header.click()
        header.click()
        assert page.locator('#table th:has(button[data-col="value"])').get_attribute(
            "aria-sort") == "descending"
        page.select_option("#region", "11")
        rows = page.locator("#table tbody tr")
        idf_codes = [c for c in values if c in set(rows.evaluate_all(
            "rs => rs.map(r => r.dataset.code)"))]
        best = max(idf_codes, key=values.get)
        assert rows.first.get_attribute("data-code") == best
        page.screenshot(path=str(OUTPUT / "dashboard-selection.png"))

        # the permalink, in a fresh page, gives back the same view
        link = page.url
        for key in ("tri=-value", "region=11", f"territoire={GRAND_PARIS}"):
            assert key in link
        again = ctx.new_page()
        watch(again)
        again.goto(link)
        wait_flag(again, "window.pacte && window.pacte.mapIdle && window.pacte.panelReady")
        assert again.locator("#indicator").input_value() == "lq_industry"
        assert again.locator("#region").input_value() == "11"
        assert again.locator("#panel-name").inner_text() == "Métropole du Grand Paris"
        assert again.locator("#table tbody tr").first.get_attribute("data-code") == best
        assert again.locator("#table tbody tr.selected").get_attribute(
            "data-code") == GRAND_PARIS
        again.screenshot(path=str(OUTPUT / "dashboard-permalink.png"))
    finally:
        ctx.close()
    assert errors == []
    assert outside == [], f"requêtes hors du serveur : {outside}"
