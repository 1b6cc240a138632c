"""What a renderer is given: the kind of result and the result itself, shared by every format.

Its own module, below the format registry, so a renderer (FHIR) can name it without importing
the registry that dispatches to it.
"""

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING

from spasmcheck.core.record import Record

if TYPE_CHECKING:
    from spasmcheck.core.interactions import MedicineCheck
    from spasmcheck.core.model import KnowledgeBase
    from spasmcheck.core.triage import Assessment
    from spasmcheck.render.shapes import Shaped


class Kind(str, Enum):
    """What a result is the result of: each kind has its own layout."""

    INTERACTIONS = "interactions"
    TRIAGE = "triage"
    REDFLAGS = "redflags"
    SEARCH = "meds search"
    SHOW = "meds show"


class Result(Record):
    """A result as every format reads it.

    `shaped` is the JSON contract object (render/data.py, render/discovery.py), which JSON
    writes as it is. The engine's own result and the tables are there for what the contract
    does not carry: a person's view of a triage (answers in the questions' words, the steps
    for its level: `formats.blocks`) and FHIR's codes (RxNorm, source addresses).
    """

    kind: Kind
    shaped: "Shaped"
    title: str  # the heading of a Markdown or HTML document
    styles: Mapping[str, str] | None = None  # extra Rich styles (the level's colour)
    outcome: "MedicineCheck | Assessment | None" = None
    kb: "KnowledgeBase | None" = None
