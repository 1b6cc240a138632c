"""Medicine name resolution: the one place a typed name becomes generic drug ids.

Case, spacing and punctuation never matter, a trailing dose ("50 mg") is ignored, brands and
other names map to generics and combination products to all their ingredients. A name that
does not match exactly is unknown: close names are offered as suggestions, never substituted.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal, NamedTuple

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_TRAILING_DOSE = re.compile(
    r"(?:[\s,]+\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|ml|%|iu|units?)(?:\s*/\s*\w+)?)+\s*$",
    re.IGNORECASE,
)
SUGGESTION_CUTOFF = 0.8
MAX_SUGGESTIONS = 5

Kind = Literal["generic", "brand", "other_name", "product"]


def fold(name: str) -> str:
    """The matching key: lower case, accents and everything but letters and digits removed."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", text.lower())


def strip_dose(name: str) -> str:
    """`"Sertraline 50 mg"` -> `"Sertraline"`; a bare number is left alone."""
    return _TRAILING_DOSE.sub("", name)


class Entry(NamedTuple):
    """One name in the index: how it is written and what it means."""

    name: str
    kind: Kind
    drugs: tuple[str, ...]


class Resolution(NamedTuple):
    """What one typed name turned out to be."""

    input: str
    drugs: tuple[str, ...]  # generic ids; empty when unknown
    entry: Entry | None
    suggestions: tuple[str, ...]

    @property
    def known(self) -> bool:
        return bool(self.drugs)


class NameIndex:
    """Every name in the interaction table, folded for matching.

    Entries are kept as plain tuples: the index is pickled in the table cache, and plain tuples
    load several times faster than records.
    """

    def __init__(self, entries: list[Entry]) -> None:
        self._by_key: dict[str, tuple[str, Kind, tuple[str, ...]]] = {}
        for entry in entries:
            self._by_key.setdefault(fold(entry.name), tuple(entry))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._by_key)

    def entries(self) -> list[Entry]:
        return [Entry(*item) for item in self._by_key.values()]

    def lookup(self, name: str) -> Entry | None:
        """The exact (folded) match for a name, trying it without a trailing dose too."""
        key = fold(name)
        item = self._by_key.get(key)
        if item is None and key:
            item = self._by_key.get(fold(strip_dose(name)))
        return Entry(*item) if item is not None else None

    def resolve(self, name: str) -> Resolution:
        entry = self.lookup(name)
        if entry is not None:
            return Resolution(name, entry.drugs, entry, ())
        return Resolution(name, (), None, self.suggest(name))

    def suggest(self, name: str) -> tuple[str, ...]:
        """Close names for a misspelling, best first; empty when nothing is close."""
        return _suggest(self, fold(strip_dose(name)))

    def search(self, text: str) -> list[Entry]:
        """Entries whose name contains `text` (folded), shortest names first."""
        key = fold(text)
        found = [Entry(*item) for k, item in self._by_key.items() if key and key in k]
        return sorted(found, key=lambda entry: (len(entry.name), entry.name.lower()))


@lru_cache(maxsize=4096)
def _suggest(index: NameIndex, key: str) -> tuple[str, ...]:
    from difflib import get_close_matches

    if not key:
        return ()
    close = get_close_matches(key, index._by_key, n=MAX_SUGGESTIONS, cutoff=SUGGESTION_CUTOFF)
    return tuple(dict.fromkeys(index._by_key[k][0] for k in close))
