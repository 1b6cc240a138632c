"""Terminal output: colour and boxes on top of words, never instead of them.

Drawn the way Rich draws it. Importing Rich and building its renderables costs some 20 ms, more
than the rest of a one-shot run, so the blocks are drawn here with the same wrapping, boxes and
escape codes as Rich, byte for byte (tests/test_terminal.py holds this to Rich itself). Text this
does not measure as Rich does (characters outside Rich's one-cell ranges), a style it does not
know, a narrow screen, a terminal Rich treats as dumb and Windows consoles go to Rich.
"""

from __future__ import annotations

import io
import os
import re
import sys
import textwrap

from spasmcheck.render.layout import URL, Banner, Block, Bullets, Heading, Item, Para
from spasmcheck.render.safe import printable

WIDTH = 100
# The triage levels' colours are not here: redflags.yaml holds them, and the caller passes them
# in `styles` (TriageTables.colours). These are the tones the tables do not colour.
TONES = {
    "contraindicated": "bold white on red",
    "major": "bold red",
    "moderate": "bold yellow",
    "minor": "bold cyan",
    "ok": "bold green",
    "warn": "bold yellow",
    "muted": "dim",
}


def draw(blocks: list[Block], styles: dict[str, str] | None = None, width: int = WIDTH,
         color: bool = True) -> str:
    """Render to a string with ANSI styles; user text is never read as Rich markup."""
    tones = {**TONES, **(styles or {})}
    if (color and width >= _NARROWEST and os.environ.get("TERM", "").lower() not in _DUMB
            and sys.platform != "win32"):  # Rich may take a column off on a legacy console
        drawn = _Drawing(tones, width).blocks(blocks)
        if drawn is not None:
            return drawn
    return draw_with_rich(blocks, tones, width, color)


def draw_with_rich(blocks: list[Block], tones: dict[str, str], width: int = WIDTH,
                   color: bool = True) -> str:
    """The same drawing made by Rich: for what `_Drawing` leaves to it, and to test against."""
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = Console(file=io.StringIO(), width=width, force_terminal=True,
                      color_system="standard" if color else None, no_color=not color,
                      highlight=False, emoji=False, markup=False)

    def text(value: str, style: str = "") -> Text:
        return Text(printable(value), style=style)

    for block in blocks:
        if isinstance(block, Banner):
            body = [text(line) for line in block.lines]
            console.print(Panel(Group(text(block.title, tones.get(block.tone, "bold")), *body),
                                border_style=tones.get(block.tone, "")))
        elif isinstance(block, Heading):
            console.print()
            console.print(text(block.text, "bold underline"))
        elif isinstance(block, Para):
            console.print()
            console.print(text(block.text, tones.get(block.tone or "", "")))
        elif isinstance(block, Bullets):
            bullets = Table.grid(padding=(0, 1))
            bullets.add_column(width=3, justify="right")
            bullets.add_column()
            for item in block.items:
                bullets.add_row("•", text(item))
            console.print(bullets)
        else:
            console.print()
            title = Text.assemble(text(f" {block.tag} ", tones.get(block.tone, "bold")), " ",
                                  text(block.title, "bold"))
            console.print(title)
            for label, value in block.rows:  # wrapped lines stay indented under the finding
                if URL.search(value):  # wrapped at spaces only: a web address longer than a
                    # line runs past the edge, whole for copying or clicking (the terminal
                    # wraps it), and the words around it wrap as usual
                    lines = textwrap.wrap(printable(f"{label}: {value}"), max(width - 4, 1),
                                          break_long_words=False, break_on_hyphens=False)
                    for number, line in enumerate(lines):
                        bold = len(label) + 1 if number == 0 else 0
                        console.print(Text.assemble("    ", (line[:bold], "bold"), line[bold:]),
                                      soft_wrap=True)
                    continue
                row = Text.assemble(text(f"{label}: ", "bold"), text(value))  # the label bold
                console.print(Padding(row, (0, 0, 0, 4)))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return str(output)


# --- the same drawing without Rich ------------------------------------------------------------

_NARROWEST = 20  # below this Rich's tables and panels squeeze in ways not copied here
_DUMB = ("dumb", "unknown")  # Rich draws 80 columns wide whatever it is told on these
# The characters Rich counts as one cell without its width tables (rich.cells): any other
# character sends the drawing to Rich, which measures it.
_ONE_CELL = frozenset(chr(c) for start, end in ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF),
                                                (0x370, 0x482))
                      for c in range(start, end + 1))
_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap: a word and the spaces after it
_ATTRIBUTES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "reverse": "7"}
_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
# Rich's rounded box, the Panel default.
_TOP, _SIDE, _BOTTOM = ("\u256d", "\u2500", "\u256e"), "\u2502", ("\u2570", "\u2500", "\u256f")
_BULLET = "\u2022"


class _Unsupported(Exception):
    """Something Rich would draw differently from here: let Rich draw it."""


def _sgr(style: str) -> str:
    """A style's SGR parameters as Rich writes them with the standard colours: attributes in
    Rich's order, then the foreground, then the background ("bold white on red" -> 1;37;41)."""
    words = style.split()
    attributes: set[str] = set()
    colours: list[str] = []
    background = False
    for word in words:
        if word in _ATTRIBUTES and not background and not colours:
            attributes.add(word)
        elif word == "on" and not background:
            background = True
        elif word == "default" or word.removeprefix("bright_") in _COLOURS:
            if len(colours) != int(background):
                raise _Unsupported(style)
            if word == "default":
                colours.append("49" if background else "39")
            else:
                number = _COLOURS.index(word.removeprefix("bright_"))
                bright = word.startswith("bright_")
                colours.append(str((100 if bright else 40) + number if background
                                   else (90 if bright else 30) + number))
        else:
            raise _Unsupported(style)
    if background and len(colours) < 2 and not (len(colours) == 1 and words[0] == "on"):
        raise _Unsupported(style)
    codes = [code for word, code in _ATTRIBUTES.items() if word in attributes] + colours
    return ";".join(codes)


class _Drawing:
    """The blocks drawn as Rich draws them (rich 13-15): see `draw_with_rich` for the model."""

    def __init__(self, tones: dict[str, str], width: int) -> None:
        self.tones = tones
        self.width = width
        self.out: list[str] = []
        self.codes: dict[str, str] = {}

    def blocks(self, blocks: list[Block]) -> str | None:
        try:
            for block in blocks:
                self.block(block)
        except _Unsupported:
            return None
        return "".join(self.out)

    def paint(self, text: str, style: str) -> str:
        """Text in a style, as Rich writes a segment: `ESC[codes m text ESC[0m`."""
        if not text or not style:
            return text
        codes = self.codes.get(style)
        if codes is None:
            codes = self.codes[style] = _sgr(style)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    def block(self, block: Block) -> None:
        width, tones, out = self.width, self.tones, self.out
        if isinstance(block, Banner):
            border = tones.get(block.tone, "")
            inner = width - 4
            out.append(self.paint(_TOP[0] + _TOP[1] * (width - 2) + _TOP[2], border) + "\n")
            side = self.paint(_SIDE, border)
            parts = [(printable(block.title), tones.get(block.tone, "bold"))]
            parts += [(printable(line), "") for line in block.lines]
            for text, style in parts:
                for line in _wrap(_checked(text), inner):
                    out.append(f"{side} {self.paint(line, style)}"
                               f"{' ' * (inner - len(line))} {side}\n")
            out.append(self.paint(_BOTTOM[0] + _BOTTOM[1] * (width - 2) + _BOTTOM[2], border)
                       + "\n")
        elif isinstance(block, Heading):
            out.append("\n")
            self.lines(_checked(printable(block.text)), "bold underline")
        elif isinstance(block, Para):
            out.append("\n")
            self.lines(_checked(printable(block.text)), tones.get(block.tone or "", ""))
        elif isinstance(block, Bullets):
            self.bullets([_checked(printable(item)) for item in block.items])
        else:
            self.item(block)

    def lines(self, text: str, style: str) -> None:
        self.out.extend(self.paint(line, style) + "\n" for line in _wrap(text, self.width))

    def bullets(self, items: list[str]) -> None:
        """A two-column grid: the bullet right-aligned in three cells, one space, the item
        wrapped to the rest of the width; the item column is as wide as the longest item, or
        the rest of the width."""
        room = self.width - 4
        if not items or any(len(word.rstrip()) > room
                            for item in items for word in _WORD.findall(item)):
            raise _Unsupported("a word wider than the column")
        wrapped = [_wrap(item, room) for item in items]
        column = min(max(len(item) for item in items), room)
        if not column:
            raise _Unsupported("an empty column")
        for lines in wrapped:
            for number, line in enumerate(lines):
                lead = f"  {_BULLET} " if number == 0 else "    "
                self.out.append(lead + line.ljust(column) + "\n")

    def item(self, block: Item) -> None:
        """The tag and the title, then each labelled row indented by four, its label bold (a
        row holding a web address wraps at spaces only, the address whole)."""
        width, out, tones = self.width, self.out, self.tones
        tag = _checked(printable(f" {block.tag} "))
        title = _checked(printable(block.title))
        text = f"{tag} {title}"
        spans = ((0, len(tag), tones.get(block.tone, "bold")), (len(tag) + 1, len(text), "bold"))
        out.append("\n")
        out.extend(line + "\n" for line in self.styled(text, spans, width))
        for label, value in block.rows:
            if URL.search(value):  # wrapped at spaces only, as `draw_with_rich` does
                lines = textwrap.wrap(_checked(printable(f"{label}: {value}")),
                                      max(width - 4, 1), break_long_words=False,
                                      break_on_hyphens=False)
                for number, line in enumerate(lines):
                    bold = len(label) + 1 if number == 0 else 0
                    out.append(f"    {self.paint(line[:bold], 'bold')}{line[bold:]}\n")
                continue
            head = _checked(printable(f"{label}: "))
            row = head + _checked(printable(value))
            for line in self.styled(row, ((0, len(head), "bold"),), width - 4):
                out.append(f"    {line}{' ' * (width - 4 - _visible(line))}\n")

    def styled(self, text: str, spans: tuple[tuple[int, int, str], ...],
               width: int) -> list[str]:
        """Text wrapped as Rich wraps it, each (start, end, style) span painted."""
        drawn = []
        for start, end in _divide(text, width):
            pieces = []
            at = start
            for span_start, span_end, style in spans:
                low, high = max(start, span_start), min(end, span_end)
                if low >= high:
                    continue
                pieces.append(text[at:low])
                pieces.append(self.paint(text[low:high], style))
                at = high
            pieces.append(text[at:end])
            drawn.append("".join(pieces))
        return drawn


_ESCAPE = re.compile("\x1b\\[[0-9;]*m")


def _visible(line: str) -> int:
    """The cells a painted line takes: its length without the escape codes."""
    return len(_ESCAPE.sub("", line))


def _checked(text: str) -> str:
    """Text whose every character is one cell wide, as Rich measures it, or _Unsupported."""
    if not _ONE_CELL.issuperset(text):
        raise _Unsupported("a character Rich measures with its tables")
    return text


def _wrap(text: str, width: int) -> list[str]:
    return [text[start:end] for start, end in _divide(text, width)]


def _divide(text: str, width: int) -> list[tuple[int, int]]:
    """Where Rich's word wrap (rich._wrap.divide_line, Text.rstrip_end, fold) cuts one line of
    one-cell text: the (start, end) of each line, trailing spaces kept up to the width."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:  # folded across lines, `width` cells at a time
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for number, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if number == len(pieces) - 1:
                    offset = len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    cuts = [0, *breaks, len(text)]
    lines = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        # Text.rstrip_end drops spaces past the edge, then the line is cropped to the width
        lines.append((start, min(end, start + width)))
    return lines
