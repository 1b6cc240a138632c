"""The interactive questions (questionary). Produces raw answers; knows no clinical fact.

Imported only by `spasmcheck triage` without --answers: questionary costs 100-250 ms to import.
Prompts draw on stderr so stdout (and --json) stays clean; `unsafe_ask` lets Ctrl-C end the
run with exit 130 instead of returning a half-filled answer set.
"""

from __future__ import annotations

import sys
from typing import Any

from spasmcheck.answers import MEDICATIONS, answer_value
from spasmcheck.emergency import Contact
from spasmcheck.errors import NoTerminalError
from spasmcheck.model import UNSURE, Audience, KnowledgeBase, Question, QuestionType, Urgency

NO_TERMINAL = ("spasmcheck triage asks its questions in a terminal, and there is none here. "
               "Pass the answers instead: spasmcheck triage --answers FILE (YAML or JSON, "
               "or - for stdin); the README lists the answer keys.")
STOP, CONTINUE = "stop", "continue"


def ask(kb: KnowledgeBase, audience: Audience | None, contact: Contact) -> tuple[
        dict[str, Any], Audience]:
    """Ask every question that applies, in table order; stop early after an emergency."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise NoTerminalError(NO_TERMINAL)
    import questionary
    from prompt_toolkit.output import create_output

    output = create_output(stdout=sys.stderr)
    if audience is None:
        audience = questionary.select(
            "Which best describes you?",
            choices=[questionary.Choice("I have the spasm (or care for someone who does)",
                                        Audience.PATIENT),
                     questionary.Choice("I am a clinician", Audience.CLINICIAN)],
            output=output).unsafe_ask()
    raw: dict[str, Any] = {}
    emergency_shown = False
    for question in kb.triage.questions:
        if not _applies(question, raw, kb):
            continue
        value = _ask_one(questionary, output, question, audience, kb)
        if question.is_medicines:
            raw[MEDICATIONS] = [*raw.get(MEDICATIONS, []), *value]
        else:
            raw[question.id] = value
        if not emergency_shown and _emergency(raw, kb, contact, audience):
            emergency_shown = True
            choice = questionary.select(
                "What would you like to do?",
                choices=[questionary.Choice("Stop here and see the result", STOP),
                         questionary.Choice("Answer the rest too (the advice to get help now "
                                            "stays)", CONTINUE)],
                output=output).unsafe_ask()
            if choice == STOP:
                break
    return raw, audience


def _applies(question: Question, raw: dict[str, Any], kb: KnowledgeBase) -> bool:
    from spasmcheck.answers import validate
    from spasmcheck.triage import should_ask

    return should_ask(question, validate(raw, kb.triage), kb)


def _label(question: Question, audience: Audience) -> str:
    prompt = question.prompt.for_(audience)
    return f"{prompt}\n  ({question.help.for_(audience)})" if question.help else prompt


def _ask_one(questionary: Any, output: Any, question: Question, audience: Audience,
             kb: KnowledgeBase) -> Any:
    text = _label(question, audience)
    choice = questionary.Choice
    if question.type is QuestionType.CHOICE:
        return questionary.select(text, choices=[choice(c.label.for_(audience), c.value)
                                                 for c in question.choices],
                                  output=output).unsafe_ask()
    if question.is_yes_no:
        options = [choice("Yes", True), choice("No", False)]
        if question.type is QuestionType.YES_NO_UNSURE:
            options.append(choice("Not sure", UNSURE))
        return questionary.select(text, choices=options, output=output).unsafe_ask()
    if question.type is QuestionType.NUMBER:
        answer = questionary.text(text, validate=lambda s: _number_error(question, s) or True,
                                  output=output).unsafe_ask()
        return int(answer.strip())
    if question.type is QuestionType.MEDICINE_CHECKLIST:
        drugs = [d for d in kb.interactions.drugs.values() if question.class_id in d.all_classes]
        options = [choice(f"{d.name} ({', '.join(d.brands)})" if d.brands else d.name, d.name)
                   for d in sorted(drugs, key=lambda d: d.id)]
        return questionary.checkbox(text, choices=options, output=output).unsafe_ask()
    return _ask_medicines(questionary, output, text, kb)


def _number_error(question: Question, typed: str) -> str | None:
    try:
        answer_value(question, int(typed.strip()))
    except ValueError:
        return f"Type a whole number from {question.minimum} to {question.maximum}."
    return None


def _ask_medicines(questionary: Any, output: Any, text: str, kb: KnowledgeBase) -> list[str]:
    """Names one at a time, with completion; a misspelling is offered fixes, never replaced."""
    names = sorted({entry.name for entry in kb.names.entries()}, key=str.lower)
    chosen: list[str] = []
    while True:
        prompt = text if not chosen else "Another medicine? (leave empty when done)"
        typed = questionary.autocomplete(prompt + ("" if chosen else
                                                   "\n  (one name at a time; empty when done)"),
                                         choices=names, output=output,
                                         validate=lambda s: len(s) <= 200).unsafe_ask().strip()
        if not typed:
            return chosen
        resolution = kb.names.resolve(typed)
        if not resolution.drugs and resolution.suggestions:
            keep = f"Keep {typed!r} as typed (it will be listed as not recognised)"
            pick = questionary.select(f"{typed!r} is not a name spasmcheck knows. Did you mean:",
                                      choices=[*resolution.suggestions, keep],
                                      output=output).unsafe_ask()
            typed = typed if pick == keep else pick
        chosen.append(typed)


def _emergency(raw: dict[str, Any], kb: KnowledgeBase, contact: Contact,
               audience: Audience) -> bool:
    """Show the emergency card on stderr as soon as the answers so far call for it."""
    from spasmcheck.answers import validate
    from spasmcheck.render import data, layout
    from spasmcheck.triage import assess

    assessment = assess(validate(raw, kb.triage), kb, finished=False)
    if assessment.urgency is not Urgency.EMERGENCY:
        return False
    shaped = data.triage_result(assessment, kb, audience, contact)
    flag = shaped["red_flags"][0]
    banner = layout.triage_blocks(shaped)[0]
    assert isinstance(banner, layout.Banner)
    card = layout.Banner(banner.title, (*banner.lines, f"Why: {flag['title']}", flag["do_now"]),
                         "emergency")
    sys.stderr.write(_draw([card]))
    sys.stderr.flush()
    return True


def _draw(blocks: list[Any]) -> str:
    from spasmcheck.render import terminal

    return "\n" + terminal.draw(blocks) + "\n"

