"""The asking order as data: every question a rule needs is reachable, emergencies come early,
a changed answer brings back its follow-ups, and a broken `asking` table is refused."""

from __future__ import annotations

import pytest
from test_loading import copy_tables, edit, problems_for

from spasmcheck.core import conditions, flow
from spasmcheck.core.model import KnowledgeBase, Question, QuestionType, Urgency
from spasmcheck.frontends.prompt_medicines import _one_name, split_names


def alarming(question: Question):
    if question.is_yes_no:
        return question.alarming
    if question.type is QuestionType.NUMBER:  # "both" (age): the high end here, see low_end
        return question.minimum if question.alarming_direction == "down" else question.maximum
    if question.type is QuestionType.CHOICE:
        return question.values[-1]
    return ["haloperidol", "sertraline"] if question.type is QuestionType.MEDICINES else []


def low_end(question: Question):
    """Alarming answers, with numbers alarming at both ends (a child's age) at their low end."""
    if question.type is QuestionType.NUMBER and question.alarming_direction == "both":
        return question.minimum
    return alarming(question)


def calm(question: Question):
    if question.is_yes_no:
        return not question.alarming
    if question.type is QuestionType.NUMBER:
        return 30
    if question.type is QuestionType.CHOICE:
        return question.values[0]
    return []


def walk(kb: KnowledgeBase, answer) -> list[str]:
    """Every question the interactive flow asks, in order, answering with `answer`."""
    given: dict = {}
    asked: list[str] = []
    while (step := flow.next_step(kb, given)) is not None:
        for question in step.questions:
            asked.append(question.id)
            given[question.id] = answer(question)
    return asked


def test_every_question_a_rule_reads_is_reachable(kb):
    """Shortening never drops a question a rule needs: walk with alarming answers, once for
    each value of each choice question, and every question is asked in some walk."""
    choices = [q for q in kb.triage.questions if q.type is QuestionType.CHOICE]
    walks = [walk(kb, alarming), walk(kb, low_end)]
    walks += [walk(kb, lambda q, c=choice, v=value: v if q is c else alarming(q))
              for choice in choices for value in choice.values]
    reached = set().union(*walks)
    read = set().union(*(conditions.keys_of(t.when) for f in kb.triage.red_flags
                         for t in f.tiers)) - {conditions.MEDICATIONS_KEY}
    assert read <= reached, read - reached
    assert {q.id for q in kb.triage.questions} <= reached


def test_a_question_that_alone_means_emergency_is_asked_before_the_rest(kb):
    """Where, how long and how it started come first; then every sign that on its own means
    an emergency, before any question that no emergency rule reads."""
    lone = set()
    for flag in kb.triage.red_flags:
        for tier in flag.tiers:
            if tier.urgency is Urgency.EMERGENCY and not isinstance(tier.when, conditions.All):
                lone |= conditions.keys_of(tier.when)
    emergency_reads = set().union(*(conditions.keys_of(t.when) for f in kb.triage.red_flags
                                    for t in f.tiers if t.urgency is Urgency.EMERGENCY))
    order = walk(kb, calm)
    opening = [q for g in kb.triage.asking[:next(i for i, g in enumerate(kb.triage.asking)
                                                  if g.style == "screen")]
               for q in g.questions]
    last_lone = max(order.index(q) for q in lone if q in order)
    first_other = min(order.index(q) for q in order
                      if q not in emergency_reads and q not in opening)
    assert last_lone < first_other, (order[:last_lone + 1], order[first_other])
    asked_first = [q for q in opening if q in order]
    assert order[:len(asked_first)] == asked_first


def test_a_calm_walk_asks_no_follow_up_of_a_worrying_answer(kb):
    """Calm answers open no follow-up; only where the spasm is, how old the person is and how
    long it has lasted may bring in questions of their own."""
    given = {q: calm(kb.triage.question(q)) for q in walk(kb, calm)}
    context = {k: v for k, v in given.items() if k in ("location", "age", "duration_days")}
    facts = conditions.Facts(context, frozenset(), frozenset())
    assert not [q.id for q in kb.triage.questions if q.ask_when is not None and q.id in given
                and conditions.holds(q.ask_when, facts) is None]


def test_changing_an_answer_asks_its_follow_ups_again(kb):
    given = {q: calm(kb.triage.question(q)) for q in walk(kb, calm)}
    reads_location = [q.id for q in kb.triage.questions
                      if q.ask_when and "location" in conditions.keys_of(q.ask_when)]
    assert reads_location
    changed = flow.without(kb, given, {"location"})
    assert "location" not in changed
    assert not set(reads_location) & set(changed)  # asked again once location is answered
    changed["location"] = "leg"
    step = flow.next_step(kb, changed)
    assert step is not None and set(reads_location) & {q.id for q in step.questions}


def test_changing_the_medicines_asks_the_checklist_again(kb):
    given = {q: calm(kb.triage.question(q)) for q in walk(kb, calm)}
    medicines = [q.id for q in kb.triage.questions if q.is_medicines]
    changed = flow.without(kb, given, {medicines[0]})
    assert not set(medicines) & set(changed)


@pytest.mark.parametrize(("typed", "names"), [
    ("Zoloft, ibuprofen", ["Zoloft", "ibuprofen"]),
    ("Zoloft and ibuprofen & Tylenol", ["Zoloft", "ibuprofen", "Tylenol"]),
    ("NyQuil Cold and Flu and sertraline", ["NyQuil Cold and Flu", "sertraline"]),
    ("sertraline 50 mg; co-codamol 30/500", ["sertraline 50 mg", "co-codamol 30/500"]),
    ("diazepam 2,5 mg, baclofen", ["diazepam 2,5 mg", "baclofen"]),
    ("  ,  ", []),
])
def test_a_typed_line_is_split_into_medicine_names(kb, typed, names):
    assert split_names(typed, lambda n: _one_name(kb, n)) == names


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    group: danger_now\n", "    group: nowhere\n", "'nowhere' is not a group in `asking`"),
    ("  - id: danger_now\n    style: screen\n", "  - id: danger_now\n    style: pile\n",
     "style"),
    ("    title: {patient: \"Do you have any of these now?\", clinician: \"Any of these now?\"}\n",
     "", "a screen group needs a `title`"),
    ("  - id: improving\n    type: yes_no_unsure\n",
     "  - id: improving\n    type: yes_no_unsure\n    group: health\n",
     "cannot be an item of the screen 'health'"),
    ("  - id: location\n    type: choice\n    group: start\n",
     "  - id: location\n    type: choice\n    group: medicines\n",
     "comes first in `asking`"),
])
def test_a_broken_asking_table_is_refused_with_its_place(tmp_path, old, new, expected):
    folder = copy_tables(tmp_path)
    edit(folder, "redflags.yaml", old, new)
    problems = problems_for(folder)
    assert any(expected in p for p in problems), problems


def test_tables_without_asking_ask_each_question_in_table_order(tmp_path):
    folder = copy_tables(tmp_path)
    text = (folder / "redflags.yaml").read_text("utf-8")
    start, end = text.index("asking:\n"), text.index("# The questions, grouped")
    text = text[:start] + text[end:]
    text = "\n".join(line for line in text.splitlines() if not line.startswith("    group: "))
    (folder / "redflags.yaml").write_text(text + "\n", "utf-8")
    from spasmcheck.tables import knowledge

    kb = knowledge.load(folder)
    assert walk(kb, calm)[:3] == [q.id for q in kb.triage.questions[:3]]
