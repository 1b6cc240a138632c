"""The one JSON encoder of results: the one-shot `--json` (indented) and batch lines (compact).

Results are plain dicts and lists, with two kinds of dict that batch mode meets on line after
line: a `Shared` part (a finding, a medicine, advice) is encoded once and its text reused; a
`Joined` dict is several parts in a row (a red flag's shared part and the answers that fired
it), encoded part by part so the shared text is reused there too. Either way the text is
composed from whole members (`"key":value`), never cut out of encoded JSON, and equals
`json.dumps(result, separators=(",", ":"))` (tests/test_batch.py checks it).
"""

from __future__ import annotations

# The standard library's own encoder, from its C part: `import json` would also import the
# decoder, whose regular expressions cost a run about 1 ms to compile. ASCII only (non-ASCII
# text is escaped), as `json.dumps`.
from _json import encode_basestring_ascii, make_encoder
from collections.abc import Mapping
from typing import Any

text = encode_basestring_ascii  # a string as JSON


def _unencodable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# As `json.JSONEncoder(separators=(",", ":"))` sets it up for a whole value, without the check
# for a list or dict inside itself (results are trees; one would end in a RecursionError)
_compact = make_encoder(None, _unencodable, text, None, ":", ",", False, False, True)


def _dumps(value: Any) -> str:
    """`json.dumps(value, separators=(",", ":"))`."""
    return text(value) if isinstance(value, str) else "".join(_compact(value, 0))


class Shared(dict[str, Any]):
    """A memoised part of a result: returned again and again and never changed.

    Its members' text is kept once encoded (`members`)."""

    __slots__ = ("_members",)
    _members: str

    def members(self) -> str:
        try:
            return self._members
        except AttributeError:
            self._members = _items(self)
            return self._members

    def json(self) -> str:
        return "{" + self.members() + "}"


class Joined(dict[str, Any]):
    """The keys of several mappings in a row (none repeated): reads as one dict, and is
    encoded part by part, so a Shared part's text is reused."""

    __slots__ = ("parts",)

    def __init__(self, *parts: Mapping[str, Any]) -> None:
        super().__init__()
        for part in parts:
            self.update(part)
        self.parts = parts


def compact(result: Mapping[str, Any]) -> str:
    """`json.dumps(result, separators=(",", ":"))`, reusing the text of Shared parts."""
    return "{" + members(result) + "}"


def indented(result: Mapping[str, Any]) -> str:
    """The one-shot `--json` text: two-space indents, ASCII (safe whatever the names held):
    `json.dumps(result, indent=2)` and a newline (its indenting encoder is written in Python,
    as here)."""
    out: list[str] = []
    _indented(result, "\n", out)
    out.append("\n")
    return "".join(out)


def _indented(value: Any, newline: str, out: list[str]) -> None:
    """`value` as `json.dumps(value, indent=2)` writes it, at the indent `newline` ends with."""
    if isinstance(value, str):
        out.append(text(value))
    elif value is None or value is True or value is False or isinstance(value, int | float):
        out.append(_scalar(value))
    elif isinstance(value, list | tuple | dict):
        if not value:
            out.append("[]" if not isinstance(value, dict) else "{}")
            return
        inner = newline + "  "
        between = "," + inner
        if isinstance(value, dict):
            out.append("{" + inner)
            for number, (key, item) in enumerate(value.items()):
                if number:
                    out.append(between)
                out.append(text(key if isinstance(key, str) else _key(key)) + ": ")
                _indented(item, inner, out)
            out.append(newline + "}")
        else:
            out.append("[" + inner)
            for number, item in enumerate(value):
                if number:
                    out.append(between)
                _indented(item, inner, out)
            out.append(newline + "]")
    else:
        _unencodable(value)


def _scalar(value: None | bool | int | float) -> str:
    """null, true, false, or a number as `json` writes it (an IntEnum as its number)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A key that is not text, as `json` writes it: a number, true, false or null."""
    if isinstance(key, float) or key is None or key is True or key is False \
            or isinstance(key, int):
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def members(mapping: Mapping[str, Any]) -> str:
    """A mapping's members, `"key":value,...`, without the braces around them."""
    kind = type(mapping)
    if kind is Shared:
        return mapping.members()  # type: ignore[attr-defined, no-any-return]
    if kind is Joined:
        return ",".join([part for part in map(members, mapping.parts)  # type: ignore[attr-defined]
                         if part])
    return _items(mapping)


def _items(mapping: Mapping[str, Any]) -> str:
    return ",".join([text(key) + ":" + value_text(value) for key, value in mapping.items()])


def value_text(value: Any) -> str:
    """Any value of a result as compact JSON."""
    kind = type(value)
    if kind is str:
        return text(value)
    if kind is Shared or kind is Joined:
        return "{" + members(value) + "}"
    if kind is list and any(type(item) in (Shared, Joined) for item in value):
        return "[" + ",".join([value_text(item) for item in value]) + "]"
    return _dumps(value)
