"""The interaction engine: medicine names in, findings out, most severe first. Pure.

Every given medicine is checked against the candidate (the drug the person is about to take)
and against every other given medicine, through pair rules (drug or class on each side), group
rules (three or more CNS-active medicines...), duplicates of one active moiety, and the
cautions of every one of these medicines for the person's conditions and age. A name that is
not recognised is reported as unknown: it never counts as "no interaction".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from spasmcheck.core.errors import UsageError
from spasmcheck.core.model import (
    Caution,
    Drug,
    Finding,
    FindingKind,
    KnowledgeBase,
    PairRule,
    Severity,
    Text,
)
from spasmcheck.core.names import Resolution, as_listed
from spasmcheck.core.record import Record

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")
# A NamedTuple made from its fields in one call to the tuple's own constructor: its class's
# generated __new__ costs a Python call, which `check` would pay for every finding.
_new: Callable[[type[Any], tuple[Any, ...]], Any] = tuple.__new__


class Interaction(Record):
    """One finding: which rule, which drugs, and what it means."""

    kind: FindingKind
    rule_id: str
    drugs: tuple[str, ...]  # generic ids; the candidate first when it is involved
    finding: Finding
    condition: str | None = None  # cautions: the condition id, or None for an age caution
    applies_from_age: int | None = None  # a rule for an age group, when no age was given

    @property
    def severity(self) -> Severity:
        return self.finding.severity


class MedicineCheck(Record):
    """A list of medicines checked against a candidate: what each name was read as, and the
    findings, most severe first. (`interactions` names the command and the table; this is
    one result of the check.)"""

    candidate: Drug
    medications: tuple[Resolution, ...]
    findings: tuple[Interaction, ...]
    conditions: tuple[str, ...]
    age: int | None

    @property
    def unknown(self) -> tuple[Resolution, ...]:
        return tuple([med for med in self.medications if not med.drugs])

    @property
    def incomplete(self) -> bool:
        """A name was not recognised, or only partly: the check did not cover everything."""
        for med in self.medications:  # noqa: SIM110  a loop costs a third of any() over a generator
            if med.status != "known":
                return True
        return False

    @property
    def worst(self) -> Severity | None:
        """The first finding's severity: findings come most severe first."""
        return self.findings[0].finding.severity if self.findings else None


def candidate_drug(kb: KnowledgeBase, name: str | None, index: Index | None = None) -> Drug:
    """The candidate `name` (any of its names), or the table's default; `index`, when given,
    reads the name through its memo (a batch names a candidate line after line).

    The error names the request's field (`drug`); a front-end words it as its own option."""
    tables = kb.interactions
    if name is None:
        return tables.drugs[tables.default_candidate]
    read = (index.resolve if index is not None else kb.names.resolve)(name)
    entry = read.entry if read.status == "known" else None
    if entry is None or len(entry.drugs) != 1 or entry.drugs[0] not in tables.candidates:
        valid = ", ".join(tables.candidates)
        raise UsageError(f"drug {name!r} is not one of the drugs spasmcheck checks against; "
                         f"choose one of: {valid}")
    return tables.drugs[entry.drugs[0]]


def resolve_condition(kb: KnowledgeBase, name: str) -> str:
    """A condition id from its id, name or alias; UsageError (field `condition`) listing the
    valid ids."""
    from spasmcheck.core.names import fold

    key = fold(name)
    for condition in kb.interactions.conditions.values():
        names = (condition.id, condition.name.patient, condition.name.clinician,
                 *condition.aliases)
        if key in {fold(n) for n in names}:
            return condition.id
    valid = ", ".join(kb.interactions.conditions)
    raise UsageError(f"condition {name!r} is not a condition the tables know; "
                     f"choose one of: {valid}")


def check(meds: Sequence[str], kb: KnowledgeBase, candidate: Drug | None = None,
          conditions: Sequence[str] = (), age: int | None = None,
          index: Index | None = None) -> MedicineCheck:
    """Check `meds` (names as typed) against `candidate` and each other.

    `index` is what the rules say about each drug, kept by the caller that checks many lists
    (a `checker.Checker`); without it, one is worked out for this check alone."""
    tables = kb.interactions
    candidate = candidate or tables.drugs[tables.default_candidate]
    if index is None:
        index = Index(kb)
    names = index.names
    resolved = tuple([names[name] for name in meds])

    # Each drug once, the candidate first, with what the rules say about it. Ingredients of
    # one product are never paired with each other, nor a drug with another form of its
    # active moiety (that is a duplicate). (Plain loops: on lists this short they cost less
    # than map, zip or itertools.)
    traits = index.drugs
    first = {candidate.id: traits[candidate.id]}
    products: dict[str, int] = {}  # a listed product's ingredient -> the products, as bits
    bit = 1
    repeated = offered = False
    for med in resolved:
        if med.suggestions:
            offered = True
        brought = med.drugs
        if len(brought) > 1:
            for drug_id in brought:
                products[drug_id] = products.get(drug_id, 0) | bit
            bit <<= 1
        for drug_id in brought:
            if drug_id in first:
                repeated = True
            else:
                first[drug_id] = traits[drug_id]
    if offered:
        resolved = tuple([not_offering(med, kb, candidate, index) if med.suggestions else med
                          for med in resolved])
    drugs = list(first)
    active = [moiety for _, _, moiety in first.values()]
    forms = len(set(active)) != len(active)  # two forms of one moiety
    found = _duplicates(kb, resolved, drugs, active, _brought(candidate, resolved)) \
        if repeated or forms else []

    # Pairs of the drugs a rule names (about 4 in 10 listed drugs have none), in list order.
    # Two forms of one moiety meet the same partner: the pair is reported once, named by the
    # first form in id order, so the order of the list never changes the result.
    reported: dict[tuple[str, frozenset[str]], int] = {}
    partners_of = index.partners
    ruled = [(drug_id, kind, moiety) for drug_id, (kind, _, moiety) in first.items()
             if partners_of[kind]]
    for number, (drug_id, kind, moiety) in enumerate(ruled, 1):
        partners = partners_of[kind]
        for other_id, other_kind, other_moiety in ruled[number:]:
            rules = partners.get(other_kind)
            if rules is None or forms and moiety == other_moiety:
                continue
            if products and products.get(drug_id, 0) & products.get(other_id, 0):
                continue  # ingredients of one product
            between = (drug_id, other_id)
            for rule in rules:
                finding, from_age = rule.finding, None
                if rule.min_age is not None:
                    if age is not None and age < rule.min_age:
                        continue
                    if age is None:
                        finding, from_age = index.from_age(finding, rule.min_age), rule.min_age
                pair = _new(Interaction, ("pair", rule.id, between, finding, None, from_age))
                if forms:
                    key = (rule.id, frozenset((moiety, other_moiety)))
                    if key in reported:
                        kept = reported[key]
                        if sorted(between) < sorted(found[kept].drugs):
                            found[kept] = pair
                        continue
                    reported[key] = len(found)
                found.append(pair)

    # Group rules count moieties: of two forms of one, the first in id order is named.
    members: dict[int, dict[str, str]] = {}
    group_rules = tables.group_rules
    for drug_id, (_, in_groups, moiety) in first.items():
        for number in in_groups:
            listed = members.get(number)
            if listed is None:
                members[number] = {moiety: drug_id}
            elif moiety not in listed or drug_id < listed[moiety]:
                listed[moiety] = drug_id
    for number, listed in members.items():
        group = group_rules[number]
        if len(listed) >= group.min_count:
            at = index.group_at(number, age)
            if at is not None:
                found.append(_new(Interaction, ("group", group.id, tuple(listed.values()), *at)))

    if conditions or age is not None:
        seen: set[tuple[str, str]] = set()
        for drug_id, moiety in zip(drugs, active, strict=True):
            for caution in index.cautions(drug_id):
                if (caution.id, moiety) not in seen and caution.applies(conditions, age):
                    seen.add((caution.id, moiety))
                    found.append(Interaction("caution", caution.id, (drug_id,),
                                             caution.finding, caution.condition))

    if len(found) > 1:
        # most severe first; within a severity, what involves the candidate, then what holds
        # for certain before what is shown only because no age was given
        given = candidate.id
        found.sort(key=lambda i: (-i.finding.severity, i.drugs[0] != given,
                                  i.applies_from_age is not None, i.rule_id, i.drugs))
    result: MedicineCheck = _new(MedicineCheck, (candidate, resolved, tuple(found),
                                                 tuple(conditions), age))
    return result


def not_offering(med: Resolution, kb: KnowledgeBase, candidate: Drug,
                 index: Index | None = None) -> Resolution:
    """Without the suggestions that name the candidate: "did you mean" must never turn an
    unknown medicine (nizatidine) into the very drug it is checked against (tizanidine).
    A suggestion is a name the tables list: `index` has it read already."""
    resolve = index.resolve if index is not None else kb.names.resolve
    kept = tuple([name for name in med.suggestions if candidate.id not in resolve(name).drugs])
    return med if kept == med.suggestions else med._replace(suggestions=kept)


def _brought(candidate: Drug, resolved: tuple[Resolution, ...]) -> dict[str, list[int]]:
    """Every drug with the positions of the medicines that brought it (-1: the candidate)."""
    brought: dict[str, list[int]] = {candidate.id: [-1]}
    for position, med in enumerate(resolved):
        for drug_id in med.drugs:
            brought.setdefault(drug_id, []).append(position)
    return brought


def _duplicates(kb: KnowledgeBase, resolved: tuple[Resolution, ...],
                drugs: list[str], active: list[str],
                brought: dict[str, list[int]]) -> list[Interaction]:
    """One finding per active moiety that more than one medicine (or the candidate) brings."""
    by_moiety: dict[str, tuple[list[str], list[int]]] = {}
    for drug_id, moiety, places in zip(drugs, active, map(brought.__getitem__, drugs),
                                       strict=True):
        kept = by_moiety.get(moiety)
        if kept is None:  # most moieties come once: their places are kept as they are
            by_moiety[moiety] = ([drug_id], places)
        else:
            ids, positions = kept
            ids.append(drug_id)
            by_moiety[moiety] = (ids, positions + [p for p in places if p not in positions])
    tables = kb.interactions
    found = []
    for moiety, (ids, positions) in by_moiety.items():
        if len(positions) < 2:
            continue
        listed = [p for p in positions if p >= 0]
        if -1 in positions:
            rule, finding = "already_taking", tables.already_taking
        elif len({frozenset(resolved[p].drugs) for p in listed}) == 1:
            rule, finding = "listed_twice", tables.listed_twice
        else:
            rule, finding = "same_drug", tables.same_drug
        names = [_shown(resolved[p]) for p in listed]
        found.append(Interaction("same_drug", rule, tuple(ids), _named(
            finding, tables.drugs[moiety].name, _join(names))))
    return found


def _shown(med: Resolution) -> str:
    """A listed medicine by the table's spelling of the name it was matched by."""
    return med.entry.name if med.entry is not None else med.input


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _named(finding: Finding, drug: str, names: str) -> Finding:
    effect, mechanism, advice = (text.fill(drug=drug, names=names)
                                 for text in (finding.effect, finding.mechanism, finding.advice))
    return finding._replace(effect=effect, mechanism=mechanism, advice=advice)


class Index:
    """What the rules say about each drug and each pair of kinds of drug, worked out once.

    Drugs that match the same rule sides are one kind of drug (the built-in tables have about
    170 kinds for 774 drugs). The rules between two kinds are worked out when the second of
    them is first met (or all at once: `prepare`), and kept only where there are some:
    `partners[kind]` maps every other kind met so far to its rules. Every memo here is bounded
    by the tables, not by the input. A `checker.Checker` keeps one for its tables.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.tables = kb.interactions
        # a name as typed -> what it resolves to, kept for names typed as the tables list them
        self.names = _Memo(self._read, kb.names.spelled_limit(), as_listed)
        self._cautions: dict[str, tuple[Caution, ...]] = {}
        self._by_side: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
        self._kinds_by_rule: dict[tuple[int, int], list[int]] = {}  # (side, rule) -> kinds
        self._rules_of: dict[frozenset[int], tuple[PairRule, ...]] = {}
        self._from_age: dict[tuple[Finding, int], Finding] = {}
        self._aged: dict[int, tuple[Finding, None, int]] = {}
        self.kinds: dict[tuple[frozenset[int], frozenset[int]], int] = {}
        self.sides: list[tuple[frozenset[int], frozenset[int]]] = []
        # drug id -> its kind, the group rules it counts towards (by index), its moiety
        self.drugs = _Memo(self._traits)
        self.partners: list[dict[int, tuple[PairRule, ...]]] = []

    def resolve(self, name: str) -> Resolution:
        return self.names[name]

    def _read(self, name: str) -> Resolution:
        return self.kb.names.resolve(name)

    def prepare(self) -> None:
        """Work out every drug's traits, and the names as the tables list them, now: done
        before batch workers fork, they share them rather than each working them out."""
        for drug_id in self.tables.drugs:
            self.drugs[drug_id]  # noqa: B018  worked out by the memo
            self.cautions(drug_id)
        for entry in self.kb.names.entries():
            self.resolve(entry.name)
        self.kb.names.prepare()  # the word reader's tables, and the letters for suggestions

    def cautions(self, drug_id: str) -> tuple[Caution, ...]:
        """The cautions (for conditions or an age) that name this drug."""
        found = self._cautions.get(drug_id)
        if found is None:
            drug = self.tables.drugs[drug_id]
            found = self._cautions[drug_id] = tuple(
                c for c in self.tables.cautions if c.drug.matches(drug))
        return found

    def from_age(self, finding: Finding, min_age: int) -> Finding:
        """A rule's finding for an age group, when no age was given: it says the age."""
        key = (finding, min_age)
        said = self._from_age.get(key)
        if said is None:
            note = self.tables.age_not_given.fill(age=str(min_age))
            effect = Text(f"{note.patient} {finding.effect.patient}",
                          f"{note.clinician} {finding.effect.clinician}")
            said = self._from_age[key] = finding._replace(effect=effect)
        return said

    def group_at(self, number: int, age: int | None) -> tuple[Finding, None, int | None] | None:
        """Group rule `number` at this age: None below its age group; with no age given, its
        finding says the age it applies from (and keeps its severity: an unknown age is not
        read as young)."""
        group = self.tables.group_rules[number]
        if group.min_age is None or (age is not None and age >= group.min_age):
            return group.finding, None, None
        if age is not None:
            return None
        aged = self._aged.get(number)
        if aged is None:
            aged = self._aged[number] = (self.from_age(group.finding, group.min_age), None,
                                         group.min_age)
        return aged

    def _traits(self, drug_id: str) -> tuple[int, tuple[int, ...], str]:
        """The drug's kind, the group rules it counts towards (by index), and its moiety."""
        drug = self.tables.drugs[drug_id]
        by_side = self._rules_by_side()
        matched = [by_side.get(("drug", drug.id), ((), ()))]
        matched += [by_side.get(("class", class_id), ((), ())) for class_id in drug.all_classes]
        sides = (frozenset(i for a, _ in matched for i in a),
                 frozenset(i for _, b in matched for i in b))
        if sides not in self.kinds:
            self._add_kind(sides)
        groups = tuple(number for number, rule in enumerate(self.tables.group_rules)
                       if rule.class_id in drug.all_classes)
        return self.kinds[sides], groups, drug.active

    def _rules_by_side(self) -> dict[tuple[str, str], tuple[list[int], list[int]]]:
        """The rules (by index) whose first and whose second side is each drug or class: a
        drug's rules are then found through its id and classes, not by trying every rule."""
        by_side = self._by_side
        if not by_side:
            for number, rule in enumerate(self.tables.rules):
                by_side.setdefault((rule.a.kind, rule.a.id), ([], []))[0].append(number)
                by_side.setdefault((rule.b.kind, rule.b.id), ([], []))[1].append(number)
        return by_side

    def _add_kind(self, sides: tuple[frozenset[int], frozenset[int]]) -> None:
        kind = self.kinds[sides] = len(self.sides)
        self.sides.append(sides)
        self.partners.append({})
        a_new, b_new = sides
        by_rule = self._kinds_by_rule
        for side, numbers in enumerate(sides):
            for number in numbers:
                by_rule.setdefault((side, number), []).append(kind)
        # the kinds met so far (this one too) with a rule whose other side this kind matches:
        # about 3,000 of the 15,000 pairs of the built-in tables' kinds
        others = {other for number in a_new for other in by_rule.get((1, number), ())}
        others.update(other for number in b_new for other in by_rule.get((0, number), ()))
        for other in sorted(others):
            a_other, b_other = self.sides[other]
            rules = self._between((a_new & b_other) | (a_other & b_new))
            if rules:
                self.partners[kind][other] = self.partners[other][kind] = rules

    def _between(self, hits: frozenset[int]) -> tuple[PairRule, ...]:
        """The rules (by index) that hold between two kinds, less those another of them
        replaces; kept by the set (the built-in tables' 3,000 pairs of kinds have 374)."""
        rules = self._rules_of.get(hits)
        if rules is None:
            matched = [self.tables.rules[index] for index in sorted(hits)]
            replaced = frozenset().union(*(rule.replaces for rule in matched))
            rules = self._rules_of[hits] = tuple(
                rule for rule in matched if rule.id not in replaced)
        return rules


class _Memo(dict[_Key, _Value]):
    """A dict that works out a missing value with `make`, and keeps it when `keep` says so
    and it holds fewer than `size`: a lookup in a hot loop is then one subscript, where a
    method that looks in a memo costs a Python call."""

    __slots__ = ("keep", "make", "size")

    def __init__(self, make: Callable[[_Key], _Value], size: int | None = None,
                 keep: Callable[[_Value], bool] | None = None) -> None:
        super().__init__()
        self.make, self.size, self.keep = make, size, keep

    def __missing__(self, key: _Key) -> _Value:
        value = self.make(key)
        if (self.size is None or len(self) < self.size) and (self.keep is None
                                                             or self.keep(value)):
            self[key] = value
        return value


def rules_touching(kb: KnowledgeBase, drug: Drug) -> list[PairRule]:
    """Every pair rule with a side that matches `drug` (for `meds show`)."""
    return [rule for rule in kb.interactions.rules
            if rule.a.matches(drug) or rule.b.matches(drug)]
