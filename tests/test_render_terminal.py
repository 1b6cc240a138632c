"""The terminal formats on fixed results: Rich (render/terminal.py) and plain (render/plain.py).

Both are called through their own `draw` and through the format registry. What a person at a
terminal notices: the text fits the width they have (40, 80 or 120 columns), a web address is
never broken, colour only adds to words, and what the registry prints is the module's drawing.
"""

from __future__ import annotations

import io

import pytest
from fixed_results import ANSI_STYLE, EMERGENCY, EVERY, KB, SEVERE, ids
from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from rich.text import Text

from spasmcheck.render import formats, plain, terminal
from spasmcheck.render.formats import Format, Screen, render
from spasmcheck.render.layout import URL, Item

WIDTHS = (40, 80, 120)


def replayed(output: str, width: int) -> str:
    """`output` printed again on a recording Rich console `width` columns wide: a line longer
    than the width would be wrapped again, so the text differs from the output's own."""
    console = Console(file=io.StringIO(), width=width, record=True, force_terminal=True)
    for line in output.splitlines():
        console.print(Text.from_ansi(line), soft_wrap=False, overflow="fold")
    return console.export_text(styles=False)


def too_wide(text: str, width: int) -> list[str]:
    """Lines wider than `width`, but for a web address alone on its line (left whole on
    purpose, for copying and clicking: the terminal wraps it). The words around an address
    are wrapped like any others."""
    return [line for line in ANSI_STYLE.sub("", text).splitlines()
            if cell_len(line.rstrip()) > width
            and not (len(line.split()) == 1 and URL.search(line))]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_rich_output_fits_the_terminal_width(case, width):
    output = terminal.draw(formats.blocks(case.result, details=False),
                           dict(case.result.styles or {}), width)
    plain_text = ANSI_STYLE.sub("", output)
    assert [line.rstrip() for line in replayed(output, width).splitlines()] == \
        [line.rstrip() for line in plain_text.splitlines()]
    assert max(cell_len(line) for line in plain_text.splitlines()) <= width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_rich_details_fit_the_width_but_for_whole_web_addresses(case, width):
    blocks = formats.blocks(case.result, details=True)
    output = terminal.draw(blocks, dict(case.result.styles or {}), width)
    assert too_wide(output, width) == []
    addresses = {url for block in blocks if isinstance(block, Item)
                 for _, value in block.rows for url in URL.findall(value)}
    lines = ANSI_STYLE.sub("", output).splitlines()
    for url in addresses:  # each address whole on one line, however narrow the terminal
        assert any(url in line for line in lines), url


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_plain_output_fits_the_width(case, width):
    for details in (False, True):
        assert too_wide(plain.draw(formats.blocks(case.result, details), width), width) == []


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_plain_output_has_no_colour_and_no_box_drawing(case):
    text = plain.draw(formats.blocks(case.result, details=True))
    assert "\x1b" not in text
    assert not set(text) & set("╭╮╰╯│─•")


@pytest.mark.parametrize("width", (40, 120))
@pytest.mark.parametrize("case", [SEVERE, EMERGENCY], ids=ids((SEVERE, EMERGENCY)))
def test_the_registry_prints_the_modules_own_drawing(case, width):
    """`--format rich` on a terminal, `--plain` (and rich anywhere else) through the registry
    are terminal.draw and plain.draw of the same blocks, capped at the terminal's width."""
    columns = min(width, terminal.WIDTH)
    styles = dict(case.result.styles or {})
    assert render(Format.RICH, case.result, Screen(styled=True, width=width)) == \
        terminal.draw(formats.blocks(case.result, False), styles, columns)
    expected_plain = plain.draw(formats.blocks(case.result, False), columns)
    assert render(Format.PLAIN, case.result, Screen(width=width)) == expected_plain
    assert render(Format.RICH, case.result, Screen(styled=False, width=width)) == expected_plain


def test_colour_is_added_to_the_words_never_instead_of_them():
    """With colour on or off, the same words; the level's colour is the table's."""
    blocks = formats.blocks(EMERGENCY.result, details=False)
    styles = dict(EMERGENCY.result.styles or {})
    coloured = terminal.draw(blocks, styles, 80)
    mono = terminal.draw(blocks, styles, 80, color=False)
    assert "\x1b[" in coloured and "\x1b[" not in ANSI_STYLE.sub("", coloured)
    assert ANSI_STYLE.sub("", coloured) == ANSI_STYLE.sub("", mono)
    colour = KB.triage.colours[EMERGENCY.assessment.urgency.label]
    banner = Text.from_ansi(coloured)
    console = Console(color_system="standard")
    number = banner.get_style_at_offset(console, banner.plain.index(EMERGENCY.contact.number))
    assert number.render("x", color_system=ColorSystem.STANDARD) == \
        Style.parse(colour).render("x", color_system=ColorSystem.STANDARD)


def test_in_a_finding_only_the_row_label_is_bold():
    """The label ("What to do:") stands out; the advice itself is read as normal text."""
    output = terminal.draw([Item("MAJOR", "a + b", "major", (("What to do", "Ask first."),))])
    row = Text.from_ansi(output)
    console = Console(color_system="standard")
    assert row.get_style_at_offset(console, row.plain.index("What to do")).bold
    assert not row.get_style_at_offset(console, row.plain.index("Ask first.")).bold
