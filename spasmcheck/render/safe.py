"""Make user text safe to show: control characters become visible escapes, never effects.

Newlines and tabs too: each block of a result is one line of text, so a newline inside a
medicine name would otherwise start a line of its own (a fake heading or verdict).
"""

from __future__ import annotations

import re

# All of these are non-printable (str.isprintable): the pattern, whose compiling costs a run
# 0.3 ms, is only compiled for text that holds one.
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"


def printable(text: str) -> str:
    """`"\\x1b[2J"` -> `"\\\\x1b[2J"`: an escape sequence is shown, never obeyed."""
    if text.isprintable():
        return text
    return re.sub(_CONTROL, lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
