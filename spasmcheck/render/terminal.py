"""Rich terminal output: colour and boxes on top of words, never instead of them."""

from __future__ import annotations

import io
import textwrap

from spasmcheck.render.layout import URL, Banner, Block, Bullets, Heading, Para
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
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    tones = {**TONES, **(styles or {})}
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
