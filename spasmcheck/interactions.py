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
from itertools import combinations
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
        return tuple(med for med in self.medications if not med.known)

    @property
    def worst(self) -> Severity | None:
        return max((i.severity for i in self.interactions), default=None)


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
    resolved = tuple(_resolve(kb, name) for name in meds)
    found: list[Interaction] = []

    taken: list[str] = []
    seen_from: dict[str, int] = {}
    for index, med in enumerate(resolved):
        for drug_id in med.drugs:
            if drug_id == candidate.id or drug_id in seen_from and seen_from[drug_id] != index:
                found.append(Interaction("same_drug", "same_drug", (drug_id,), tables.same_drug))
            if drug_id not in seen_from:
                seen_from[drug_id] = index
                taken.append(drug_id)

    others = [d for d in taken if d != candidate.id]
    for other in others:
        found += _pair_cached(kb, candidate.id, other)
    for first, second in combinations(others, 2):
        found += _pair_cached(kb, first, second)

    group = [candidate.id, *others]
    for rule in tables.group_rules:
        members = tuple(d for d in group if rule.class_id in tables.drugs[d].all_classes)
        if len(members) >= rule.min_count:
            found.append(Interaction("group", rule.id, members, rule.finding))

    if conditions or age is not None:
        found += [Interaction("caution", caution.id, (candidate.id,), caution.finding,
                              caution.condition)
                  for caution in _cautions(kb, candidate.id) if caution.applies(conditions, age)]

    if len(found) > 1:
        found = list(dict.fromkeys(found))
        found.sort(key=lambda i: (-i.severity, candidate.id not in i.drugs, i.rule_id, i.drugs))
    return Report(candidate, resolved, tuple(found), tuple(conditions), age)


@lru_cache(maxsize=256)
def _cautions(kb: KnowledgeBase, candidate_id: str) -> tuple[Caution, ...]:
    candidate = kb.interactions.drugs[candidate_id]
    return tuple(c for c in kb.interactions.cautions if c.drug.matches(candidate))


@lru_cache(maxsize=8192)
def _resolve(kb: KnowledgeBase, name: str) -> Resolution:
    return kb.names.resolve(name)


@lru_cache(maxsize=16384)
def _pair_cached(kb: KnowledgeBase, first: str, second: str) -> tuple[Interaction, ...]:
    """Findings for one pair; the same rules whichever order the two are given in."""
    if first == second:
        return ()
    a_first, b_first = _sides(kb, first)
    a_second, b_second = _sides(kb, second)
    hits = (a_first & b_second) | (a_second & b_first)
    rules = kb.interactions.rules
    matched = [rules[index] for index in sorted(hits)]
    replaced = frozenset().union(*(rule.replaces for rule in matched))
    return tuple(Interaction("pair", rule.id, (first, second), rule.finding)
                 for rule in matched if rule.id not in replaced)


@lru_cache(maxsize=4096)
def _sides(kb: KnowledgeBase, drug_id: str) -> tuple[frozenset[int], frozenset[int]]:
    """The rules whose side `a`, and whose side `b`, match a drug (by index in the table)."""
    drug = kb.interactions.drugs[drug_id]
    rules = kb.interactions.rules
    return (frozenset(i for i, rule in enumerate(rules) if rule.a.matches(drug)),
            frozenset(i for i, rule in enumerate(rules) if rule.b.matches(drug)))


def rules_touching(kb: KnowledgeBase, drug: Drug) -> list[PairRule]:
    """Every pair rule with a side that matches `drug` (for `meds show`)."""
    return [rule for rule in kb.interactions.rules
            if rule.a.matches(drug) or rule.b.matches(drug)]
