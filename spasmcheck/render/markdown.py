"""Markdown report: a dated summary to bring to an appointment."""

from __future__ import annotations

import re

from spasmcheck.render.layout import Banner, Block, Bullets, Heading, Item, Para
from spasmcheck.render.safe import printable

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape(text: str) -> str:
    """Markdown-escape user and table text so it shows as written."""
    return _SPECIAL.sub(r"\\\1", printable(text))


def draw(blocks: list[Block], title: str, stamp: str) -> str:
    out = [f"# {escape(title)}", "", f"_Written {escape(stamp)} by spasmcheck._", ""]
    for block in blocks:
        if isinstance(block, Banner):
            out += [f"> **{escape(block.title)}**"] + [f">\n> {escape(line)}"
                                                      for line in block.lines] + [""]
        elif isinstance(block, Heading):
            out += [f"## {escape(block.text)}", ""]
        elif isinstance(block, Para):
            out += [escape(block.text), ""]
        elif isinstance(block, Bullets):
            out += [f"- {escape(item)}" for item in block.items] + [""]
        elif isinstance(block, Item):
            out += [f"### {escape(block.tag)}: {escape(block.title)}", ""]
            out += [f"- **{escape(label)}:** {escape(value)}" for label, value in block.rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
