"""The one JSON encoder of results: the one-shot `--json` (indented) and batch lines (compact).

Results are plain dicts and lists, with two kinds of dict that batch mode meets on line after
line: a `Shared` part (a finding, a medicine, advice) is encoded once and its text reused; a
`Joined` dict is several parts in a row (a red flag's shared part and the answers that fired
it), encoded part by part so the shared text is reused there too. Either way the text is
composed from whole members (`"key":value`), never cut out of encoded JSON, and equals
`json.dumps(result, separators=(",", ":"))` (tests/test_batch.py checks it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# The standard library's own encoders: ASCII only (non-ASCII text is escaped), as `json.dumps`.
_dumps = json.JSONEncoder(separators=(",", ":")).encode
text = json.encoder.encode_basestring_ascii


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
    """The one-shot `--json` text: two-space indents, ASCII (safe whatever the names held)."""
    return json.dumps(result, indent=2) + "\n"


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
