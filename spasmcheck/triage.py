"""The triage engine: validated answers in, one urgency with its reasons out. Pure.

Every red flag is evaluated (the first matching tier of each gives its urgency) and the level is
the highest of them, so a red flag always wins and no answer can cancel another. "Not sure" is
read as the alarming answer. The person's medicines go through the one interaction engine.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from spasmcheck import interactions
from spasmcheck.answers import MEDICATIONS, Answers
from spasmcheck.conditions import Facts, Predicate, compile_condition, holds
from spasmcheck.model import (
    UNSURE,
    Drug,
    KnowledgeBase,
    Question,
    RedFlag,
    Text,
    Tier,
    TriageTables,
    Urgency,
)


class FlagHit(NamedTuple):
    """A red flag that fired, at which tier, and the answer keys that fired it."""

    flag: RedFlag
    tier: Tier
    because: tuple[str, ...]

    @property
    def urgency(self) -> Urgency:
        return self.tier.urgency

    @property
    def do_now(self) -> Text:
        return self.tier.do_now or self.flag.do_now


class Assessment(NamedTuple):
    urgency: Urgency
    hits: tuple[FlagHit, ...]  # most urgent first
    next_steps: tuple[Text, ...]  # in the order to act on them
    interactions: interactions.Report
    answers: Answers
    unanswered: tuple[str, ...]  # question ids with no answer (read as the calm answer)


class _Questions(NamedTuple):
    """What the engine needs to know about the question list, worked out once per table."""

    alarming: dict[str, Any]  # question id -> its alarming answer (yes/no questions)
    order: dict[str, int]  # answer key -> position, for listing reasons in asking order
    answer_ids: tuple[str, ...]  # every question that is not a medicine list
    implied: tuple[tuple[str, str, Any], ...]  # (question, interactions condition, answer)


@lru_cache(maxsize=8)
def _questions(kb: KnowledgeBase) -> _Questions:
    questions = kb.triage.questions
    answer_ids = tuple(q.id for q in questions if not q.is_medicines)
    return _Questions({q.id: q.alarming for q in questions if q.is_yes_no},
                      {key: i for i, key in enumerate((*answer_ids, MEDICATIONS))}, answer_ids,
                      tuple((q.id, q.condition, q.alarming) for q in questions
                            if q.condition and q.alarming is not None))


@lru_cache(maxsize=8)
def _compiled(kb: KnowledgeBase) -> tuple[tuple[RedFlag, tuple[tuple[Tier, Predicate], ...]], ...]:
    return tuple((flag, tuple((tier, compile_condition(tier.when)) for tier in flag.tiers))
                 for flag in kb.triage.red_flags)


def effective_values(answers: Answers, kb: KnowledgeBase) -> dict[str, Any]:
    """Answers as rules read them: "unsure" becomes the alarming answer of its question."""
    alarming = _questions(kb).alarming
    return {key: (alarming[key] if value == UNSURE else value)
            for key, value in answers.values.items()}


def implied_conditions(values: dict[str, Any], kb: KnowledgeBase) -> tuple[str, ...]:
    """Interaction-table conditions implied by effective answers (`pregnant: true` ->
    pregnancy)."""
    return tuple(condition for question_id, condition, alarming in _questions(kb).implied
                 if values.get(question_id) == alarming)


def facts(answers: Answers, report: interactions.Report, kb: KnowledgeBase) -> Facts:
    """What rules read: answers with "unsure" made alarming, and the medicines recognised."""
    return _facts(effective_values(answers, kb), report, kb)


def _facts(values: dict[str, Any], report: interactions.Report, kb: KnowledgeBase) -> Facts:
    taken = [kb.interactions.drugs[d] for med in report.medications for d in med.drugs]
    return Facts(values, frozenset().union(*(drug.all_classes for drug in taken)),
                 frozenset(drug.id for drug in taken))


def assess(answers: Answers, kb: KnowledgeBase, candidate: Drug | None = None) -> Assessment:
    tables = kb.triage
    values = effective_values(answers, kb)
    report = interactions.check(answers.medications, kb, candidate, implied_conditions(values, kb),
                                answers.values.get("age"))
    facts_now = _facts(values, report, kb)
    order = _questions(kb).order

    hits = []
    for flag, tiers in _compiled(kb):
        for tier, when in tiers:
            because = when(facts_now)
            if because is not None:
                hits.append(FlagHit(flag, tier, tuple(sorted(because, key=order.__getitem__))))
                break
    hits.sort(key=lambda hit: -hit.urgency)
    urgency = max((hit.urgency for hit in hits), default=tables.default_level)

    steps = [hit.do_now for hit in hits]
    steps += _medicine_steps(report, tables)
    if urgency <= Urgency.ROUTINE:
        steps += [advice.text for advice in tables.self_care]
    unanswered = tuple(q for q in _questions(kb).answer_ids if q not in answers.values)
    return Assessment(urgency, tuple(hits), tuple(dict.fromkeys(steps)), report, answers,
                      unanswered)


def _medicine_steps(report: interactions.Report, tables: TriageTables) -> list[Text]:
    """The step for the worst findings, worded for what caused them: a medicine, or the
    person's age or health (a caution). A caution severity the table does not word gets the
    medicine wording rather than no step at all."""
    worst = report.worst
    if worst is None:
        return []
    at_worst = [item for item in report.interactions if item.finding.severity is worst]
    chosen = []
    if any(item.kind != "caution" for item in at_worst):
        chosen.append(tables.interaction_steps.get(worst))
    if any(item.kind == "caution" for item in at_worst):
        chosen.append(tables.caution_steps.get(worst) or tables.interaction_steps.get(worst))
    return [step.fill(candidate=report.candidate.name) for step in chosen if step is not None]


def should_ask(question: Question, answers: Answers, kb: KnowledgeBase) -> bool:
    """Whether a follow-up applies, given the answers so far."""
    if question.ask_when is None:
        return True
    report = interactions.check(answers.medications, kb)
    return holds(question.ask_when, facts(answers, report, kb)) is not None

