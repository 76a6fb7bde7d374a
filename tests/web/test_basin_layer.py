"""The dashboard's basin layer in a real headless Chromium (the session's page over the real
store, tests/web/conftest.py; the fictional store has no basin): the outlines of every
stored basin are drawn above the territories, and the toggle hides them."""

from webhelpers import needs_chromium, wait_flag, web_group

pytestmark = web_group


@needs_chromium
def test_basin_layer_drawn_and_toggled(real_page, con):
    n = con.execute("SELECT count(*) FROM basin").fetchall()[0][0]
    page = real_page
    wait_flag(page, "window.pacteMap && window.pacteMap.getLayer('bassins-line')")
    assert page.evaluate("window.__pacteBasins") == n
    assert page.inner_text("#basins-toggle") == f"Bassins candidats ({n})"
    layers = page.evaluate("window.pacteMap.getStyle().layers.map(l => l.id)")
    assert layers.index("bassins-line") > layers.index("terr-hl")  # drawn above
    visible = "window.pacteMap.getLayoutProperty('bassins-line', 'visibility')"
    assert page.evaluate(visible) != "none"
    page.click("#basins-toggle")
    assert page.evaluate(visible) == "none"
    page.click("#basins-toggle")  # shown again, as the shared page was
    assert page.evaluate(visible) != "none"
