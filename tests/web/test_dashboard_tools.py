"""What an analyst does with the dashboard beyond the map, in headless Debian Chromium:
find a territory, compare it with a group of their choice, see change over time, read and
download the indicator's metadata, download what is shown (several indicators as CSV and
XLSX, the map as PNG), and contest the targeting rule (the edited
rule's YAML gives, in ``pacte rank --weights``, the rank and interval the browser shows).
Every expected figure is read from the API or the CLI over the same store. The checks that
hold on any store run over the fictional one (``open_fictional``: three EPCI, so each action
re-renders three rows instead of 1,255); the class breaks need the real one (``real_page``,
shared with the basin layer's test).
Screenshots go to tests/output/."""

import csv
import io
import json
import statistics
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from webhelpers import OUTPUT, needs_chromium, wait_flag, web_group

from pacte.catalogue import INDICATORS
from pacte.cli import app as cli

ROUEN = "200023414"
# the fictional store's EPCI (tests/fixtures/fictional_tables.py: real codes, fictional names)
F_METRO, F_CHAMPS, F_PLATEAU = "200023414", "200070936", "247600620"
pytestmark = [needs_chromium, web_group]


def pages(browser, server):
    """opener(query, width, height) -> a page with its first map painted; no page error and no
    request outside the server, checked at the end of the test. The default window is the
    desktop layout (above the 900 px breakpoint of style.css) at two thirds of the pixels of
    1400 x 1000: Chromium paints the map in software, so pixels cost CPU."""
    contexts, errors, outside = [], [], []

    def opener(query: str = "", width: int = 1100, height: int = 850):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                  accept_downloads=True, reduced_motion="reduce")
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith((server, "blob:", "data:"))
                else outside.append(r.url))
        page.goto(server + query)
        wait_flag(page, "window.pacte && window.pacte.mapIdle")
        return page

    yield opener
    for ctx in contexts:
        ctx.close()
    assert errors == []
    assert outside == []


@pytest.fixture
def open_fictional(browser, fictional_server):
    """Pages over the fictional store (:func:`pages`)."""
    yield from pages(browser, fictional_server)


def api(server: str, path: str, **params) -> dict:
    r = httpx.get(server + path, params=params, timeout=60)
    r.raise_for_status()
    return r.json()


def values(server: str, level: str, indicator: str, period: str, source: str) -> dict:
    rows = api(server, "api/indicators", level=level, indicator=indicator, period=period,
               source=source)["data"]
    return {r["code"]: r["value"] for r in rows}


def fr(x: float, digits: int | None = None) -> str:
    """The dashboard's French number format (Intl.NumberFormat fr-FR, at most 2 decimals under
    10, 1 under 100, none above; narrow no-break space between thousands)."""
    d = digits if digits is not None else (0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2)
    s = f"{x:,.{d}f}".replace(",", "\u202f").replace(".", ",")
    if "," in s:
        s = s.rstrip("0").rstrip(",")
    return "0" if s in ("-0", "") else s


def median(xs):
    return statistics.median([x for x in xs if x is not None])


def select_by_search(page, text: str) -> None:
    page.fill("#search", "")
    page.type("#search", text)
    page.keyboard.press("Enter")
    wait_flag(page, "window.pacte.panelReady && window.pacte.timeReady")


def test_search_same_matching_as_the_cli_then_keyboard_table(open_fictional, fictional_server):
    """Accents, case, hyphens and apostrophes ignored; the same territories as the API's search (the
    CLI's matching); Enter selects, zooms and opens the panel; arrows move in the list.
    Then, on the same page, the table is the map's accessible twin: one tab stop, arrows
    move, Enter selects; the focus is visible."""
    server = fictional_server
    page = open_fictional()
    page.type("#search", "VAL-d-essai")  # « Métropole fictive du Val d'Essai »
    got = page.locator("#search-list li").evaluate_all("ls => ls.map(l => l.dataset.code)")
    want = [r["code"] for r in api(server, "api/territories", level="epci",
                                   search="VAL-d-essai")["data"]]
    assert sorted(got) == sorted(want) == [F_METRO]
    page.fill("#search", "")
    page.type("#search", "d ESSAI")  # every fictional EPCI, in the CLI's matching too
    got = page.locator("#search-list li").evaluate_all("ls => ls.map(l => l.dataset.code)")
    want = [r["code"] for r in api(server, "api/territories", level="epci",
                                   search="d ESSAI")["data"]]
    assert sorted(got) == sorted(want) == sorted([F_METRO, F_CHAMPS, F_PLATEAU])
    page.fill("#search", "")
    page.type("#search", "metropole fictive")
    names = page.locator("#search-list li").all_inner_texts()
    assert names[0].startswith("Métropole fictive du Val d'Essai")
    assert page.locator("#search").get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(OUTPUT / "dashboard-search.png"))
    page.keyboard.press("Enter")
    wait_flag(page, "window.pacte.panelReady")
    assert page.locator("#panel-name").inner_text() == "Métropole fictive du Val d'Essai"
    assert f"territoire={F_METRO}" in page.url
    assert page.evaluate("window.pacteMap.getZoom()") > 6  # zoomed on the territory
    # by code, with the keyboard only
    page.fill("#search", "")
    page.type("#search", "2000709")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    wait_flag(page, f"window.pacte.panelReady && location.search.includes('{F_CHAMPS}')")
    assert page.locator("#panel-name").inner_text() == "CC fictive des Champs d'Essai"
    # the table, with the keyboard only
    page.locator("#table tbody tr").first.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("ArrowDown")
    code = page.evaluate("document.activeElement.dataset.code")
    if code == F_CHAMPS:  # already selected: the next row
        page.keyboard.press("ArrowDown")
        code = page.evaluate("document.activeElement.dataset.code")
    page.keyboard.press("Enter")
    wait_flag(page, f"window.pacte.panelReady && location.search.includes('{code}')")
    assert page.locator("#table tbody tr.selected").get_attribute("data-code") == code


def test_comparison_group_median_and_table(open_fictional, fictional_server):
    """The panel and the table give the territory against the chosen group's median: the
    similar territories by default, then the région, then a pasted list of codes."""
    server = fictional_server
    page = open_fictional(f"?territoire={F_METRO}")
    wait_flag(page, "window.pacte.panelReady && window.pacte.timeReady")
    share = values(server, "epci", "industry_share", "2016", "rp")
    for group, codes in (("semblables", None), ("region", None),
                         ("codes", [F_CHAMPS, F_PLATEAU])):
        if group == "codes":
            page.select_option("#group", "codes")
            page.fill("#codes", " ".join(codes))
            page.click("#codes-apply")
        elif group != "semblables":
            page.select_option("#group", group)
        page.wait_for_timeout(100)
        wait_flag(page, "window.pacte.panelReady && window.pacte.timeReady")
        members = api(server, f"api/compare/epci/{F_METRO}", group=group,
                      **({"codes": ",".join(codes)} if codes else {}))["data"]["codes"]
        if codes:
            assert members == codes
        med = median(share[c] for c in members)
        assert page.locator("#panel-group-median").inner_text() == f"{fr(med)} %"
        gap = page.locator(f'#table tbody tr[data-code="{F_METRO}"] td').nth(6).inner_text()
        assert gap == fr(share[F_METRO] - med)
    assert page.locator("#panel-group").inner_text() == "Groupe de comparaison : liste de 2 codes"
    assert "groupe=codes" in page.url and f"codes={F_CHAMPS}" in page.url
    page.check("#ingroup")  # the table keeps the group and the territory
    shown = page.locator("#table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.code)")
    assert sorted(shown) == sorted([F_METRO, *codes])
    page.select_option("#group", "region")
    wait_flag(page, "window.pacte.panelReady && window.pacte.timeReady")
    # the région's group leaves out the other région's EPCI (three EPCI in the store)
    region = api(server, f"api/compare/epci/{F_METRO}", group="region")["data"]["codes"]
    shown = page.locator("#table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.code)")
    assert sorted(shown) == sorted({F_METRO, *region}) and F_CHAMPS not in shown
    page.screenshot(path=str(OUTPUT / "dashboard-comparison.png"))


def test_time_play_change_map_and_panel_series(open_fictional, fictional_server):
    """Play runs through the source's periods to the last; « depuis 2006 » maps the change
    2006-2016 (value minus value, France too); the panel draws the indicator over time for
    the territory, France and the group's median."""
    server = fictional_server
    page = open_fictional(f"?territoire={F_METRO}")
    wait_flag(page, "window.pacte.panelReady && window.pacte.timeReady")
    periods = page.locator("#period option").evaluate_all("os => os.map(o => o.value)")
    page.click("#play")
    wait_flag(page, f"window.pacte.plays >= {len(periods)}", timeout=120)
    wait_flag(page, "window.pacte.mapIdle")
    assert page.locator("#period").input_value() == max(periods) == "2016"
    # the change map
    page.select_option("#from", "2006")
    wait_flag(page, "window.pacte.mapIdle && window.pacte.panelReady")
    now = values(server, "epci", "industry_share", "2016", "rp")
    then = values(server, "epci", "industry_share", "2006", "rp")
    assert page.locator("#panel-value").inner_text() == f"{fr(now[F_METRO] - then[F_METRO])} points de %"
    assert page.locator("#legend h3").inner_text().startswith("Évolution 2006-2016")
    assert "depuis=2006" in page.url
    page.screenshot(path=str(OUTPUT / "dashboard-change.png"))
    # the panel's series: three lines; the territory's points are the API's values
    wait_flag(page, "window.pacte.timeReady")
    chart = page.locator("#panel-timechart")
    assert chart.locator("path.line").count() == 3
    titles = chart.locator("circle.l-own title").all_text_contents()
    for period in ("2006", "2011", "2016"):
        v = values(server, "epci", "industry_share", period, "rp")[F_METRO]
        assert f"Métropole fictive du Val d'Essai {period} : {fr(v)} %" in titles


def test_class_breaks_circles_and_legend(real_page, server):
    """FttH (hundreds of ties at 0, in the real store): no empty class and no class repeated;
    job counts are proportional circles; the legend is under the map, hiding no territory."""
    page = real_page  # opened on FttH; back to it if a test moved it
    if page.locator("#indicator").input_value() != "ftth_connectable_share":
        page.select_option("#indicator", "ftth_connectable_share")
        wait_flag(page, "window.pacte.mapIdle")
    items = page.locator("#legend-classes li").all_inner_texts()
    labels = [i.rsplit(" (", 1)[0] for i in items if not i.startswith("sans donnée")]
    counts = [int(i.rsplit("(", 1)[1].rstrip(")").replace("\u202f", "")) for i in items
              if not i.startswith("sans donnée")]
    assert len(labels) == len(set(labels)) >= 4 and min(counts) > 0
    assert labels[0] == "0"  # the ties at zero, one class of their own
    vals = [v for v in values(server, "epci", "ftth_connectable_share",
                              page.locator("#period").input_value(), "anchoring").values()
            if v is not None]
    assert sum(counts) == len(vals) and counts[0] == sum(v == 0 for v in vals)
    legend, mapbox = page.locator("#legend").bounding_box(), page.locator("#map").bounding_box()
    assert legend["y"] >= mapbox["y"] + mapbox["height"] - 1
    page.select_option("#indicator", "industry_jobs")
    wait_flag(page, "window.pacte.mapIdle")
    r = page.evaluate(f"window.pacteMap.getFeatureState({{source: 'pts', id: '{ROUEN}'}}).r")
    small = page.evaluate("window.pacteMap.getFeatureState({source: 'pts', id: '200070944'}).r")
    jobs = values(server, "epci", "industry_jobs", page.locator("#period").input_value(),
                  page.locator("#source").input_value())
    # areas proportional to the counts (Rouen about 18 000 industrial jobs, Vimeu 2 500)
    assert (r / small) ** 2 == pytest.approx(jobs[ROUEN] / jobs["200070944"], rel=1e-6)
    assert "cercles proportionnels" in page.locator("#legend").inner_text()


def test_metadata_sheet_in_panel_and_download(open_fictional):
    """The indicator's sheet is the catalogue's text (`pacte indicators --list`), shown and
    downloadable as a standalone page."""
    from pacte.handlers.indicators import catalogue

    row = catalogue().set_index("id").loc["lq_industry"]
    page = open_fictional("?indicateur=lq_industry")
    sheet = page.locator("#about-sheet").inner_text()
    for text in (row["formula"], row["sources"], row["periods"], row["direction"]):
        assert text in sheet
    with page.expect_download() as dl:
        page.click("#about-download")
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    assert dl.value.suggested_filename == "pacte_fiche_lq_industry.html"
    for text in (row["label"], row["formula"], row["periods"]):
        assert text.replace("'", "&#x27;") in html


def test_exports_of_what_is_shown(open_fictional, fictional_server):
    """Several indicators for the filtered territories, in the table's order, as CSV for
    French Excel and as XLSX (Sources and Définitions sheets); the map as a PNG that is not
    blank."""
    import openpyxl
    from PIL import Image

    server = fictional_server
    page = open_fictional("?region=28", width=1400, height=1000)  # a map PNG of >= 800 px
    shown = page.locator("#table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.code)")
    assert sorted(shown) == [F_METRO, F_PLATEAU]  # the région's two EPCI, not the third
    page.click("details.export summary")
    page.select_option("#export-indicators", ["lq_industry", "industry_jobs"])
    with page.expect_download() as dl:
        page.click("#export-csv")
    text, footer = Path(dl.value.path()).read_text(encoding="utf-8-sig").split("\n\n")
    assert "Licence Ouverte / Etalab 2.0" in footer  # the provenance follows the rows
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Code", "Nom"]  # then the columns in the catalogue's order
    assert rows[0][2:] == [f"{INDICATORS[i].label_for('rp')}, 2016, recensement "
                           f"({INDICATORS[i].unit})"
                           for i in ("industry_jobs", "industry_share", "lq_industry")]
    assert [r[0] for r in rows[1:]] == shown
    lq = values(server, "epci", "lq_industry", "2016", "rp")
    col = 4
    for r in rows[1:6]:
        # to the catalogue's two decimals of an index
        assert float(r[col].replace(",", ".")) == pytest.approx(lq[r[0]], abs=0.005 + 1e-9)
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    assert dl.value.suggested_filename == "pacte_selection_epci.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert wb.sheetnames == ["Sélection epci", "Sources", "Définitions"]
    data = list(wb.worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in data[1:]] == shown and len(data[0]) == 5
    defs = [r[1] for r in wb["Définitions"].iter_rows(min_row=2, values_only=True)]
    assert defs == ["industry_jobs", "industry_share", "lq_industry"]
    with page.expect_download() as dl:
        page.click("#png")
    img = Image.open(dl.value.path()).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    assert img.width >= 800 and len(colours) > 50
    assert (0xb3, 0x00, 0x00) in {c for _, c in colours}  # the last class's red is painted


def test_rule_editor_matches_the_cli(open_fictional, fictional_server, fictional_store,
                                    tmp_path):
    """A weight change reruns the ranking through POST /api/ranking; the downloaded YAML,
    unchanged, gives `pacte rank --weights` the same rank and interval for an EPCI; the
    edited rule is in the permalink."""
    server = fictional_server
    page = open_fictional(f"?territoire={F_CHAMPS}")
    wait_flag(page, "window.pacte.panelReady")
    before = page.locator("#panel-rank").inner_text()
    page.click("#rule-open")
    weight = page.locator('fieldset[data-dim="crisis"] > label input')
    weight.fill("3")
    weight.dispatch_event("change")
    page.locator('[data-ind="drop_from_peak"] input[type=checkbox]').uncheck()
    page.screenshot(path=str(OUTPUT / "dashboard-rule.png"))
    page.click("#rule-run")
    wait_flag(page, "window.pacte.rankingRuns >= 1 && window.pacte.panelReady", timeout=120)
    assert "regle=" in page.url
    row = page.locator(f'#table tbody tr[data-code="{F_CHAMPS}"] td')
    shown_rank, shown_interval = row.nth(0).inner_text(), row.nth(5).inner_text()
    with page.expect_download() as dl:
        page.click("#rule-yaml")
    rule = tmp_path / "regle.yaml"
    rule.write_bytes(Path(dl.value.path()).read_bytes())
    out = CliRunner().invoke(cli, ["rank", "--weights", str(rule), "--format", "json",
                                   "--db", str(fictional_store)])
    assert out.exit_code == 0, out.output
    ranked = json.loads(out.output)
    ranked = ranked["data"] if isinstance(ranked, dict) else ranked
    mine = next(r for r in ranked if r["code"] == F_CHAMPS)
    assert shown_rank == str(mine["rank"])
    assert shown_interval == f"{mine['rank_low']} – {mine['rank_high']}"
    assert page.locator("#panel-rank").inner_text() != before  # the rank moved
    default = api(server, "api/ranking", level="epci")["data"]
    assert next(r for r in default if r["code"] == F_CHAMPS)["rank"] != mine["rank"]
    again = open_fictional(page.url.split("/", 3)[3])
    wait_flag(again, "window.pacte.panelReady")
    assert again.locator(f'#table tbody tr[data-code="{F_CHAMPS}"] td').nth(
        0).inner_text() == shown_rank


def test_sector_mix_level_switch_and_small_screen(open_fictional, fictional_server,
                                                  fictional_store):
    """An EPCI of the fictional store: the sector mix's bars sum to the census total
    `pacte show` prints, its « Fabrication » bar says the industry share `pacte show` prints;
    switching to zones d'emploi keeps the territory (its zone by population) and back;
    sources are named in French; at 390 px the key figures keep their France and group
    columns inside the panel."""
    server = fictional_server
    show = CliRunner().invoke(cli, ["show", F_CHAMPS, "--format", "json", "--db",
                                    str(fictional_store)])
    card = json.loads(show.output)
    total = next(r["jobs"] for r in card["jobs"] if r["source"] == "rp" and r["year"] == 2016
                 and r["sector"] == "TOTAL")
    share = next(r["value"] for r in card["indicators"] if r["indicator"] == "industry_share"
                 and r["source"] == "rp" and r["period"] == "2016")
    page = open_fictional(f"?territoire={F_CHAMPS}")
    wait_flag(page, "window.pacte.panelReady")
    mix = page.locator("#panel-mix")
    jobs = [float(x) for x in mix.locator("rect").evaluate_all(
        "rs => rs.map(r => r.getAttribute('data-jobs'))")]
    assert float(mix.get_attribute("data-total")) == total == sum(jobs)
    fab = mix.locator('rect[data-sector="FABRIC"] title').text_content()
    assert f"({fr(share, 1)} %)" in fab
    # level switch and back
    ze = api(server, f"api/locate/epci/{F_CHAMPS}", to="ze2020")["data"]
    page.select_option("#level", "ze2020")
    wait_flag(page, "window.pacte.mapIdle && window.pacte.panelReady")
    assert page.locator("#panel-name").inner_text() == ze["name"]
    assert f"territoire={ze['code']}" in page.url
    back = api(server, f"api/locate/ze2020/{ze['code']}", to="epci")["data"]
    page.select_option("#level", "epci")
    wait_flag(page, "window.pacte.mapIdle && window.pacte.panelReady")
    assert page.locator("#panel-name").inner_text() == back["name"]
    page.select_option("#indicator", "import_exposure_china")
    wait_flag(page, "window.pacte.mapIdle")
    sources = page.locator("#source option").all_inner_texts()
    assert sources == ["mondialisation (WIOD 2013)"]
    # the panel at 390 px
    small = open_fictional(f"?territoire={F_METRO}", width=390, height=900)
    wait_flag(small, "window.pacte.panelReady && window.pacte.timeReady")
    panel = small.locator("#panel").bounding_box()
    for cell in small.locator("#panel-keys td, #panel-keys th").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= panel["x"] + panel["width"] + 0.5
    assert small.evaluate("document.querySelector('#panel').scrollWidth <= "
                          "document.querySelector('#panel').clientWidth")
    small.locator("#panel").screenshot(path=str(OUTPUT / "dashboard-panel-390.png"))
