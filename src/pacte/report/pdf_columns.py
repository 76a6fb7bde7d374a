"""The printed profile's two columns (``.cols``, ``column-fill: auto``) laid out in one pass.

WeasyPrint lays a multi-column box out twice on every page: a search pass (each column,
plus the first box of the next one) that finds the column height, then the pass that is
kept. With ``column-fill: auto``, a single run of columns (no ``column-span``), no set
height and no footnotes, the search always ends on the full height left on the page (the
content overflows and goes on on the next page, or it fits and is not balanced), so the
kept pass alone gives the same boxes: the columns filled one after the other to the bottom
of the page. That pass is what :func:`columns_layout` does, for the profile's ``.cols``
only; any other multi-column box goes to WeasyPrint's own routine. Measured on the EPCI
profiles, the search pass was about a fifth of WeasyPrint's CPU time per PDF.

The one-pass layout calls WeasyPrint's layout functions, whose signatures are internal:
:func:`install` replaces WeasyPrint's routine only for the versions it was checked against
(:data:`CHECKED_MAJORS`; tests/report/test_pdf_columns.py compares the pages drawn both
ways), and leaves any other version alone (slower, same pages).
"""

from __future__ import annotations

import threading

#: WeasyPrint major versions whose multi-column routine this one-pass layout reproduces.
CHECKED_MAJORS = ("70",)
#: The class of the profile's multi-column box.
COLUMNS_CLASS = "cols"
_LOCK = threading.Lock()
_STOCK: dict = {}


def _eligible(context, box) -> bool:
    """The box is the profile's ``.cols`` in the case where the search pass is useless."""
    element = getattr(box, "element", None)
    if element is None or COLUMNS_CLASS not in (element.get("class") or "").split():
        return False
    style = box.style
    return (style["column_fill"] == "auto" and style["height"] == "auto"
            and style["position"] != "relative" and style["column_count"] != "auto"
            and style["column_width"] == "auto"
            and context.current_footnote_area.height == "auto"
            and not context.current_page_footnotes
            and all(child.style["column_span"] != "all" for child in box.children))


def columns_layout(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                   absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                   first_line_style):
    """WeasyPrint's ``columns_layout`` without its search pass for the profile's columns
    (same arguments, same result); WeasyPrint's own routine for any other box."""
    if not _eligible(context, box):
        return _STOCK["columns_layout"](
            context, box, bottom_space, skip_stack, containing_block, page_is_empty,
            absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
            first_line_style)
    from weasyprint.layout.block import block_box_layout, block_level_width, collapse_margin
    from weasyprint.layout.column import _create_column_box
    from weasyprint.layout.percent import percentage

    style = box.style
    count = style["column_count"]
    context.in_column = True
    box = box.copy_with_children(box.children)
    box.position_y += collapse_margin(adjoining_margins)
    block_level_width(box, containing_block)
    gap = (style["font_size"] if style["column_gap"] == "normal"
           else percentage(style["column_gap"], box.style, box.width))
    width = max(0, box.width - (count - 1) * gap) / count

    skip, = skip_stack.keys() if skip_stack else (0,)
    children = [child.copy() for child in box.children[skip:]]
    column_skip_stack = {0: skip_stack[skip]} if skip_stack else None
    next_page = {"break": "any", "page": None}
    top = box.content_box_y()
    max_height = context.page_bottom - top - bottom_space
    columns, break_page, tallest = [], False, 0
    if children:
        for i in range(count):
            column_box = _create_column_box(box, containing_block, children, width, top)
            if style["direction"] == "rtl":
                column_box.position_x += box.width - (i + 1) * width - i * gap
            else:
                column_box.position_x += i * (width + gap)
            new_child, column_skip_stack, column_next_page, _, _, _ = block_box_layout(
                context, column_box, bottom_space, column_skip_stack, containing_block,
                page_is_empty, absolute_boxes, fixed_boxes, None, first_letter_style,
                first_line_style, discard=False, max_lines=None)
            if new_child is None:
                columns, break_page = [], True
                break
            next_page = column_next_page
            columns.append(new_child)
            tallest = max(tallest, new_child.margin_height())
            if column_skip_stack is None:
                break
    if box.children and not columns:  # nothing fits here: the whole box on the next page
        context.in_column = False
        return None, (0, None), {"break": "any", "page": None}, [], False
    for column in columns:
        column.height = tallest
    box.children = columns
    box.height = min(max_height, tallest) if columns else 0
    if box.min_height != "auto" and box.min_height > box.height:
        for column in columns:
            column.height += box.min_height - box.height
        box.height = box.min_height
    if column_skip_stack:
        (rel,) = column_skip_stack.keys()
        resume_at = {skip + rel: column_skip_stack[rel]}
    elif break_page:
        resume_at = {skip: None}
    else:
        resume_at = None
    context.in_column = False
    return box, resume_at, next_page, [], False


def install() -> bool:
    """Put :func:`columns_layout` in WeasyPrint's block layout (once per process) if this
    WeasyPrint is a checked version; True when it is in place."""
    import weasyprint
    from weasyprint.layout import block

    with _LOCK:
        if block.columns_layout is columns_layout:
            return True
        if weasyprint.__version__.split(".")[0] not in CHECKED_MAJORS:
            return False
        _STOCK["columns_layout"] = block.columns_layout
        block.columns_layout = columns_layout
        return True


def uninstall() -> None:
    """WeasyPrint's own routine back (to compare both)."""
    from weasyprint.layout import block

    with _LOCK:
        if block.columns_layout is columns_layout:
            block.columns_layout = _STOCK["columns_layout"]
