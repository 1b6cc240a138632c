"""What the interactive check asks next, worked out from the tables' `asking` groups. Pure.

The state is the answers given so far, keyed by question id (a medicine question holds its own
list of names). Nothing here knows a question id: the order, the screens and the follow-ups all
come from redflags.yaml, so a question added to the table is asked without a code change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from spasmcheck.core.answers import MEDICATIONS, Answers, validate
from spasmcheck.core.conditions import keys_of
from spasmcheck.core.model import AskGroup, KnowledgeBase, Question, Urgency
from spasmcheck.core.record import Record

if TYPE_CHECKING:
    from spasmcheck.core.checker import Checker

Given = Mapping[str, Any]


class Step(Record):
    """One thing to ask: a screen (a list of questions ticked at once) or a single question."""

    group: AskGroup
    questions: tuple[Question, ...]
    screen: bool


def groups(kb: KnowledgeBase) -> tuple[AskGroup, ...]:
    """The asking groups; tables without `asking` ask each question on its own, in order."""
    tables = kb.triage
    return tables.asking or tuple(AskGroup(q.id, "one", None, (q.id,)) for q in tables.questions)


def answers(kb: KnowledgeBase, given: Given) -> Answers:
    """The validated answer set, every medicine question's names in one list."""
    raw: dict[str, Any] = {}
    medicines: list[str] = []
    for question in kb.triage.questions:
        if question.id not in given:
            continue
        if question.is_medicines:
            medicines += given[question.id]
        else:
            raw[question.id] = given[question.id]
    if medicines:
        raw[MEDICATIONS] = medicines
    return validate(raw, kb.triage)


def applies(kb: KnowledgeBase, question: Question, given: Given) -> bool:
    from spasmcheck.core.triage import should_ask

    return should_ask(question, answers(kb, given), kb)


def is_follow_up(question: Question, group: AskGroup) -> bool:
    """Asked on its own after its group's screen: it depends on an answer given there."""
    reads = keys_of(question.ask_when) if question.ask_when else frozenset()
    return bool(reads & set(group.questions))


def next_step(kb: KnowledgeBase, given: Given,
              singly: Collection[str] = ()) -> Step | None:
    """The first group with a question still to ask, or None when everything is answered.
    A screen item in `singly` (the person was not sure, or ticked a choice) is asked on its
    own, one at a time, before the screen's follow-ups."""
    tables = kb.triage
    for group in groups(kb):
        pending = [q for q in (tables.question(i) for i in group.questions)
                   if q.id not in given and applies(kb, q, given)]
        if not pending:
            continue
        if group.style == "screen":
            items = tuple(q for q in pending if not is_follow_up(q, group))
            alone = [q for q in items if q.id in singly]
            if alone:
                return Step(group, (alone[0],), False)
            if items:
                return Step(group, items, True)
        return Step(group, (pending[0],), False)
    return None


def without(kb: KnowledgeBase, given: Given, changed: set[str]) -> dict[str, Any]:
    """The answers with `changed` removed, and with them every answer that depended on them:
    follow-ups that read a changed answer are asked again; ones that no longer apply go.
    Changing one medicine question asks them all again (they make one list)."""
    questions = kb.triage.questions
    if any(q.is_medicines for q in questions if q.id in changed):
        changed = changed | {q.id for q in questions if q.is_medicines}
    gone = changed | ({MEDICATIONS} if any(q.is_medicines for q in questions
                                            if q.id in changed) else set())
    kept = {key: value for key, value in given.items() if key not in changed}
    while True:
        drop = {q.id for q in questions if q.id in kept and q.ask_when is not None
                and (keys_of(q.ask_when) & gone or not applies(kb, q, kept))}
        if not drop:
            return kept
        gone |= drop
        kept = {key: value for key, value in kept.items() if key not in drop}


def urgency(checker: Checker, given: Given) -> tuple[Urgency, frozenset[str]]:
    """The level the answers so far reach, and the red flags at that level."""
    result = checker.assess(answers(checker.kb, given), finished=False)  # the rest is to come
    return result.urgency, frozenset(h.flag.id for h in result.hits
                                     if h.urgency is result.urgency)
