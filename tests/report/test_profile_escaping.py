"""The HTML profile escapes everything it inserts (Jinja's ``select_autoescape()`` matched
``*.html`` but not ``*.html.j2``, so nothing was escaped), and holds no inline style, so the
API serves it styled under its CSP (``style-src 'self'``)."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from pacte.api import Settings, create_app
from pacte.api.guards import CSP
from pacte.handlers import Answer
from pacte.handlers.profile import profile
from pacte.report.profile import render_html, stylesheet

HOSTILE = "<script>alert(1)</script>"


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer reads them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    p = Tags()
    p.feed(html)
    return p.tags


@pytest.fixture(scope="module")
def epci_code(fictional_con):
    return fictional_con.execute("SELECT min(code) FROM territory WHERE level = 'epci'"
                                 ).fetchone()[0]


def test_a_hostile_name_is_text_not_script(fictional_con, epci_code):
    ans = profile(fictional_con, epci_code, "epci")
    data = copy.deepcopy(ans.data)
    data["territory"]["name"] = HOSTILE
    page = render_html(fictional_con, Answer(data, ans.meta))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not [t for t, _ in tags(page) if t == "script"]
    alts = [a["alt"] for t, a in tags(page) if t == "img"]
    assert alts and all(HOSTILE in a for a in alts)  # the attribute holds the whole name


def test_real_quotes_of_saintes_stay_inside_the_alt_attribute(con):
    """EPCI 200036473 is named « CA "Saintes - Grandes Rives - L'Agglo" » (BANATIC/INSEE,
    with the quotes): they broke the ``alt`` of the map and of the chart."""
    name = con.execute("SELECT name FROM territory WHERE level = 'epci' AND code = "
                       "'200036473'").fetchone()[0]
    assert name == 'CA "Saintes - Grandes Rives - L\'Agglo"'
    page = render_html(con, profile(con, "200036473", "epci"))
    alts = [a["alt"] for t, a in tags(page) if t == "img"]
    assert len(alts) == 2 and all(name in a for a in alts), alts
    assert "&#34;Saintes" in page or "&quot;Saintes" in page


def test_the_page_has_no_inline_style_and_every_class_has_its_rule(fictional_con, epci_code):
    page = render_html(fictional_con, profile(fictional_con, epci_code, "epci"),
                       stylesheet="/api/profile.css")
    assert not [a for _, a in tags(page) if "style" in a]
    assert "<style" not in page
    links = [a for t, a in tags(page) if t == "link"]
    assert links == [{"rel": "stylesheet", "href": "/api/profile.css"}]
    css = stylesheet()
    widths = {c for _, a in tags(page) for c in a.get("class", "").split() if
              re.fullmatch(r"w\d+", c)}
    assert widths and all(f"col.{w} {{" in css for w in widths)
    assert ".swatch.territory {" in css and ".swatch.context {" in css


def test_the_api_serves_the_profile_with_its_stylesheet_under_the_csp(fictional_store,
                                                                      epci_code):
    assert "style-src 'self';" in CSP and "unsafe-inline" not in CSP
    with TestClient(create_app(Settings(db=fictional_store))) as c:
        r = c.get(f"/api/profile/epci/{epci_code}?format=html")
        assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
        page = r.text
        assert "<style" not in page and not [a for _, a in tags(page) if "style" in a]
        href = [a["href"] for t, a in tags(page) if t == "link"]
        assert href == ["/api/profile.css"]
        css = c.get(href[0])
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert css.text == stylesheet() and "thead th" in css.text
