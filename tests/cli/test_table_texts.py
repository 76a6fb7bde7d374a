"""Terminal tables write their texts as they are: a title or a cell holding brackets (« [estimation,
couverture partielle du territoire] », a label « [B] ») is never read as rich markup, in a
file or pipe (plain writer or rich) as in a terminal (rich)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from pacte.cli.tables import render
from pacte.store.rows import Rows

TITLE = "URSSAF — 732 codes APE [estimation, couverture partielle du territoire]"
ROWS = Rows(("code", "label", "jobs"), [("B", "Industries extractives [B]", 3.0),
                                        ("TOTAL", "Total [bold]x[/bold]", 5.0)],
            (False, False, True))


def test_piped_table_keeps_brackets(capsys):
    render(ROWS, title=TITLE)
    out = capsys.readouterr().out
    assert "[estimation," in out and "territoire]" in out  # the title may wrap
    assert "Industries extractives [B]" in out
    assert "[bold]x[/bold]" in out


@pytest.mark.parametrize("width", [60, 120])
def test_terminal_table_keeps_brackets(width):
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=True, color_system=None)
    render(ROWS, title=TITLE, console=console)
    out = buf.getvalue()
    assert "territoire]" in out and "[estimation," in out
    assert "Industries extractives [B]" in out and "[bold]x[/bold]" in out
