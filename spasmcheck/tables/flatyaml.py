"""Read the common flat answers file without importing PyYAML (about 20 ms of a run).

Answers files are nearly always `key: scalar` lines and lists of medicine names. This reads
exactly that subset and returns what `yaml.load(text, Loader=yaml.CSafeLoader)` would; for
anything else, or anything doubtful, it returns None and the caller uses the full YAML path
(spasmcheck.tables.yamlsource), which also words the errors. Being wrong here would change answers
silently, so every rule below refuses rather than guesses.
"""

from __future__ import annotations

import re
from typing import Any

# Tabs, lone CRs, a BOM, YAML's extra line breaks (NEL, LS, PS) and non-printable characters.
# Every one of them is non-printable (str.isprintable), so the pattern, whose compiling costs a
# run 0.3 ms, is only compiled for a text that is not all printable; so too the quoted scalars.
# The rest of a line is read with str methods, not regular expressions, for the same reason
# (compiling the seven patterns they replace cost each triage 0.4 ms): each function below says
# the pattern it matches exactly.
_UNSAFE = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
_SINGLE = r"'((?:[^']|'')*)'(?: +(?:#.*)?)?"
_DOUBLE = r'"([^"\\]*)"(?: +(?:#.*)?)?'
_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_DIGITS = frozenset("0123456789")
_NOT_IN_PLAIN = ",[]{}#"  # what ends a plain scalar in a flow sequence
_NOT_FIRST_IN_PLAIN = " ,[]{}#'\""
_INDICATORS = "-?:,[]{}#&*!|>'\"%@`"
_NULLS = {"~", "null", "Null", "NULL"}
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_SPECIAL_FLOATS = {"inf", "Inf", "INF", "nan", "NaN", "NAN"}


class _Doubtful(Exception):
    """The text is outside the flat subset; the full YAML parser must decide."""


def parse(text: str) -> dict[str, Any] | None:
    """The mapping in a flat answers file, or None if the full YAML parser is needed."""
    try:
        return _parse(text)
    except _Doubtful:
        return None


def _parse(text: str) -> dict[str, Any]:
    text = text.replace("\r\n", "\n")
    if not text.replace("\n", "").isprintable() and re.search(_UNSAFE, text):
        raise _Doubtful
    out: dict[str, Any] = {}
    listing: str | None = None  # the key with an empty value that `- item` lines extend
    indent: int | None = None  # the indentation of that list's items, once seen
    for line in text.split("\n"):
        if line.lstrip(" ").startswith("#") or not line.strip(" "):
            continue  # a blank line or a comment, at any indentation
        item = _item(line)
        if item and listing is not None and indent in (None, item[0]):
            if indent is None:
                out[listing], indent = [], item[0]
            out[listing].append(_value(item[1], flow=False))
            continue
        match = _key(line)
        if not match or match[0] in out or not isinstance(_plain(match[0]), str):
            raise _Doubtful  # not flat, a duplicate key, or a key YAML reads as a non-string
        key, rest = match
        empty = not rest or rest.startswith("#")
        out[key] = None if empty else _value(rest, flow=True)
        listing, indent = (key if empty else None), None
    if not out:
        raise _Doubtful  # empty, or not a mapping: the full parser decides what it is
    return out


def _key(line: str) -> tuple[str, str] | None:
    """`([A-Za-z0-9_-]{1,128}):(?: +(.*))?` as a whole line: the key and what follows it."""
    key, colon, rest = line.partition(":")
    if not colon or not 1 <= len(key) <= 128 or key.strip(_KEY_CHARS) or rest[:1] not in ("", " "):
        return None
    return key, rest.lstrip(" ")


def _item(line: str) -> tuple[int, str] | None:
    """`( *)- +([^ ].*)` as a whole line: the item's indentation and its text."""
    body = line.lstrip(" ")
    if body[:1] != "-":
        return None
    text = body[1:].lstrip(" ")
    if not text or len(text) == len(body) - 1:  # nothing after the dash, or no space before it
        return None
    return len(line) - len(body), text


def _value(text: str, flow: bool) -> Any:
    """A value after `key: ` (which may be a one-line `[a, b]`) or after `- `."""
    if text[0] == "'" and (single := re.fullmatch(_SINGLE, text)):
        return single[1].replace("''", "'")
    if text[0] == '"' and (double := re.fullmatch(_DOUBLE, text)):
        return double[1]
    if text[0] == "[" and flow:
        return _flow(text)
    return _plain(text.split(" #", 1)[0].rstrip(" "))


def _flow(text: str) -> list[Any]:
    """A one-line flow sequence of scalars, e.g. `[sertraline, 'Tylenol 500 mg']`."""
    items: list[Any] = []
    inside = text[1:].lstrip(" ")
    if inside[:1] == "]":  # `\[ *\]`: empty
        position, separator = len(text) - len(inside) + 1, "]"
    else:
        position, separator = 1, ","
    while separator == ",":
        value, separator, position = _flow_item(text, position)
        items.append(value)
    tail = text[position:]  # `(?: +(?:#.*)?)?` to the end: nothing, or spaces and a comment
    after = tail.lstrip(" ")
    if tail and (len(after) == len(tail) or after[:1] not in ("", "#")):
        raise _Doubtful
    return items


def _flow_item(text: str, position: int) -> tuple[Any, str, int]:
    r"""One item of a flow sequence from `position`, the `,` or `]` after it and where the
    next begins: ` *(?:'((?:[^']|'')*)'|"([^"\\]*)"|([^ ,\[\]{}#'"](?:[^,\[\]{}#]*[^ ,\[\]{}#])?))
    *([,\]])`, the quoted forms unquoted and a plain one resolved."""
    start = len(text) - len(text[position:].lstrip(" "))
    first = text[start:start + 1]
    value: Any = None
    plain = None
    if first == "'":
        close = text.find("'", start + 1)
        while close >= 0 and text[close + 1:close + 2] == "'":  # '' is a quote inside
            close = text.find("'", close + 2)
        if close < 0:
            raise _Doubtful
        value = text[start + 1:close].replace("''", "'")
        end = close + 1
    elif first == '"':
        close = text.find('"', start + 1)
        if close < 0 or "\\" in text[start + 1:close]:
            raise _Doubtful
        value, end = text[start + 1:close], close + 1
    else:
        if not first or first in _NOT_FIRST_IN_PLAIN:
            raise _Doubtful
        end = start + 1
        while end < len(text) and text[end] not in _NOT_IN_PLAIN:
            end += 1
        plain = text[start:end].rstrip(" ")
        end = start + len(plain)
    end = len(text) - len(text[end:].lstrip(" "))
    separator = text[end:end + 1]
    if separator not in (",", "]"):
        raise _Doubtful
    if plain is not None:
        value = _plain(plain, flow=True)
    return value, separator, end + 1


def _plain(text: str, flow: bool = False) -> Any:
    """A plain scalar resolved as PyYAML's SafeLoader does (YAML 1.1), or _Doubtful."""
    if (not text or text[0] in _INDICATORS or ": " in text or text.endswith(":")
            or (flow and ":" in text) or text in ("<<", "=")):
        raise _Doubtful
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _decimal(text):
        return int(text)
    if _numeric(text):
        raise _Doubtful
    return text


def _decimal(text: str) -> bool:
    """`[-+]?(?:0|[1-9][0-9]{0,17})`, the whole text: a plain decimal read here."""
    digits = text[1:] if text[:1] in ("-", "+") else text
    return (digits.isascii() and digits.isdigit() and len(digits) <= 18
            and (digits[0] != "0" or digits == "0"))


def _numeric(text: str) -> bool:
    r"""`[-+]?(?:\.?[0-9]|\.(?:inf|Inf|INF|nan|NaN|NAN))` at the start: a superset of
    PyYAML's int, float and timestamp patterns (0x1F, 012, 1_000, 1:30, .5, .inf,
    2024-01-01, ...); a plain decimal is read here, everything else that looks numeric is not."""
    rest = text[1:] if text[:1] in ("-", "+") else text
    if rest[:1] == ".":
        return rest[1:2] in _DIGITS or rest[1:4] in _SPECIAL_FLOATS
    return rest[:1] in _DIGITS
