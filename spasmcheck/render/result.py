"""What a renderer is given: the kind of result and the result itself, shared by every format.

Its own module, below the format registry, so a renderer (FHIR) can name it without importing
the registry that dispatches to it.
"""

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from spasmcheck.interactions import Report
    from spasmcheck.model import KnowledgeBase
    from spasmcheck.render.shapes import Shaped
    from spasmcheck.triage import Assessment


class Kind(str, Enum):
    """What a result is the result of: each kind has its own layout."""

    INTERACTIONS = "interactions"
    TRIAGE = "triage"
    REDFLAGS = "redflags"
    SEARCH = "meds search"
    SHOW = "meds show"


class Result(NamedTuple):
    """A result as every format reads it.

    `shaped` is the JSON contract object (render/data.py, render/discovery.py): every format
    but FHIR reads only that. FHIR also needs codes the contract does not carry (RxNorm codes,
    source addresses, the question texts), so it gets the engine's own result and the tables.
    """

    kind: Kind
    shaped: "Shaped"
    title: str  # the heading of a Markdown or HTML document
    styles: Mapping[str, str] | None = None  # extra Rich styles (the level's colour)
    outcome: "Report | Assessment | None" = None
    kb: "KnowledgeBase | None" = None
