"""The small condition language of redflags.yaml: parse (with checks) and evaluate.

A condition is a one-key mapping: `all`, `any`, `not`, `taking_class`, `taking_drug`, or a
question id compared with a value. Parsing checks every id and value against the tables, so a
typo in a rule is a load error rather than a rule that silently never fires. Evaluation returns
the answer keys that made the condition hold, which is how every urgency explains itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from types import CodeType
from typing import TYPE_CHECKING, Any

from spasmcheck.core.model import Question, QuestionType
from spasmcheck.core.record import Record

if TYPE_CHECKING:
    from spasmcheck.tables.yamlsource import Document, Path

Because = frozenset[str]
MEDICATIONS_KEY = "medications"

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "in": lambda answer, values: answer in values,
    "not_in": lambda answer, values: answer not in values,
    ">=": lambda answer, limit: bool(answer >= limit),
    ">": lambda answer, limit: bool(answer > limit),
    "<=": lambda answer, limit: bool(answer <= limit),
    "<": lambda answer, limit: bool(answer < limit),
    "==": lambda answer, value: bool(answer == value),
}
_NUMERIC = {">=", ">", "<=", "<"}
# The operators `_COMPARISONS` applies to an answer that was given, as generated code writes them
_WRITTEN = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "not_in": "not in"}


class All(Record):
    items: tuple[Condition, ...]


class AnyOf(Record):
    items: tuple[Condition, ...]


class Not(Record):
    item: Condition


class Compare(Record):
    key: str
    op: str
    value: Any  # a scalar, or a frozenset for in / not_in


class Taking(Record):
    kind: str  # "class" or "drug"
    id: str


Condition = All | AnyOf | Not | Compare | Taking


class Facts(Record):
    """What conditions are evaluated against: effective answers and the medicines taken."""

    values: Mapping[str, Any]  # missing key = not answered; "unsure" already made alarming
    classes: frozenset[str]
    drugs: frozenset[str]


def holds(condition: Condition, facts: Facts) -> Because | None:
    """The answer keys that make `condition` true, or None when it is false."""
    return compile_condition(condition)(facts)


Predicate = Callable[[Facts], "Because | None"]
_NONE: Because = frozenset()


def compile_condition(condition: Condition) -> Predicate:
    """The same meaning as `holds`, as nested closures: several times faster to evaluate."""
    if isinstance(condition, All):
        parts = [compile_condition(item) for item in condition.items]

        def all_of(facts: Facts) -> Because | None:
            because = _NONE
            for part in parts:
                found = part(facts)
                if found is None:
                    return None
                because = because | found
            return because

        return all_of
    if isinstance(condition, AnyOf):
        parts = [compile_condition(item) for item in condition.items]

        def any_of(facts: Facts) -> Because | None:
            because = None
            for part in parts:
                found = part(facts)
                if found is not None:
                    because = found if because is None else because | found
            return because

        return any_of
    if isinstance(condition, Not):
        inner, keys = compile_condition(condition.item), keys_of(condition.item)
        return lambda facts: keys if inner(facts) is None else None
    if isinstance(condition, Taking):
        ident, taken = condition.id, frozenset({MEDICATIONS_KEY})
        if condition.kind == "class":
            return lambda facts: taken if ident in facts.classes else None
        return lambda facts: taken if ident in facts.drugs else None
    return _comparison(condition)


Plan = tuple[str, dict[str, Any]]  # a generated test's source and the operands it names


def first_holding(groups: Sequence[Sequence[Condition]],
                  ) -> Callable[[Facts], list[tuple[int, int]]]:
    """(group, index) of the first condition of each group that holds, for groups with one.

    The truth of every condition (whether `holds` gives a set, not which) as one generated
    function: a triage tests some 60 red-flag tiers, nearly all false, and one call with
    inline tests costs a fraction of the nested closures. Which answers made a tier hold is
    still found by its closure, for the tiers found here only.
    """
    return from_plan(holding_plan(groups))


def holding_plan(groups: Sequence[Sequence[Condition]]) -> Plan:
    """`first_holding`'s function as plain data (its source, and the operands it compares
    with, which are never written into the source), so the compiled tables can carry it:
    writing it walks every condition, 0.25 ms of a one-shot triage."""
    operands: dict[str, Any] = {}
    lines = ["def first_holding(facts):",
             "    get, classes, drugs = facts.values.get, facts.classes, facts.drugs",
             "    found = []"]
    for group_number, group in enumerate(groups):
        for number, condition in enumerate(group):
            test = _test(condition, operands)
            lines.append(f"    {'if' if number == 0 else 'elif'} {test}:")
            lines.append(f"        found.append(({group_number}, {number}))")
    lines.append("    return found")
    return "\n".join(lines), operands


def from_plan(plan: Plan) -> Callable[[Facts], list[tuple[int, int]]]:
    """The function a `holding_plan` describes."""
    source, operands = plan
    namespace = {**operands, "_MISSING": _MISSING}
    exec(_code(source), namespace)  # noqa: S102
    return namespace["first_holding"]  # type: ignore[no-any-return]


# Generated sources and their compiled code. Compiling the red-flag tests costs a few ms, more
# than the rest of a one-shot triage: the compiled tables carry the code (`generated_code`) and
# hand it back on load (`adopt_code`), still marshalled until a run needs it (an interactions
# check never does). A source is looked up by its whole text, so code is only ever reused for
# exactly the source it was compiled from.
_CODE: dict[str, CodeType] = {}
_ADOPTED: dict[str, bytes] = {}


def _code(source: str) -> CodeType:
    code = _CODE.get(source)
    if code is None:
        adopted = _ADOPTED.pop(source, None)
        if adopted is not None:
            import marshal

            code = marshal.loads(adopted)
        else:
            code = compile(source, "<conditions>", "exec")
        _CODE[source] = code
    return code


def generated_code() -> tuple[str, dict[str, bytes]]:
    """The code compiled so far, marshalled, with the bytecode tag it is valid for."""
    import marshal

    return (sys.implementation.cache_tag or "",
            {**_ADOPTED, **{source: marshal.dumps(code) for source, code in _CODE.items()}})


def adopt_code(saved: tuple[str, dict[str, bytes]]) -> None:
    """Take code made by `generated_code` under this same bytecode (else leave it)."""
    tag, sources = saved
    if tag != sys.implementation.cache_tag or not tag:
        return
    for source, data in sources.items():
        if source not in _CODE:
            _ADOPTED.setdefault(source, data)


# Plans the compiled tables carried, by the object each was made for (kept here, so its id is
# never another object's while the entry lives): the red flags of the tables loaded with them.
_CARRIED: dict[int, tuple[object, Plan]] = {}


def carry(owner: object, plan: Plan) -> None:
    """Keep a plan made for `owner` (the compiled tables hand it over when they are loaded)."""
    _CARRIED[id(owner)] = (owner, plan)


def carried(owner: object) -> Plan | None:
    """The plan carried for exactly this object, if any."""
    found = _CARRIED.get(id(owner))
    return found[1] if found is not None and found[0] is owner else None


def _test(condition: Condition, constants: dict[str, Any]) -> str:
    """A Python expression, true exactly when `holds(condition, facts)` is not None; the
    operands it compares with are passed in `constants`, never written into the source."""
    if isinstance(condition, All | AnyOf):
        joined = " and " if isinstance(condition, All) else " or "
        return "(" + joined.join(_test(item, constants) for item in condition.items) + ")"
    if isinstance(condition, Not):
        return f"(not {_test(condition.item, constants)})"
    name = f"_c{len(constants)}"
    if isinstance(condition, Taking):
        constants[name] = condition.id
        return f"({name} in {'classes' if condition.kind == 'class' else 'drugs'})"
    constants[name] = condition.value
    key = f"_c{len(constants)}"
    constants[key] = condition.key
    if condition.op == "==":
        return f"(get({key}, _MISSING) == {name})"
    if condition.op == "in":
        return f"(get({key}, _MISSING) in {name})"
    written = _WRITTEN[condition.op]  # a KeyError for an operator the parser never makes
    return f"((value := get({key}, _MISSING)) is not _MISSING and value {written} {name})"


def _comparison(condition: Compare) -> Predicate:
    """One closure per operator: comparisons are most of what a triage evaluates."""
    key, op, operand = condition.key, condition.op, condition.value
    reason = frozenset({key})
    if op == "==":
        return lambda facts: reason if facts.values.get(key, _MISSING) == operand else None
    if op == "in":
        return lambda facts: reason if facts.values.get(key, _MISSING) in operand else None
    compare = _COMPARISONS[op]

    def comparison(facts: Facts) -> Because | None:
        value = facts.values.get(key, _MISSING)
        if value is _MISSING:
            return None
        return reason if compare(value, operand) else None

    return comparison


_MISSING = object()


def keys_of(condition: Condition) -> Because:
    """Every answer key a condition reads."""
    if isinstance(condition, All | AnyOf):
        return frozenset().union(*(keys_of(item) for item in condition.items))
    if isinstance(condition, Not):
        return keys_of(condition.item)
    if isinstance(condition, Taking):
        return frozenset({MEDICATIONS_KEY})
    return frozenset({condition.key})


class Vocabulary(Record):
    """What a condition may name."""

    questions: Mapping[str, Question]
    classes: frozenset[str]
    drugs: frozenset[str]


def parse(doc: Document, path: Path, vocab: Vocabulary) -> Condition:
    """Build a condition from `doc` at `path`, or raise a LocatedError saying what is valid."""
    raw = _get(doc.data, path)
    if not isinstance(raw, dict) or len(raw) != 1:
        raise doc.error(path, "a condition is a mapping with exactly one key "
                              "(all, any, not, taking_class, taking_drug or a question id)")
    ((key, value),) = raw.items()
    here = (*path, key)
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise doc.error(here, f"'{key}' takes a non-empty list of conditions")
        items = tuple(parse(doc, (*here, i), vocab) for i in range(len(value)))
        return All(items) if key == "all" else AnyOf(items)
    if key == "not":
        return Not(parse(doc, here, vocab))
    if key in ("taking_class", "taking_drug"):
        pool, kind = (vocab.classes, "class") if key == "taking_class" else (vocab.drugs, "drug")
        if value not in pool:
            raise doc.error(here, f"unknown {kind} {value!r} (not in interactions.yaml)")
        return Taking(kind, value)
    question = vocab.questions.get(key)
    if question is None:
        raise doc.error(here, f"unknown question id {key!r}; known: {', '.join(vocab.questions)}")
    if question.is_medicines:
        raise doc.error(here, "medicine questions are read with taking_class or taking_drug")
    if not isinstance(value, dict):
        return Compare(key, "==", _check_value(doc, here, question, value))
    if len(value) != 1:
        raise doc.error(here, "a comparison has exactly one operator: " + ", ".join(_COMPARISONS))
    ((op, operand),) = value.items()
    if op not in _COMPARISONS:
        raise doc.error((*here, op), f"unknown operator {op!r}; use one of "
                                      + ", ".join(_COMPARISONS))
    if op in _NUMERIC:
        if question.type is not QuestionType.NUMBER:
            raise doc.error((*here, op), f"'{op}' compares numbers; {key} is {question.type.value}")
        return Compare(key, op, _check_value(doc, (*here, op), question, operand))
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            raise doc.error((*here, op), f"'{op}' takes a non-empty list of values")
        checked = [_check_value(doc, (*here, op, i), question, v) for i, v in enumerate(operand)]
        return Compare(key, op, frozenset(checked))
    return Compare(key, op, _check_value(doc, (*here, op), question, operand))


def _check_value(doc: Document, path: Path, question: Question, value: Any) -> Any:
    if question.type is QuestionType.CHOICE:
        if value not in question.levels:
            read = question.unsure_reads.get(value)
            if read is not None:
                raise doc.error(path, f"{value!r} is read as {read!r} automatically; compare "
                                      f"with {read!r}")
            raise doc.error(path, f"{value!r} is not a value of {question.id}; "
                                  f"valid: {', '.join(question.levels)}")
        return value
    if question.type is QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise doc.error(path, f"{question.id} is a number; got {value!r}")
        return value
    if not isinstance(value, bool):
        raise doc.error(path, f"{question.id} is answered true or false; got {value!r} "
                              "(\"unsure\" is read as the alarming answer automatically)")
    return value


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data
