"""The interactive triage in a real pseudo-terminal, answered as a person would type."""

from __future__ import annotations

import os
import re
import shutil

import pexpect
import pytest

from spasmcheck import knowledge
from spasmcheck.model import QuestionType

SPASMCHECK = shutil.which("spasmcheck")
pytestmark = pytest.mark.skipif(SPASMCHECK is None, reason="console script not installed")
DOWN, ENTER, CTRL_C = "j", "\r", "\x03"  # j: questionary's "down" (no escape-key delay)


def spawn(*args: str) -> pexpect.spawn:
    # PROMPT_TOOLKIT_NO_CPR: pexpect does not answer cursor-position requests as a terminal
    # does, and prompt_toolkit would wait about a second for each reply.
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "200", "LINES": "50", "NO_COLOR": "1",
           "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(SPASMCHECK, ["triage", *args], env=env, encoding="utf-8",
                          timeout=20, dimensions=(50, 200))
    return child


def prompt_patterns() -> dict[str, str]:
    """The first words of every patient prompt, as a regex, mapped to its question id."""
    kb = knowledge.load()
    return {re.escape(q.prompt.patient[:30]): q.id for q in kb.triage.questions}


def calm_keys(question_id: str) -> str:
    """The calm answer to a question, as keys."""
    kb = knowledge.load()
    question = kb.triage.question(question_id)
    if question.type is QuestionType.NUMBER:
        return {"age": "40", "duration_days": "3"}.get(question_id, str(question.minimum)) + ENTER
    if question.is_yes_no:  # choices are Yes, No[, Not sure]
        return ENTER if question.alarming is False else DOWN + ENTER
    if question.type is QuestionType.CHOICE:  # the first listed choice is the calmest
        return ENTER
    return ENTER  # medicine list or checklist: nothing


def test_emergency_answer_stops_with_the_number_first():
    child = spawn("--country", "GB")
    child.expect("Which best describes you")
    child.send(ENTER)  # a patient
    patterns = prompt_patterns()
    kb = knowledge.load()
    first = kb.triage.questions[0]
    assert first.screen and first.is_yes_no
    child.expect(list(patterns))
    child.send(ENTER if first.alarming else DOWN + ENTER)  # the alarming answer
    child.expect("CALL 999 NOW")
    child.expect("What would you like to do")
    child.send(ENTER)  # stop here
    child.expect(pexpect.EOF)
    child.close()
    assert "CALL 999 NOW" in child.before
    assert child.exitstatus == 0
    assert "Traceback" not in child.before


def test_calm_answers_reach_self_care():
    child = spawn("--audience", "patient", "--country", "US")
    patterns = prompt_patterns()
    keys = list(patterns)
    asked = []
    while True:
        index = child.expect([*keys, r"SELF.CARE", pexpect.EOF], timeout=20)
        if index >= len(keys):
            break
        question_id = patterns[keys[index]]
        if asked and asked[-1] == question_id:
            continue  # the answered question is redrawn once with its answer
        asked.append(question_id)
        child.send(calm_keys(question_id))
    assert index == len(keys), child.before
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "location" in asked and "medications" in asked
    assert len(asked) < len(knowledge.load().triage.questions), "follow-ups were skipped"


def test_ctrl_c_exits_130_without_a_traceback():
    child = spawn("--audience", "patient")
    child.expect(list(prompt_patterns()))
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before
    assert "stopped (Ctrl-C)" in child.before
