"""Babies and children: their own red flags, a plain "this advice is for adults", and no adult
home-care or medicine tips."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from spasmcheck.core.answers import validate
from spasmcheck.core.model import Urgency
from spasmcheck.core.triage import assess
from spasmcheck.frontends.cli import app

runner = CliRunner()
ADULT_TIP = "screen at eye level"


def run(kb, **answers: Any):
    return assess(validate({"trauma": "none", "weakness": "none", **answers}, kb.triage), kb)


@pytest.mark.parametrize(("answers", "level", "flag"), [
    ({"age": 0, "location": "whole_body", "duration_days": 7, "improving": False},
     Urgency.URGENT, "infant_spasms"),
    ({"age": 1, "location": "arm", "duration_days": 1, "improving": True, "fever": "none"},
     Urgency.URGENT, "infant_spasms"),
    ({"age": 10, "location": "lower_back", "duration_days": 21, "night_pain": True},
     Urgency.URGENT, "child_warning_signs"),
    ({"age": 3, "location": "neck", "duration_days": 2, "fever": "low"}, Urgency.URGENT,
     "child_warning_signs"),
    ({"age": 4, "location": "lower_back", "duration_days": 2, "fever": "none",
      "improving": True}, Urgency.URGENT, "child_warning_signs"),
    ({"age": 12, "location": "leg", "duration_days": 1, "fever": "none", "improving": True},
     Urgency.ROUTINE, "child_warning_signs"),
    ({"age": 8, "location": "leg", "duration_days": 1, "fever": "low", "improving": True},
     Urgency.URGENT, "child_warning_signs"),
], ids=["baby-all-over", "toddler-arm", "ten-night-pain", "three-neck-fever",
        "four-back-pain", "twelve-leg-cramp", "eight-leg-pain-fever"])
def test_children_have_their_own_tier(kb, answers, level, flag):
    result = run(kb, **answers)
    assert result.urgency is level, [(h.flag.id, h.urgency) for h in result.hits]
    assert flag in {hit.flag.id for hit in result.hits}
    assert [n.id for n in result.notices] == ["child"]
    assert {"self_care", "medicine_tips", "clinician_guidance"} <= result.withheld
    assert not set(result.next_steps) & {a.text for a in kb.triage.self_care}


def test_from_16_the_adult_rules_apply(kb):
    result = run(kb, age=16, location="leg", duration_days=1, fever="none", improving=True)
    assert result.urgency is Urgency.SELF_CARE
    assert result.notices == () and result.withheld == frozenset()


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_a_child_is_told_plainly_the_advice_is_for_adults_and_gets_no_adult_tips(audience):
    child = "age: 6\nlocation: leg\nduration_days: 1\nimproving: true\n"
    args = ["triage", "--answers", "-", "--audience", audience]
    shaped = json.loads(runner.invoke(app, [*args, "--json"], input=child).stdout)
    assert shaped["urgency"]["level"] == "routine"
    assert [n["id"] for n in shaped["notices"]] == ["child"]
    assert "adults" in shaped["notices"][0]["text"]
    assert shaped["guidance"] == []
    plain = runner.invoke(app, [*args, "--plain"], input=child).stdout
    head = " ".join(plain.split("\nWhy\n")[0].split())
    assert "written for adults" in head or "are for adults" in head
    assert ADULT_TIP not in " ".join(plain.split())
    assert "About cyclobenzaprine" not in plain and "Treatment guidance" not in plain


def test_a_child_in_a_batch_line_matches_the_one_shot_result():
    answers = {"age": 3, "location": "neck", "fever": "low"}
    line = json.dumps({"id": "c", "answers": answers}) + "\n"
    batch = json.loads(runner.invoke(app, ["triage", "--batch", "-"], input=line).stdout)
    single = json.loads(runner.invoke(app, ["triage", "--answers", "-", "--json"],
                                      input=json.dumps(answers)).stdout)
    assert batch["urgency"] == single["urgency"] and batch["notices"] == single["notices"]
    assert batch["guidance"] == [] and batch["urgency"]["level"] == "urgent"
