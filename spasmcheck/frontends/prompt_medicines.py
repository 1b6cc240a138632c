"""Asking for medicines: several names at once, each shown as what it was recognised as.

A name that is not recognised is offered close names, typed again, or kept as not recognised
(it is then reported as not checked, never as safe). One medicine named two ways (Zoloft, then
sertraline in the checklist) is counted once.
"""

from __future__ import annotations

import re
from typing import Any

from spasmcheck.core.checker import Checker
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import Audience, Drug, KnowledgeBase, Question
from spasmcheck.core.names import Resolution
from spasmcheck.frontends.prompt_widgets import BACK, Option, choose, note, tick, type_in

_LIST = re.compile(r"[,;\n]+(?!\d)")  # "1,5 mg" is a dose, not two names
_AND = re.compile(r"\s+(?:and|&|plus)\s+", re.IGNORECASE)
MAX_NAME = LIMITS.name_length
RETYPE, KEEP = "retype", "keep"


def split_names(text: str, known: Any) -> list[str]:
    """`"Zoloft, ibuprofen and NyQuil Cold and Flu"` -> three names. "and" splits a list only
    where the words around it are not one known name; `known(name)` says whether one is."""
    names: list[str] = []
    for piece in _LIST.split(text):
        parts = [p.strip() for p in _AND.split(piece) if p.strip()]
        i = 0
        while i < len(parts):
            j = next((j for j in range(len(parts), i + 1, -1)
                      if known(" and ".join(parts[i:j]))), i + 1)
            names.append(" and ".join(parts[i:j]))
            i = j
    return [name for name in names if name]


def ask_names(checker: Checker, question: Question, audience: Audience, back: bool,
              candidate: Drug | None = None) -> Any:
    """Names until an empty line; each recognised one is echoed as what it matched."""
    kb = checker.kb
    listed: list[Resolution] = []
    title = question.prompt.for_(audience)
    how = ("Type them all at once (commas or \"and\" between them), or one a line. Press Enter "
           "on an empty line when you have finished, or if you take none.")
    help_text: str | None = f"{question.help.for_(audience)} {how}" if question.help else how
    words = sorted({entry.name for entry in kb.names.entries()}, key=str.lower)
    while True:
        typed = type_in(title, help_text, _too_long, words, back=back or bool(listed))
        if typed is BACK:
            if not listed:
                return BACK
            note(f"Removed {listed.pop().input}.")
            continue
        if not typed:
            names = [r.input for r in listed]
            note("Medicines: " + (", ".join(names) if names else "none"), "")
            return names
        for name in split_names(typed, lambda n: _one_name(kb, n)):
            found = _settle(checker, name, candidate)
            if found is None:
                continue
            same = next((r for r in listed if found.known and set(r.drugs) == set(found.drugs)),
                        None)
            if same is not None:
                note(f"{found.input} is the same medicine as {same.input}: counted once.")
                continue
            listed.append(found)
            note(_recognised(kb, found))
        title = "Any other medicines? Type them, or press Enter if that is all."
        help_text = "Listed so far: " + ", ".join(r.input for r in listed) if listed else None


def _one_name(kb: KnowledgeBase, name: str) -> bool:
    """A name the tables know as one medicine or product (not several read together)."""
    entry = kb.names.lookup(name)
    return entry is not None and entry.kind != "combination"


def _too_long(text: str) -> str | None:
    return f"A name can be at most {MAX_NAME} characters." if len(text) > MAX_NAME * 5 else None


def _recognised(kb: KnowledgeBase, found: Resolution) -> str:
    if not found.known:
        return f"{found.input}: not recognised. It will be listed as not checked."
    generic = " + ".join(kb.interactions.drugs[d].name for d in found.drugs)
    same = found.input.strip().lower() == generic.lower()
    return f"{found.input}: recognised" if same else f"{found.input} = {generic}"


def _settle(checker: Checker, name: str, candidate: Drug | None) -> Resolution | None:
    """A recognised name, or one the person chose to keep unrecognised (None: dropped)."""
    while True:
        found = checker.lookup(name[:MAX_NAME], candidate)
        if found.known:
            return found
        options = [Option(f"I meant {s}", s, str(i + 1))
                   for i, s in enumerate(found.suggestions)]
        options += [Option("Type it again", RETYPE, "t"),
                    Option(f"Keep \"{name}\" as typed (it will be listed as not checked)",
                           KEEP, "k")]
        pick = choose(f"\"{name}\" is not a medicine name spasmcheck knows.", None, options,
                      back=False)
        if pick == KEEP:
            return found
        if pick != RETYPE:
            return checker.lookup(pick)
        retyped = type_in(f"Type \"{name}\" again (or leave it empty to drop it):", None,
                          _too_long, back=False)
        if not retyped:
            return None
        name = retyped


def ask_checklist(checker: Checker, question: Question, given: dict[str, Any],
                  audience: Audience, back: bool) -> Any:
    """The class's medicines by name, the ones already named ticked. Returns only the
    newly ticked ones, so a medicine named earlier is never counted twice."""
    kb = checker.kb
    drugs = sorted((d for d in kb.interactions.drugs.values()
                    if question.class_id in d.all_classes), key=lambda d: d.id)
    named = {drug for key, value in given.items() if kb.triage.question(key).is_medicines
             for name in value for drug in checker.lookup(name).drugs}
    options = [Option(f"{d.name} ({', '.join(d.brands)})" if d.brands else d.name, d.id)
               for d in drugs]
    options.append(Option("None of these", None, key="n", alone=True))
    ticked = tick(question.prompt.for_(audience), question.help.for_(audience)
                  if question.help else None, options, {d.id for d in drugs if d.id in named},
                  back)
    if ticked is BACK:
        return BACK
    new = [kb.interactions.drugs[d].name for d in ticked if d is not None and d not in named]
    shown = [kb.interactions.drugs[d].name for d in ticked if d is not None]
    note(f"{question.prompt.for_(audience)} " + (", ".join(shown) if shown else "None"), "")
    return new
