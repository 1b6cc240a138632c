"""Build the emergency-number table (`data/countries.yaml`) into typed records."""

from __future__ import annotations

import re

from spasmcheck.core.model import (
    Country,
    CountryTables,
)
from spasmcheck.tables.reader import Reader, collecting, read_meta, read_sources, top
from spasmcheck.tables.yamlsource import Path

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@collecting
def build_countries(r: Reader) -> CountryTables:
    top(r, {"sources", "countries", "fallback"}, {"locales"}, "countries")
    meta = read_meta(r, "countries")
    sources = read_sources(r)

    def build_country(path: Path) -> Country:
        code = str(path[-1])
        if not _COUNTRY.match(code):
            raise r.fail(path, f"{code!r} is not a two-letter country code in capitals")
        r.mapping(path, {"name", "emergency", "sources"}, {"also", "advice_line"})
        return Country(code, r.string((*path, "name")), r.string((*path, "emergency")),
                       r.strings((*path, "also")), r.optional_string((*path, "advice_line")),
                       r.refs((*path, "sources"), sources, "source"))

    countries = {c.code: c for c in r.each(("countries",), build_country)}
    locales: dict[str, str] = {}
    if r._present(("locales",)):
        for territory in r.mapping(("locales",), set(), set(r.get(("locales",)))):
            code = r.string(("locales", territory))
            if code in countries:
                locales[str(territory)] = code
            else:
                r.problems.append(r.fail(("locales", territory), f"{code!r} is not a country "
                                         f"in this table; use one of: {', '.join(countries)}"))
    return CountryTables(meta, sources, countries, locales, r.text(("fallback",)))


