"""Turn parsed tables into typed records, collecting every located problem on the way.

Each list entry is built on its own, so one broken drug or rule is reported and the rest are
still checked: `spasmcheck data check` shows all the problems of an edited table at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from spasmcheck import conditions
from spasmcheck.errors import DataError, LocatedError
from spasmcheck.model import (
    Advice,
    Caution,
    Choice,
    Country,
    CountryTables,
    Drug,
    DrugClass,
    Finding,
    GroupRule,
    HealthCondition,
    InteractionTables,
    Level,
    Meta,
    PairRule,
    Product,
    Question,
    QuestionType,
    RedFlag,
    Severity,
    Side,
    Source,
    Text,
    Tier,
    TriageTables,
    Urgency,
)
from spasmcheck.names import Entry, NameIndex, fold
from spasmcheck.yamlsource import Document, Path

SCHEMA_VERSION = 1
_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_COLOUR = r"(?:default|(?:bright_)?(?:" + "|".join(_COLOURS) + "))"
_STYLE = re.compile(rf"^(?:(?:bold|dim|italic|underline|reverse) +)*(?:{_COLOUR}"
                    rf"(?: +on +{_COLOUR})?|on +{_COLOUR}|(?:bold|dim|italic|underline|reverse))$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
T = TypeVar("T")


class Reader:
    """Typed access to one document; problems are collected, not raised, per entry."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[LocatedError] = []

    def get(self, path: Path) -> Any:
        data = self.doc.data
        for part in path:
            data = data[part]
        return data

    def fail(self, path: Path, message: str) -> LocatedError:
        return self.doc.error(path, message)

    def mapping(self, path: Path, required: Iterable[str], optional: Iterable[str] = ()) -> dict[
            str, Any]:
        value = self.get(path)
        required, optional = set(required), set(optional)
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}")
        for key in value:
            if key not in required | optional:
                valid = ", ".join(sorted(required | optional))
                raise self.fail((*path, key), f"unknown field {key!r}; valid fields: {valid}")
        for key in sorted(required):
            if key not in value:
                raise self.fail(path, f"missing field {key!r}")
        return value

    def string(self, path: Path) -> str:
        value = self.get(path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected non-empty text, got {_kind(value)}")
        return value.strip()

    def optional_string(self, path: Path) -> str | None:
        return self.string(path) if self._present(path) else None

    def ident(self, path: Path) -> str:
        value = self.string(path)
        if not _ID.match(value):
            raise self.fail(path, f"{value!r} is not an id (lower-case letters, digits and _)")
        return value

    def strings(self, path: Path) -> tuple[str, ...]:
        if not self._present(path):
            return ()
        value = self.get(path)
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_kind(value)}")
        return tuple(self.string((*path, i)) for i in range(len(value)))

    def integer(self, path: Path, low: int | None = None, high: int | None = None) -> int:
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, got {_kind(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(path, f"{value} is out of range ({low} to {high})")
        return value

    def boolean(self, path: Path, default: bool = False) -> bool:
        if not self._present(path):
            return default
        value = self.get(path)
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {_kind(value)}")
        return value

    def choice(self, path: Path, valid: Iterable[str]) -> str:
        value = self.string(path)
        valid = list(valid)
        if value not in valid:
            raise self.fail(path, f"{value!r} is not valid; use one of: {', '.join(valid)}")
        return value

    def text(self, path: Path) -> Text:
        value = self.get(path)
        if isinstance(value, str):
            words = self.string(path)
            return Text(words, words)
        self.mapping(path, {"patient", "clinician"})
        return Text(self.string((*path, "patient")), self.string((*path, "clinician")))

    def optional_text(self, path: Path) -> Text | None:
        return self.text(path) if self._present(path) else None

    def refs(self, path: Path, known: Iterable[str], what: str, required: bool = True) -> tuple[
            str, ...]:
        items = self.strings(path)
        if required and not items:
            raise self.fail(path, f"at least one {what} is required")
        known = set(known)
        for i, item in enumerate(items):
            if item not in known:
                raise self.fail((*path, i), f"unknown {what} {item!r}")
        return items

    def each(self, path: Path, build: Callable[[Path], T]) -> list[T]:
        """Build every item of the list (or mapping) at `path`, collecting problems."""
        value = self.get(path)
        if isinstance(value, dict):
            keys: list[str | int] = list(value)
        elif isinstance(value, list):
            keys = list(range(len(value)))
        else:
            raise self.fail(path, f"expected a list or mapping, got {_kind(value)}")
        built = []
        for key in keys:
            try:
                built.append(build((*path, key)))
            except LocatedError as problem:  # noqa: PERF203 - one broken entry, keep checking
                self.problems.append(problem)
        return built

    def _present(self, path: Path) -> bool:
        parent = self.get(path[:-1])
        return isinstance(parent, dict) and parent.get(path[-1]) is not None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _top(r: Reader, required: set[str], optional: set[str], table: str) -> None:
    if not isinstance(r.doc.data, dict):
        raise r.fail((), f"the {table} table must be a mapping of sections")
    r.mapping((), required | {"meta"}, optional)


def _meta(r: Reader, table: str) -> Meta:
    r.mapping(("meta",), {"table", "version", "reviewed", "schema"})
    if r.choice(("meta", "table"), [table]) != table:  # pragma: no cover - choice raises
        raise r.fail(("meta", "table"), "wrong table")
    schema = r.integer(("meta", "schema"), 1)
    if schema != SCHEMA_VERSION:
        raise r.fail(("meta", "schema"), f"table schema {schema} is not the one this "
                                         f"spasmcheck reads ({SCHEMA_VERSION}); upgrade "
                                         "spasmcheck or the table")
    reviewed = r.get(("meta", "reviewed"))
    if isinstance(reviewed, str):
        try:
            reviewed = date.fromisoformat(reviewed)
        except ValueError:
            raise r.fail(("meta", "reviewed"), "expected an ISO date (YYYY-MM-DD)") from None
    if not isinstance(reviewed, date):
        raise r.fail(("meta", "reviewed"), "expected an ISO date (YYYY-MM-DD)")
    return Meta(table, r.string(("meta", "version")), reviewed.isoformat())


def _sources(r: Reader) -> dict[str, Source]:
    def build(path: Path) -> Source:
        r.mapping(path, {"title"}, {"url", "section"})
        return Source(str(path[-1]), r.string((*path, "title")),
                      r.optional_string((*path, "url")), r.optional_string((*path, "section")))

    return {s.id: s for s in r.each(("sources",), lambda p: _keyed(r, p, build))}


def _finding(r: Reader, path: Path, sources: dict[str, Source]) -> Finding:
    return Finding(
        severity=Severity.parse(r.choice((*path, "severity"), [s.label for s in Severity])),
        effect=r.text((*path, "effect")),
        mechanism=r.optional_text((*path, "mechanism")) or Text("", ""),
        advice=r.text((*path, "advice")),
        sources=r.refs((*path, "sources"), sources, "source"),
    )


_FINDING_FIELDS = {"severity", "effect", "advice", "sources"}


def _collecting(build: Callable[[Reader], T]) -> Callable[[Document], T]:
    """Run a table builder; a fatal problem joins the ones already collected in a DataError."""

    def run(doc: Document) -> T:
        r = Reader(doc)
        try:
            built = build(r)
        except LocatedError as problem:
            r.problems.append(problem)
            raise DataError(r.problems) from None
        if r.problems:
            raise DataError(r.problems)
        return built

    return run


@_collecting
def build_interactions(r: Reader) -> InteractionTables:
    _top(r, {"sources", "classes", "drugs", "candidates", "same_drug", "rules"},
         {"conditions", "products", "group_rules", "cautions"}, "interactions")
    meta = _meta(r, "interactions")
    sources = _sources(r)

    def build_class(path: Path) -> DrugClass:
        r.mapping(path, {"name"}, {"parents", "description"})
        return DrugClass(str(path[-1]), r.text((*path, "name")), r.strings((*path, "parents")))

    classes = {c.id: c for c in r.each(("classes",), lambda p: _keyed(r, p, build_class))}
    for c in classes.values():
        for i, parent in enumerate(c.parents):
            if parent not in classes:
                r.problems.append(r.fail(("classes", c.id, "parents", i),
                                         f"unknown class {parent!r}"))
    expanded = {cid: _ancestors(cid, classes, r) for cid in classes}

    def build_condition(path: Path) -> HealthCondition:
        r.mapping(path, {"name"}, {"aliases"})
        return HealthCondition(str(path[-1]), r.text((*path, "name")),
                               r.strings((*path, "aliases")))

    health = {c.id: c for c in r.each(("conditions",), lambda p: _keyed(r, p, build_condition))} \
        if r._present(("conditions",)) else {}

    def build_drug(path: Path) -> Drug:
        r.mapping(path, {"id", "classes"}, {"brands", "other_names", "rxcui"})
        own = r.refs((*path, "classes"), classes, "class", required=False)
        every = frozenset().union(*(expanded.get(c, frozenset({c})) for c in own))
        return Drug(r.ident((*path, "id")), r.strings((*path, "brands")),
                    r.strings((*path, "other_names")), own, every,
                    r.optional_string((*path, "rxcui")))

    drugs: dict[str, Drug] = {}
    where: dict[str, Path] = {}  # a name's path, to locate duplicate names
    for path, drug in r.each(("drugs",), lambda p: (p, build_drug(p))):
        if drug.id in drugs:
            r.problems.append(r.fail((*path, "id"), f"drug {drug.id!r} is listed twice"))
        drugs[drug.id] = drug
        for key in ("id", "brands", "other_names"):
            names = [drug.name] if key == "id" else r.strings((*path, key))
            where.update(dict.fromkeys(names, (*path, key)))

    def build_product(path: Path) -> Product:
        r.mapping(path, {"name", "ingredients"}, {"other_names"})
        return Product(r.string((*path, "name")), r.refs((*path, "ingredients"), drugs, "drug"),
                       r.strings((*path, "other_names")))

    products = []
    for path, product in r.each(("products",), lambda p: (p, build_product(p))) \
            if r._present(("products",)) else []:
        products.append(product)
        where.update(dict.fromkeys((product.name, *product.other_names), path))

    def side(path: Path) -> Side:
        r.mapping(path, set(), {"drug", "class"})
        value = r.get(path)
        if len(value) != 1:
            raise r.fail(path, "a side names exactly one of: drug, class")
        ((kind, ident),) = value.items()
        pool = drugs if kind == "drug" else classes
        if ident not in pool:
            raise r.fail((*path, kind), f"unknown {kind} {ident!r}")
        return Side(kind, ident)

    r.mapping(("candidates",), {"default", "drugs"})
    candidates = r.refs(("candidates", "drugs"), drugs, "drug")
    default = r.choice(("candidates", "default"), candidates)
    r.mapping(("same_drug",), _FINDING_FIELDS, {"mechanism"})
    same_drug = _finding(r, ("same_drug",), sources)

    def build_rule(path: Path) -> PairRule:
        r.mapping(path, _FINDING_FIELDS | {"id", "a", "b"}, {"mechanism", "replaces"})
        return PairRule(r.ident((*path, "id")), side((*path, "a")), side((*path, "b")),
                        _finding(r, path, sources), frozenset(r.strings((*path, "replaces"))))

    rules = r.each(("rules",), build_rule)
    rule_ids = _unique_ids(r, "rules", [rule.id for rule in rules])
    for i, rule in enumerate(rules):
        for other in sorted(rule.replaces - rule_ids):
            r.problems.append(r.fail(("rules", i, "replaces"), f"unknown rule {other!r}"))

    def build_group(path: Path) -> GroupRule:
        r.mapping(path, _FINDING_FIELDS | {"id", "class", "min_count"}, {"mechanism"})
        return GroupRule(r.ident((*path, "id")), r.choice((*path, "class"), classes),
                         r.integer((*path, "min_count"), 2, 50), _finding(r, path, sources))

    groups = r.each(("group_rules",), build_group) if r._present(("group_rules",)) else []

    def build_caution(path: Path) -> Caution:
        when = ("condition", "min_age", "under_age")
        r.mapping(path, _FINDING_FIELDS | {"id", "drug"}, {*when, "mechanism"})
        given = [key for key in when if r._present((*path, key))]
        if len(given) != 1:
            raise r.fail(path, "a caution names exactly one of: condition, min_age, under_age")
        return Caution(r.ident((*path, "id")), side((*path, "drug")),
                       r.choice((*path, "condition"), health) if "condition" in given else None,
                       r.integer((*path, "min_age"), 0, 130) if "min_age" in given else None,
                       r.integer((*path, "under_age"), 1, 130) if "under_age" in given else None,
                       _finding(r, path, sources))

    cautions = r.each(("cautions",), build_caution) if r._present(("cautions",)) else []
    _unique_ids(r, "group_rules", [g.id for g in groups])
    _unique_ids(r, "cautions", [c.id for c in cautions])
    tables = InteractionTables(meta, sources, classes, health, drugs, tuple(products), default,
                               candidates, same_drug, tuple(rules), tuple(groups), tuple(cautions))
    _check_names(r, tables, where)
    return tables


def _keyed(r: Reader, path: Path, build: Callable[[Path], T]) -> T:
    if not _ID.match(str(path[-1])):
        raise r.fail(path, f"{path[-1]!r} is not an id (lower-case letters, digits and _)")
    return build(path)


def _ancestors(cid: str, classes: dict[str, DrugClass], r: Reader) -> frozenset[str]:
    seen: set[str] = set()
    stack = [cid]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        parents = classes[current].parents if current in classes else ()
        if cid in parents:
            r.problems.append(r.fail(("classes", current, "parents"),
                                     f"class {cid!r} is its own ancestor"))
            continue
        stack.extend(parents)
    return frozenset(seen)


def _unique_ids(r: Reader, section: str, ids: list[str]) -> set[str]:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            r.problems.append(r.fail((section,), f"id {ident!r} is used twice"))
        seen.add(ident)
    return seen


def name_entries(tables: InteractionTables) -> list[Entry]:
    """Every name a person may type, with what it means."""
    entries: list[Entry] = []
    for drug in tables.drugs.values():
        entries.append(Entry(drug.name, "generic", (drug.id,)))
        entries += [Entry(brand, "brand", (drug.id,)) for brand in drug.brands]
        entries += [Entry(other, "other_name", (drug.id,)) for other in drug.other_names]
    for product in tables.products:
        entries += [Entry(name, "product", product.ingredients)
                    for name in (product.name, *product.other_names)]
    return entries


def _check_names(r: Reader, tables: InteractionTables, where: dict[str, Path]) -> None:
    seen: dict[str, Entry] = {}
    for entry in name_entries(tables):
        key, path = fold(entry.name), where.get(entry.name, ("drugs",))
        if not key:
            r.problems.append(r.fail(path, f"name {entry.name!r} has no letters or digits"))
        elif key in seen and seen[key].drugs != entry.drugs:
            r.problems.append(r.fail(path, f"duplicate drug name {entry.name!r}: it also "
                                                 f"names {', '.join(seen[key].drugs)} "
                                                 f"(as {seen[key].name!r})"))
        else:
            seen.setdefault(key, entry)


def build_names(tables: InteractionTables) -> NameIndex:
    return NameIndex(name_entries(tables))


QUESTION_FIELDS = {"id", "type", "prompt"}
QUESTION_OPTIONAL = {"help", "choices", "ordered", "alarming", "min", "max", "alarming_direction",
                     "ask_when", "screen", "class", "condition"}


def build_triage(doc: Document, interactions: InteractionTables) -> TriageTables:
    return _collecting(lambda r: _triage(r, interactions))(doc)


def _triage(r: Reader, interactions: InteractionTables) -> TriageTables:
    doc = r.doc
    _top(r, {"sources", "levels", "default_level", "questions", "red_flags", "disclaimer"},
         {"interaction_steps", "self_care", "safety_net", "medicine_tips", "clinician_guidance"},
         "redflags")
    meta = _meta(r, "redflags")
    sources = _sources(r)

    def build_level(path: Path) -> Level:
        r.mapping(path, {"id", "label", "action", "colour"})
        urgency = Urgency.parse(r.choice((*path, "id"), [u.label for u in Urgency]))
        colour = r.string((*path, "colour"))
        if not _STYLE.match(colour):
            raise r.fail((*path, "colour"), f"{colour!r} is not a style: use attributes (bold, "
                         "dim, italic, underline, reverse), then a colour, then `on` and a "
                         "colour, e.g. \"bold white on red\"; colours: " + ", ".join(_COLOURS))
        return Level(urgency, r.text((*path, "label")), r.text((*path, "action")), colour)

    levels = r.each(("levels",), build_level)
    if [level.urgency for level in levels] != sorted(Urgency, reverse=True):
        r.problems.append(r.fail(("levels",), "levels must be exactly, most urgent first: "
                                              + ", ".join(u.label for u in reversed(Urgency))))
    default = Urgency.parse(r.choice(("default_level",), [u.label for u in Urgency]))

    questions: dict[str, Question] = {}
    raw_questions = r.get(("questions",))
    if not isinstance(raw_questions, list):
        raise r.fail(("questions",), "expected a list of questions")
    # Conditions in ask_when may only name earlier questions, so build in order.
    vocab = conditions.Vocabulary(questions, frozenset(interactions.classes),
                                  frozenset(interactions.drugs))
    def build_question(path: Path) -> None:
        question = _question(r, path, vocab, interactions)
        if question.id in questions:
            raise r.fail((*path, "id"), f"question {question.id!r} is listed twice")
        questions[question.id] = question  # visible to the ask_when of later questions

    r.each(("questions",), build_question)

    def build_tier(path: Path) -> Tier:
        r.mapping(path, {"urgency", "when"}, {"do_now"})
        return Tier(Urgency.parse(r.choice((*path, "urgency"), [u.label for u in Urgency])),
                    conditions.parse(doc, (*path, "when"), vocab),
                    r.optional_text((*path, "do_now")))

    def build_flag(path: Path) -> RedFlag:
        r.mapping(path, {"id", "kind", "title", "concern", "tiers", "do_now", "sources"})
        tiers = [build_tier((*path, "tiers", i)) for i in range(len(r.get((*path, "tiers"))))]
        if not tiers:
            raise r.fail((*path, "tiers"), "a red flag needs at least one tier")
        for i, tier in enumerate(tiers):
            if i and tier.urgency > tiers[i - 1].urgency:
                r.problems.append(r.fail((*path, "tiers", i, "urgency"), "tiers must be listed "
                                         "most urgent first: the first tier that holds wins"))
            for problem in _monotonic(tier.when, questions):
                r.problems.append(r.fail((*path, "tiers", i, "when"), problem))
        return RedFlag(r.ident((*path, "id")),
                       r.choice((*path, "kind"), ["red_flag", "combination", "duration",
                                                  "medicine"]),
                       r.text((*path, "title")), r.text((*path, "concern")), tuple(tiers),
                       r.text((*path, "do_now")), r.refs((*path, "sources"), sources, "source"))

    flags = r.each(("red_flags",), build_flag)
    _unique_ids(r, "red_flags", [flag.id for flag in flags])
    _check_reads(r, questions, flags)

    def build_advice(path: Path) -> Advice:
        r.mapping(path, {"text", "sources"})
        return Advice(r.text((*path, "text")), r.refs((*path, "sources"), sources, "source"))

    def advice(section: str) -> tuple[Advice, ...]:
        return tuple(r.each((section,), build_advice)) if r._present((section,)) else ()

    steps: dict[Severity, Text] = {}
    if r._present(("interaction_steps",)):
        r.mapping(("interaction_steps",), set(), {s.label for s in Severity})
        steps = {Severity.parse(k): r.text(("interaction_steps", k))
                 for k in r.get(("interaction_steps",))}
    tables = TriageTables(meta, sources, {level.urgency: level for level in levels}, default,
                          tuple(questions.values()), tuple(flags), steps, advice("self_care"),
                          advice("safety_net"), advice("medicine_tips"),
                          advice("clinician_guidance"), r.text(("disclaimer",)))
    return tables


def _question(r: Reader, path: Path, vocab: conditions.Vocabulary,
              interactions: InteractionTables) -> Question:
    r.mapping(path, QUESTION_FIELDS, QUESTION_OPTIONAL)
    kind = QuestionType(r.choice((*path, "type"), [t.value for t in QuestionType]))
    allowed = {
        QuestionType.CHOICE: {"choices", "ordered"},
        QuestionType.YES_NO: {"alarming", "condition"},
        QuestionType.YES_NO_UNSURE: {"alarming", "condition"},
        QuestionType.NUMBER: {"min", "max", "alarming_direction"},
        QuestionType.MEDICINES: set(),
        QuestionType.MEDICINE_CHECKLIST: {"class"},
    }[kind] | {"help", "ask_when", "screen"}
    for key in r.get(path):
        if key in QUESTION_OPTIONAL and key not in allowed:
            raise r.fail((*path, key), f"{key!r} does not apply to a {kind.value} question")
    choices: tuple[Choice, ...] = ()
    if kind is QuestionType.CHOICE:
        def build_choice(p: Path) -> Choice:
            r.mapping(p, {"value", "label"})
            return Choice(r.ident((*p, "value")), r.text((*p, "label")))
        choices = tuple(build_choice((*path, "choices", i))
                        for i in range(len(r.get((*path, "choices")))))
        if len(choices) < 2:
            raise r.fail((*path, "choices"), "a choice question needs at least two choices")
    needed = {QuestionType.CHOICE: "ordered", QuestionType.NUMBER: "alarming_direction"}.get(kind)
    if needed and not r._present((*path, needed)):
        raise r.fail(path, f"a {kind.value} question must say `{needed}`: the red-flag check "
                           "relies on it to keep every rule escalating only")
    minimum = r.integer((*path, "min")) if kind is QuestionType.NUMBER else None
    maximum = r.integer((*path, "max")) if kind is QuestionType.NUMBER else None
    if minimum is not None and maximum is not None and minimum > maximum:
        raise r.fail((*path, "max"), "max is below min")
    ask_when = conditions.parse(r.doc, (*path, "ask_when"), vocab) \
        if r._present((*path, "ask_when")) else None
    return Question(
        id=r.ident((*path, "id")), type=kind, prompt=r.text((*path, "prompt")),
        help=r.optional_text((*path, "help")), choices=choices,
        ordered=r.boolean((*path, "ordered")),
        alarming=r.boolean((*path, "alarming"), True) if kind in (
            QuestionType.YES_NO, QuestionType.YES_NO_UNSURE) else None,
        minimum=minimum, maximum=maximum,
        alarming_direction=r.choice((*path, "alarming_direction"), ["up", "down", "none"])
        if r._present((*path, "alarming_direction")) else "none",
        ask_when=ask_when, screen=r.boolean((*path, "screen")),
        class_id=r.choice((*path, "class"), interactions.classes)
        if kind is QuestionType.MEDICINE_CHECKLIST else None,
        condition=r.choice((*path, "condition"), interactions.conditions)
        if r._present((*path, "condition")) else None,
    )


def _monotonic(condition: conditions.Condition, questions: dict[str, Question]) -> list[str]:
    """Why a red-flag condition could stop holding as an answer gets MORE alarming, if it could.

    The level is the highest fired flag, so it can never drop as answers worsen provided every
    condition is upward-closed: no `not`, and comparisons that keep holding for worse answers.
    """
    if isinstance(condition, conditions.Not):
        return ["red flags may not use `not`: a more alarming answer could lower the level"]
    if isinstance(condition, conditions.All | conditions.AnyOf):
        return [p for item in condition.items for p in _monotonic(item, questions)]
    if isinstance(condition, conditions.Taking):
        return []
    question = questions[condition.key]
    key, op, value = condition.key, condition.op, condition.value
    worse = f"{key}: a more alarming answer would stop this rule from firing"
    if question.is_yes_no:
        ok = (op == "==" and value == question.alarming) or (op == "in" and question.alarming
                                                             in value)
        return [] if ok else [f"{worse}; compare with its alarming answer "
                              f"({str(question.alarming).lower()})"]
    if question.type is QuestionType.CHOICE:
        if not question.ordered:
            return []
        order = list(question.values)
        chosen = {value} if op == "==" else set(value) if op == "in" else set()
        lowest = min((order.index(v) for v in chosen), default=len(order))
        ok = op in ("==", "in") and chosen == set(order[lowest:])
        return [] if ok else [f"{worse}; use `in` with every value from the lowest one up "
                              f"({', '.join(order)})"]
    direction = question.alarming_direction
    ok = direction == "none" or (op in (">=", ">") if direction == "up" else op in ("<=", "<"))
    return [] if ok else [f"{worse}; {key} is more alarming going {direction}"]


def _check_reads(r: Reader, questions: dict[str, Question], flags: list[RedFlag]) -> None:
    """A question no rule reads, or a rule that reads no question, is a table mistake."""
    read: set[str] = set()
    for i, flag in enumerate(flags):
        keys = frozenset().union(*(conditions.keys_of(t.when) for t in flag.tiers))
        if not keys:
            r.problems.append(r.fail(("red_flags", i), f"red flag {flag.id!r} reads no answer"))
        read |= keys
    for question in questions.values():
        ask_reads = conditions.keys_of(question.ask_when) if question.ask_when else frozenset()
        read |= ask_reads
    for i, question in enumerate(questions.values()):
        counted = conditions.MEDICATIONS_KEY if question.is_medicines else question.id
        if counted not in read and question.condition is None:
            r.problems.append(r.fail(("questions", i), f"question {question.id!r} is read by "
                                     "no rule: remove it or add a rule that uses it"))


@_collecting
def build_countries(r: Reader) -> CountryTables:
    _top(r, {"sources", "countries", "fallback"}, {"locales"}, "countries")
    meta = _meta(r, "countries")
    sources = _sources(r)

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


