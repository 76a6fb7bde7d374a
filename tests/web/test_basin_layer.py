"""The dashboard's basin layer in a real headless Chromium (the session's server and browser,
tests/web/conftest.py): the outlines of every stored basin are drawn above the territories,
and the toggle hides them."""

from webhelpers import needs_chromium, wait_flag


@needs_chromium
def test_basin_layer_drawn_and_toggled(server, browser, con):
    n = con.execute("SELECT count(*) FROM basin").fetchall()[0][0]
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, reduced_motion="reduce")
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        wait_flag(page, "window.pacteMap && window.pacteMap.getLayer('bassins-line')")
        assert page.evaluate("window.__pacteBasins") == n
        assert page.inner_text("#basins-toggle") == f"Bassins candidats ({n})"
        layers = page.evaluate("window.pacteMap.getStyle().layers.map(l => l.id)")
        assert layers.index("bassins-line") > layers.index("terr-hl")  # drawn above
        page.click("#basins-toggle")
        assert page.evaluate(
            "window.pacteMap.getLayoutProperty('bassins-line', 'visibility')") == "none"
        assert errors == []
    finally:
        ctx.close()
