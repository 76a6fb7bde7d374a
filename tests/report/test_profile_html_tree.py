"""The printed profile's HTML read without tinyhtml5 (pacte.report.html_tree) is the tree
tinyhtml5 builds — tags, attributes, text and tails — for profiles of every level; a page
outside the strict subset (an end tag HTML5 would imply, a row a table would move, a
comment...) is handed back to tinyhtml5; and the PDF is the same byte for byte."""

from __future__ import annotations

import pytest

from pacte.report.html_tree import strict_tree
from pacte.report.profile import pdf_from_html, print_html

tinyhtml5 = pytest.importorskip("tinyhtml5")


def _diff(a, b, path: str = "html") -> str | None:
    """Where two element trees differ, None when they are the same."""
    if (a.tag, dict(a.attrib)) != (b.tag, dict(b.attrib)):
        return f"{path}: {a.tag} {dict(a.attrib)} / {b.tag} {dict(b.attrib)}"
    for what in ("text", "tail"):
        if getattr(a, what) != getattr(b, what):
            return f"{path}.{what}: {getattr(a, what)!r} / {getattr(b, what)!r}"
    if len(a) != len(b):
        return f"{path}: {len(a)} / {len(b)} enfants"
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if (d := _diff(x, y, f"{path}/{x.tag}[{i}]")) is not None:
            return d
    return None


def _reference(html: str):
    return tinyhtml5.parse(html, namespace_html_elements=False)


def _page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>t &amp; u</title>{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _profiles(con):
    from pacte.handlers.profile import profile

    for level in ("epci", "ze2020", "dep", "reg"):
        codes = [r[0] for r in con.execute(
            "SELECT code FROM territory WHERE level = ? ORDER BY code LIMIT 2",
            [level]).fetchall()]
        for code in codes:
            yield f"{level} {code}", print_html(con, profile(con, code, level))


def test_profiles_give_tinyhtml5s_tree_and_the_same_pdf(fictional_con):
    from weasyprint import HTML

    from pacte.report.profile import TEMPLATES, _weasy

    pages = dict(_profiles(fictional_con))
    assert len(pages) >= 6
    for where, html in pages.items():
        tree = strict_tree(html)
        assert tree is not None, where
        assert _diff(_reference(html), tree) is None, where
    fonts, css, profile_html = _weasy()
    for where in list(pages)[::3]:
        stock = profile_html.__new__(profile_html)  # the profile's class, tinyhtml5's tree
        HTML.__init__(stock, string=pages[where], base_url=str(TEMPLATES))
        pdf = stock.write_pdf(stylesheets=[css], font_config=fonts)
        assert pdf_from_html(pages[where]) == pdf, where


@pytest.mark.parametrize("body", [
    "<p>a <strong>b</strong> c</p>\n<ul>\n<li>x</li>\n<li>y &lt; z</li>\n</ul>",
    "<table>\n<colgroup><col class=\"w1\"><col></colgroup>\n<thead><tr><th>a</th></tr>"
    "</thead>\n<tbody>\n<tr><td>1</td></tr>\n</tbody>\n</table>",
    "<div><h2 id=\"x\">T</h2><p class=a class=b hidden>d<sup>1</sup></p></div>",
    "<figure><img src=\"x.png\" alt=\"\"><figcaption>c</figcaption></figure>",
])
def test_strict_pages_give_tinyhtml5s_tree(body):
    html = _page(body)
    tree = strict_tree(html)
    assert tree is not None
    assert _diff(_reference(html), tree) is None


@pytest.mark.parametrize("body", [
    "<p>a<div>b</div></p>",  # a div closes the p
    "<p>a<table><tbody><tr><td>1</td></tr></tbody></table></p>",
    "<table><tr><td>1</td></tr></table>",  # tinyhtml5 adds a tbody
    "<table><tbody>texte<tr><td>1</td></tr></tbody></table>",  # text moved before the table
    "<table><tbody><tr><td>1</td></tr></tbody><p>x</p></table>",
    "<ul><li>a<li>b</li></ul>",  # the second li closes the first
    "<h2>a<h3>b</h3></h2>",
    "<p>a</p><!-- note --><p>b</p>",
    "<p>a<br/>b</p><p>c</p></div>",  # an end tag without its start
    "<a href=\"x\">lien</a>",  # not a known element
    "<p>a</p><style>p {}</style>",
])
def test_other_pages_go_to_tinyhtml5(body):
    assert strict_tree(_page(body)) is None
    assert strict_tree(_page(body).replace("\n", "\r\n")) is None
