"""The printed profile's HTML as the element tree WeasyPrint lays out, read without a full
HTML5 parser.

WeasyPrint parses HTML with tinyhtml5, a complete HTML5 parser in pure Python: about a tenth
of a profile's PDF time. The profile's template writes a strict subset of HTML: every element
closed explicitly, tables spelled out (``colgroup``, ``thead``, ``tbody``), a known set of
elements, no comment, script or style. For such a page, the tree is plain nesting, plus the
HTML5 rules for the whitespace around ``head`` and ``body`` (dropped before ``head``, kept in
``head``, after it, and at the end of ``body``). :func:`strict_tree` reads that subset with the
standard library's tokenizer and returns the tree tinyhtml5 builds (tests compare them, tag,
attribute, text and tail, on profiles of every level); on anything outside the subset (an
implied end tag, text a table would move, an unknown element...) it returns None and the
caller parses with tinyhtml5.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = frozenset({"meta", "link", "col", "img", "br", "wbr", "hr"})
#: Elements read here (a whitelist: any other one hands the page to tinyhtml5).
KNOWN = VOID | frozenset({
    "html", "head", "title", "body", "header", "main", "section", "div", "p", "h1", "h2",
    "h3", "h4", "figure", "figcaption", "ul", "ol", "li", "table", "colgroup", "thead",
    "tbody", "tr", "th", "td", "span", "strong", "sup", "sub", "em", "b", "i", "small"})
#: Start tags that close an open ``p`` (HTML5 "in body" insertion mode).
CLOSES_P = frozenset({"header", "main", "section", "div", "p", "h1", "h2", "h3", "h4",
                      "figure", "figcaption", "ul", "ol", "table", "hr"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
#: Elements whose content a table's parser keeps in place only if it is whitespace, and
#: the only children each may have.
TABLE_CHILDREN = {"table": {"colgroup", "thead", "tbody"}, "colgroup": {"col"},
                  "thead": {"tr"}, "tbody": {"tr"}, "tr": {"th", "td"}}
#: Scope boundaries of "a p element in button scope" among the known elements.
P_SCOPE = frozenset({"html", "table", "td", "th"})
_SPACE = re.compile(r"[ \t\n\f\r]*")


class NotStrict(Exception):
    """The page leaves the subset read here."""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: ET.Element | None = None
        self.stack: list[ET.Element] = []
        self.where = "start"  # start, html, head, after_head, body, after_body

    # text -----------------------------------------------------------------------------
    def _append_text(self, parent: ET.Element, text: str) -> None:
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def handle_data(self, data: str) -> None:
        blank = _SPACE.fullmatch(data) is not None
        if self.where in ("start", "html"):
            if not blank:
                raise NotStrict("texte avant head")
            return  # dropped (before html, before head)
        if self.where == "after_head":
            if not blank:
                raise NotStrict("texte entre head et body")
            self._append_text(self.root, data)
            return
        if self.where == "after_body":
            if not blank:
                raise NotStrict("texte après body")
            self._append_text(self.body, data)
            return
        parent = self.stack[-1]
        if parent.tag in TABLE_CHILDREN and not blank:
            raise NotStrict("texte déplacé hors du tableau")
        if self.where == "head" and parent.tag == "head" and not blank:
            raise NotStrict("texte dans head")
        self._append_text(parent, data)

    # elements -------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in KNOWN:
            raise NotStrict(tag)
        attrib: dict[str, str] = {}
        for name, value in attrs:
            attrib.setdefault(name, "" if value is None else value)
        if tag == "html":
            if self.where != "start":
                raise NotStrict("html")
            self.root = ET.Element(tag, attrib)
            self.stack, self.where = [self.root], "html"
            return
        if tag == "head":
            if self.where != "html":
                raise NotStrict("head")
            self.where = "head"
        elif tag == "body":
            if self.where != "after_head":
                raise NotStrict("body")
            self.where = "body"
        elif self.where == "head":
            if self.stack[-1].tag != "head" or tag not in ("meta", "title", "link"):
                raise NotStrict(f"{tag} dans head")
        elif self.where != "body":
            raise NotStrict(f"{tag} hors de body")
        else:
            self._check_body_start(tag)
        element = ET.SubElement(self.stack[-1], tag, attrib)
        if tag not in VOID:
            self.stack.append(element)
        if tag == "body":
            self.body = element

    def _check_body_start(self, tag: str) -> None:
        parent = self.stack[-1]
        allowed = TABLE_CHILDREN.get(parent.tag)
        if allowed is not None and tag not in allowed:
            raise NotStrict(f"{tag} dans {parent.tag}")
        if tag in ("td", "th", "tr", "colgroup", "col", "thead", "tbody") and allowed is None:
            raise NotStrict(f"{tag} hors de son tableau")
        if tag in HEADINGS and parent.tag in HEADINGS:
            raise NotStrict("titre dans un titre")
        if tag == "li" and any(e.tag == "li" for e in self.stack):
            raise NotStrict("li dans li")
        if tag in CLOSES_P:
            for element in reversed(self.stack):
                if element.tag == "p":
                    raise NotStrict(f"{tag} ferme un p")
                if element.tag in P_SCOPE:
                    break

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag not in VOID:
            raise NotStrict(f"<{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            raise NotStrict(f"</{tag}>")
        if tag == "html" and self.where == "after_body":
            return
        if not self.stack or self.stack[-1].tag != tag:
            raise NotStrict(f"</{tag}> inattendu")
        self.stack.pop()
        if tag == "head":
            self.where = "after_head"
        elif tag == "body":
            self.where = "after_body"

    # anything else --------------------------------------------------------------------
    def handle_decl(self, decl: str) -> None:
        if self.where != "start" or decl.lower() != "doctype html":
            raise NotStrict(decl)

    def handle_comment(self, data: str) -> None:
        raise NotStrict("commentaire")

    def handle_pi(self, data: str) -> None:
        raise NotStrict("instruction")

    def unknown_decl(self, data: str) -> None:
        raise NotStrict(data)


def strict_tree(html: str) -> ET.Element | None:
    """The root (``html``) of the tree tinyhtml5 makes of ``html`` (element names without
    namespace), or None when the page is not in the strict subset this reads."""
    if "\x00" in html or "\r" in html or html.startswith("\ufeff"):
        return None
    builder = _Builder()
    try:
        builder.feed(html)
        builder.close()
    except NotStrict:
        return None
    if builder.where != "after_body" or builder.rawdata:
        return None
    return builder.root
