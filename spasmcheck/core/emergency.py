"""Which emergency number to show: the country asked for, else the locale's, else the fallback.

Nothing here reads the process environment: a server's own locale must never choose a caller's
emergency number. The front-ends read SPASMCHECK_COUNTRY and the locale (`place`) and pass them in.
"""

from collections.abc import Mapping

from spasmcheck.core.model import Country, KnowledgeBase, Text
from spasmcheck.core.record import Record

COUNTRY_ENV = "SPASMCHECK_COUNTRY"
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


class Contact(Record):
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


class Place(Record):
    """Where a person is, as a front-end knows it."""

    asked: str | None  # the country asked for: an option, a field, else $SPASMCHECK_COUNTRY
    territory: str | None  # the locale's, used only when no country was asked for


def place(country: str | None, env: Mapping[str, str]) -> Place:
    """The edge's reading: `country` as given, else the environment's (passed in, never read)."""
    return Place(country or env.get(COUNTRY_ENV) or None, locale_territory(env))


def contact(kb: KnowledgeBase, country: str | None, territory: str | None = None) -> Contact:
    """The contact for `country` (any case), else for the locale's `territory`."""
    tables = kb.countries
    requested = country or None
    code = (requested or territory or "").strip().upper()
    code = tables.locales.get(code, code)
    found = tables.countries.get(code)
    unmatched = requested if requested and found is None else None
    return Contact(found, tables.fallback, unmatched)
