"""A person at a terminal: spawns `spasmcheck triage` in a pseudo-terminal and answers what
it asks, the way a person would press keys. Shared by the interactive tests."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect

from spasmcheck.core.model import KnowledgeBase
from spasmcheck.tables import knowledge

# The console script installed beside this Python; never skipped when not on PATH.
SCRIPT = str(Path(sys.executable).with_name("spasmcheck"))
ENTER, UP, DOWN, SPACE, CTRL_C = "\r", "k", "j", " ", "\x03"
LIVE = r"\((?:up/down|type, then Enter)"  # the hint line that ends every live prompt
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|[\x08\x07]")
TIMEOUT = 90  # a loaded 2-core machine can be slow to start Python


def clean(raw: str) -> str:
    """Screen text with the escape sequences gone and every run of whitespace one space."""
    return " ".join(_ANSI.sub("", raw).split())


def spawn(*args: str, columns: int = 100, rows: int = 60,
          env: dict[str, str] | None = None) -> pexpect.spawn:
    # PROMPT_TOOLKIT_NO_CPR: pexpect does not answer cursor-position requests as a terminal
    # does, and prompt_toolkit would wait for each reply.
    full = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1",
            "COLUMNS": str(columns), "LINES": str(rows), **(env or {})}
    full.pop("SPASMCHECK_AUDIENCE", None)
    child = pexpect.spawn(SCRIPT, ["triage", *args], env=full, encoding="utf-8",
                          timeout=TIMEOUT, dimensions=(rows, columns))
    # pexpect sleeps 50 ms before every send, for programs that turn echo off late; every
    # test waits for the prompt it answers, so a short pause is enough (and the suite faster)
    child.delaybeforesend = 0.01
    return child


def titles(kb: KnowledgeBase) -> dict[str, str]:
    """Every heading a live prompt can start with, mapped to a name for it: question ids,
    screen group ids, and the few fixed prompts of the check."""
    names = {q.prompt.patient: q.id for q in kb.triage.questions}
    names |= {g.title.patient: g.id for g in kb.triage.asking if g.title}
    names |= {"What would you like to do?": "stop_or_continue",
              "Please check your answers.": "review",
              "Any other medicines?": "more_medicines",
              "is not a medicine name spasmcheck knows": "unrecognised",
              "again (or leave it empty to drop it)": "retype"}
    return names


class Person:
    """Answers prompts from a plan (prompt name -> keys, or a function of the screen text);
    anything not in the plan gets the calm answer. Records every prompt met."""

    def __init__(self, child: pexpect.spawn, plan: dict[str, str | Callable[[str], str]]):
        self.child, self.plan = child, plan
        self.kb = knowledge.load()
        self.names = titles(self.kb)
        self.met: list[str] = []
        self.screens: list[str] = []  # the text of each live prompt, as drawn

    def current(self, text: str) -> str:
        """The prompt now on screen: the heading that starts last, not counting screen items
        ("[ ] ..."), review lines ("Change: ...") and the transcript of earlier answers."""
        best, where = "", -1
        for heading, name in self.names.items():
            key = clean(heading)[:40]
            for match in re.finditer(re.escape(key), text):
                before = text[max(0, match.start() - 10):match.start()]
                if any(mark in before for mark in ("] ", "Change: ", "Yes to: ", "about: ")):
                    continue
                if match.start() > where:
                    best, where = name, match.start()
        return best

    def answer_all(self, limit: int = 80) -> str:
        """Answer until the program ends; returns everything it printed after the last prompt."""
        for _ in range(limit):
            index = self.child.expect([LIVE, pexpect.EOF])
            if index == 1:
                return str(self.child.before)
            text = clean(self.child.before)
            name = self.current(text)
            self.met.append(name)
            self.screens.append(text)
            keys = self.plan.get(name, calm(self.kb, name, text))
            self.child.send(keys(text) if callable(keys) else keys)
        raise AssertionError(f"more than {limit} prompts: {self.met}")

    def finish(self) -> str:
        out = self.answer_all()
        self.child.close()
        return out


def calm(kb: KnowledgeBase, name: str, text: str) -> str:
    """The keys for the calm answer to a prompt (the person has none of the warning signs)."""
    fixed = {"stop_or_continue": "s" + ENTER, "review": "r" + ENTER, "more_medicines": ENTER,
             "unrecognised": "k" + ENTER, "retype": ENTER}
    if name in fixed:
        return fixed[name]
    if any(g.id == name for g in kb.triage.asking):
        return UP + UP + ENTER  # from the first item up twice: "None of these"
    question = kb.triage.question(name)
    if question.type.value == "number":
        return {"age": "40", "duration_days": "3"}.get(name, str(question.minimum)) + ENTER
    if question.is_yes_no:
        return ("y" if question.alarming is False else "n") + ENTER
    if question.type.value == "choice":
        return "1" + ENTER
    if question.type.value == "medicines":
        return ENTER
    if "[x]" in text:  # a checklist with the medicines already named ticked: keep them
        return ENTER
    return UP + ENTER  # a checklist: up from the first item wraps to "None of these"
