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
_UNSAFE = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
_KEY = re.compile(r"([A-Za-z0-9_-]{1,128}):(?: +(.*))?")
_ITEM = re.compile(r"( *)- +([^ ].*)")
_SINGLE = r"'((?:[^']|'')*)'(?: +(?:#.*)?)?"
_DOUBLE = r'"([^"\\]*)"(?: +(?:#.*)?)?'
_FLOW_ITEM = re.compile(r""" *(?:'((?:[^']|'')*)'|"([^"\\]*)"|"""
                        r"""([^ ,\[\]{}#'"](?:[^,\[\]{}#]*[^ ,\[\]{}#])?)) *([,\]])""")
_FLOW_EMPTY = re.compile(r"\[ *\]")
_FLOW_END = re.compile(r"(?: +(?:#.*)?)?")
_INDICATORS = "-?:,[]{}#&*!|>'\"%@`"
_NULLS = {"~", "null", "Null", "NULL"}
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")
# A superset of PyYAML's int, float and timestamp patterns (0x1F, 012, 1_000, 1:30, .5, .inf,
# 2024-01-01, ...): a plain decimal is read here, everything else that looks numeric is not.
_NUMERIC = re.compile(r"[-+]?(?:\.?[0-9]|\.(?:inf|Inf|INF|nan|NaN|NAN))")


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
        item = _ITEM.fullmatch(line)
        if item and listing is not None and indent in (None, len(item[1])):
            if indent is None:
                out[listing], indent = [], len(item[1])
            out[listing].append(_value(item[2], flow=False))
            continue
        match = _KEY.fullmatch(line)
        if not match or match[1] in out or not isinstance(_plain(match[1]), str):
            raise _Doubtful  # not flat, a duplicate key, or a key YAML reads as a non-string
        key, rest = match[1], match[2] or ""
        empty = not rest or rest.startswith("#")
        out[key] = None if empty else _value(rest, flow=True)
        listing, indent = (key if empty else None), None
    if not out:
        raise _Doubtful  # empty, or not a mapping: the full parser decides what it is
    return out


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
    empty = _FLOW_EMPTY.match(text)
    position, separator = (empty.end(), "]") if empty else (1, ",")
    while separator == ",":
        match = _FLOW_ITEM.match(text, position)
        if not match:
            raise _Doubtful
        single, double, plain, separator = match.groups()
        items.append(_plain(plain, flow=True) if plain is not None
                     else double if single is None else single.replace("''", "'"))
        position = match.end()
    if not _FLOW_END.fullmatch(text, position):
        raise _Doubtful
    return items


def _plain(text: str, flow: bool = False) -> Any:
    """A plain scalar resolved as PyYAML's SafeLoader does (YAML 1.1), or _Doubtful."""
    if (not text or text[0] in _INDICATORS or ": " in text or text.endswith(":")
            or (flow and ":" in text) or text in ("<<", "=")):
        raise _Doubtful
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _DECIMAL.fullmatch(text):
        return int(text)
    if _NUMERIC.match(text):
        raise _Doubtful
    return text
