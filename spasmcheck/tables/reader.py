"""Typed reading of a parsed table: every problem located (file, line, field) and collected.

Each list entry is built on its own, so one broken drug or rule is reported and the rest are
still checked: `spasmcheck data check` shows all the problems of an edited table at once. The
table builders (interaction_table, redflag_table, country_table) read through this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from spasmcheck.core.errors import DataError, LocatedError
from spasmcheck.core.model import (
    Finding,
    Meta,
    Severity,
    Source,
    Text,
)
from spasmcheck.tables.yamlsource import Document, Path

SCHEMA_VERSION = 1
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
T = TypeVar("T")
W = TypeVar("W", bound=str)  # a word from a fixed list


class Reader:
    """Typed access to one document; problems are collected, not raised, per entry."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[LocatedError] = []

    def get(self, path: Path) -> Any:
        data = self.doc.data
        for part in path:
            data = data[part]
        return data

    def fail(self, path: Path, message: str) -> LocatedError:
        return self.doc.error(path, message)

    def mapping(self, path: Path, required: Iterable[str], optional: Iterable[str] = ()) -> dict[
            str, Any]:
        value = self.get(path)
        required, optional = set(required), set(optional)
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}")
        for key in value:
            if key not in required | optional:
                valid = ", ".join(sorted(required | optional))
                raise self.fail((*path, key), f"unknown field {key!r}; valid fields: {valid}")
        for key in sorted(required):
            if key not in value:
                raise self.fail(path, f"missing field {key!r}")
        return value

    def string(self, path: Path) -> str:
        value = self.get(path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected non-empty text, got {_kind(value)}")
        return value.strip()

    def optional_string(self, path: Path) -> str | None:
        return self.string(path) if self._present(path) else None

    def ident(self, path: Path) -> str:
        value = self.string(path)
        if not _ID.match(value):
            raise self.fail(path, f"{value!r} is not an id (lower-case letters, digits and _)")
        return value

    def strings(self, path: Path) -> tuple[str, ...]:
        if not self._present(path):
            return ()
        value = self.get(path)
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_kind(value)}")
        return tuple(self.string((*path, i)) for i in range(len(value)))

    def integer(self, path: Path, low: int | None = None, high: int | None = None) -> int:
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, got {_kind(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(path, f"{value} is out of range ({low} to {high})")
        return value

    def boolean(self, path: Path, default: bool = False) -> bool:
        if not self._present(path):
            return default
        value = self.get(path)
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {_kind(value)}")
        return value

    def choice(self, path: Path, valid: Iterable[W]) -> W:
        """One of `valid`, typed as the list it was checked against."""
        value = self.string(path)
        options = list(valid)
        for option in options:
            if value == option:
                return option
        raise self.fail(path, f"{value!r} is not valid; use one of: {', '.join(options)}")

    def text(self, path: Path) -> Text:
        value = self.get(path)
        if isinstance(value, str):
            words = self.string(path)
            return Text(words, words)
        self.mapping(path, {"patient", "clinician"})
        return Text(self.string((*path, "patient")), self.string((*path, "clinician")))

    def optional_text(self, path: Path) -> Text | None:
        return self.text(path) if self._present(path) else None

    def refs(self, path: Path, known: Iterable[str], what: str, required: bool = True) -> tuple[
            str, ...]:
        items = self.strings(path)
        if required and not items:
            raise self.fail(path, f"at least one {what} is required")
        known = set(known)
        for i, item in enumerate(items):
            if item not in known:
                raise self.fail((*path, i), f"unknown {what} {item!r}")
        return items

    def each(self, path: Path, build: Callable[[Path], T]) -> list[T]:
        """Build every item of the list (or mapping) at `path`, collecting problems."""
        value = self.get(path)
        if isinstance(value, dict):
            keys: list[str | int] = list(value)
        elif isinstance(value, list):
            keys = list(range(len(value)))
        else:
            raise self.fail(path, f"expected a list or mapping, got {_kind(value)}")
        built = []
        for key in keys:
            try:
                built.append(build((*path, key)))
            except LocatedError as problem:  # noqa: PERF203 - one broken entry, keep checking
                self.problems.append(problem)
        return built

    def _present(self, path: Path) -> bool:
        parent = self.get(path[:-1])
        return isinstance(parent, dict) and parent.get(path[-1]) is not None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def top(r: Reader, required: set[str], optional: set[str], table: str) -> None:
    if not isinstance(r.doc.data, dict):
        raise r.fail((), f"the {table} table must be a mapping of sections")
    r.mapping((), required | {"meta"}, optional)


def read_meta(r: Reader, table: str) -> Meta:
    r.mapping(("meta",), {"table", "version", "reviewed", "schema"})
    if r.choice(("meta", "table"), [table]) != table:  # pragma: no cover - choice raises
        raise r.fail(("meta", "table"), "wrong table")
    schema = r.integer(("meta", "schema"), 1)
    if schema != SCHEMA_VERSION:
        raise r.fail(("meta", "schema"), f"table schema {schema} is not the one this "
                                         f"spasmcheck reads ({SCHEMA_VERSION}); upgrade "
                                         "spasmcheck or the table")
    reviewed = r.get(("meta", "reviewed"))
    if isinstance(reviewed, str):
        try:
            reviewed = date.fromisoformat(reviewed)
        except ValueError:
            raise r.fail(("meta", "reviewed"), "expected an ISO date (YYYY-MM-DD)") from None
    if not isinstance(reviewed, date):
        raise r.fail(("meta", "reviewed"), "expected an ISO date (YYYY-MM-DD)")
    return Meta(table, r.string(("meta", "version")), reviewed.isoformat())


def read_sources(r: Reader) -> dict[str, Source]:
    def build(path: Path) -> Source:
        r.mapping(path, {"title"}, {"url", "section"})
        return Source(str(path[-1]), r.string((*path, "title")),
                      r.optional_string((*path, "url")), r.optional_string((*path, "section")))

    return {s.id: s for s in r.each(("sources",), lambda p: keyed(r, p, build))}


def finding(r: Reader, path: Path, sources: dict[str, Source]) -> Finding:
    return Finding(
        severity=Severity.parse(r.choice((*path, "severity"), [s.label for s in Severity])),
        effect=r.text((*path, "effect")),
        mechanism=r.optional_text((*path, "mechanism")) or Text("", ""),
        advice=r.text((*path, "advice")),
        sources=r.refs((*path, "sources"), sources, "source"),
    )


FINDING_FIELDS = {"severity", "effect", "advice", "sources"}


def collecting(build: Callable[[Reader], T]) -> Callable[[Document], T]:
    """Run a table builder; a fatal problem joins the ones already collected in a DataError."""

    def run(doc: Document) -> T:
        r = Reader(doc)
        try:
            built = build(r)
        except LocatedError as problem:
            r.problems.append(problem)
            raise DataError(r.problems) from None
        if r.problems:
            raise DataError(r.problems)
        return built

    return run


def keyed(r: Reader, path: Path, build: Callable[[Path], T]) -> T:
    if not _ID.match(str(path[-1])):
        raise r.fail(path, f"{path[-1]!r} is not an id (lower-case letters, digits and _)")
    return build(path)


def declared_ids(r: Reader, section: str) -> dict[str, list[int]]:
    """The `id` of every entry of a list section, built or not, with the entries' indexes."""
    entries = r.get((section,)) if r._present((section,)) else []
    where: dict[str, list[int]] = {}
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            where.setdefault(entry["id"].strip(), []).append(index)
    return where


def unique_ids(r: Reader, section: str, ids: list[str]) -> set[str]:
    """The ids, each once; an id used twice is located at its second use."""
    seen: set[str] = set()
    where = declared_ids(r, section)
    for ident in ids:
        if ident in seen:
            places = where.get(ident, [])
            path = (section, places[1], "id") if len(places) > 1 else (section,)
            first = r.doc.line((section, places[0])) if places else None
            r.problems.append(r.fail(path, f"id {ident!r} is used twice (first at line {first})"))
        seen.add(ident)
    return seen
