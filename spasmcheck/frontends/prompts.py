"""The interactive check: asks what the tables say to ask, in the tables' order. No clinical fact.

Imported only by `spasmcheck triage` without --answers. The order, the screens and the
follow-ups come from flow.py (the `asking` groups of redflags.yaml); the prompts are
prompt_widgets.py; medicine names are prompt_medicines.py. Everything is drawn on stderr so
stdout (and --json) stays clean. Ctrl-C raises KeyboardInterrupt: the CLI exits 130.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from spasmcheck.core import flow
from spasmcheck.core.emergency import Contact
from spasmcheck.core.errors import NoTerminalError
from spasmcheck.core.model import (
    UNSURE,
    Audience,
    Drug,
    KnowledgeBase,
    Question,
    QuestionType,
    Urgency,
)
from spasmcheck.frontends.prompt_widgets import BACK, Option, choose, note, tick, type_in, write

if TYPE_CHECKING:
    from spasmcheck.core.checker import Checker

NO_TERMINAL = ("spasmcheck triage asks its questions in a terminal, and there is none here. "
               "Pass the answers instead: spasmcheck triage --answers FILE (YAML or JSON, "
               "or - for stdin); the README lists the answer keys.")
STOP, CONTINUE, RESULT = "stop", "continue", "result"
ON_ITS_OWN = "ask on its own"  # a screen item left to be asked by itself
NONE_OF_THESE, NOT_SURE = "none of these", "not sure"


def ask(kb: KnowledgeBase, audience: Audience | None, contact: Contact,
        candidate: Drug | None = None) -> tuple[
        dict[str, Any], Audience]:
    """Ask until every question that applies is answered and the person has checked the
    answers (or has chosen to stop at an emergency). Returns raw answers for validation."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise NoTerminalError(NO_TERMINAL)
    from spasmcheck.core.checker import Checker
    from spasmcheck.frontends.prompt_widgets import ctrl_c_between_prompts

    with ctrl_c_between_prompts():  # one Checker for the session: it keeps what it works out
        return _ask(Checker(kb), audience or Audience.PATIENT, contact, candidate)


def _ask(checker: Checker, audience: Audience, contact: Contact, candidate: Drug | None
         ) -> tuple[
        dict[str, Any], Audience]:
    kb = checker.kb
    given: dict[str, Any] = {}
    singly: set[str] = set()  # screen items to ask on their own ("Not sure", a ticked choice)
    history: list[tuple[str, ...]] = []  # the questions each step answered, for going back
    warned: frozenset[str] = frozenset()  # emergency flags the card has been shown for
    going_on = False  # the person chose to answer the rest: the card is not shown again

    def undo(ids: set[str]) -> dict[str, Any]:
        singly.difference_update(ids)
        return flow.without(kb, given, ids)

    while True:
        step = flow.next_step(kb, given, singly)
        if step is None:
            change = _review(kb, given, audience, bool(history))
            if change == RESULT:
                break
            given = undo(set(history.pop()) if change is BACK else set(change))
            continue
        answered = _ask_step(checker, step, given, audience, bool(history), candidate)
        if answered is BACK:
            given = undo(set(history.pop()))
            continue
        singly.update(key for key, value in answered.items() if value == ON_ITS_OWN)
        given.update({key: value for key, value in answered.items() if value != ON_ITS_OWN})
        history.append(tuple(answered))
        level, flags = flow.urgency(checker, given)
        if level is Urgency.EMERGENCY and not going_on and not flags <= warned:
            warned |= flags
            _emergency_card(checker, given, contact, audience)
            choice = choose("What would you like to do?", None, [
                Option("Stop here and see what to do", STOP, "s"),
                Option("Answer the rest too (the advice to get help now stays)", CONTINUE, "c"),
            ], back=True)
            if choice is BACK:
                given = undo(set(history.pop()))
                warned = frozenset()
            elif choice == STOP:
                break
            else:
                going_on = True
    return flow.answers(kb, given).as_dict(), audience


# --- one step ----------------------------------------------------------------------------------


def _ask_step(checker: Checker, step: flow.Step, given: dict[str, Any], audience: Audience,
              back: bool, candidate: Drug | None = None) -> Any:
    if step.screen:
        return _screen(step, audience, back)
    question = step.questions[0]
    value = _ask_question(checker, question, given, audience, back, candidate)
    return value if value is BACK else {question.id: value}


def _screen(step: flow.Step, audience: Audience, back: bool) -> Any:
    """One list of warning signs; ticked means the alarming answer, unticked the calm one.
    "Not sure" leaves each unticked item to be asked on its own next (with "Not sure"
    offered), one at a time, so an emergency answer among them stops the questions at once."""
    title = step.group.title.for_(audience) if step.group.title else ""
    options = [Option(q.prompt.for_(audience), q.id, help=q.help.for_(audience) if q.help
                      else None) for q in step.questions]
    options += [Option("None of these", NONE_OF_THESE, key="n", alone=True),
                Option("Not sure about some of these", NOT_SURE, key="u")]
    ticked = tick(title, None, options, set(), back)
    if ticked is BACK:
        return BACK
    answers: dict[str, Any] = {}
    for question in step.questions:
        if question.id in ticked:  # a ticked choice is asked next, for its level
            answers[question.id] = ON_ITS_OWN if question.type is QuestionType.CHOICE \
                else question.alarming
        else:
            answers[question.id] = ON_ITS_OWN if NOT_SURE in ticked else _calm(question)
    note(_screen_line(title, step.questions, answers, audience), "")
    return answers


def _said(kb: KnowledgeBase, question: Question, given: dict[str, Any],
          audience: Audience) -> str:
    """An answer in words; a checklist that added nothing to the medicines named says so."""
    from spasmcheck.render.answers import label

    value = given[question.id]
    named = any(given.get(q.id) for q in kb.triage.questions if q.is_medicines)
    if question.type is QuestionType.MEDICINE_CHECKLIST and not value and named:
        return "None besides the medicines named"
    return label(question, value, audience)


def _screen_line(title: str, questions: Any, given: dict[str, Any], audience: Audience) -> str:
    """`Do you have any of these now? Yes to: ...; Not sure about: ...` or `... None of
    these` (items still to be asked on their own are left out)."""
    from spasmcheck.render.answers import label

    ticked = []
    for q in questions:
        value = given.get(q.id, ON_ITS_OWN)
        if value in (ON_ITS_OWN, _calm(q)):
            continue
        said = "Not sure about" if value == UNSURE else "Yes to"
        level = f" ({label(q, value, audience)})" if q.type is QuestionType.CHOICE else ""
        ticked.append(f"{said}: {q.prompt.for_(audience)}{level}")
    return f"{title} " + ("; ".join(ticked) if ticked else "None of these")


def _calm(question: Question) -> Any:
    return (not question.alarming) if question.is_yes_no else question.values[0]


def _ask_question(checker: Checker, question: Question, given: dict[str, Any],
                  audience: Audience, back: bool, candidate: Drug | None = None) -> Any:
    from spasmcheck.frontends import prompt_medicines

    if question.type is QuestionType.MEDICINES:
        return prompt_medicines.ask_names(checker, question, audience, back, candidate)
    if question.type is QuestionType.MEDICINE_CHECKLIST:
        return prompt_medicines.ask_checklist(checker, question, given, audience, back)
    return _ask_one(question, audience, back)


def _ask_one(question: Question, audience: Audience, back: bool) -> Any:
    """A yes/no, choice or number question on its own. Nothing is pre-selected."""
    title = question.prompt.for_(audience)
    help_text = question.help.for_(audience) if question.help else None
    if question.type is QuestionType.NUMBER:
        typed = type_in(title, help_text, lambda s: _number_problem(question, s), back=back)
        if typed is BACK:
            return BACK
        return int(typed)
    if question.is_yes_no:
        options = [Option("Yes", True, "y"), Option("No", False, "n")]
        if question.type is QuestionType.YES_NO_UNSURE:
            options.append(Option("Not sure", UNSURE, "u"))
    else:
        options = [Option(c.label.for_(audience), c.value, str(i + 1))
                   for i, c in enumerate(question.choices)]
    value = choose(title, help_text, options, back)
    if value is not BACK:
        label = next(o.label for o in options if o.value == value)
        note(f"{title} {label}", "")
    return value


def _number_problem(question: Question, typed: str) -> str | None:
    from spasmcheck.core.answers import answer_value

    try:
        answer_value(question, int(typed))
    except ValueError:
        return f"Type a whole number from {question.minimum} to {question.maximum}."
    return None


# --- review ------------------------------------------------------------------------------------


def _review(kb: KnowledgeBase, given: dict[str, Any], audience: Audience, back: bool) -> Any:
    """The answers in plain words; picking one asks it again (and what depended on it)."""
    options = [Option("These are right: show my result", RESULT, "r")]
    options += [Option(f"Change: {text}", keys) for text, keys in _given_lines(kb, given,
                                                                                audience)]
    return choose("Please check your answers. Choose one to change it, or see your result.",
                  None, options, back)


def _given_lines(kb: KnowledgeBase, given: dict[str, Any], audience: Audience) -> list[
        tuple[str, tuple[str, ...]]]:
    """One line per question asked on its own, one per screen (its ticked items, or "none")."""

    lines = []
    for group in flow.groups(kb):
        asked = [kb.triage.question(i) for i in group.questions if i in given]
        items = [q for q in asked if group.style == "screen" and not flow.is_follow_up(q, group)]
        if items:
            title = group.title.for_(audience) if group.title else ""
            lines.append((_screen_line(title, items, given, audience),
                          tuple(q.id for q in items)))
        lines += [(f"{q.prompt.for_(audience)} {_said(kb, q, given, audience)}", (q.id,))
                  for q in asked if q not in items]
    return lines


# --- the emergency card ------------------------------------------------------------------------


def _emergency_card(checker: Checker, given: dict[str, Any], contact: Contact,
                    audience: Audience) -> None:
    """Shown on stderr as soon as the answers so far call for an emergency, at the
    terminal's width, the number first."""
    from spasmcheck.frontends.prompt_widgets import width
    from spasmcheck.render import data, layout, terminal

    kb = checker.kb
    assessment = checker.assess(flow.answers(kb, given), finished=False)
    shaped = data.triage_result(assessment, kb, audience, contact)
    card = layout.emergency_card(shaped)
    write("\n" + terminal.draw([card], kb.triage.colours,
                                       width=min(width() + 1, terminal.WIDTH)))
