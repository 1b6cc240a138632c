"""The output formats, as one registry: a `Format` picks one renderer, and nothing else dispatches.

`--format`, its aliases `--json` and `--plain`, and the `--report` file extension all end here,
so adding a format is one enum member, one function and its `REGISTRY` entry (a test walks
every member). Renderers take a `Result` and a `Screen` and return a string; the CLI decides
where the string goes.

Start-up matters: this module imports nothing heavy, and each renderer imports its own drawing
code when it runs, so `--format json` never loads the layout, rich or the FHIR builder.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, cast

from spasmcheck.core.errors import UsageError
from spasmcheck.core.record import Record
from spasmcheck.render.result import Kind as Kind
from spasmcheck.render.result import Result as Result

if TYPE_CHECKING:
    from datetime import datetime

    from spasmcheck.render.layout import Block
    from spasmcheck.render.shapes import (
        InteractionsResult,
        RedflagsResult,
        SearchResult,
        ShowResult,
        TriageForPerson,
        TriageResult,
    )


class Format(str, Enum):
    """What `--format` accepts."""

    RICH = "rich"  # colour and boxes on a terminal; plain text anywhere else
    PLAIN = "plain"
    JSON = "json"
    MD = "md"
    HTML = "html"
    FHIR = "fhir"


class Screen(Record):
    """Where the text will be read, as the CLI found it: the environment stays at the edge."""

    styled: bool = False  # colour and boxes are wanted (a terminal, no NO_COLOR)
    width: int = 80  # columns available
    now: datetime | None = None  # the time stamped on documents (None: the current time)
    details: bool = False  # sources, tips and every answer given (documents always have them)


Renderer = Callable[[Result, Screen], str]


def render(fmt: Format, result: Result, screen: Screen = Screen()) -> str:
    """`result` in the format `fmt`; UsageError when that format cannot show this kind."""
    check(fmt, result.kind)
    return REGISTRY[fmt].draw(result, screen)


def check(fmt: Format, kind: Kind) -> None:
    """Refuse a format that cannot show this kind of result (exit 2), before any work."""
    kinds = REGISTRY[fmt].kinds
    if kind not in kinds:
        shown = " and ".join(k.value for k in Kind if k in kinds)
        raise UsageError(f"--format {fmt.value} is available for {shown} only, "
                         f"not for {kind.value}")


def choose(fmt: Format | None, as_json: bool = False, plain: bool = False) -> Format:
    """The format from `--format` and its aliases; a contradiction is a usage error."""
    alias = Format.JSON if as_json else Format.PLAIN if plain else None
    if fmt is not None and alias is not None and alias is not fmt:
        flag = "--json" if as_json else "--plain"
        raise UsageError(f"{flag} contradicts --format {fmt.value}; give one of them")
    return fmt or alias or Format.RICH


def blocks(result: Result, details: bool = True) -> list[Block]:
    """What a person reads, in order (render/layout.py), for any kind of result. A triage
    also gets what only a person reads (data.triage_person: answers in the questions' words,
    the steps for its level only) when the engine's result is at hand."""
    from spasmcheck.render import discovery, layout

    if result.kind is Kind.TRIAGE:
        return layout.triage_blocks(_person_view(result), details)
    # The kind says which shape `shaped` is (the CLI builds the two together).
    if result.kind is Kind.INTERACTIONS:
        return layout.interactions_blocks(cast("InteractionsResult", result.shaped), details)
    if result.kind is Kind.REDFLAGS:
        return discovery.redflags_blocks(cast("RedflagsResult", result.shaped))
    if result.kind is Kind.SEARCH:
        return discovery.search_blocks(cast("SearchResult", result.shaped))
    return discovery.show_blocks(cast("ShowResult", result.shaped))


def _person_view(result: Result) -> TriageForPerson:
    from spasmcheck.core.model import Audience
    from spasmcheck.core.triage import Assessment
    from spasmcheck.render import data

    shaped, outcome = cast("TriageResult", result.shaped), result.outcome
    if not isinstance(outcome, Assessment) or result.kb is None:
        return cast("TriageForPerson", shaped)  # a reader without `person` fails loudly
    person = data.triage_person(outcome, result.kb, Audience(shaped["audience"]),
                                shaped["emergency"]["number"])
    return cast("TriageForPerson", {**shaped, "person": person})


def stamp(screen: Screen) -> str:
    """The local date and time a document was written, as `2026-11-29 15:30 GMT`."""
    from datetime import datetime

    return (screen.now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()


def _rich(result: Result, screen: Screen) -> str:
    if not screen.styled:
        return _plain(result, screen)
    from spasmcheck.render import terminal

    return terminal.draw(blocks(result, screen.details), dict(result.styles or {}),
                         min(screen.width, terminal.WIDTH))


def _plain(result: Result, screen: Screen) -> str:
    from spasmcheck.render import plain, terminal

    return plain.draw(blocks(result, screen.details), min(screen.width, terminal.WIDTH))


def _json(result: Result, screen: Screen) -> str:
    from spasmcheck.render.encoding import indented

    return indented(result.shaped)


def _markdown(result: Result, screen: Screen) -> str:
    from spasmcheck.render import markdown

    return markdown.draw(blocks(result), result.title, stamp(screen))


def _html(result: Result, screen: Screen) -> str:
    from spasmcheck.render import html

    return html.draw(blocks(result), result.title, stamp(screen), dict(result.styles or {}))


def _fhir(result: Result, screen: Screen) -> str:
    from spasmcheck.render import fhir

    return fhir.render(result, screen.now)


class Spec(Record):
    """A format's entry in the registry: its renderer and the kinds of result it can show."""

    draw: Renderer
    kinds: frozenset[Kind]


_EVERY_KIND = frozenset(Kind)
REGISTRY: dict[Format, Spec] = {
    Format.RICH: Spec(_rich, _EVERY_KIND),
    Format.PLAIN: Spec(_plain, _EVERY_KIND),
    Format.JSON: Spec(_json, _EVERY_KIND),
    Format.MD: Spec(_markdown, _EVERY_KIND),
    Format.HTML: Spec(_html, _EVERY_KIND),
    Format.FHIR: Spec(_fhir, frozenset({Kind.INTERACTIONS, Kind.TRIAGE})),
}

REPORT_SUFFIXES: dict[str, Format] = {".md": Format.MD, ".markdown": Format.MD,
                                      ".html": Format.HTML, ".htm": Format.HTML}
