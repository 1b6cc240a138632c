"""An answer in the words of its question, for the review screen and the result. Pure."""

from __future__ import annotations

from typing import Any

from spasmcheck.core.model import UNSURE, Audience, Question, QuestionType


def label(question: Question, value: Any, audience: Audience) -> str:
    """`True` -> "Yes", `"upper_back"` -> "Upper back, between the shoulder blades"."""
    if question.type is QuestionType.CHOICE:
        return next((c.label.for_(audience) for c in question.choices if c.value == value),
                    str(value))
    if question.is_yes_no:
        return "Not sure" if value == UNSURE else "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    return str(value)
