"""The interaction engine: medicine names in, findings out, most severe first. Pure.

Every given medicine is checked against the candidate (the drug the person is about to take)
and against every other given medicine, through pair rules (drug or class on each side), group
rules (three or more CNS-active medicines...), duplicates of one ingredient, and the
candidate's cautions for the person's conditions and age. A name that is not recognised is
reported as unknown: it never counts as "no interaction".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from spasmcheck.errors import UsageError
from spasmcheck.model import Caution, Drug, Finding, KnowledgeBase, PairRule, Severity
from spasmcheck.names import Resolution


class Interaction(NamedTuple):
    """One finding: which rule, which drugs, and what it means."""

    kind: str  # "pair", "group", "same_drug" or "caution"
    rule_id: str
    drugs: tuple[str, ...]  # generic ids; the candidate first when it is involved
    finding: Finding
    condition: str | None = None  # cautions: the condition id, or None for an age caution

    @property
    def severity(self) -> Severity:
        return self.finding.severity


class Report(NamedTuple):
    candidate: Drug
    medications: tuple[Resolution, ...]
    interactions: tuple[Interaction, ...]
    conditions: tuple[str, ...]
    age: int | None

    @property
    def unknown(self) -> tuple[Resolution, ...]:
        return tuple([med for med in self.medications if not med.drugs])

    @property
    def incomplete(self) -> bool:
        """A name was not recognised, or only partly: the check did not cover everything."""
        return any(med.status != "known" for med in self.medications)

    @property
    def worst(self) -> Severity | None:
        """The first finding's severity: findings come most severe first."""
        return self.interactions[0].finding.severity if self.interactions else None


def candidate_drug(kb: KnowledgeBase, name: str | None) -> Drug:
    """The candidate named by `--drug` (any of its names), or the table's default."""
    tables = kb.interactions
    if name is None:
        return tables.drugs[tables.default_candidate]
    entry = kb.names.lookup(name)
    if entry is None or len(entry.drugs) != 1 or entry.drugs[0] not in tables.candidates:
        valid = ", ".join(tables.candidates)
        raise UsageError(f"--drug {name!r} is not one of the drugs spasmcheck checks against; "
                         f"choose one of: {valid}")
    return tables.drugs[entry.drugs[0]]


def resolve_condition(kb: KnowledgeBase, name: str) -> str:
    """A condition id from its id, name or alias; UsageError listing the valid ids."""
    from spasmcheck.names import fold

    key = fold(name)
    for condition in kb.interactions.conditions.values():
        names = (condition.id, condition.name.patient, condition.name.clinician,
                 *condition.aliases)
        if key in {fold(n) for n in names}:
            return condition.id
    valid = ", ".join(kb.interactions.conditions)
    raise UsageError(f"unknown condition {name!r}; valid: {valid}")


def check(meds: Sequence[str], kb: KnowledgeBase, candidate: Drug | None = None,
          conditions: Sequence[str] = (), age: int | None = None) -> Report:
    """Check `meds` (names as typed) against `candidate` and each other."""
    tables = kb.interactions
    candidate = candidate or tables.drugs[tables.default_candidate]
    index = _index(kb)
    known = index.names.get
    resolved = tuple([known(name) or index.resolve(name) for name in meds])
    if any(med.suggestions for med in resolved):
        resolved = tuple([_not_offering(med, kb, candidate) for med in resolved])
    found: list[Interaction] = []

    # Each drug once, the candidate first, with the position of the medicine that brought it;
    # a drug brought again by another medicine (or the candidate itself) is a duplicate.
    first_from = {candidate.id: -1}
    for position, med in enumerate(resolved):
        for drug_id in med.drugs:
            if first_from.setdefault(drug_id, position) != position and \
                    all(i.drugs[0] != drug_id for i in found):
                found.append(Interaction("same_drug", "same_drug", (drug_id,), tables.same_drug))

    drugs = list(first_from)
    traits = index.drugs.get
    kinds, groups = zip(*[traits(drug_id) or index.traits(drug_id) for drug_id in drugs],
                        strict=True)
    for number, first in enumerate(drugs):
        partners = index.partners[kinds[number]]
        later = kinds[number + 1:]
        if partners.keys().isdisjoint(later):
            continue
        for second, kind in zip(drugs[number + 1:], later, strict=True):
            found.extend(Interaction("pair", rule.id, (first, second), rule.finding)
                         for rule in partners.get(kind, ()))

    members: dict[int, list[str]] = {}
    for drug_id, in_groups in zip(drugs, groups, strict=True):
        for number in in_groups:
            members.setdefault(number, []).append(drug_id)
    for number, listed in members.items():
        rule = tables.group_rules[number]
        if len(listed) >= rule.min_count:
            found.append(Interaction("group", rule.id, tuple(listed), rule.finding))

    if conditions or age is not None:
        found += [Interaction("caution", caution.id, (candidate.id,), caution.finding,
                              caution.condition)
                  for caution in _cautions(kb, candidate.id) if caution.applies(conditions, age)]

    if len(found) > 1:
        found.sort(key=lambda i: (-i.finding.severity, i.drugs[0] != candidate.id, i.rule_id,
                                  i.drugs))
    return Report(candidate, resolved, tuple(found), tuple(conditions), age)


def _not_offering(med: Resolution, kb: KnowledgeBase, candidate: Drug) -> Resolution:
    """Without the suggestions that name the candidate: "did you mean" must never turn an
    unknown medicine (nizatidine) into the very drug it is checked against (tizanidine)."""
    kept = tuple([name for name in med.suggestions
                  if candidate.id not in (kb.names.resolve(name).drugs)])
    return med if kept == med.suggestions else med._replace(suggestions=kept)


@lru_cache(maxsize=256)
def _cautions(kb: KnowledgeBase, candidate_id: str) -> tuple[Caution, ...]:
    candidate = kb.interactions.drugs[candidate_id]
    return tuple(c for c in kb.interactions.cautions if c.drug.matches(candidate))


MEMO_SIZE = 65536  # names as typed are unbounded: their memo is not


class _Index:
    """What the rules say about each drug and each pair of kinds of drug, worked out once.

    Drugs that match the same rule sides are one kind of drug (the built-in table has about a
    hundred kinds for 436 drugs). The rules between two kinds are worked out when the second
    of them is first met, and kept only where there are some: `partners[kind]` maps every
    other kind met so far to its rules. Its size is bounded by the table, not by the input.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.tables = kb.interactions
        self.names: dict[str, Resolution] = {}
        self.kinds: dict[tuple[frozenset[int], frozenset[int]], int] = {}
        self.sides: list[tuple[frozenset[int], frozenset[int]]] = []
        self.drugs: dict[str, tuple[int, tuple[int, ...]]] = {}
        self.partners: list[dict[int, tuple[PairRule, ...]]] = []

    def resolve(self, name: str) -> Resolution:
        resolution = self.names.get(name)
        if resolution is None:
            resolution = self.kb.names.resolve(name)
            if len(self.names) < MEMO_SIZE:
                self.names[name] = resolution
        return resolution

    def traits(self, drug_id: str) -> tuple[int, tuple[int, ...]]:
        """The drug's kind, and the group rules it counts towards (by index in the table)."""
        traits = self.drugs.get(drug_id)
        if traits is None:
            drug = self.tables.drugs[drug_id]
            rules = self.tables.rules
            sides = (frozenset(i for i, rule in enumerate(rules) if rule.a.matches(drug)),
                     frozenset(i for i, rule in enumerate(rules) if rule.b.matches(drug)))
            if sides not in self.kinds:
                self._add_kind(sides)
            groups = tuple(number for number, rule in enumerate(self.tables.group_rules)
                           if rule.class_id in drug.all_classes)
            traits = self.drugs[drug_id] = (self.kinds[sides], groups)
        return traits

    def _add_kind(self, sides: tuple[frozenset[int], frozenset[int]]) -> None:
        kind = self.kinds[sides] = len(self.sides)
        self.sides.append(sides)
        self.partners.append({})
        a_new, b_new = sides
        for other, (a_other, b_other) in enumerate(self.sides):
            hits = (a_new & b_other) | (a_other & b_new)
            if hits:
                matched = [self.tables.rules[index] for index in sorted(hits)]
                replaced = frozenset().union(*(rule.replaces for rule in matched))
                rules = tuple(rule for rule in matched if rule.id not in replaced)
                if rules:
                    self.partners[kind][other] = self.partners[other][kind] = rules


@lru_cache(maxsize=8)
def _index(kb: KnowledgeBase) -> _Index:
    return _Index(kb)


def rules_touching(kb: KnowledgeBase, drug: Drug) -> list[PairRule]:
    """Every pair rule with a side that matches `drug` (for `meds show`)."""
    return [rule for rule in kb.interactions.rules
            if rule.a.matches(drug) or rule.b.matches(drug)]
