"""The service core: one object that every front-end asks, with one validation of a request.

The CLI, batch mode, the interactive prompts and the CDS Hooks service all go through a
`Checker`: it checks a request against the `Limits` once, in the words of the request's fields
(`meds`, `drug`, `condition`, `age`), and answers with the engines' pure functions underneath.
A front-end words an error as its own (an option, a line, an HTTP status); it never repeats a
check. No I/O and no printing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from spasmcheck.core import interactions
from spasmcheck.core.errors import UsageError
from spasmcheck.core.limits import LIMITS, Limits

if TYPE_CHECKING:
    from spasmcheck.core.answers import Answers
    from spasmcheck.core.model import Drug, KnowledgeBase
    from spasmcheck.core.names import Resolution
    from spasmcheck.core.triage import Assessment, TriageIndex

class RequestError(UsageError):
    """A request the core refuses; `field` names the part of it (meds, drug, condition, age)."""

    def __init__(self, field: str, problem: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.problem = problem  # too_many, not_text, empty, too_long, unknown, out_of_range


class Checker:
    """The tables and the limits a request is answered and checked against.

    A plain class with slots: a NamedTuple or dataclass costs start-up time to create."""

    __slots__ = ("_codes", "_pairs", "_triage", "kb", "limits")

    def __init__(self, kb: KnowledgeBase, limits: Limits = LIMITS) -> None:
        self.kb = kb
        self.limits = limits
        self._pairs: interactions.Index | None = None
        self._codes: dict[str, Drug] | None = None
        self._triage: TriageIndex | None = None

    @property
    def pairs(self) -> interactions.Index:
        """What the interaction rules say about each drug and kind of drug, worked out as
        drugs are met (or all at once, `prepare_interactions`) and kept for this checker."""
        if self._pairs is None:
            self._pairs = interactions.Index(self.kb)
        return self._pairs

    @property
    def codes(self) -> dict[str, Drug]:
        """RxNorm ingredient code -> drug (for reading FHIR records), made on first use."""
        if self._codes is None:
            self._codes = {drug.rxcui: drug for drug in self.kb.interactions.drugs.values()
                           if drug.rxcui}
        return self._codes

    def prepare_interactions(self) -> None:
        """Work out the whole interactions index now (before batch workers fork)."""
        self.pairs.prepare()

    # --- one validation ------------------------------------------------------------------

    def medicines(self, names: Sequence[object]) -> list[str]:
        """The names, trimmed; refused when too many, not text, empty or too long."""
        if len(names) > self.limits.medicines:
            raise RequestError("meds", "too_many", f"{len(names)} medicines given; at most "
                                       f"{self.limits.medicines} in one check")
        cleaned = [name.strip() for name in names if type(name) is str]
        if len(cleaned) != len(names):  # a JSON request can hold anything
            raise RequestError("meds", "not_text", "a medicine name must be text")
        if not all(cleaned):
            raise RequestError("meds", "empty", "an empty medicine name was given")
        longest = self.limits.name_length
        for name in cleaned:  # a loop: cheaper than any() over a generator, line after line
            if len(name) > longest:
                raise RequestError("meds", "too_long", f"a medicine name is longer than "
                                           f"{longest} characters")
        return cleaned

    def candidate(self, name: str | None) -> Drug:
        """The candidate drug by any of its names, else the tables' default."""
        try:
            return interactions.candidate_drug(self.kb, name, self.pairs)
        except UsageError as error:
            raise RequestError("drug", "unknown", error.message) from None

    def conditions(self, names: Sequence[str]) -> tuple[str, ...]:
        """Condition ids from ids, names or aliases."""
        if len(names) > self.limits.conditions:
            raise RequestError("condition", "too_many", f"{len(names)} conditions given; at most "
                                            f"{self.limits.conditions}")
        try:
            return tuple(interactions.resolve_condition(self.kb, name) for name in names)
        except UsageError as error:
            raise RequestError("condition", "unknown", error.message) from None

    def age(self, years: int | None) -> int | None:
        if years is not None and not 0 <= years <= self.limits.age:
            raise RequestError("age", "out_of_range",
                               f"age must be a whole number of years (0 to {self.limits.age})")
        return years

    # --- answers -------------------------------------------------------------------------

    def check_medicines(self, names: Sequence[str], candidate: Drug | None = None,
                        conditions: Sequence[str] = (), age: int | None = None,
                        ) -> interactions.MedicineCheck:
        """Interactions of `names` (already checked by `medicines`) with `candidate`."""
        return interactions.check(names, self.kb, candidate, conditions, age, self.pairs)

    def assess(self, answers: Answers, candidate: Drug | None = None,
               finished: bool = True) -> Assessment:
        """The urgency of a set of answers, with the check of its medicines."""
        from spasmcheck.core.triage import assess  # only triage needs it: not on the other paths

        return assess(answers, self.kb, candidate, finished, index=self.triage, pairs=self.pairs)

    @property
    def triage(self) -> TriageIndex:
        """What triage works out once per tables (compiled red flags, the answers' schema),
        built at the first assessment; batch mode builds it before forking its workers."""
        if self._triage is None:
            from spasmcheck.core.triage import TriageIndex

            self._triage = TriageIndex(self.kb)
        return self._triage

    def lookup(self, name: str, candidate: Drug | None = None) -> Resolution:
        """What a medicine name resolves to: a drug, a product, partly or not at all; with a
        `candidate`, "did you mean" never offers it (as in `check_medicines`)."""
        found = self.pairs.resolve(name)
        if candidate is None or not found.suggestions:
            return found
        from spasmcheck.core.interactions import not_offering

        return not_offering(found, self.kb, candidate, self.pairs)
