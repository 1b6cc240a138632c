"""Read YAML into plain data plus the line of every value, refusing what YAML hides.

PyYAML keeps the last of two duplicate keys without a word and expands aliases without limit
("billion laughs"); a clinical table or an answers file needs neither, so both are errors here.
Lines are kept per path so a validator can say `file:line: what is wrong` long after parsing.
"""

from __future__ import annotations

import re
from typing import Any

from spasmcheck.core.errors import LocatedError
from spasmcheck.core.record import Record

Path = tuple[str | int, ...]


class Document(Record):
    """Parsed data and the 1-based line where each path starts."""

    name: str
    data: Any
    lines: dict[Path, int]

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest located parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def error(self, path: Path, message: str) -> LocatedError:
        """An error pointing at `path` in this document."""
        return LocatedError(self.name, self.line(path), dotted(path), message)


def dotted(path: Path) -> str:
    """`("rules", 3, "severity")` -> `rules[3].severity`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


MAX_DEPTH = 64
MAX_DIGITS = 100  # no count, dose or age needs more; Python refuses past 4,300 anyway
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:-[ \t]+)*", re.MULTILINE)


def too_deep(text: str) -> bool:
    """A conservative check, before parsing, for nesting no real table or answer set needs.

    LibYAML composes nodes recursively in C: thousands of nested levels crash the process
    instead of raising, so such input is refused before it reaches the parser.
    """
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return any(len(prefix) > 4 * MAX_DEPTH
               for prefix in _BLOCK_PREFIX.findall(text) if prefix)


def parse(text: str, name: str, plain_numbers: bool = False) -> Document:
    """Parse one YAML document; any problem is a LocatedError naming `name` and the line.

    With `plain_numbers` (answers), only plain decimals are numbers: YAML 1.1 reads `065` as
    octal 53, `1:05` as 65 (base 60) and `0x41` as 65, none of which a person means by an age.
    Such text is kept as text, so the answer check refuses it with the valid range.
    """
    import yaml

    if too_deep(text):
        raise LocatedError(name, None, "", f"nested too deeply (more than {MAX_DEPTH} levels)")
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader_cls)
    except RecursionError:
        raise LocatedError(name, None, "", "nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise LocatedError(name, line, "", f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise LocatedError(name, None, "", f"not valid YAML: {exc}") from None
    if node is None:
        return Document(name, None, {})
    builder = _Builder(name, yaml, plain_numbers)
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise LocatedError(name, None, "", "nested too deeply") from None
    return Document(name, data, builder.lines)


class _Builder:
    """Turns a composed node tree into Python values, recording lines as it goes."""

    def __init__(self, name: str, yaml: Any, plain_numbers: bool = False) -> None:
        self.name = name
        self.yaml = yaml
        self.plain_numbers = plain_numbers
        self.constructor = yaml.constructor.SafeConstructor()
        self.lines: dict[Path, int] = {}
        self.seen: set[int] = set()

    def build(self, node: Any, path: Path) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, self.yaml.ScalarNode):
            return self._scalar(node, path)
        # Aliases reuse the node object: a second visit means `*alias`, which we refuse.
        if id(node) in self.seen:
            raise self._error(node, path, "YAML aliases (*name) are not allowed here")
        self.seen.add(id(node))
        if isinstance(node, self.yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._error(node, path, f"unsupported YAML tag {node.tag}")
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if node.tag != "tag:yaml.org,2002:map":
            raise self._error(node, path, f"unsupported YAML tag {node.tag}")
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, self.yaml.ScalarNode):
                raise self._error(key_node, path, "mapping keys must be plain scalars")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self._error(key_node, path, "merge keys (<<) are not allowed here")
            key = self._scalar(key_node, path)
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise self._error(key_node, path, f"mapping key {key!r} is not a name; quote it")
            if key in out:
                raise self._error(key_node, (*path, key), f"duplicate key {key!r}")
            out[key] = self.build(value_node, (*path, key))
        return out

    def _scalar(self, node: Any, path: Path) -> Any:
        if node.tag == "tag:yaml.org,2002:int":
            digits = node.value.replace("_", "").lstrip("+-")
            if len(digits) > MAX_DIGITS:
                raise self._error(node, path, f"a number of more than {MAX_DIGITS} digits")
            if self.plain_numbers and not _DECIMAL.fullmatch(node.value):
                return node.value
            if self.plain_numbers:
                return int(node.value, 10)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (self.yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self._error(node, path, f"bad value: {exc}") from None

    def _error(self, node: Any, path: Path, message: str) -> LocatedError:
        return LocatedError(self.name, node.start_mark.line + 1, dotted(path), message)
