"""Markdown report: a dated summary to bring to an appointment."""

from __future__ import annotations

import re

from spasmcheck.render.layout import SOURCES, URL, Banner, Block, Bullets, Heading, Item, Para
from spasmcheck.render.safe import printable

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")  # emphasis, code, links, HTML, tables, strike
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&copy;" would be drawn as a symbol
# A heading, list or rule; an ordered list's number is kept and its "." or ")" escaped (a
# backslash before a digit is no escape in Markdown: it would be shown).
_LINE_START = re.compile(r"^(?:([#+=-])|(\d+)(?=[.)]))")
_BARE_LINK = re.compile(r"(?:https?:/|www\.)\S+", re.IGNORECASE)


def escape(text: str) -> str:
    """Table and user text shown as written: only what Markdown would read as markup is
    escaped (a date or a hyphenated word stays as typed). A web address in it is not made a
    link: its dots are escaped so viewers do not link it on their own."""
    out = _SPECIAL.sub(r"\\\1", printable(text).lstrip(" "))  # 4 spaces start a code block
    out = _ENTITY.sub(r"\\&", out)
    out = _BARE_LINK.sub(lambda m: m.group().replace(".", "\\."), out)
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\", out)


def links(text: str) -> str:
    """Sources: web addresses become links (`<https://...>`), the rest is escaped."""
    out, last = [], 0
    for match in URL.finditer(text):
        out += [_within(text[last:match.start()]), f"<{match.group()}>"]
        last = match.end()
    return "".join(out) + _within(text[last:])


def _within(text: str) -> str:
    """`escape` for text in the middle of a line: the spaces it starts with are kept."""
    rest = text.lstrip(" ")
    return text[:len(text) - len(rest)] + escape(rest)


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
            out += [f"- **{escape(label)}:** "
                    + (links(value) if label == SOURCES else escape(value))
                    for label, value in block.rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
