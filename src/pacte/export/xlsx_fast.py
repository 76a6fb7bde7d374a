"""A direct writer of the XLSX of :func:`pacte.export.tables.write_xlsx`: the same workbook as
openpyxl makes (sheets, French headers in bold, frozen header row, filters, column widths,
number formats, inline text cells, numbers written as openpyxl writes them: ``%.16g``),
with each row's XML built as one string instead of one openpyxl cell object per value (the
national ranking's 30,000 cells: a tenth of the time).

Only plain values are written here (None, text, booleans read « oui » / « non », integers
and finite floats); a table holding anything else (dates, infinities, text a worksheet
cannot hold) gets :class:`Unsupported`, and the caller writes it with openpyxl.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

#: Characters a worksheet cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: Excel's built-in number formats used by the writers (others are custom, id >= 164).
_BUILTIN = {"0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "@": 49}
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_MIME = "application/vnd.openxmlformats-officedocument"


class Unsupported(ValueError):
    """A value this writer does not write (the caller falls back to openpyxl)."""


def column_letter(j: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _text(ref: str, style: str, v: str) -> str:
    if len(v) > 32767 or _ILLEGAL.search(v):
        raise Unsupported("texte")
    if not v:
        return f'<c r="{ref}"{style} t="inlineStr"/>'
    space = ' xml:space="preserve"' if v != v.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{v.translate(_ESCAPE)}</t></is></c>'


def _cell(ref: str, style: str, v) -> str:
    if v is None:
        return f'<c r="{ref}"{style} t="n"/>'
    if isinstance(v, str):
        return _text(ref, style, v)
    if isinstance(v, bool):
        return _text(ref, style, "oui" if v else "non")
    if isinstance(v, int | float) and v - v == 0:  # finite
        return f'<c r="{ref}"{style} t="n"><v>{v:.16g}</v></c>'
    raise Unsupported(type(v).__name__)


def _sheet(rows: list[list], styles: list[str], widths: list[float], frozen: bool,
           autofilter: bool) -> str:
    ncol = max(len(r) for r in rows)
    last = f"{column_letter(ncol)}{len(rows)}"
    letters = [column_letter(j) for j in range(1, ncol + 1)]
    out = [f'<worksheet {_NS}><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
           f'<pageSetUpPr/></sheetPr><dimension ref="A1:{last}"/><sheetViews>'
           '<sheetView workbookViewId="0">']
    out.append('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
               '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>' if frozen else
               '<selection activeCell="A1" sqref="A1"/>')
    out.append('</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
               '<cols>' + "".join(f'<col width="{w:g}" customWidth="1" min="{j}" max="{j}"/>'
                                   for j, w in enumerate(widths, 1)) + '</cols><sheetData>')
    header = ' s="1"'
    for i, row in enumerate(rows, 1):
        out.append(f'<row r="{i}">' + "".join(
            _cell(f"{letters[j]}{i}", header if i == 1 else styles[j], v)
            for j, v in enumerate(row)) + "</row>")
    out.append("</sheetData>" + (f'<autoFilter ref="A1:{last}"/>' if autofilter else "") +
               '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
               'footer="0.5"/></worksheet>')
    return "".join(out)


def _styles(formats: list[str]) -> tuple[str, dict[str, int]]:
    """styles.xml: Calibri 11, the bold header (xf 1), one xf per number format."""
    custom = [f for f in formats if f not in _BUILTIN]
    ids = {**{f: _BUILTIN[f] for f in formats if f in _BUILTIN},
           **{f: 164 + i for i, f in enumerate(custom)}}
    numfmts = "".join(f'<numFmt numFmtId="{ids[f]}" formatCode="{_attr(f)}"/>' for f in custom)
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0"/>']
    xfs += [f'<xf numFmtId="{ids[f]}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" '
            'xfId="0"/>' for f in formats]
    return (f'<styleSheet {_NS}><numFmts count="{len(custom)}">{numfmts}</numFmts>'
            '<fonts count="2"><font><name val="Calibri"/><family val="2"/><color theme="1"/>'
            '<sz val="11"/><scheme val="minor"/></font><font><b val="1"/></font></fonts>'
            '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType='
            '"gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
            '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
            f'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">'
            + "".join(xfs) + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>',
            {f: 2 + i for i, f in enumerate(formats)})


def _attr(s: str) -> str:
    return s.translate(_ESCAPE).replace('"', "&quot;")


def write_workbook(path: Path, sheets: list[tuple[str, list[list], list[str | None],
                                                  list[float], bool]]) -> Path:
    """Write ``sheets`` (name, rows with the header first, each column's number format or
    None, column widths, frozen header + filter) to ``path``. Raises :class:`Unsupported`
    before writing anything when a value is not plain."""
    formats = list(dict.fromkeys(f for s in sheets for f in s[2] if f))
    styles_xml, xf = _styles(formats)
    parts = {}
    for n, (_name, rows, fmts, widths, table) in enumerate(sheets, 1):
        styles = [f' s="{xf[f]}"' if f else "" for f in fmts]
        parts[f"xl/worksheets/sheet{n}.xml"] = _sheet(rows, styles, widths, table, table)
    names = "".join(
        f'<sheet xmlns:r="{_REL}" name="{_attr(s[0])}" sheetId="{n}" state="visible" '
        f'r:id="rId{n}"/>' for n, s in enumerate(sheets, 1))
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{_attr(_quote(s[0]))}!$A$1:${column_letter(max(len(r) for r in s[1]))}"
        f"${len(s[1])}</definedName>" for n, s in enumerate(sheets) if s[4])
    parts["xl/workbook.xml"] = (
        f'<workbook {_NS}><workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{names}</sheets>" + (f"<definedNames>{defined}</definedNames>" if defined
                                        else "") + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
    parts["xl/styles.xml"] = styles_xml
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{_PKG}/relationships">' + "".join(
            f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{n}.xml" '
            f'Id="rId{n}"/>' for n in range(1, len(sheets) + 1)) +
        f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{len(sheets) + 1}"/>'
        "</Relationships>")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts["docProps/core.xml"] = (
        f'<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" xmlns:dc="http://'
        'purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi='
        '"http://www.w3.org/2001/XMLSchema-instance"><dc:creator>pacte</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
        "</cp:coreProperties>")
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{_PKG}/relationships"><Relationship Type="{_REL}/'
        'officeDocument" Target="xl/workbook.xml" Id="rId1"/><Relationship Type="'
        f'{_PKG}/relationships/metadata/core-properties" Target="docProps/core.xml" '
        'Id="rId2"/></Relationships>')
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_MIME}'
                   '.spreadsheetml.worksheet+xml"/>' for n in range(1, len(sheets) + 1))
    types = (f'<Types xmlns="{_PKG}/content-types"><Default Extension="rels" ContentType='
             f'"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension='
             f'"xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
             f'ContentType="{_MIME}.spreadsheetml.sheet.main+xml"/><Override PartName='
             f'"/xl/styles.xml" ContentType="{_MIME}.spreadsheetml.styles+xml"/><Override '
             'PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
             f'package.core-properties+xml"/>{over}</Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        for name, xml in parts.items():
            z.writestr(name, xml)
    return Path(path)


def _quote(name: str) -> str:
    """A sheet name in a reference: quoted (apostrophes doubled)."""
    return "'" + name.replace("'", "''") + "'"
