"""The answer set: one schema for prompts, answers files and batch lines, checked the same way.

The schema is the question list of redflags.yaml. Errors list every problem at once, each
with the values that would have been valid, so a script author fixes a file in one go.
"""

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from spasmcheck.core.errors import AnswersError
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import UNSURE, Question, QuestionType, TriageTables
from spasmcheck.core.record import Record

MEDICATIONS = "medications"
MAX_MEDICINES = LIMITS.answers_medicines
MAX_NAME_LENGTH = LIMITS.name_length
MAX_PROBLEMS = LIMITS.problems
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_UNSURE = {"unsure", "not sure", "not_sure", "notsure", "don't know", "dont know", "unknown"}


class Answers(Record):
    """Validated answers. `values` keeps "unsure" as given; medicines are in `medications`."""

    values: Mapping[str, Any]
    medications: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.values, MEDICATIONS: list(self.medications)}


def validate(raw: Any, tables: TriageTables, known: "Schema | None" = None) -> Answers:
    """Check raw answers (a mapping from a file, a batch line or the prompts). `known` is the
    tables' `schema` (a Checker keeps one); without it one is built (cheap)."""
    if not isinstance(raw, dict):
        raise AnswersError(f"answers must be a mapping of question ids to answers, not "
                           f"{type(raw).__name__}; valid keys: {_valid_keys(tables)}")
    questions = (known if known is not None else schema(tables)).questions
    problems: list[str] = []
    values: dict[str, Any] = {}
    medications: list[str] = []
    last, in_order, unknown = -1, True, False
    for key, value in raw.items():
        entry = questions.get(key)  # keys are hashable: a key that is not text is not found
        if entry is not None and type(value) is entry[1] and (
                (allowed := entry[2]) is None
                or (value in allowed if entry[1] is str else allowed[0] <= value <= allowed[1])):
            values[key] = value  # valid exactly as given: `answer_value` would not change it
        elif entry is None:
            hint = get_close_matches(str(key), questions, n=1) if len(problems) < MAX_PROBLEMS \
                else None  # past the cap the hint is never shown: skip its cost
            did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(f"unknown key {str(key)!r}{did_you_mean}")
            unknown = True
            continue
        else:
            question = entry[0]
            try:
                if question.is_medicines:
                    medications += _medicines(question, value)
                    continue
                if value is None:
                    continue
                values[key] = answer_value(question, value)
            except ValueError as problem:
                problems.append(f"{key}: {problem}")
                continue
        if entry[3] < last:  # only the answers kept in `values` need asking order
            in_order = False
        last = entry[3]
    if len(medications) > MAX_MEDICINES:
        problems.append(f"{MEDICATIONS}: at most {MAX_MEDICINES} medicines, got {len(medications)}")
    if problems:
        if len(problems) > MAX_PROBLEMS:
            problems[MAX_PROBLEMS:] = [f"... and {len(problems) - MAX_PROBLEMS} more problems"]
        more = f"\nvalid keys: {_valid_keys(tables)}" if unknown else ""  # a wrong value
        # already names the values that would do
        raise AnswersError("the answers cannot be used:\n  " + "\n  ".join(problems) + more)
    if not in_order:  # answers are kept in asking order, however they were given
        values = {q.id: values[q.id] for q in tables.questions if q.id in values}
    return Answers(values, tuple(dict.fromkeys(medications)))


def require_core(answers: Answers, tables: TriageTables, known: "Schema | None" = None) -> None:
    """Refuse an answer set that says nothing a triage can stand on (`{}`, or only an age).

    A file or batch line must give where, how long (the `core: true` questions) or at least one
    warning-sign (`screen: true`) answer; a partial set is assessed, with its gaps named.
    """
    needed = (known if known is not None else schema(tables)).needed
    if needed.isdisjoint(answers.values):
        core = ", ".join(q.id for q in tables.questions if q.core)
        screen = ", ".join(q.id for q in tables.questions if q.screen and not q.core)
        raise AnswersError("the answers give none of the core questions, so no level can be "
                           f"given: answer at least where and how long ({core}) and the "
                           f"warning-sign questions ({screen})")


class Schema:
    """The answers' checks, worked out once per tables: for each question, the type and the
    values (choices, or a number's range) of an answer valid exactly as given, so a
    well-formed answer set is not converted, and its place in asking order; and the questions
    an answer set must answer one of (`core` or `screen`). A plain class with slots: a
    NamedTuple costs start-up time to create."""

    __slots__ = ("questions", "needed")

    def __init__(self, questions: dict[str, tuple[Question, type, Any, int]],
                 needed: frozenset[str]) -> None:
        self.questions = questions
        self.needed = needed


def schema(tables: TriageTables) -> Schema:
    return Schema({q.id: (q, *_as_given(q), position)
                   for position, q in enumerate(tables.questions)},
                  frozenset(q.id for q in tables.questions if q.core or q.screen))


class _Never:
    """No answer is of this type: a medicine list is always converted."""


def _as_given(question: Question) -> tuple[type, Any]:
    if question.type is QuestionType.CHOICE:
        return str, frozenset(question.values)
    if question.type is QuestionType.NUMBER:
        return int, (question.minimum, question.maximum)
    if question.is_yes_no:
        return bool, None
    return _Never, None


def answer_value(question: Question, value: Any) -> Any:
    """One answer in its canonical form, or ValueError saying what is valid."""
    if question.type is QuestionType.CHOICE:
        word = value.strip().lower() if isinstance(value, str) else None
        if word in _UNSURE and UNSURE in question.values:
            return UNSURE
        if value not in question.values:
            raise ValueError(f"{_show(value)} is not valid; use one of: "
                             + ", ".join(question.values))
        return value
    if question.type is QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{_show(value)} is not a whole number ({question.minimum} to "
                             f"{question.maximum})")
        if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
            raise ValueError(f"{value} is out of range ({question.minimum} to "
                             f"{question.maximum})")
        return value
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _YES:
        return True
    if word in _NO:
        return False
    if word in _UNSURE and question.type is QuestionType.YES_NO_UNSURE:
        return UNSURE
    valid = "true, false or \"unsure\"" if question.type is QuestionType.YES_NO_UNSURE \
        else "true or false"
    raise ValueError(f"{_show(value)} is not valid; use {valid}")


def _medicines(question: Question, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list of medicine names, e.g. [sertraline, Tylenol]")
    names = [item.strip() if isinstance(item, str) else "" for item in value]
    if not all(names) or max(map(len, value), default=0) > MAX_NAME_LENGTH:
        for item, name in zip(value, names, strict=True):  # the first name that will not do
            if not name:
                raise ValueError(f"{_show(item)} is not a medicine name (non-empty text)")
            if len(item) > MAX_NAME_LENGTH:
                raise ValueError(f"a medicine name is longer than {MAX_NAME_LENGTH} characters")
    return names


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _valid_keys(tables: TriageTables) -> str:
    return ", ".join(q.id for q in tables.questions)
