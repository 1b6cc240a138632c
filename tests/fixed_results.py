"""Fixed results for the renderer tests, made by the pure core over the built-in tables.

Each case is built the way the CLI builds its result (`Checker`, `render.data`, a `Result` with
the tables' level colours), but without the CLI, so a renderer test reads one renderer alone.
A case keeps its inputs (the names given, the engine's result, the emergency contact), so tests
take what they expect from those and from the tables, never from a renderer's output.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, NamedTuple

from spasmcheck.core import emergency
from spasmcheck.core.answers import validate
from spasmcheck.core.checker import Checker
from spasmcheck.core.emergency import Contact
from spasmcheck.core.interactions import MedicineCheck
from spasmcheck.core.model import Audience, Urgency
from spasmcheck.core.triage import Assessment
from spasmcheck.render import data
from spasmcheck.render.formats import Format, Kind, Result
from spasmcheck.tables import knowledge

KB = knowledge.load()
CHECKER = Checker(KB)

# User text that must reach every reader as typed, never as an effect: Rich markup, HTML, a
# Markdown link, and control characters (an escape that clears the screen, a carriage return
# that would overwrite the line). None of them is a medicine, so each is shown as not recognised.
RICH_MARKUP = "[bold red]x[/]"
HTML_TAG = "<script>alert(1)</script>"
MD_LINK = "[click me](http://evil.example/x)"
CONTROL = "evil\x1b[2J\rname"
HOSTILE = (RICH_MARKUP, HTML_TAG, MD_LINK, CONTROL)


class Interactions(NamedTuple):
    name: str
    result: Result
    report: MedicineCheck
    names: tuple[str, ...]  # as given
    audience: Audience


class Triage(NamedTuple):
    name: str
    result: Result
    assessment: Assessment
    contact: Contact
    audience: Audience


def interactions(name: str, names: list[str], drug: str | None = None,
                 audience: Audience = Audience.PATIENT, conditions: tuple[str, ...] = (),
                 age: int | None = None) -> Interactions:
    candidate = CHECKER.candidate(drug)
    report = CHECKER.check_medicines(CHECKER.medicines(names), candidate, conditions, age)
    shaped = data.interactions_result(report, KB, audience)
    result = Result(Kind.INTERACTIONS, shaped, f"spasmcheck: medicines and {candidate.name}",
                    KB.triage.colours, report, KB)
    return Interactions(name, result, report, tuple(names), audience)


def triage(name: str, answers: dict[str, Any], country: str | None = "GB",
           audience: Audience = Audience.PATIENT, drug: str | None = None) -> Triage:
    assessment = CHECKER.assess(validate(answers, KB.triage),
                                CHECKER.candidate(drug) if drug else None)
    contact = emergency.contact(KB, country)
    shaped = data.triage_result(assessment, KB, audience, contact)
    result = Result(Kind.TRIAGE, shaped, "spasmcheck: spasm check summary", KB.triage.colours,
                    assessment, KB)
    return Triage(name, result, assessment, contact, audience)


CALM = {"location": "lower_back", "duration_days": 2, "age": 30, "improving": True,
        "trauma": "none", "fever": "none", "weakness": "none"}

NOTHING_FOUND = interactions("nothing-found", ["metformin"])
# tizanidine with fluvoxamine is contraindicated; the three together and the NSAID with the
# SSRIs give less severe findings after it
SEVERE = interactions("contraindicated", ["ibuprofen", "Zoloft", "fluvoxamine"], "tizanidine")
INCOMPLETE = interactions("unknown-and-partial",
                          ["nosuchpill", "Tylenol Extra Strength Foo", "sertraline"])
HOSTILE_NAMES = interactions("hostile-names", [*HOSTILE, "sertraline"])
CLINICIAN = interactions("clinician-cautions", ["phenelzine", "ibuprofen"],
                         audience=Audience.CLINICIAN, conditions=("heart_failure",), age=70)

EMERGENCY = triage("emergency", {"chest_pain": True, "medications": ["sertraline"]})
EMERGENCY_AU = triage("emergency-australia", {"saddle_numbness": True, "location": "lower_back"},
                      country="AU")
EMERGENCY_NO_COUNTRY = triage("emergency-no-country", {"chest_pain": True}, country=None)
SELF_CARE = triage("self-care", CALM)
CHILD = triage("child", {"age": 6, "location": "leg", "duration_days": 1, "improving": True,
                         "trauma": "none", "weakness": "none"})
HOSTILE_TRIAGE = triage("hostile-medicines", {**CALM, "medications": [*HOSTILE, "Zoloft"]})

INTERACTIONS = (NOTHING_FOUND, SEVERE, INCOMPLETE, HOSTILE_NAMES, CLINICIAN)
TRIAGES = (EMERGENCY, EMERGENCY_AU, EMERGENCY_NO_COUNTRY, SELF_CARE, CHILD, HOSTILE_TRIAGE)
EVERY = (*INTERACTIONS, *TRIAGES)
EMERGENCIES = tuple(case for case in TRIAGES if case.assessment.urgency is Urgency.EMERGENCY)


def ids(cases: tuple[Interactions | Triage, ...]) -> list[str]:
    return [case.name for case in cases]


# --- what a reader sees --------------------------------------------------------------------------

ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # colour and weight: the only escapes Rich may write
_BOX = str.maketrans("", "", "╭╮╰╯│─•")


class Page(HTMLParser):
    """An HTML page as a browser would show it: its text, and the tags and links it holds."""

    BLOCKS = frozenset({"p", "h1", "h2", "h3", "ul", "li", "dl", "dt", "dd", "section",
                        "blockquote", "pre", "br", "div", "body"})

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self.links: list[str] = []
        self._hidden = 0  # inside <style> or <title>: not on the page
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]
        self._hidden += tag in ("style", "title")
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "title")
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, text: str) -> None:
        if not self._hidden:
            self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def lines(self) -> list[str]:
        """The text's lines that hold something, as a reader meets them."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]


def markdown_page(text: str) -> Page:
    """A Markdown document as a CommonMark viewer shows it (markdown-it comes with rich)."""
    from markdown_it import MarkdownIt

    return Page(MarkdownIt("commonmark").render(text))


def seen(fmt: Format, text: str) -> str:
    """The words a person reads in `text`, one space between them, markup and styling gone."""
    if fmt is Format.HTML:
        text = Page(text).text
    elif fmt is Format.MD:
        text = markdown_page(text).text
    elif fmt is Format.RICH:
        text = ANSI_STYLE.sub("", text).translate(_BOX)
    return " ".join(text.split())


def body(fmt: Format, text: str) -> str:
    """`seen`, without a document's own heading and date line (what comes before the result)."""
    words = seen(fmt, text)
    return words.split(" by spasmcheck. ", 1)[1] if fmt in (Format.MD, Format.HTML) else words
