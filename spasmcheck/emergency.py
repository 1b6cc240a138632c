"""Which emergency number to show: from --country, else the locale, else the common numbers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from spasmcheck.model import Country, KnowledgeBase, Text

COUNTRY_ENV = "SPASMCHECK_COUNTRY"
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


class Contact(NamedTuple):
    """The emergency line to print first: a country's number, or the fallback wording."""

    country: Country | None
    fallback: Text
    requested: str | None  # what was asked for, when it could not be matched

    @property
    def number(self) -> str | None:
        return self.country.emergency if self.country else None


def locale_territory(env: Mapping[str, str]) -> str | None:
    """`en_GB.UTF-8` -> `GB`; None for C/POSIX or no locale."""
    for var in _LOCALE_VARS:
        value = env.get(var)
        if value:
            language = value.split(".")[0].split("@")[0]
            if "_" in language:
                return language.split("_", 1)[1].upper()
            return None
    return None


def contact(kb: KnowledgeBase, country: str | None,
            env: Mapping[str, str] | None = None) -> Contact:
    """The contact for `--country` (any case), else the locale's territory."""
    tables = kb.countries
    env = os.environ if env is None else env
    requested = country or env.get(COUNTRY_ENV) or None
    code = (requested or locale_territory(env) or "").strip().upper()
    code = tables.locales.get(code, code)
    found = tables.countries.get(code)
    unmatched = requested if requested and found is None else None
    return Contact(found, tables.fallback, unmatched)
