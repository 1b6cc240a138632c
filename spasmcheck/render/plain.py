"""Plain text: no colour, no box drawing, wrapped to the width (80 columns unless told);
reads well aloud."""

from __future__ import annotations

import textwrap

from spasmcheck.render.layout import Banner, Block, Bullets, Heading, Para
from spasmcheck.render.safe import printable

WIDTH = 80


def draw(blocks: list[Block], width: int = WIDTH) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Banner):
            out += [_wrap(line, width) for line in (block.title, *block.lines)]
        elif isinstance(block, Heading):
            heading = _wrap(block.text, width)
            out += ["", heading, "-" * max(map(len, heading.splitlines()), default=0)]
        elif isinstance(block, Para):
            out += ["", _wrap(block.text, width)]
        elif isinstance(block, Bullets):
            out += [_wrap(item, width, "- ", "  ") for item in block.items]
        else:
            out += ["", _wrap(f"[{block.tag}] {block.title}", width)]
            out += [_wrap(f"{label}: {text}", width, "  ", "    ") for label, text in block.rows]
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> str:
    """Whole words on each line; a web address longer than a line is never split (it runs
    past the edge and the terminal wraps it, so it still works when copied or clicked)."""
    return textwrap.fill(printable(text), width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)
