"""WeasyPrint's multi-column layout without its trial pass, where that pass is unused.

On each page, WeasyPrint lays a multi-column box out twice: a trial pass at the full
available height, which tells whether the content fits and, for balanced columns, from which
height to balance, then the pass that is kept. With ``column-fill: auto``, one run of
columns (no ``column-span: all`` child), an ``auto`` height and neither footnotes nor floats,
nothing of the trial reaches the page: the columns are never balanced, so their height is the
full available height either way, and the kept pass is laid out from the box's own
arguments. :func:`columns_layout` runs only the kept pass in that case, the same code as
WeasyPrint's; any other box goes to WeasyPrint's own function. The printed profile's
``.cols`` is such a box: its PDF is the same, byte for byte, in about 20 % less time.

Installed by :func:`install` for the WeasyPrint versions whose column code this mirrors
(checked by tests/report/test_profile_columns.py, which compares the PDFs of both paths);
with another version, WeasyPrint's layout is left as it is. The kept pass below follows
``weasyprint.layout.column.columns_layout`` (WeasyPrint 70, BSD licence).
"""

from __future__ import annotations

from math import floor

import weasyprint
from weasyprint.layout import block as _block
from weasyprint.layout import column as _column
from weasyprint.layout.percent import percentage

#: WeasyPrint versions whose ``columns_layout`` the kept pass below mirrors.
VERIFIED_VERSIONS = ("70.",)
_STOCK = _column.columns_layout


def _has_float(box) -> bool:
    stack = list(getattr(box, "children", ()))
    while stack:
        child = stack.pop()
        if child.style["float"] != "none":
            return True
        stack.extend(getattr(child, "children", ()))
    return False


def eligible(context, box) -> bool:
    """Whether WeasyPrint's trial pass is unused for ``box`` (see the module's docstring)."""
    style = box.style
    return (style["column_fill"] == "auto" and style["height"] == "auto"
            and style["position"] != "relative" and bool(box.children)
            and all(c.style["column_span"] != "all" for c in box.children)
            and not context.footnotes and not context.current_page_footnotes
            and not context.reported_footnotes and not _has_float(box))


def columns_layout(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                   absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                   first_line_style):
    """``weasyprint.layout.column.columns_layout`` without the trial pass when
    :func:`eligible`, WeasyPrint's own function otherwise (same arguments, same result)."""
    if not eligible(context, box):
        return _STOCK(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                      absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                      first_line_style)
    block_box_layout, collapse_margin = _block.block_box_layout, _block.collapse_margin
    style = box.style
    width, count = style["column_width"], style["column_count"]
    original_bottom_space = bottom_space
    context.in_column = True
    box = box.copy_with_children(box.children)
    box.position_y += collapse_margin(adjoining_margins)
    _block.block_level_width(box, containing_block)
    if style["column_gap"] == "normal":
        gap = style["font_size"]
    else:
        gap = percentage(style["column_gap"], box.style, box.width)
    if width == "auto" and count != "auto":
        width = max(0, box.width - (count - 1) * gap) / count
    elif width != "auto" and count == "auto":
        count = max(1, floor((box.width + gap) / (width + gap)))
        width = (box.width + gap) / count - gap
    else:
        count = max(1, min(count, floor((box.width + gap) / (width + gap))))
        width = (box.width + gap) / count - gap
    skip, = skip_stack.keys() if skip_stack else (0,)
    children = [child.copy() for child in box.children[skip:]]
    index = skip
    if skip_stack:
        skip_stack = {0: skip_stack[skip]}
    footnote_height = (0 if context.current_footnote_area.height == "auto"
                       else context.current_footnote_area.margin_height())
    current_position_y = box.content_box_y() + collapse_margin([])
    # the trial pass leaves the columns at the full height: no balancing with column-fill auto
    height = max_height = context.page_bottom - current_position_y - original_bottom_space
    bottom_space = max(bottom_space, context.page_bottom - current_position_y - height)
    i, max_column_height, columns = 0, 0, []
    new_children, next_page, break_page, column_skip_stack = [], None, False, None
    while True:
        column_box = _column._create_column_box(box, containing_block, children, width,
                                                current_position_y)
        if style["direction"] == "rtl":
            column_box.position_x += box.width - (i + 1) * width - i * gap
        else:
            column_box.position_x += i * (width + gap)
        new_child, column_skip_stack, column_next_page, _, _, _ = block_box_layout(
            context, column_box, bottom_space, skip_stack, containing_block, page_is_empty,
            absolute_boxes, fixed_boxes, None, first_letter_style, first_line_style,
            discard=False, max_lines=None)
        if new_child is None:
            columns, break_page = [], True
            break
        next_page, skip_stack = column_next_page, column_skip_stack
        columns.append(new_child)
        max_column_height = max(max_column_height, new_child.margin_height())
        if skip_stack is None:
            break
        i += 1
        if i == count:
            break
    current_position_y += min(max_height, max_column_height)
    for column in columns:
        column.height = max_column_height
        new_children.append(column)
    _column._report_footnotes(context, footnote_height)
    if not new_children:
        context.in_column = False
        return None, (0, None), {"break": "any", "page": None}, [], False
    box.children = new_children
    current_position_y += collapse_margin([])
    height = current_position_y - box.content_box_y()
    if box.height == "auto":
        box.height, height_difference = height, 0
    else:
        height_difference = box.height - height
    if box.min_height != "auto" and box.min_height > box.height:
        height_difference += box.min_height - box.height
        box.height = box.min_height
    for child in new_children[::-1]:
        if not child.is_column:
            break
        child.height += height_difference
    skip_stack = None
    if column_skip_stack:
        skip, = column_skip_stack.keys()
        skip_stack = {index + skip: column_skip_stack[skip]}
    elif break_page:
        skip_stack = {index: None}
    if context.current_footnote_area.height != "auto":
        context.page_bottom += footnote_height
        context.page_bottom -= context.current_footnote_area.margin_height()
    context.in_column = False
    return box, skip_stack, next_page, [], False


def install() -> bool:
    """Use :func:`columns_layout` for WeasyPrint's block layout (process-wide: its result is
    WeasyPrint's own for every box), if this WeasyPrint is a verified version."""
    if not weasyprint.__version__.startswith(VERIFIED_VERSIONS):
        return False
    _block.columns_layout = columns_layout
    return True


def uninstall() -> None:
    """Back to WeasyPrint's own column layout (tests compare both)."""
    _block.columns_layout = _STOCK
